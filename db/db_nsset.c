/* db_nsset.c -- SQL for name server sets. */
#include "db_nsset.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define NSSET_COLS "id, account_id, name, name_servers, addresses, " \
	"created_at, updated_at"

void db_nsset_clear(db_nsset *s)
{
	if (s == NULL)
		return;
	free(s->name);
	db_strv_free(&s->name_servers);
	db_strv_free(&s->addresses);
	memset(s, 0, sizeof(*s));
}

void db_nsset_array_free(db_nsset *sets, size_t n)
{
	for (size_t i = 0; sets != NULL && i < n; i++)
		db_nsset_clear(&sets[i]);
	free(sets);
}

static int read_nsset(sqlite3_stmt *st, db_nsset *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->account_id = sqlite3_column_int64(st, 1);
	s->name = db_col_strdup(st, 2);
	s->created_at = sqlite3_column_int64(st, 5);
	s->updated_at = sqlite3_column_int64(st, 6);
	rc = s->name ? AX_OK : AX_ENOMEM;
	if (rc == AX_OK)
		rc = db_strv_split((const char *)sqlite3_column_text(st, 3),
				   &s->name_servers);
	if (rc == AX_OK)
		rc = db_strv_split((const char *)sqlite3_column_text(st, 4),
				   &s->addresses);
	if (rc != AX_OK)
		db_nsset_clear(s);
	return rc;
}

/* Binds name (1), name_servers (2), addresses (3) and updated_at (4). */
static int bind_nsset(sqlite3_stmt *st, const db_nsset *s)
{
	char *ns = NULL, *addrs = NULL;

	if (db_strv_join(&s->name_servers, &ns) != AX_OK ||
	    db_strv_join(&s->addresses, &addrs) != AX_OK) {
		free(ns);
		return AX_ENOMEM;
	}
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ns, -1, free);
	sqlite3_bind_text(st, 3, addrs, -1, free);
	sqlite3_bind_int64(st, 4, s->updated_at);
	return AX_OK;
}

int db_nsset_insert(db *d, db_nsset *s)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO name_server_sets (name, name_servers, "
			     "addresses, updated_at, account_id, created_at) VALUES "
			     "(?1, ?2, ?3, ?4, ?5, ?6)", &st)) != AX_OK)
		return rc;
	if ((rc = bind_nsset(st, s)) != AX_OK) {
		db_done(d, st);
		return rc;
	}
	sqlite3_bind_int64(st, 5, s->account_id);
	sqlite3_bind_int64(st, 6, s->created_at);
	if ((rc = db_exec_stmt(d, st)) == AX_OK)
		s->id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

int db_nsset_get(db *d, int64_t account_id, int64_t id, db_nsset *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT " NSSET_COLS " FROM name_server_sets "
			     "WHERE account_id = ? AND id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_nsset(st, out);
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_nsset_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		  db_nsset **out, size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM name_server_sets WHERE "
			   "account_id = ?", account_id, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT " NSSET_COLS " FROM name_server_sets WHERE "
			     "account_id = ? ORDER BY id LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((*out = calloc((size_t)limit + 1, sizeof(**out))) == NULL) {
		db_done(d, st);
		return AX_ENOMEM;
	}
	rc = AX_OK;
	while (rc == AX_OK && *n < (size_t)limit) {
		int s = sqlite3_step(st);
		if (s != SQLITE_ROW) {
			rc = db_err(s);
			break;
		}
		if ((rc = read_nsset(st, &(*out)[*n])) == AX_OK)
			(*n)++;
	}
	db_done(d, st);
	if (rc != AX_OK) {
		db_nsset_array_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int db_nsset_update(db *d, const db_nsset *s)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE name_server_sets SET name = ?1, "
			     "name_servers = ?2, addresses = ?3, updated_at = ?4 "
			     "WHERE account_id = ?5 AND id = ?6", &st)) != AX_OK)
		return rc;
	if ((rc = bind_nsset(st, s)) != AX_OK) {
		db_done(d, st);
		return rc;
	}
	sqlite3_bind_int64(st, 5, s->account_id);
	sqlite3_bind_int64(st, 6, s->id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

int db_nsset_delete(db *d, int64_t account_id, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM name_server_sets WHERE account_id = ? "
			     "AND id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}
