/* db_zone.c -- SQL for zones. */
#include "db_zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define ZONE_COLS "id, account_id, name, serial_policy, serial, soa_mname, " \
	"soa_rname, soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum, " \
	"dnssec, created_at, updated_at, serial_target"

void db_zone_clear(db_zone *z)
{
	if (z == NULL)
		return;
	free(z->name);
	zf_soa_clear(&z->soa);
	memset(z, 0, sizeof(*z));
}

void db_zone_array_free(db_zone *zones, size_t n)
{
	for (size_t i = 0; zones != NULL && i < n; i++)
		db_zone_clear(&zones[i]);
	free(zones);
}

static int read_zone(sqlite3_stmt *st, db_zone *z)
{
	memset(z, 0, sizeof(*z));
	z->id = sqlite3_column_int64(st, 0);
	z->account_id = sqlite3_column_int64(st, 1);
	z->name = db_col_strdup(st, 2);
	if (!serial_policy_parse((const char *)sqlite3_column_text(st, 3),
				 &z->policy))
		z->policy = SERIAL_INCREMENT;
	z->soa.serial = (uint32_t)sqlite3_column_int64(st, 4);
	z->soa.mname = db_col_strdup(st, 5);
	z->soa.rname = db_col_strdup(st, 6);
	z->soa.ttl = (uint32_t)sqlite3_column_int64(st, 7);
	z->soa.refresh = (uint32_t)sqlite3_column_int64(st, 8);
	z->soa.retry = (uint32_t)sqlite3_column_int64(st, 9);
	z->soa.expire = (uint32_t)sqlite3_column_int64(st, 10);
	z->soa.minimum = (uint32_t)sqlite3_column_int64(st, 11);
	z->dnssec = sqlite3_column_int(st, 12) != 0;
	z->created_at = sqlite3_column_int64(st, 13);
	z->updated_at = sqlite3_column_int64(st, 14);
	z->lowering = sqlite3_column_type(st, 15) != SQLITE_NULL;
	z->serial_target = (uint32_t)sqlite3_column_int64(st, 15);
	if (z->name == NULL || z->soa.mname == NULL || z->soa.rname == NULL) {
		db_zone_clear(z);
		return AX_ENOMEM;
	}
	return AX_OK;
}

static void bind_soa(sqlite3_stmt *st, int col, const zf_soa *soa)
{
	sqlite3_bind_int64(st, col, soa->serial);
	sqlite3_bind_text(st, col + 1, soa->mname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, col + 2, soa->rname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, col + 3, soa->ttl);
	sqlite3_bind_int64(st, col + 4, soa->refresh);
	sqlite3_bind_int64(st, col + 5, soa->retry);
	sqlite3_bind_int64(st, col + 6, soa->expire);
	sqlite3_bind_int64(st, col + 7, soa->minimum);
}

/* name reversed character by character, malloc'd (the name_rev key). */
static char *reversed(const char *name)
{
	size_t n = strlen(name);
	char *r = malloc(n + 1);

	for (size_t i = 0; r != NULL && i < n; i++)
		r[i] = name[n - 1 - i];
	if (r != NULL)
		r[n] = '\0';
	return r;
}

