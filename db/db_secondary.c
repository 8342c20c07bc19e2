/* db_secondary.c -- SQL for presets, secondary DNS configurations, their
 * events, and the DNS side's view of them. */
#include "db_secondary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/config.h"
#include "axfrd/log.h"
#include "db_internal.h"

/* ---- presets ------------------------------------------------------------ */

#define PRESET_COLS "id, name, version, name_servers, transfer_ips, " \
	"transfer_hosts, requires_allowed_ips, requires_name_servers"

void db_preset_clear(db_preset *p)
{
	if (p == NULL)
		return;
	db_strv_free(&p->name_servers);
	db_strv_free(&p->transfer_ips);
	db_strv_free(&p->transfer_hosts);
	memset(p, 0, sizeof(*p));
}

void db_preset_array_free(db_preset *p, size_t n)
{
	for (size_t i = 0; p != NULL && i < n; i++)
		db_preset_clear(&p[i]);
	free(p);
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

static int read_preset(sqlite3_stmt *st, db_preset *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", col_text(st, 0));
	snprintf(p->name, sizeof(p->name), "%s", col_text(st, 1));
	p->version = sqlite3_column_int64(st, 2);
	p->requires_allowed_ips = sqlite3_column_int(st, 6) != 0;
	p->requires_name_servers = sqlite3_column_int(st, 7) != 0;
	if ((rc = db_strv_split(col_text(st, 3), &p->name_servers)) == AX_OK &&
	    (rc = db_strv_split(col_text(st, 4), &p->transfer_ips)) == AX_OK)
		rc = db_strv_split(col_text(st, 5), &p->transfer_hosts);
	if (rc != AX_OK)
		db_preset_clear(p);
	return rc;
}

int db_preset_get(db *d, const char *id, db_preset *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT " PRESET_COLS " FROM secondary_presets "
			     "WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_preset(st, out);
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_preset_list(db *d, db_preset **out, size_t *n)
{
	sqlite3_stmt *st;
	db_preset *arr = NULL;
	int rc, s = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT " PRESET_COLS " FROM secondary_presets "
			     "ORDER BY position, id", &st)) != AX_OK)
		return rc;
	while (rc == AX_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		db_preset *grown = realloc(arr, (*n + 1) * sizeof(*arr));
		if (grown == NULL) {
			rc = AX_ENOMEM;
			break;
		}
		arr = grown;
		if ((rc = read_preset(st, &arr[*n])) == AX_OK)
			(*n)++;
	}
	if (rc == AX_OK && s != SQLITE_DONE)
		rc = db_err(s);
	db_done(d, st);
	if (rc != AX_OK) {
		db_preset_array_free(arr, *n);
		*n = 0;
		return rc;
	}
	*out = arr;
	return AX_OK;
}

/* ---- configurations ------------------------------------------------------ */

void db_secondary_clear(db_secondary *s)
{
	if (s == NULL)
		return;
	db_strv_free(&s->name_servers);
	db_strv_free(&s->allowed_ips);
	db_strv_free(&s->notify_targets);
	memset(s, 0, sizeof(*s));
}

static int read_secondary(sqlite3_stmt *st, db_secondary *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->zone_id = sqlite3_column_int64(st, 0);
	snprintf(s->source_type, sizeof(s->source_type), "%s", col_text(st, 1));
	snprintf(s->source_id, sizeof(s->source_id), "%s", col_text(st, 2));
	snprintf(s->source_name, sizeof(s->source_name), "%s", col_text(st, 3));
	s->source_version = sqlite3_column_int64(st, 4);
	s->notify_default = sqlite3_column_int(st, 8) != 0;
	s->tsig_key_id = sqlite3_column_int64(st, 9);
	s->created_at = sqlite3_column_int64(st, 10);
	s->updated_at = sqlite3_column_int64(st, 11);
	snprintf(s->tsig_key, sizeof(s->tsig_key), "%s", col_text(st, 12));
	s->preset_version = sqlite3_column_int64(st, 13);
	if ((rc = db_strv_split(col_text(st, 5), &s->name_servers)) == AX_OK &&
	    (rc = db_strv_split(col_text(st, 6), &s->allowed_ips)) == AX_OK)
		rc = db_strv_split(col_text(st, 7), &s->notify_targets);
	if (rc != AX_OK)
		db_secondary_clear(s);
	return rc;
}

