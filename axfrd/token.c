/* token.c -- API token generation, hashing and the admin bootstrap. */
#include "token.h"

#include <ldns/sha2.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "db/db_account.h"

void token_hash(const char *token, char out[65])
{
	unsigned char digest[LDNS_SHA256_DIGEST_LENGTH];

	ldns_sha256((const unsigned char *)token, (unsigned)strlen(token), digest);
	for (int i = 0; i < LDNS_SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static int token_generate(char buf[TOKEN_LEN + 1])
{
	unsigned char raw[20];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0)
			return AX_EIO;
		got += (size_t)n;
	}
	memcpy(buf, "axfrd_", 6);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(buf + 6 + 2 * i, 3, "%02x", raw[i]);
	return AX_OK;
}

int token_issue(db *d, int64_t account_id, const char *token, time_t now,
		char buf[TOKEN_LEN + 1], int64_t *id)
{
	char hash[65], prefix[TOKEN_PREFIX_LEN + 1];
	int rc;

	if (token == NULL) {
		if ((rc = token_generate(buf)) != AX_OK)
			return rc;
		token = buf;
	}
	token_hash(token, hash);
	snprintf(prefix, sizeof(prefix), "%s", token);
	return db_token_create(d, account_id, hash, prefix, now, id);
}

int token_bootstrap_admin(db *d, const char *env_token, time_t now,
			  char generated[TOKEN_LEN + 1], bool *created,
			  ax_errinfo *ei)
{
	bool exists;
	int64_t account_id;
	int rc;

	generated[0] = '\0';
	*created = false;
	if ((rc = db_admin_exists(d, &exists)) != AX_OK || exists)
		return rc;
	if (env_token != NULL && strlen(env_token) < TOKEN_MIN_LEN)
		return ax_fail(ei, AX_EINVAL, "AXFRD_ADMIN_TOKEN",
			       "AXFRD_ADMIN_TOKEN must be at least %d characters",
			       TOKEN_MIN_LEN);
	if ((rc = db_begin(d)) != AX_OK)
		return rc;
	if ((rc = db_account_create(d, "admin", true, now, &account_id)) == AX_OK &&
	    (rc = token_issue(d, account_id, env_token, now, generated, NULL)) == AX_OK)
		rc = db_commit(d);
	if (rc != AX_OK) {
		db_rollback(d);
		generated[0] = '\0';
		return ax_fail(ei, rc, "db", "cannot create the admin account: %s",
			       ax_strerror(rc));
	}
	*created = true;
	return AX_OK;
}