int db_zone_insert(db *d, db_zone *z)
{
	sqlite3_stmt *st;
	char *rev;
	int rc;

	if ((rev = reversed(z->name)) == NULL)
		return AX_ENOMEM;
	if ((rc = db_prepare(d, "INSERT INTO zones (serial, soa_mname, soa_rname, "
			     "soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum, "
			     "account_id, name, serial_policy, dnssec, created_at, "
			     "updated_at, name_rev) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			     &st)) != AX_OK) {
		free(rev);
		return rc;
	}
	sqlite3_bind_text(st, 15, rev, -1, free);
	bind_soa(st, 1, &z->soa);
	sqlite3_bind_int64(st, 9, z->account_id);
	sqlite3_bind_text(st, 10, z->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, serial_policy_name(z->policy), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, z->dnssec);
	sqlite3_bind_int64(st, 13, z->created_at);
	sqlite3_bind_int64(st, 14, z->updated_at);
	rc = db_exec_stmt(d, st);
	if (rc == AX_OK)
		z->id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

int db_zone_get(db *d, int64_t account_id, const char *name, db_zone *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT " ZONE_COLS " FROM zones WHERE name = ? "
			     "AND (? < 0 OR account_id = ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, account_id);
	sqlite3_bind_int64(st, 3, account_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_zone(st, out);
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_zone_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		 db_zone **out, size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	db_zone *arr;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM zones WHERE account_id = ?",
			   account_id, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT " ZONE_COLS " FROM zones WHERE account_id = ? "
			     "ORDER BY name LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((arr = calloc((size_t)limit + 1, sizeof(*arr))) == NULL) {
		db_done(d, st);
		return AX_ENOMEM;
	}
	rc = AX_OK;
	while (rc == AX_OK && cnt < (size_t)limit) {
		int s = sqlite3_step(st);
		if (s != SQLITE_ROW) {
			rc = db_err(s);
			break;
		}
		if ((rc = read_zone(st, &arr[cnt])) == AX_OK)
			cnt++;
	}
	db_done(d, st);
	if (rc != AX_OK) {
		db_zone_array_free(arr, cnt);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}

int db_zone_delete(db *d, int64_t zone_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM zones WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

int db_zone_update_soa(db *d, int64_t zone_id, const zf_soa *soa, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET serial = ?, soa_mname = ?, "
			     "soa_rname = ?, soa_ttl = ?, soa_refresh = ?, soa_retry = ?, "
			     "soa_expire = ?, soa_minimum = ?, updated_at = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	bind_soa(st, 1, soa);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, zone_id);
	return db_exec_stmt(d, st);
}

int db_zone_set_policy(db *d, int64_t zone_id, serial_policy policy)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET serial_policy = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, serial_policy_name(policy), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, zone_id);
	return db_exec_stmt(d, st);
}

int db_zone_set_dnssec(db *d, int64_t zone_id, bool on)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET dnssec = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int(st, 1, on);
	sqlite3_bind_int64(st, 2, zone_id);
	return db_exec_stmt(d, st);
}

int db_zone_set_serial_target(db *d, int64_t zone_id, bool lowering,
			      uint32_t target)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET serial_target = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	if (lowering)
		sqlite3_bind_int64(st, 1, target);
	sqlite3_bind_int64(st, 2, zone_id);
	return db_exec_stmt(d, st);
}

/* ---- who owns which names ------------------------------------------------ */

void db_zone_ref_array_free(db_zone_ref *refs, size_t n)
{
	for (size_t i = 0; refs != NULL && i < n; i++)
		free(refs[i].name);
	free(refs);
}

/* Appends the row (id, account_id, name) of st to *arr. */
static int push_ref(db_zone_ref **arr, size_t *n, size_t *cap, sqlite3_stmt *st,
		    db_relation rel)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		db_zone_ref *na = realloc(*arr, nc * sizeof(*na));
		if (na == NULL)
			return AX_ENOMEM;
		*arr = na;
		*cap = nc;
	}
	(*arr)[*n] = (db_zone_ref){sqlite3_column_int64(st, 0),
				   sqlite3_column_int64(st, 1),
				   db_col_strdup(st, 2), rel};
	if ((*arr)[*n].name == NULL)
		return AX_ENOMEM;
	(*n)++;
	return AX_OK;
}

/* The closest zone (of any account) that encloses name, appended to *arr
 * when there is one. The candidates are name's ancestors, found by the
 * UNIQUE index on name. */
static int closest_enclosing(db *d, const char *name, db_zone_ref **arr,
			     size_t *n, size_t *cap)
{
	sqlite3_stmt *st;
	int rc = AX_OK;

	for (const char *p = strchr(name, '.'); p != NULL && rc == AX_OK;
	     p = strchr(p + 1, '.')) {
		if ((rc = db_prepare(d, "SELECT id, account_id, name FROM zones "
				     "WHERE name = ?", &st)) != AX_OK)
			return rc;
		sqlite3_bind_text(st, 1, p + 1, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW) {
			rc = push_ref(arr, n, cap, st, DB_ENCLOSES);
			db_done(d, st);
			return rc;
		}
		rc = db_err(s);
		db_done(d, st);
	}
	return rc;
}

/* Every zone (of any account) inside name: names that end in ".name",
 * whose reversed names start with reversed(name) + "." -- the range from
 * there up to (not including) reversed(name) + "/", '/' being the
 * character after '.'. */
