/* db_internal.h -- what the db/ modules share: the handle and statement
 * helpers. Not for use outside db/. */
#ifndef AXFRD_DB_INTERNAL_H
#define AXFRD_DB_INTERNAL_H

#include <sqlite3.h>

#include "db.h"

struct db {
	sqlite3 *conn;   /* one connection, used by one thread */
	char *path;      /* as opened, for logs */
};

/* Converts a SQLite result code to an ax_err once, here. */
int db_err(int sqlite_rc);

/* Prepares sql on d (cached by SQLite's own statement cache is not used;
 * statements are short-lived). Logs failures. */
int db_prepare(db *d, const char *sql, sqlite3_stmt **st);

/* Steps a statement that returns no rows. AX_EEXIST on a UNIQUE
 * violation. Finalizes st. */
int db_exec_stmt(db *d, sqlite3_stmt *st);

/* Executes a plain SQL script with no parameters. */
int db_exec(db *d, const char *sql);

/* malloc'd copy of a text column ("" for NULL), or NULL when out of memory */
char *db_col_strdup(sqlite3_stmt *st, int col);

#endif
