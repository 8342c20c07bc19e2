/* db_record.c -- SQL for records and the change journal. */
#include "db_record.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/* Reads every row of st (columns id, name, type, ttl, content) into a
 * growing array. Finalizes st. */
static int read_records(db *d, sqlite3_stmt *st, rr_record **out, size_t *n)
{
	rr_record *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			rr_record *grown;
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(arr, cap * sizeof(*arr))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			arr = grown;
		}
		rr_record *r = &arr[cnt++];
		r->id = sqlite3_column_int64(st, 0);
		r->name = db_col_strdup(st, 1);
		r->type = db_col_strdup(st, 2);
		r->ttl = (uint32_t)sqlite3_column_int64(st, 3);
		r->content = db_col_strdup(st, 4);
		if (r->name == NULL || r->type == NULL || r->content == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	db_done(d, st);
	rc = db_err(rc);
	if (rc != AX_OK) {
		rr_record_array_free(arr, cnt);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}

#define FILTER "zone_id = ?1 AND (?2 IS NULL OR name = ?2) AND (?3 IS NULL OR type = ?3)"

int db_record_list(db *d, int64_t zone_id, const db_record_query *q,
		   rr_record **out, size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	for (int pass = 0; pass < 2; pass++) {
		rc = db_prepare(d, pass == 0 ? "SELECT count(*) FROM records WHERE " FILTER :
				"SELECT id, name, type, ttl, content FROM records WHERE "
				FILTER " ORDER BY id LIMIT ?4 OFFSET ?5", &st);
		if (rc != AX_OK)
			return rc;
		sqlite3_bind_int64(st, 1, zone_id);
		if (q->name != NULL)
			sqlite3_bind_text(st, 2, q->name, -1, SQLITE_TRANSIENT);
		if (q->type != NULL)
			sqlite3_bind_text(st, 3, q->type, -1, SQLITE_TRANSIENT);
		if (pass == 1) {
			sqlite3_bind_int64(st, 4, q->limit);
			sqlite3_bind_int64(st, 5, q->offset);
			return read_records(d, st, out, n);
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			*total = sqlite3_column_int64(st, 0);
		db_done(d, st);
	}
	return AX_OK;
}

int db_record_all(db *d, int64_t zone_id, rr_record **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT id, name, type, ttl, content FROM records "
			     "WHERE zone_id = ? ORDER BY name, type, id", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	return read_records(d, st, out, n);
}

int db_record_at_name(db *d, int64_t zone_id, const char *name,
		      rr_record **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT id, name, type, ttl, content FROM records "
			     "WHERE zone_id = ? AND name = ? ORDER BY id", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	return read_records(d, st, out, n);
}

int db_record_get(db *d, int64_t zone_id, int64_t id, rr_record *out)
{
	sqlite3_stmt *st;
	rr_record *arr;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT id, name, type, ttl, content FROM records "
			     "WHERE zone_id = ? AND id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = read_records(d, st, &arr, &n)) != AX_OK)
		return rc;
	if (n == 0) {
		free(arr);
		return AX_ENOTFOUND;
	}
	*out = arr[0];
	free(arr);
	return AX_OK;
}

static void bind_record(sqlite3_stmt *st, const rr_record *r)
{
	sqlite3_bind_text(st, 1, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, r->ttl);
	sqlite3_bind_text(st, 4, r->content, -1, SQLITE_TRANSIENT);
}

int db_record_insert(db *d, int64_t zone_id, rr_record *r, int64_t now)
{
	return db_record_insert_wire(d, zone_id, r, NULL, 0, now);
}

int db_record_insert_wire(db *d, int64_t zone_id, rr_record *r,
			  const uint8_t *rdata, size_t rdlen, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO records (name, type, ttl, content, "
			     "zone_id, created_at, updated_at, rdata) VALUES (?1, ?2, ?3, "
			     "?4, ?5, ?6, ?6, ?7)", &st)) != AX_OK)
		return rc;
	bind_record(st, r);
	sqlite3_bind_int64(st, 5, zone_id);
	sqlite3_bind_int64(st, 6, now);
	if (rdata != NULL)
		sqlite3_bind_blob(st, 7, rdata, (int)rdlen, SQLITE_STATIC);
	if ((rc = db_exec_stmt(d, st)) == AX_OK)
		r->id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

int db_record_update(db *d, int64_t zone_id, const rr_record *r, int64_t now)
{
	return db_record_update_wire(d, zone_id, r, NULL, 0, now);
}

int db_record_update_wire(db *d, int64_t zone_id, const rr_record *r,
			  const uint8_t *rdata, size_t rdlen, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE records SET name = ?1, type = ?2, ttl = ?3, "
			     "content = ?4, updated_at = ?5, rdata = ?8 WHERE zone_id = ?6 "
			     "AND id = ?7", &st)) != AX_OK)
		return rc;
	bind_record(st, r);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, zone_id);
	sqlite3_bind_int64(st, 7, r->id);
	if (rdata != NULL)
		sqlite3_bind_blob(st, 8, rdata, (int)rdlen, SQLITE_STATIC);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