static int zones_inside(db *d, const char *name, db_zone_ref **arr, size_t *n,
			size_t *cap)
{
	sqlite3_stmt *st;
	char *rev, *lo = NULL, *hi = NULL;
	int rc, s;

	if ((rev = reversed(name)) == NULL)
		return AX_ENOMEM;
	if (asprintf(&lo, "%s.", rev) < 0)
		lo = NULL;
	if (asprintf(&hi, "%s/", rev) < 0)
		hi = NULL;
	free(rev);
	if (lo == NULL || hi == NULL) {
		free(lo);
		free(hi);
		return AX_ENOMEM;
	}
	if ((rc = db_prepare(d, "SELECT id, account_id, name FROM zones WHERE "
			     "name_rev >= ?1 AND name_rev < ?2 "
			     "ORDER BY length(name), name", &st)) == AX_OK) {
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_TRANSIENT);
		while (rc == AX_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
			rc = push_ref(arr, n, cap, st, DB_INSIDE);
		if (rc == AX_OK && s != SQLITE_DONE)
			rc = db_err(s);
		db_done(d, st);
	}
	free(lo);
	free(hi);
	return rc;
}

/* Whether name is inside (a label-wise descendant of) zone. */
static bool name_inside(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	return n > z + 1 && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

int db_zone_overlaps(db *d, int64_t account_id, const char *name,
		     db_zone_ref **out, size_t *n)
{
	db_zone_ref *all = NULL, *res = NULL;
	size_t nall = 0, cap = 0, nres = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = closest_enclosing(d, name, &all, &nall, &cap)) != AX_OK ||
	    (rc = zones_inside(d, name, &all, &nall, &cap)) != AX_OK) {
		db_zone_ref_array_free(all, nall);
		return rc;
	}
	if (nall > 0 && (res = calloc(nall, sizeof(*res))) == NULL) {
		db_zone_ref_array_free(all, nall);
		return AX_ENOMEM;
	}
	for (size_t i = 0; i < nall; i++) {
		bool in_own = false;
		if (all[i].account_id == account_id)
			continue;
		/* Below one of account_id's own zones inside name: placed
		 * there on purpose, under that zone's authority. */
		for (size_t j = 0; all[i].relation == DB_INSIDE && j < nall && !in_own; j++)
			in_own = all[j].relation == DB_INSIDE &&
				 all[j].account_id == account_id &&
				 name_inside(all[i].name, all[j].name);
		if (in_own)
			continue;
		res[nres++] = all[i];
		all[i].name = NULL;  /* moved to res */
	}
	db_zone_ref_array_free(all, nall);
	if (nres == 0) {
		free(res);
		res = NULL;
	}
	*out = res;
	*n = nres;
	return AX_OK;
}

