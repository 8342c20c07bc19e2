/* db_account.h -- accounts and their API tokens (stored hashed). */
#ifndef AXFRD_DB_ACCOUNT_H
#define AXFRD_DB_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct db_account {
	int64_t id;
	char name[128];
	bool is_admin;
	int64_t created_at;
} db_account;

typedef struct db_token {
	int64_t id;
	int64_t account_id;
	char prefix[16];      /* the first characters of the token */
	int64_t created_at;
} db_token;

/* Creates an account; AX_EEXIST when the name is taken. */
int db_account_create(db *d, const char *name, bool is_admin, int64_t now,
		      int64_t *id);

/* AX_ENOTFOUND when there is no such account. */
int db_account_get(db *d, int64_t id, db_account *out);

/* All accounts ordered by id, page by offset/limit; *total counts all.
 * *out is malloc'd (free()). */
int db_account_list(db *d, int64_t offset, int64_t limit, db_account **out,
		    size_t *n, int64_t *total);

/* True in *exists when an admin account exists. */
int db_admin_exists(db *d, bool *exists);

/* Stores a token by its hex SHA-256 hash and display prefix. */
int db_token_create(db *d, int64_t account_id, const char *hash_hex,
		    const char *prefix, int64_t now, int64_t *id);

/* Finds the account of a token hash; AX_ENOTFOUND when unknown. */
int db_token_lookup(db *d, const char *hash_hex, db_account *out);

/* Tokens of an account ordered by id; *out malloc'd. */
int db_token_list(db *d, int64_t account_id, db_token **out, size_t *n);

/* Deletes a token of an account; AX_ENOTFOUND when it is not there. */
int db_token_delete(db *d, int64_t account_id, int64_t token_id);

#endif
