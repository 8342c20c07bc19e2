/* db_nsset.h -- name server sets: an account's named lists of secondary
 * name servers (and optionally their transfer addresses). */
#ifndef AXFRD_DB_NSSET_H
#define AXFRD_DB_NSSET_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_strv.h"

/* A stored set. Strings and lists are owned (db_nsset_clear). */
typedef struct db_nsset {
	int64_t id;
	int64_t account_id;
	char *name;
	db_strv name_servers;   /* absolute, trailing dot */
	db_strv addresses;      /* normalized addresses or prefixes; may be empty */
	int64_t created_at, updated_at;
} db_nsset;

void db_nsset_clear(db_nsset *s);
void db_nsset_array_free(db_nsset *sets, size_t n);

/* Inserts s and sets s->id; AX_EEXIST when the account has a set of that
 * name. */
int db_nsset_insert(db *d, db_nsset *s);

/* Set id of account_id; AX_ENOTFOUND when absent or another account's. */
int db_nsset_get(db *d, int64_t account_id, int64_t id, db_nsset *out);

/* An account's sets ordered by id, one page; *total counts all. */
int db_nsset_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		  db_nsset **out, size_t *n, int64_t *total);

/* Stores name, lists and updated_at of set s->id of s->account_id.
 * AX_EEXIST for a name taken by another set, AX_ENOTFOUND if absent. */
int db_nsset_update(db *d, const db_nsset *s);

/* Deletes set id of account_id; AX_ENOTFOUND when it is not there.
 * Configurations copied from it keep their values. */
int db_nsset_delete(db *d, int64_t account_id, int64_t id);

#endif
