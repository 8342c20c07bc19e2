/* db_export.c -- SQL for the export state, the IXFR journal and the
 * ALIAS cache. */
#include "db_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

int db_zone_names(db *d, char ***names, size_t *n)
{
	sqlite3_stmt *st;
	char **arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT name FROM zones ORDER BY name", &st)) != AX_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(arr, cap * sizeof(*arr));
			if (grown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			arr = grown;
		}
		if ((arr[cnt] = db_col_strdup(st, 0)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		cnt++;
	}
	db_done(d, st);
	if ((rc = db_err(rc)) != AX_OK) {
		for (size_t i = 0; i < cnt; i++)
			free(arr[i]);
		free(arr);
		return rc;
	}
	*names = arr;
	*n = cnt;
	return AX_OK;
}

int db_export_get(db *d, int64_t zone_id, bool *has, uint32_t *serial,
		  uint8_t digest[EXPORT_DIGEST_LEN])
{
	sqlite3_stmt *st;
	int rc;

	*has = false;
	if ((rc = db_prepare(d, "SELECT export_serial, export_digest FROM zones "
			     "WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_bytes(st, 1) == EXPORT_DIGEST_LEN) {
		*has = true;
		*serial = (uint32_t)sqlite3_column_int64(st, 0);
		memcpy(digest, sqlite3_column_blob(st, 1), EXPORT_DIGEST_LEN);
	}
	rc = rc == SQLITE_ROW ? AX_OK : rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_export_set(db *d, int64_t zone_id, uint32_t serial,
		  const uint8_t digest[EXPORT_DIGEST_LEN])
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET export_serial = ?, export_digest = ? "
			     "WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, serial);
	sqlite3_bind_blob(st, 2, digest, EXPORT_DIGEST_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, zone_id);
	return db_exec_stmt(d, st);
}

int db_xfr_journal_add(db *d, int64_t zone_id, uint32_t serial_from,
		       uint32_t serial_to, size_t nremoved, size_t nadded,
		       const uint8_t *diff, size_t len, int64_t now, int keep)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO xfr_journal (zone_id, serial_from, "
			     "serial_to, created_at, nremoved, nadded, diff) "
			     "VALUES (?, ?, ?, ?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, serial_from);
	sqlite3_bind_int64(st, 3, serial_to);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, (int64_t)nremoved);
	sqlite3_bind_int64(st, 6, (int64_t)nadded);
	sqlite3_bind_blob(st, 7, diff, (int)len, SQLITE_STATIC);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "DELETE FROM xfr_journal WHERE zone_id = ?1 AND id <= "
			     "(SELECT id FROM xfr_journal WHERE zone_id = ?1 "
			     "ORDER BY id DESC LIMIT 1 OFFSET ?2)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int(st, 2, keep);
	return db_exec_stmt(d, st);
}

void xfr_steps_free(xfr_step *steps, size_t n)
{
	for (size_t i = 0; steps != NULL && i < n; i++)
		free(steps[i].diff);
	free(steps);
}

/* The newest step leaving serial from; AX_ENOTFOUND when there is none. */
static int journal_step(db *d, int64_t zone_id, uint32_t from, xfr_step *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "SELECT serial_to, diff FROM xfr_journal WHERE "
			     "zone_id = ? AND serial_from = ? ORDER BY id DESC LIMIT 1",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, from);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->serial_from = from;
		out->serial_to = (uint32_t)sqlite3_column_int64(st, 0);
		out->len = (size_t)sqlite3_column_bytes(st, 1);
		out->diff = malloc(out->len + 1);
		if (out->diff != NULL)
			memcpy(out->diff, sqlite3_column_blob(st, 1), out->len);
		rc = out->diff ? AX_OK : AX_ENOMEM;
	} else {
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	}
	db_done(d, st);
	return rc;
}

int db_xfr_journal_chain(db *d, int64_t zone_id, uint32_t from, uint32_t to,
			 xfr_step **steps, size_t *n)
{
	xfr_step *arr = NULL;
	size_t cnt = 0, cap = 0;
	uint32_t at = from;
	int rc = AX_OK;

	*steps = NULL;
	*n = 0;
	/* The journal keeps a bounded number of steps, so the chain is
	 * bounded too; the cap guards against a cycle of serials. */
	while (at != to && rc == AX_OK && cnt < 100000) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			xfr_step *grown = realloc(arr, cap * sizeof(*grown));
			if (grown == NULL) {
				rc = AX_ENOMEM;
				break;
			}
			arr = grown;
		}
		if ((rc = journal_step(d, zone_id, at, &arr[cnt])) == AX_OK)
			at = arr[cnt++].serial_to;
	}
	if (rc == AX_OK && at != to)
		rc = AX_ENOTFOUND;
	if (rc != AX_OK) {
		xfr_steps_free(arr, cnt);
		return rc;
	}
	*steps = arr;
	*n = cnt;
	return AX_OK;
}

int db_alias_get(db *d, const char *target, uint16_t rrtype, db_alias *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT addresses, ttl, resolved_at, expires_at, "
			     "last_error, last_error_at FROM alias_cache WHERE "
			     "target = ? AND rrtype = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, rrtype);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *a = sqlite3_column_text(st, 0);
		const unsigned char *e = sqlite3_column_text(st, 4);
		snprintf(out->addresses, sizeof(out->addresses), "%s", a ? (const char *)a : "");
		out->ttl = (uint32_t)sqlite3_column_int64(st, 1);
		out->resolved_at = sqlite3_column_int64(st, 2);
		out->expires_at = sqlite3_column_int64(st, 3);
		snprintf(out->last_error, sizeof(out->last_error), "%s",
			 e ? (const char *)e : "");
		out->last_error_at = sqlite3_column_int64(st, 5);
		rc = AX_OK;
	} else {
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	}
	db_done(d, st);
	return rc;
}

int db_alias_put(db *d, const char *target, uint16_t rrtype, const db_alias *a)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT OR REPLACE INTO alias_cache (target, rrtype, "
			     "addresses, ttl, resolved_at, expires_at, last_error, "
			     "last_error_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, rrtype);
	sqlite3_bind_text(st, 3, a->addresses, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, a->ttl);
	if (a->resolved_at > 0)
		sqlite3_bind_int64(st, 5, a->resolved_at);
	sqlite3_bind_int64(st, 6, a->expires_at);
	if (a->last_error[0] != '\0') {
		sqlite3_bind_text(st, 7, a->last_error, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, a->last_error_at);
	}
	return db_exec_stmt(d, st);
}
