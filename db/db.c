/* db.c -- opening the store, applying migrations, transactions. */
#include "db_internal.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "axfrd/log.h"
#include "migrations.h"

int db_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return AX_OK;
	case SQLITE_NOMEM:
		return AX_ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return AX_EBUSY;
	case SQLITE_CONSTRAINT:
		return rc == SQLITE_CONSTRAINT_UNIQUE ||
		       rc == SQLITE_CONSTRAINT_PRIMARYKEY ? AX_EEXIST : AX_EDB;
	case SQLITE_TOOBIG:
		return AX_ETOOBIG;
	default:
		return AX_EDB;
	}
}

int db_prepare(db *d, const char *sql, sqlite3_stmt **st)
{
	db_cached_stmt *slot = NULL;
	int rc;

	for (int i = 0; i < d->ncache; i++) {
		if (d->cache[i].sql != sql)
			continue;
		if (!d->cache[i].busy) {
			d->cache[i].busy = true;
			*st = d->cache[i].st;
			return AX_OK;
		}
		slot = &d->cache[i];  /* in use (a nested use): prepare another */
		break;
	}
	rc = sqlite3_prepare_v3(d->conn, sql, -1, slot ? 0 : SQLITE_PREPARE_PERSISTENT,
				st, NULL);
	if (rc != SQLITE_OK) {
		log_err("db", "prepare failed: %s", sqlite3_errmsg(d->conn));
		*st = NULL;
		return db_err(rc);
	}
	if (slot == NULL && d->ncache < DB_STMT_CACHE) {
		d->cache[d->ncache++] = (db_cached_stmt){sql, *st, true};
	}
	return AX_OK;
}

int db_count(db *d, const char *sql, int64_t id, int64_t *total)
{
	sqlite3_stmt *st;
	int rc;

	*total = 0;
	if ((rc = db_prepare(d, sql, &st)) != AX_OK)
		return rc;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW ? AX_OK : db_err(rc);
	db_done(d, st);
	return rc;
}

void db_done(db *d, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < d->ncache; i++) {
		if (d->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			d->cache[i].busy = false;
			return;
		}
	}
	db_done(d, st);
}

int db_exec_stmt(db *d, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int err = db_err(rc);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW && err != AX_EEXIST)
		log_err("db", "statement failed: %s", sqlite3_errmsg(d->conn));
	db_done(d, st);
	return err;
}

int db_exec(db *d, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(d->conn, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_err("db", "%s: %s", d->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
	}
	return db_err(rc);
}

char *db_col_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

int db_schema_version(void)
{
	return db_migration_count;
}

int db_user_version(db *d)
{
	sqlite3_stmt *st;
	int v = -1;

	if (db_prepare(d, "PRAGMA user_version", &st) != AX_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	db_done(d, st);
	return v;
}

/* Inside a batch, a transaction is a savepoint of the batch's one. */
static int nested_begin(db *d)
{
	int rc = db_exec(d, "SAVEPOINT nested");

	if (rc == AX_OK)
		d->nest++;
	return rc;
}

int db_begin(db *d)
{
	return d->batch ? nested_begin(d) : db_exec(d, "BEGIN IMMEDIATE");
}

int db_begin_read(db *d)
{
	return d->batch ? nested_begin(d) : db_exec(d, "BEGIN");
}

int db_commit(db *d)
{
	int rc;

	if (!d->batch)
		return db_exec(d, "COMMIT");
	if (d->nest == 0)
		return AX_EINVAL;
	if ((rc = db_exec(d, "RELEASE nested")) == AX_OK)
		d->nest--;
	return rc;
}

void db_rollback(db *d)
{
	if (d->batch) {
		if (d->nest > 0) {
			db_exec(d, "ROLLBACK TO nested");
			db_exec(d, "RELEASE nested");
			d->nest--;
		}
		return;
	}
	if (!sqlite3_get_autocommit(d->conn))
		db_exec(d, "ROLLBACK");
}

int db_batch_begin(db *d)
{
	int rc;

	if (d->batch)
		return AX_EINVAL;
	if ((rc = db_exec(d, "BEGIN IMMEDIATE")) == AX_OK) {
		d->batch = true;
		d->nest = 0;
	}
	return rc;
}

int db_batch_end(db *d)
{
	int rc;

	if (!d->batch)
		return AX_EINVAL;
	while (d->nest > 0)      /* left open by mistake: not kept */
		db_rollback(d);
	d->batch = false;
	if ((rc = db_exec(d, "COMMIT")) != AX_OK)
		db_rollback(d);
	return rc;
}

void db_batch_abort(db *d)
{
	if (!d->batch)
		return;
	d->batch = false;
	d->nest = 0;
	if (!sqlite3_get_autocommit(d->conn))
		db_exec(d, "ROLLBACK");
}

int db_integrity_check(db *d)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "PRAGMA integrity_check", &st)) != AX_OK)
		return rc;
	rc = AX_EDB;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
		rc = AX_OK;
	db_done(d, st);
	return rc;
}

