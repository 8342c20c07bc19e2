/* migrations.h -- the SQL migrations compiled into the binary. */
#ifndef AXFRD_DB_MIGRATIONS_H
#define AXFRD_DB_MIGRATIONS_H

/* One migrations/NNN_name.sql file. Migration n brings the schema from
 * user_version n-1 to n; the array is ordered and dense from 1. */
struct db_migration {
	int version;       /* NNN of the file name */
	const char *name;  /* file name, for logs */
	const char *sql;   /* whole file */
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