int db_zone_claim(db *d, db_zone *z, bool override, db_zone_ref **over,
		  size_t *nover)
{
	sqlite3_stmt *st;
	int rc, s;

	*over = NULL;
	*nover = 0;
	/* The check and the insert are one step only under the write lock. */
	if (sqlite3_txn_state(d->conn, "main") != SQLITE_TXN_WRITE)
		return AX_EINVAL;
	if ((rc = db_prepare(d, "SELECT 1 FROM zones WHERE name = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, z->name, -1, SQLITE_TRANSIENT);
	s = sqlite3_step(st);
	db_done(d, st);
	if (s == SQLITE_ROW)
		return AX_EEXIST;
	if (s != SQLITE_DONE)
		return db_err(s);
	if ((rc = db_zone_overlaps(d, z->account_id, z->name, over, nover)) != AX_OK)
		return rc;
	if (*nover > 0 && !override)
		return AX_ECONFLICT;
	return db_zone_insert(d, z);
}

int db_zone_set_account(db *d, int64_t zone_id, int64_t account_id,
			int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET account_id = ?, updated_at = ? "
			     "WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, zone_id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

void db_zone_event_clear(db_zone_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->cause);
	free(ev->enclosing_zone);
	db_strv_free(&ev->moved_zones);
	memset(ev, 0, sizeof(*ev));
}

void db_zone_event_array_free(db_zone_event *ev, size_t n)
{
	for (size_t i = 0; ev != NULL && i < n; i++)
		db_zone_event_clear(&ev[i]);
	free(ev);
}

static void bind_id_or_null(sqlite3_stmt *st, int col, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, col, id);
	else
		sqlite3_bind_null(st, col);
}

int db_zone_event_add(db *d, const db_zone_event *ev)
{
	sqlite3_stmt *st;
	char *moved = NULL;
	int rc;

	if ((rc = db_strv_join(&ev->moved_zones, &moved)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "INSERT INTO zone_events (zone_id, account_id, action, "
			     "from_account_id, to_account_id, secondary_dns_cleared, "
			     "cause, moved_zones, enclosing_zone, enclosing_account_id, "
			     "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", &st)) != AX_OK) {
		free(moved);
		return rc;
	}
	sqlite3_bind_int64(st, 1, ev->zone_id);
	bind_id_or_null(st, 2, ev->account_id);
	sqlite3_bind_text(st, 3, ev->action, -1, SQLITE_TRANSIENT);
	bind_id_or_null(st, 4, ev->from_account_id);
	bind_id_or_null(st, 5, ev->to_account_id);
	sqlite3_bind_int(st, 6, ev->secondary_dns_cleared);
	if (ev->cause != NULL)
		sqlite3_bind_text(st, 7, ev->cause, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, moved, -1, SQLITE_TRANSIENT);
	if (ev->enclosing_zone != NULL)
		sqlite3_bind_text(st, 9, ev->enclosing_zone, -1, SQLITE_TRANSIENT);
	bind_id_or_null(st, 10, ev->enclosing_account_id);
	sqlite3_bind_int64(st, 11, ev->created_at);
	rc = db_exec_stmt(d, st);
	free(moved);
	return rc;
}

/* A malloc'd copy of a text column, NULL for NULL; *rc = AX_ENOMEM when
 * the copy fails. */
static char *col_strdup_or_null(sqlite3_stmt *st, int col, int *rc)
{
	char *s;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	if ((s = db_col_strdup(st, col)) == NULL)
		*rc = AX_ENOMEM;
	return s;
}

static int read_event(sqlite3_stmt *st, db_zone_event *e)
{
	int rc = AX_OK;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	e->zone_id = sqlite3_column_int64(st, 1);
	e->account_id = sqlite3_column_int64(st, 2);
	snprintf(e->action, sizeof(e->action), "%s",
		 (const char *)sqlite3_column_text(st, 3));
	e->from_account_id = sqlite3_column_int64(st, 4);
	e->to_account_id = sqlite3_column_int64(st, 5);
	e->secondary_dns_cleared = sqlite3_column_int(st, 6) != 0;
	e->cause = col_strdup_or_null(st, 7, &rc);
	if (rc == AX_OK)
		rc = db_strv_split((const char *)sqlite3_column_text(st, 8),
				   &e->moved_zones);
	if (rc == AX_OK)
		e->enclosing_zone = col_strdup_or_null(st, 9, &rc);
	e->enclosing_account_id = sqlite3_column_int64(st, 10);
	e->created_at = sqlite3_column_int64(st, 11);
	if (rc != AX_OK)
		db_zone_event_clear(e);
	return rc;
}

int db_zone_event_list(db *d, int64_t zone_id, int64_t offset, int64_t limit,
		       db_zone_event **out, size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	db_zone_event *arr;
	size_t cnt = 0;
	int rc = AX_OK, s = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM zone_events WHERE zone_id = ?",
			   zone_id, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT id, zone_id, account_id, action, "
			     "from_account_id, to_account_id, secondary_dns_cleared, "
			     "cause, moved_zones, enclosing_zone, enclosing_account_id, "
			     "created_at FROM zone_events WHERE zone_id = ? "
			     "ORDER BY id DESC LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((arr = calloc((size_t)limit + 1, sizeof(*arr))) == NULL) {
		db_done(d, st);
		return AX_ENOMEM;
	}
	while (rc == AX_OK && cnt < (size_t)limit &&
	       (s = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = read_event(st, &arr[cnt])) == AX_OK)
			cnt++;
	if (rc == AX_OK && s != SQLITE_ROW && s != SQLITE_DONE)
		rc = db_err(s);
	db_done(d, st);
	if (rc != AX_OK) {
		db_zone_event_array_free(arr, cnt);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}
