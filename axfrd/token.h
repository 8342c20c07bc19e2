/* token.h -- API tokens: generation, hashing, issuing, admin bootstrap.
 * Only hashes are stored; a token is shown once, when it is issued. */
#ifndef AXFRD_TOKEN_H
#define AXFRD_TOKEN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "error.h"

#define TOKEN_LEN 46        /* "axfrd_" + 40 hex digits */
#define TOKEN_MIN_LEN 16    /* shortest token accepted from the admin */
#define TOKEN_PREFIX_LEN 12 /* characters kept to tell tokens apart */

/* Hex SHA-256 of token into out (65 bytes with the NUL). */
void token_hash(const char *token, char out[65]);

/* Stores token (or, when token is NULL, a new random one written into
 * buf, which holds TOKEN_LEN + 1 bytes) for account_id. *id is the new
 * token's id. */
int token_issue(db *d, int64_t account_id, const char *token, time_t now,
		char buf[TOKEN_LEN + 1], int64_t *id);

/*
 * Creates the admin account and its token on a store that has none:
 * env_token (AXFRD_ADMIN_TOKEN) if not NULL, else a random token written
 * to generated (empty otherwise). *created tells whether anything was
 * done. A too short env_token is AX_EINVAL.
 */
int token_bootstrap_admin(db *d, const char *env_token, time_t now,
			  char generated[TOKEN_LEN + 1], bool *created,
			  ax_errinfo *ei);

#endif
