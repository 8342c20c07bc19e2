/* db_tsig.c -- SQL for TSIG keys. */
#include "db_tsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/* Columns id, account_id, name, algorithm, created_at. */
static void read_info(sqlite3_stmt *st, db_tsig_info *k)
{
	memset(k, 0, sizeof(*k));
	k->id = sqlite3_column_int64(st, 0);
	k->account_id = sqlite3_column_int64(st, 1);
	snprintf(k->name, sizeof(k->name), "%s",
		 (const char *)sqlite3_column_text(st, 2));
	snprintf(k->algorithm, sizeof(k->algorithm), "%s",
		 (const char *)sqlite3_column_text(st, 3));
	k->created_at = sqlite3_column_int64(st, 4);
}

int db_tsig_key_insert(db *d, int64_t account_id, const tsig_key *k,
		       int64_t now, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO tsig_keys (account_id, name, algorithm, "
			     "secret, created_at) VALUES (?, ?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, k->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, k->algorithm, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, k->secret, (int)k->secret_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	if ((rc = db_exec_stmt(d, st)) == AX_OK)
		*id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

int db_tsig_key_get(db *d, int64_t account_id, const char *name,
		    db_tsig_info *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT id, account_id, name, algorithm, created_at "
			     "FROM tsig_keys WHERE account_id = ? AND name = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_info(st, out);
		rc = AX_OK;
	} else {
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	}
	db_done(d, st);
	return rc;
}

int db_tsig_key_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		     db_tsig_info **out, size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM tsig_keys WHERE account_id = ?",
			   account_id, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT id, account_id, name, algorithm, created_at "
			     "FROM tsig_keys WHERE account_id = ? ORDER BY name "
			     "LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((*out = calloc((size_t)limit + 1, sizeof(**out))) == NULL) {
		db_done(d, st);
		return AX_ENOMEM;
	}
	rc = SQLITE_DONE;
	while (*n < (size_t)limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		read_info(st, &(*out)[(*n)++]);
	db_done(d, st);
	if ((rc = db_err(rc)) != AX_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int db_tsig_key_user(db *d, int64_t key_id, char **zone)
{
	sqlite3_stmt *st;
	int rc;

	*zone = NULL;
	if ((rc = db_prepare(d, "SELECT z.name FROM secondary_dns s JOIN zones z ON "
			     "z.id = s.zone_id WHERE s.tsig_key_id = ? ORDER BY z.name "
			     "LIMIT 1", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, key_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = (*zone = db_col_strdup(st, 0)) ? AX_OK : AX_ENOMEM;
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_tsig_key_delete(db *d, int64_t account_id, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM tsig_keys WHERE account_id = ? AND id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}
