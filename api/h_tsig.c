/* h_tsig.c -- TSIG keys: create (with a given or generated secret), list,
 * get, delete. Secrets are never returned, except a generated one in the
 * answer to its POST, and never logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "api_input.h"
#include "api_internal.h"
#include "axfrd/log.h"
#include "db/db_tsig.h"

#define SECRET_MIN 16   /* bytes: shorter keys are too easy to guess */

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding; out holds at least 4 * ((n + 2) / 3) + 1. */
static void b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64_chars[(v >> 18) & 63];
		out[o++] = b64_chars[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_chars[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64_chars[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Strict base64 (padded, no white space) into out (cap bytes); false when
 * malformed or too long. */
static bool b64_decode(const char *in, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(in), pad = 0;
	uint32_t v = 0;

	*n = 0;
	if (len == 0 || len % 4 != 0)
		return false;
	pad = (in[len - 1] == '=') + (len > 1 && in[len - 2] == '=');
	if ((len / 4) * 3 - pad > cap)
		return false;
	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(b64_chars, in[i]);
		if (i >= len - pad) {
			if (in[i] != '=')
				return false;
			p = b64_chars;  /* padding counts as zero bits */
		} else if (in[i] == '\0' || p == NULL) {
			return false;
		}
		v = (v << 6) | (uint32_t)(p - b64_chars);
		if (i % 4 == 3) {
			uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
			size_t take = i == len - 1 ? 3 - pad : 3;
			memcpy(out + *n, b, take);
			*n += take;
			v = 0;
		}
	}
	return true;
}

static int random_bytes(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0)
			return AX_EIO;
		got += (size_t)r;
	}
	return AX_OK;
}

static json_t *key_json(const db_tsig_info *k)
{
	return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)k->id, "name",
			 k->name, "algorithm", k->algorithm, "created_at",
			 api_time(k->created_at));
}

/* "hmac-sha256" or "hmac-sha512" (any case, trailing dot allowed);
 * default hmac-sha256. */
static bool read_algorithm(json_t *body, tsig_key *k, api_resp *rs)
{
	const char *alg = "hmac-sha256";
	size_t len;

	if (!api_opt_string(body, "algorithm", &alg, rs))
		return false;
	len = strlen(alg);
	if (len > 0 && alg[len - 1] == '.')
		len--;
	if (len == 11 && (strncasecmp(alg, "hmac-sha256", 11) == 0 ||
			  strncasecmp(alg, "hmac-sha512", 11) == 0)) {
		snprintf(k->algorithm, sizeof(k->algorithm), "hmac-sha%.3s", alg + 8);
		return true;
	}
	api_error(rs, 422, "invalid_field", "algorithm", "algorithm: '%.40s' is "
		  "not supported; supported: hmac-sha256, hmac-sha512", alg);
	return false;
}

/* The secret: decoded from the body, or generated (the hash's length)
 * when absent, in which case *generated is set. */
static bool read_secret(json_t *body, tsig_key *k, bool *generated,
			api_resp *rs)
{
	const char *text = NULL;
	int rc;

	*generated = false;
	if (!api_opt_string(body, "secret", &text, rs))
		return false;
	if (text == NULL) {
		k->secret_len = strcmp(k->algorithm, "hmac-sha512") == 0 ? 64 : 32;
		if ((rc = random_bytes(k->secret, k->secret_len)) != AX_OK) {
			api_error_ax(rs, rc, NULL);
			return false;
		}
		*generated = true;
		return true;
	}
	/* The message must not echo the secret. */
	if (!b64_decode(text, k->secret, sizeof(k->secret), &k->secret_len) ||
	    k->secret_len < SECRET_MIN) {
		api_error(rs, 422, "invalid_field", "secret", "secret: must be base64 "
			  "(padded, no spaces) of %d to %d bytes; leave it out to have "
			  "one generated", SECRET_MIN, TSIG_SECRET_MAX);
		return false;
	}
	return true;
}