/* mkdir -p of the directory holding path. */
static int make_parent_dir(const char *path, ax_errinfo *ei)
{
	char *copy = strdup(path);
	char *dir, *p;
	int rc = AX_OK;

	if (copy == NULL)
		return AX_ENOMEM;
	dir = dirname(copy);
	for (p = dir + 1; rc == AX_OK; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			rc = ax_fail(ei, AX_EIO, "db", "cannot create %s: %s", dir,
				     strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

/* Whether PRAGMA foreign_key_check finds no violation. */
static bool foreign_keys_hold(db *d)
{
	sqlite3_stmt *st;
	bool ok;

	if (sqlite3_prepare_v2(d->conn, "PRAGMA foreign_key_check", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* A migration runs with foreign keys off, as SQLite requires for
 * rebuilding a table (a DROP TABLE would cascade into its children), and
 * is committed only if every foreign key still holds afterwards. */
static int apply_migration(db *d, const struct db_migration *m, ax_errinfo *ei)
{
	char pragma[64];
	int rc;

	log_info("db", "%s: applying migration %s", d->path, m->name);
	if ((rc = db_exec(d, "PRAGMA foreign_keys = OFF")) != AX_OK ||
	    (rc = db_begin(d)) != AX_OK)
		return ax_fail(ei, rc, "db", "cannot start migration %s", m->name);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
	if ((rc = db_exec(d, m->sql)) == AX_OK && !foreign_keys_hold(d))
		rc = AX_EDB;
	if (rc != AX_OK ||
	    (rc = db_exec(d, pragma)) != AX_OK ||
	    (rc = db_commit(d)) != AX_OK) {
		db_rollback(d);
		db_exec(d, "PRAGMA foreign_keys = ON");
		return ax_fail(ei, rc, "db", "migration %s failed: %s", m->name,
			       rc == AX_EDB && sqlite3_errcode(d->conn) == SQLITE_OK ?
			       "a foreign key does not hold" :
			       sqlite3_errmsg(d->conn));
	}
	return db_exec(d, "PRAGMA foreign_keys = ON");
}

static int migrate(db *d, int target, ax_errinfo *ei)
{
	int have = db_user_version(d);

	if (have < 0)
		return ax_fail(ei, AX_EDB, "db", "%s: cannot read schema version",
			       d->path);
	if (have > db_migration_count)
		return ax_fail(ei, AX_EVERSION, "db",
			       "%s: schema version %d is newer than this axfrd "
			       "(knows %d); refusing to open it, nothing was changed",
			       d->path, have, db_migration_count);
	for (int i = have; i < target; i++) {
		int rc = apply_migration(d, &db_migrations[i], ei);
		if (rc != AX_OK)
			return rc;
	}
	return AX_OK;
}

static int set_pragmas(db *d, const db_options *opt)
{
	char sql[160];
	int rc;

	snprintf(sql, sizeof(sql),
		 "PRAGMA foreign_keys = ON; PRAGMA synchronous = %s;",
		 opt->sync_full ? "FULL" : "NORMAL");
	if ((rc = db_exec(d, "PRAGMA journal_mode = WAL")) != AX_OK)
		return rc;
	return db_exec(d, sql);
}

int db_open(const char *path, const db_options *opt, db **out, ax_errinfo *ei)
{
	db *d;
	int rc, target;

	*out = NULL;
	if (strcmp(path, ":memory:") != 0 && (rc = make_parent_dir(path, ei)) != AX_OK)
		return rc;
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->path = strdup(path)) == NULL) {
		free(d);
		return AX_ENOMEM;
	}
	rc = sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ax_fail(ei, db_err(rc), "db", "cannot open %s: %s", path,
			d->conn ? sqlite3_errmsg(d->conn) : sqlite3_errstr(rc));
		db_close(d);
		return db_err(rc) ? db_err(rc) : AX_EDB;
	}
	sqlite3_busy_timeout(d->conn, opt->busy_timeout_ms);
	sqlite3_extended_result_codes(d->conn, 1);
	/* The version check comes first: a newer database is left untouched,
	 * not even switched to WAL. */
	target = opt->migrate_to > 0 && opt->migrate_to < db_migration_count ?
		 opt->migrate_to : db_migration_count;
	if (db_user_version(d) > db_migration_count) {
		rc = migrate(d, target, ei);
	} else if ((rc = set_pragmas(d, opt)) != AX_OK) {
		ax_fail(ei, rc, "db", "%s: cannot configure: %s", path,
			sqlite3_errmsg(d->conn));
	} else {
		rc = migrate(d, target, ei);
	}
	if (rc != AX_OK) {
		db_close(d);
		return rc;
	}
	*out = d;
	return AX_OK;
}

void db_close(db *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	if (d->conn != NULL && sqlite3_close(d->conn) != SQLITE_OK)
		log_err("db", "%s: close failed: %s", d->path, sqlite3_errmsg(d->conn));
	free(d->path);
	free(d);
}
