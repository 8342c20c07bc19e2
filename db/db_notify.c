/* db_notify.c -- SQL for NOTIFY state and the transfer log. */
#include "db_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

static void copy_text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static void read_notify(sqlite3_stmt *st, db_notify *n)
{
	memset(n, 0, sizeof(*n));
	copy_text(st, 0, n->target, sizeof(n->target));
	n->serial = (uint32_t)sqlite3_column_int64(st, 1);
	n->acked = sqlite3_column_type(st, 2) != SQLITE_NULL;
	n->acked_serial = (uint32_t)sqlite3_column_int64(st, 2);
	n->tries = sqlite3_column_int(st, 3);
	n->last_sent_at = sqlite3_column_int64(st, 4);
	copy_text(st, 5, n->last_result, sizeof(n->last_result));
	n->last_result_at = sqlite3_column_int64(st, 6);
	copy_text(st, 7, n->last_message, sizeof(n->last_message));
}

#define NOTIFY_COLS "target, serial, acked_serial, tries, last_sent_at, " \
	"last_result, last_result_at, last_message"

int db_notify_get(db *d, int64_t zone_id, const char *target, db_notify *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "SELECT " NOTIFY_COLS " FROM notify_state WHERE "
			     "zone_id = ? AND target = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_notify(st, out);
	rc = rc == SQLITE_ROW ? AX_OK : rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_notify_put(db *d, int64_t zone_id, const db_notify *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT OR REPLACE INTO notify_state (zone_id, "
			     NOTIFY_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_text(st, 2, n->target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, n->serial);
	if (n->acked)
		sqlite3_bind_int64(st, 4, n->acked_serial);
	sqlite3_bind_int(st, 5, n->tries);
	if (n->last_sent_at > 0)
		sqlite3_bind_int64(st, 6, n->last_sent_at);
	if (n->last_result[0] != '\0') {
		sqlite3_bind_text(st, 7, n->last_result, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, n->last_result_at);
	}
	sqlite3_bind_text(st, 9, n->last_message, -1, SQLITE_TRANSIENT);
	return db_exec_stmt(d, st);
}

int db_notify_list(db *d, int64_t zone_id, db_notify **out, size_t *n)
{
	sqlite3_stmt *st;
	db_notify *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT " NOTIFY_COLS " FROM notify_state WHERE "
			     "zone_id = ? ORDER BY target", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			db_notify *grown = realloc(arr, cap * sizeof(*grown));
			if (grown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			arr = grown;
		}
		read_notify(st, &arr[cnt++]);
	}
	db_done(d, st);
	if ((rc = db_err(rc)) != AX_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}

int db_notify_prune(db *d, int64_t zone_id, char *const *keep, size_t nkeep)
{
	db_notify *all;
	size_t n;
	int rc = db_notify_list(d, zone_id, &all, &n);

	for (size_t i = 0; rc == AX_OK && i < n; i++) {
		bool kept = false;
		for (size_t k = 0; k < nkeep && !kept; k++)
			kept = strcmp(all[i].target, keep[k]) == 0;
		if (kept)
			continue;
		sqlite3_stmt *st;
		if ((rc = db_prepare(d, "DELETE FROM notify_state WHERE zone_id = ? AND "
				     "target = ?", &st)) != AX_OK)
			break;
		sqlite3_bind_int64(st, 1, zone_id);
		sqlite3_bind_text(st, 2, all[i].target, -1, SQLITE_TRANSIENT);
		rc = db_exec_stmt(d, st);
	}
	free(all);
	return rc;
}

int db_xfr_log_add(db *d, int64_t zone_id, const db_xfr_log *l)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO xfr_log (zone_id, peer, at, serial, kind, "
			     "messages, records, bytes, result) VALUES "
			     "(?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_text(st, 2, l->peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, l->at);
	sqlite3_bind_int64(st, 4, l->serial);
	sqlite3_bind_text(st, 5, l->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, l->messages);
	sqlite3_bind_int64(st, 7, l->records);
	sqlite3_bind_int64(st, 8, l->bytes);
	sqlite3_bind_text(st, 9, l->result, -1, SQLITE_TRANSIENT);
	return db_exec_stmt(d, st);
}

static int read_log(db *d, sqlite3_stmt *st, db_xfr_log *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		copy_text(st, 0, out->peer, sizeof(out->peer));
		out->at = sqlite3_column_int64(st, 1);
		out->serial = (uint32_t)sqlite3_column_int64(st, 2);
		copy_text(st, 3, out->kind, sizeof(out->kind));
		out->messages = sqlite3_column_int64(st, 4);
		out->records = sqlite3_column_int64(st, 5);
		out->bytes = sqlite3_column_int64(st, 6);
		copy_text(st, 7, out->result, sizeof(out->result));
	}
	rc = rc == SQLITE_ROW ? AX_OK : rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

#define LOG_COLS "peer, at, serial, kind, messages, records, bytes, result"

int db_xfr_log_last(db *d, int64_t zone_id, const char *peer, bool ok_only,
		    db_xfr_log *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "SELECT " LOG_COLS " FROM xfr_log WHERE zone_id = ? "
			     "AND peer = ? AND (? = 0 OR result = 'ok') "
			     "ORDER BY id DESC LIMIT 1", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, ok_only);
	return read_log(d, st, out);
}

int db_xfr_log_last_any(db *d, int64_t zone_id, db_xfr_log *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "SELECT " LOG_COLS " FROM xfr_log WHERE zone_id = ? "
			     "AND result = 'ok' ORDER BY id DESC LIMIT 1", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	return read_log(d, st, out);
}