int db_secondary_get(db *d, int64_t zone_id, db_secondary *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT s.zone_id, s.source_type, s.source_id, "
			     "s.source_name, s.source_version, s.name_servers, "
			     "s.allowed_ips, s.notify_targets, s.notify_default, "
			     "s.tsig_key_id, s.created_at, s.updated_at, k.name, "
			     "p.version FROM secondary_dns s "
			     "LEFT JOIN tsig_keys k ON k.id = s.tsig_key_id "
			     "LEFT JOIN secondary_presets p ON s.source_type = 'provider' "
			     "AND p.id = s.source_id WHERE s.zone_id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_secondary(st, out);
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

/* Binds the three lists of s to columns col, col+1, col+2. */
static int bind_lists(sqlite3_stmt *st, int col, const db_secondary *s)
{
	const db_strv *lists[] = {&s->name_servers, &s->allowed_ips,
				  &s->notify_targets};

	for (int i = 0; i < 3; i++) {
		char *text;
		if (db_strv_join(lists[i], &text) != AX_OK)
			return AX_ENOMEM;
		sqlite3_bind_text(st, col + i, text, -1, free);
	}
	return AX_OK;
}

int db_secondary_put(db *d, const db_secondary *s)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO secondary_dns (zone_id, source_type, "
			     "source_id, source_name, source_version, name_servers, "
			     "allowed_ips, notify_targets, notify_default, tsig_key_id, "
			     "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
			     "?8, ?9, ?10, ?11, ?12) ON CONFLICT (zone_id) DO UPDATE SET "
			     "source_type = ?2, source_id = ?3, source_name = ?4, "
			     "source_version = ?5, name_servers = ?6, allowed_ips = ?7, "
			     "notify_targets = ?8, notify_default = ?9, tsig_key_id = ?10, "
			     "updated_at = ?12", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, s->zone_id);
	sqlite3_bind_text(st, 2, s->source_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, s->source_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, s->source_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, s->source_version);
	sqlite3_bind_int(st, 9, s->notify_default);
	if (s->tsig_key_id > 0)
		sqlite3_bind_int64(st, 10, s->tsig_key_id);
	sqlite3_bind_int64(st, 11, s->created_at);
	sqlite3_bind_int64(st, 12, s->updated_at);
	if ((rc = bind_lists(st, 6, s)) != AX_OK) {
		db_done(d, st);
		return rc;
	}
	return db_exec_stmt(d, st);
}

