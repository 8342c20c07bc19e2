/* db_internal.h -- what the db/ modules share: the handle and statement
 * helpers. Not for use outside db/. */
#ifndef AXFRD_DB_INTERNAL_H
#define AXFRD_DB_INTERNAL_H

#include <stdbool.h>
#include <sqlite3.h>

#include "db.h"

#define DB_STMT_CACHE 160

/* A prepared statement kept for reuse, keyed by its SQL text's address
 * (the SQL of db/ is string literals). */
typedef struct db_cached_stmt {
	const char *sql;
	sqlite3_stmt *st;
	bool busy;       /* handed out and not yet given back */
} db_cached_stmt;

struct db {
	sqlite3 *conn;   /* one connection, used by one thread */
	char *path;      /* as opened, for logs */
	db_cached_stmt cache[DB_STMT_CACHE];
	int ncache;
	bool batch;      /* inside db_batch_begin: transactions are savepoints */
	int nest;        /* savepoints open inside the batch */
};

/* Converts a SQLite result code to an ax_err once, here. */
int db_err(int sqlite_rc);

/* A prepared statement for sql (a string literal): from the cache when
 * that one is free, else new. Give it back with db_done. Logs failures. */
int db_prepare(db *d, const char *sql, sqlite3_stmt **st);

/* Gives a statement back: a cached one is reset for reuse, others are
 * finalized. Accepts NULL. */
void db_done(db *d, sqlite3_stmt *st);

/* Runs a "SELECT count(*) ..." (sql: a string literal) into *total;
 * its one parameter, if it has one, is bound to id. */
int db_count(db *d, const char *sql, int64_t id, int64_t *total);

/* Steps a statement that returns no rows. AX_EEXIST on a UNIQUE
 * violation. Gives st back. */
int db_exec_stmt(db *d, sqlite3_stmt *st);

/* Executes a plain SQL script with no parameters. */
int db_exec(db *d, const char *sql);

/* malloc'd copy of a text column ("" for NULL), or NULL when out of memory */
char *db_col_strdup(sqlite3_stmt *st, int col);

#endif