int db_record_delete(db *d, int64_t zone_id, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM records WHERE zone_id = ? AND id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

int db_record_managed(db *d, int64_t zone_id, int64_t id, bool *managed)
{
	sqlite3_stmt *st;
	int rc;

	*managed = false;
	if ((rc = db_prepare(d, "SELECT managed_by IS NOT NULL FROM records "
			     "WHERE zone_id = ? AND id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*managed = sqlite3_column_int(st, 0) != 0;
	rc = rc == SQLITE_ROW ? AX_OK : rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_record_set_managed(db *d, int64_t zone_id, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE records SET managed_by = 'secondary_dns' "
			     "WHERE zone_id = ? AND id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

int db_record_managed_list(db *d, int64_t zone_id, rr_record **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT id, name, type, ttl, content FROM records "
			     "WHERE zone_id = ? AND managed_by IS NOT NULL ORDER BY id",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	return read_records(d, st, out, n);
}

int db_journal_add(db *d, int64_t zone_id, uint32_t serial_from,
		   uint32_t serial_to, const db_journal_rr *rrs, size_t n,
		   int64_t now)
{
	sqlite3_stmt *st;
	int64_t change_id;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO journal_changes (zone_id, serial_from, "
			     "serial_to, created_at) VALUES (?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, serial_from);
	sqlite3_bind_int64(st, 3, serial_to);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	change_id = sqlite3_last_insert_rowid(d->conn);
	if ((rc = db_prepare(d, "INSERT INTO journal_rrs (name, type, ttl, content, "
			     "change_id, seq, op) VALUES (?, ?, ?, ?, ?, ?, ?)",
			     &st)) != AX_OK)
		return rc;
	for (size_t i = 0; i < n && rc == AX_OK; i++) {
		bind_record(st, rrs[i].rr);
		sqlite3_bind_int64(st, 5, change_id);
		sqlite3_bind_int64(st, 6, (int64_t)i);
		sqlite3_bind_text(st, 7, rrs[i].op, -1, SQLITE_STATIC);
		rc = db_err(sqlite3_step(st));
		sqlite3_reset(st);
	}
	db_done(d, st);
	return rc;
}

int db_journal_get(db *d, int64_t zone_id, uint32_t serial_from,
		   uint32_t *serial_to, rr_record **rrs, const char ***ops,
		   size_t *n)
{
	sqlite3_stmt *st;
	int64_t change_id;
	int rc;

	*rrs = NULL;
	*ops = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT id, serial_to FROM journal_changes WHERE "
			     "zone_id = ? AND serial_from = ? ORDER BY id DESC LIMIT 1",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, serial_from);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_done(d, st);
		return rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	}
	change_id = sqlite3_column_int64(st, 0);
	*serial_to = (uint32_t)sqlite3_column_int64(st, 1);
	db_done(d, st);
	/* op goes in the id column so read_records can be reused: 0 del, 1 add */
	if ((rc = db_prepare(d, "SELECT op = 'add', name, type, ttl, content FROM "
			     "journal_rrs WHERE change_id = ? ORDER BY seq", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, change_id);
	if ((rc = read_records(d, st, rrs, n)) != AX_OK)
		return rc;
	if ((*ops = calloc(*n + 1, sizeof(**ops))) == NULL) {
		rr_record_array_free(*rrs, *n);
		*rrs = NULL;
		*n = 0;
		return AX_ENOMEM;
	}
	for (size_t i = 0; i < *n; i++) {
		(*ops)[i] = (*rrs)[i].id ? "add" : "del";
		(*rrs)[i].id = 0;
	}
	return AX_OK;
}

int db_record_each(db *d, int64_t zone_id, db_record_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc, step;

	if ((rc = db_prepare(d, "SELECT id, name, type, ttl, content, rdata FROM "
			     "records WHERE zone_id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	while (rc == AX_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rr_record r = {
			.id = sqlite3_column_int64(st, 0),
			.name = (char *)sqlite3_column_text(st, 1),
			.type = (char *)sqlite3_column_text(st, 2),
			.ttl = (uint32_t)sqlite3_column_int64(st, 3),
			.content = (char *)sqlite3_column_text(st, 4),
		};
		const void *rd = sqlite3_column_blob(st, 5);
		size_t rdlen = (size_t)sqlite3_column_bytes(st, 5);
		if (r.name == NULL || r.type == NULL || r.content == NULL)
			rc = AX_ENOMEM;
		else
			rc = fn(arg, &r, sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : rd,
				rdlen);
	}
	if (rc == AX_OK && step != SQLITE_DONE)
		rc = db_err(step);
	db_done(d, st);
	return rc;
}

int db_record_set_rdata(db *d, int64_t id, const uint8_t *rdata, size_t rdlen)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE records SET rdata = ? WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_blob(st, 1, rdata, (int)rdlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return db_exec_stmt(d, st);
}
