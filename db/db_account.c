/* db_account.c -- SQL for accounts and tokens. */
#include "db_account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

int db_account_create(db *d, const char *name, bool is_admin, int64_t now,
		      int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO accounts (name, is_admin, created_at) "
			     "VALUES (?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, is_admin);
	sqlite3_bind_int64(st, 3, now);
	rc = db_exec_stmt(d, st);
	if (rc == AX_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

static void read_account(sqlite3_stmt *st, int col, db_account *a)
{
	const unsigned char *name = sqlite3_column_text(st, col + 1);

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, col);
	snprintf(a->name, sizeof(a->name), "%s", name ? (const char *)name : "");
	a->is_admin = sqlite3_column_int(st, col + 2) != 0;
	a->created_at = sqlite3_column_int64(st, col + 3);
}

int db_account_get(db *d, int64_t id, db_account *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "SELECT id, name, is_admin, created_at FROM accounts "
			     "WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_account(st, 0, out);
	rc = rc == SQLITE_ROW ? AX_OK : rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_account_list(db *d, int64_t offset, int64_t limit, db_account **out,
		    size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	db_account *arr = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM accounts", 0, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT id, name, is_admin, created_at FROM accounts "
			     "ORDER BY id LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	if ((arr = calloc((size_t)limit + 1, sizeof(*arr))) == NULL) {
		db_done(d, st);
		return AX_ENOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && cnt < (size_t)limit)
		read_account(st, 0, &arr[cnt++]);
	rc = db_err(rc);
	db_done(d, st);
	if (rc != AX_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}

int db_admin_exists(db *d, bool *exists)
{
	int64_t cnt = 0;
	int rc = db_count(d, "SELECT count(*) FROM accounts WHERE is_admin = 1", 0,
			  &cnt);

	*exists = cnt > 0;
	return rc;
}

int db_token_create(db *d, int64_t account_id, const char *hash_hex,
		    const char *prefix, int64_t now, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO tokens (account_id, hash, prefix, "
			     "created_at) VALUES (?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, hash_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	rc = db_exec_stmt(d, st);
	if (rc == AX_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

int db_token_lookup(db *d, const char *hash_hex, db_account *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "SELECT a.id, a.name, a.is_admin, a.created_at "
			     "FROM tokens t JOIN accounts a ON a.id = t.account_id "
			     "WHERE t.hash = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, hash_hex, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_account(st, 0, out);
	rc = rc == SQLITE_ROW ? AX_OK : rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_token_list(db *d, int64_t account_id, db_token **out, size_t *n)
{
	sqlite3_stmt *st;
	db_token *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT id, prefix, created_at FROM tokens "
			     "WHERE account_id = ? ORDER BY id", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			db_token *grown = realloc(arr, cap * sizeof(*arr));
			if (grown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			arr = grown;
		}
		db_token *t = &arr[cnt++];
		const unsigned char *p = sqlite3_column_text(st, 1);
		t->id = sqlite3_column_int64(st, 0);
		t->account_id = account_id;
		snprintf(t->prefix, sizeof(t->prefix), "%s", p ? (const char *)p : "");
		t->created_at = sqlite3_column_int64(st, 2);
	}
	rc = db_err(rc);
	db_done(d, st);
	if (rc != AX_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}

int db_token_delete(db *d, int64_t account_id, int64_t token_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM tokens WHERE id = ? AND account_id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_int64(st, 2, account_id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}
