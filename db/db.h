/* db.h -- the store: opening the SQLite database, migrations, and
 * transactions. This directory is the only code that speaks SQL. */
#ifndef AXFRD_DB_H
#define AXFRD_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "axfrd/error.h"

typedef struct db db;

/* How the store is opened. */
typedef struct db_options {
	bool sync_full;       /* synchronous=FULL (else NORMAL) */
	int busy_timeout_ms;  /* wait this long for a lock */
	int migrate_to;       /* apply migrations up to this version; 0 = all
			       * (tests use it to build an older schema) */
} db_options;

/*
 * Opens (creating it and its directory if needed) the database at path,
 * sets WAL mode, foreign keys, the busy timeout and the synchronous level,
 * and applies the pending migrations, each in one transaction. A database
 * whose schema is newer than this binary is refused with AX_EVERSION and
 * not written to. path ":memory:" gives a private in-memory store.
 * One db handle belongs to one thread.
 */
int db_open(const char *path, const db_options *opt, db **out,
	    ax_errinfo *ei);

/* Closes the handle (accepts NULL). */
void db_close(db *d);

/* The schema version this binary brings (number of migrations). */
int db_schema_version(void);

/* The schema version of the open database (PRAGMA user_version). */
int db_user_version(db *d);

/* Write transaction: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int db_begin(db *d);
/* Read transaction (BEGIN DEFERRED): reads until db_commit see one
 * version of the store. */
int db_begin_read(db *d);
int db_commit(db *d);
void db_rollback(db *d);

/* Many small transactions as one (the start-up load of every zone): takes
 * the write lock once (BEGIN IMMEDIATE); until db_batch_end, db_begin,
 * db_begin_read, db_commit and db_rollback work on savepoints inside it,
 * so each unit still commits or rolls back on its own, and db_batch_end
 * commits them all with one sync. */
int db_batch_begin(db *d);
int db_batch_end(db *d);
/* Rolls the whole batch back, every unit in it included (a change of
 * many zones that must happen all or not at all). */
void db_batch_abort(db *d);

/* Runs PRAGMA integrity_check; AX_OK when it answers "ok". */
int db_integrity_check(db *d);

#endif