static json_t *created_json(const db_tsig_info *info, const tsig_key *k,
			    bool generated)
{
	char b64[4 * ((TSIG_SECRET_MAX + 2) / 3) + 1];
	json_t *j = key_json(info);

	if (generated && j != NULL) {
		b64_encode(k->secret, k->secret_len, b64);
		json_object_set_new(j, "secret", json_string(b64));
		explicit_bzero(b64, sizeof(b64));
	}
	return j;
}

/* The members of a key: what a create reads, what GET adds. */
static const char *const key_known[] = {"name", "algorithm", "secret", NULL};
static const char *const key_ro[] = {"id", "created_at", NULL};
static const api_members_spec key_members = {key_known, key_ro, NULL};

void h_tsig_create(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	const char *name = NULL;
	tsig_key k = {0};
	db_tsig_info info = {0};
	bool generated;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || !api_members_ok(body, &key_members, NULL, rs) ||
	    !api_req_string(body, "name", &name, rs))
		goto cleanup;
	if ((rc = api_tsig_name(name, "name", k.name, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	if (!read_algorithm(body, &k, rs) || !read_secret(body, &k, &generated, rs))
		goto cleanup;
	rc = db_tsig_key_insert(rq->ctx->d, rq->account.id, &k, rq->now, &info.id);
	if (rc == AX_EEXIST) {
		api_error(rs, 409, "conflict", "name", "name: a TSIG key named %s "
			  "already exists (key names are unique across accounts)", k.name);
		goto cleanup;
	} else if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	info.account_id = rq->account.id;
	info.created_at = rq->now;
	memcpy(info.name, k.name, sizeof(info.name));
	memcpy(info.algorithm, k.algorithm, sizeof(info.algorithm));
	log_info("api", "TSIG key %s (%s) created", k.name, k.algorithm);
	api_json(rs, 201, created_json(&info, &k, generated));
cleanup:
	explicit_bzero(&k, sizeof(k));
	json_decref(body);
}

void h_tsig_list(api_req *rq, api_resp *rs)
{
	int64_t page, per_page, total;
	db_tsig_info *keys;
	size_t n;
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page))
		return;
	rc = db_tsig_key_list(rq->ctx->d, rq->account.id, (page - 1) * per_page,
			      per_page, &keys, &n, &total);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, key_json(&keys[i]));
	free(keys);
	api_json(rs, 200, api_paginated(data, page, per_page, total));
}

/* Loads the caller's key named by the path; on failure sets a 404. */
static bool load_key(api_req *rq, api_resp *rs, db_tsig_info *k)
{
	char name[TSIG_NAME_MAX + 1];
	int rc = api_tsig_name(rq->params[0], "key", name, NULL);

	if (rc == AX_OK)
		rc = db_tsig_key_get(rq->ctx->d, rq->account.id, name, k);
	if (rc == AX_EINVAL || rc == AX_ENOTFOUND)
		api_error(rs, 404, "not_found", NULL, "no such TSIG key: %s",
			  rq->params[0]);
	else if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	return rc == AX_OK;
}

void h_tsig_get(api_req *rq, api_resp *rs)
{
	db_tsig_info k;

	if (load_key(rq, rs, &k))
		api_json(rs, 200, key_json(&k));
}

void h_tsig_delete(api_req *rq, api_resp *rs)
{
	db_tsig_info k;
	char *zone = NULL;
	int rc;

	if (!load_key(rq, rs, &k))
		return;
	rc = db_tsig_key_user(rq->ctx->d, k.id, &zone);
	if (rc == AX_OK) {
		api_error(rs, 409, "conflict", NULL, "TSIG key %s is required for "
			  "transfers of zone %s; remove it from that zone's secondary "
			  "DNS configuration first", k.name, zone);
		free(zone);
		return;
	}
	if (rc == AX_ENOTFOUND)
		rc = db_tsig_key_delete(rq->ctx->d, rq->account.id, k.id);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	log_info("api", "TSIG key %s deleted", k.name);
	rs->status = 204;
}