int db_secondary_delete(db *d, int64_t zone_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM secondary_dns WHERE zone_id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

/* Runs "DELETE ... WHERE zone_id = ?" (sql: a string literal). */
static int delete_of_zone(db *d, const char *sql, int64_t zone_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, sql, &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	return db_exec_stmt(d, st);
}

int db_secondary_forget(db *d, int64_t zone_id, bool *had)
{
	int rc = db_secondary_delete(d, zone_id);

	*had = rc == AX_OK;
	if (rc == AX_ENOTFOUND)
		rc = AX_OK;
	if (rc == AX_OK)
		rc = delete_of_zone(d, "DELETE FROM secondary_dns_events WHERE zone_id = ?",
				    zone_id);
	if (rc == AX_OK)
		rc = delete_of_zone(d, "DELETE FROM notify_state WHERE zone_id = ?",
				    zone_id);
	if (rc == AX_OK)
		rc = delete_of_zone(d, "DELETE FROM xfr_log WHERE zone_id = ?", zone_id);
	return rc;
}

int db_secondary_exists(db *d, int64_t zone_id, bool *exists)
{
	sqlite3_stmt *st;
	int rc;

	*exists = false;
	if ((rc = db_prepare(d, "SELECT 1 FROM secondary_dns WHERE zone_id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	*exists = rc == SQLITE_ROW;
	db_done(d, st);
	return db_err(rc);
}

int db_secondary_zones(db *d, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	int64_t *arr = NULL;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT zone_id FROM secondary_dns ORDER BY zone_id",
			     &st)) != AX_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *grown = realloc(arr, (*n + 1) * sizeof(*arr));
		if (grown == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		arr = grown;
		arr[(*n)++] = sqlite3_column_int64(st, 0);
	}
	db_done(d, st);
	if ((rc = db_err(rc)) != AX_OK) {
		free(arr);
		*n = 0;
		return rc;
	}
	*ids = arr;
	return AX_OK;
}

/* ---- events ---------------------------------------------------------------- */

void db_secondary_event_array_free(db_secondary_event *ev, size_t n)
{
	for (size_t i = 0; ev != NULL && i < n; i++) {
		free(ev[i].before);
		free(ev[i].after);
	}
	free(ev);
}

int db_secondary_event_add(db *d, int64_t zone_id, int64_t account_id,
			   const char *action, const char *before,
			   const char *after, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO secondary_dns_events (zone_id, "
			     "account_id, action, before_json, after_json, created_at) "
			     "VALUES (?, ?, ?, ?, ?, ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, account_id);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	if (before != NULL)
		sqlite3_bind_text(st, 4, before, -1, SQLITE_TRANSIENT);
	if (after != NULL)
		sqlite3_bind_text(st, 5, after, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	return db_exec_stmt(d, st);
}

/* NULL for a NULL column, else a copy (ENOMEM sets *failed). */
static char *col_strdup_null(sqlite3_stmt *st, int col, bool *failed)
{
	char *s;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	if ((s = db_col_strdup(st, col)) == NULL)
		*failed = true;
	return s;
}

static int read_events(db *d, sqlite3_stmt *st, int64_t limit,
		       db_secondary_event **out, size_t *n)
{
	db_secondary_event *arr = calloc((size_t)limit + 1, sizeof(*arr));
	bool failed = arr == NULL;
	int rc = SQLITE_DONE;

	while (!failed && *n < (size_t)limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_secondary_event *e = &arr[(*n)++];
		e->id = sqlite3_column_int64(st, 0);
		e->zone_id = sqlite3_column_int64(st, 1);
		e->account_id = sqlite3_column_int64(st, 2);
		snprintf(e->action, sizeof(e->action), "%s", col_text(st, 3));
		e->before = col_strdup_null(st, 4, &failed);
		e->after = col_strdup_null(st, 5, &failed);
		e->created_at = sqlite3_column_int64(st, 6);
	}
	db_done(d, st);
	rc = failed ? AX_ENOMEM : db_err(rc);
	if (rc != AX_OK) {
		db_secondary_event_array_free(arr, *n);
		*n = 0;
		return rc;
	}
	*out = arr;
	return AX_OK;
}

int db_secondary_event_list(db *d, int64_t zone_id, int64_t offset,
			    int64_t limit, db_secondary_event **out, size_t *n,
			    int64_t *total)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM secondary_dns_events WHERE "
			   "zone_id = ?", zone_id, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT id, zone_id, account_id, action, before_json, "
			     "after_json, created_at FROM secondary_dns_events WHERE "
			     "zone_id = ? ORDER BY id DESC LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	return read_events(d, st, limit, out, n);
}

/* ---- the DNS side's view ------------------------------------------------- */

/* Fills k from the columns col (name), col+1 (algorithm), col+2 (secret).
 * A stored secret that does not fit is a broken store: AX_EDB. */
static int read_key(sqlite3_stmt *st, int col, tsig_key *k)
{
	const void *secret = sqlite3_column_blob(st, col + 2);
	int len = sqlite3_column_bytes(st, col + 2);

	memset(k, 0, sizeof(*k));
	if (secret == NULL || len <= 0 || (size_t)len > sizeof(k->secret))
		return AX_EDB;
	snprintf(k->name, sizeof(k->name), "%s", col_text(st, col));
	snprintf(k->algorithm, sizeof(k->algorithm), "%s", col_text(st, col + 1));
	memcpy(k->secret, secret, (size_t)len);
	k->secret_len = (size_t)len;
	return AX_OK;
}

int db_tsig_key_find(db *d, const char *name, tsig_key *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT name, algorithm, secret FROM tsig_keys "
			     "WHERE name = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_key(st, 0, out);
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

/* Parses the stored allowed_ips into p->acl. They were validated when
 * stored, so a failure means a broken store. */
static int policy_acl(const char *text, int64_t zone_id, xfr_policy *p)
{
	db_strv ips;
	int rc;

	if ((rc = db_strv_split(text, &ips)) != AX_OK)
		return rc;
	if (ips.n > 0 && (p->acl = calloc(ips.n, sizeof(*p->acl))) == NULL)
		rc = AX_ENOMEM;
	for (size_t i = 0; rc == AX_OK && i < ips.n; i++) {
		if (acl_parse(ips.v[i], "allowed_ips", &p->acl[i], NULL) != AX_OK) {
			log_err("db", "zone id %lld: stored allowed_ips entry '%s' is "
				"invalid", (long long)zone_id, ips.v[i]);
			rc = AX_EDB;
		}
		p->nacl = i + 1;
	}
	db_strv_free(&ips);
	return rc;
}

int db_xfr_policy(db *d, int64_t zone_id, xfr_policy *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT s.allowed_ips, k.name, k.algorithm, k.secret "
			     "FROM secondary_dns s LEFT JOIN tsig_keys k ON "
			     "k.id = s.tsig_key_id WHERE s.zone_id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_done(d, st);
		return db_err(rc);   /* no configuration: the empty policy */
	}
	rc = policy_acl(col_text(st, 0), zone_id, out);
	if (rc == AX_OK && sqlite3_column_type(st, 1) != SQLITE_NULL) {
		out->require_tsig = true;
		rc = (out->key = malloc(sizeof(*out->key))) == NULL ? AX_ENOMEM :
		     read_key(st, 1, out->key);
	}
	db_done(d, st);
	if (rc != AX_OK)
		xfr_policy_clear(out);
	return rc;
}

int db_notify_targets(db *d, int64_t zone_id, struct sockaddr_storage **out,
		      size_t *n)
{
	sqlite3_stmt *st;
	db_strv targets = {0};
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(d, "SELECT notify_targets FROM secondary_dns WHERE "
			     "zone_id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? db_strv_split(col_text(st, 0), &targets) : db_err(rc);
	db_done(d, st);
	if (rc != AX_OK || targets.n == 0)
		return rc;
	if ((*out = calloc(targets.n, sizeof(**out))) == NULL)
		rc = AX_ENOMEM;
	for (size_t i = 0; rc == AX_OK && i < targets.n; i++) {
		config_addr a;
		if (config_parse_addr(targets.v[i], &a) != AX_OK) {
			log_err("db", "zone id %lld: stored notify target '%s' is "
				"invalid", (long long)zone_id, targets.v[i]);
			rc = AX_EDB;
			break;
		}
		(*out)[(*n)++] = a.ss;
	}
	db_strv_free(&targets);
	if (rc != AX_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int db_notify_key(db *d, int64_t zone_id, tsig_key *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT k.name, k.algorithm, k.secret FROM "
			     "secondary_dns s JOIN tsig_keys k ON k.id = s.tsig_key_id "
			     "WHERE s.zone_id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? read_key(st, 0, out) :
	     rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_zone_name_by_id(db *d, int64_t zone_id, char **name)
{
	sqlite3_stmt *st;
	int rc;

	*name = NULL;
	if ((rc = db_prepare(d, "SELECT name FROM zones WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = (*name = db_col_strdup(st, 0)) ? AX_OK : AX_ENOMEM;
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}
