/* db_tsig.h -- TSIG keys (RFC 8945) of accounts. Key names are unique
 * across accounts (a DNS message names its key); secrets are stored as raw
 * bytes and only db_tsig_key_find (db_secondary.h) returns them. */
#ifndef AXFRD_DB_TSIG_H
#define AXFRD_DB_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include "axfrd/acl.h"
#include "db.h"

/* What the API shows of a key: everything but the secret. */
typedef struct db_tsig_info {
	int64_t id;
	int64_t account_id;
	char name[TSIG_NAME_MAX + 1];  /* lower case, absolute, trailing dot */
	char algorithm[16];            /* "hmac-sha256" or "hmac-sha512" */
	int64_t created_at;
} db_tsig_info;

/* Stores key k (normalized name) for account_id; sets *id. AX_EEXIST when
 * any account has a key of that name. */
int db_tsig_key_insert(db *d, int64_t account_id, const tsig_key *k,
		       int64_t now, int64_t *id);

/* The key named name of account_id; AX_ENOTFOUND when the account has no
 * such key (another account's key is not found either). */
int db_tsig_key_get(db *d, int64_t account_id, const char *name,
		    db_tsig_info *out);

/* An account's keys ordered by name, one page; *total counts all. *out is
 * malloc'd (free()). */
int db_tsig_key_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		     db_tsig_info **out, size_t *n, int64_t *total);

/* Name of a zone whose secondary DNS configuration uses key_id, in *zone
 * (malloc'd); AX_ENOTFOUND when no configuration uses it. */
int db_tsig_key_user(db *d, int64_t key_id, char **zone);

/* Deletes key id of account_id; AX_ENOTFOUND when it is not there. */
int db_tsig_key_delete(db *d, int64_t account_id, int64_t id);

#endif
