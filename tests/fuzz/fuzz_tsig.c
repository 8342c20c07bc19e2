/* fuzz_tsig.c -- TSIG verification (tsig.c) with two known keys
 * (hmac-sha256 and hmac-sha512) at a fixed time. A request (QR clear) is
 * parsed as the server does (query_parse) and verified with tsig_verify;
 * when it verifies, the answer signed with tsig_sign must verify on the
 * client side (tsig_check_reply), and with one MAC byte changed must not.
 * A reply (QR set) is checked with tsig_check_reply against a request
 * signed at start-up, as the NOTIFY client does.
 * With AXFRD_FUZZ_WRITE_SEEDS=DIR set, LLVMFuzzerInitialize writes the
 * seed corpus (validly signed requests and replies) to DIR first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/query.h"
#include "axfrd/tsig.h"
#include "axfrd/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000
#define KEY256 "xfr-key.example."
#define KEY512 "big-key.example."

static tsig_key key256, key512;
static tsig_ctx client;      /* the request the replies answer */
static uint8_t request[512];
static size_t request_len;

static bool lookup(void *arg, const char *name, tsig_key *out)
{
	(void)arg;
	if (strcmp(name, KEY256) == 0)
		*out = key256;
	else if (strcmp(name, KEY512) == 0)
		*out = key512;
	else
		return false;
	return true;
}

static void make_key(tsig_key *k, const char *name, const char *alg, size_t n)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->algorithm, sizeof(k->algorithm), "%s", alg);
	for (size_t i = 0; i < n; i++)
		k->secret[i] = (uint8_t)(i * 7 + 1);
	k->secret_len = n;
}

/* A request: header, question (name, type), nothing else. */
static size_t make_query(uint8_t *buf, uint16_t id, uint16_t flags,
			 const char *name, uint16_t type)
{
	size_t nlen;

	memset(buf, 0, WIRE_HEADER_LEN);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = (uint8_t)(flags >> 8);
	buf[3] = (uint8_t)flags;
	buf[5] = 1;
	if (!wire_name_from_text(name, buf + WIRE_HEADER_LEN, &nlen))
		abort();
	uint8_t *p = buf + WIRE_HEADER_LEN + nlen;
	p[0] = (uint8_t)(type >> 8);
	p[1] = (uint8_t)type;
	p[2] = 0;
	p[3] = 1;
	return WIRE_HEADER_LEN + nlen + 4;
}

/* The server's side of a request: verify, answer, sign. Returns the
 * signed answer's length in out (0: none). */
static size_t serve(const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		    tsig_ctx *ctx, tsig_result *res)
{
	dns_query q;
	size_t n;

	memset(ctx, 0, sizeof(*ctx));
	*res = TSIG_UNSIGNED;
	if (query_parse(msg, len, &q) != QP_OK || !q.has_tsig)
		return 0;
	*res = tsig_verify(&q, lookup, NULL, NOW, ctx);
	if (*res != TSIG_OK && *res != TSIG_FAIL)
		return 0;
	n = query_error(&q, *res == TSIG_OK ? 0 : 9, out, cap - tsig_space(ctx));
	if (n == 0 || !tsig_sign(ctx, out, &n, cap, NOW))
		return 0;
	return n;
}

static void write_seed(const char *dir, const char *name, const uint8_t *b,
		       size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(b, 1, n, f) != n)
		abort();
	fclose(f);
}

static void write_seeds(const char *dir)
{
	static const struct {
		const char *file, *qname;
		uint16_t type, flags;
		const tsig_key *key;
		long skew;
	} seeds[] = {
		{"axfr-sha256", "example.com", 252, 0, &key256, 0},
		{"ixfr-sha512", "example.com", 251, 0, &key512, 0},
		{"soa-sha256", "Example.COM", 6, 0x0100, &key256, 0},
		{"notify-sha256", "example.com", 6, 0x2400, &key256, 0},
		{"badtime-sha256", "example.com", 252, 0, &key256, 3600},
	};
	uint8_t buf[1024], ans[1024];
	size_t n;
	tsig_ctx ctx;
	tsig_result res;

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		n = make_query(buf, (uint16_t)(0x1000 + i), seeds[i].flags,
			       seeds[i].qname, seeds[i].type);
		memset(&ctx, 0, sizeof(ctx));
		if (!tsig_sign_request(&ctx, seeds[i].key, buf, &n, sizeof(buf),
				       NOW + seeds[i].skew))
			abort();
		write_seed(dir, seeds[i].file, buf, n);
	}
	/* An unknown key: BADKEY. */
	tsig_key other;
	make_key(&other, "other.example.", "hmac-sha256", 32);
	n = make_query(buf, 0x2000, 0, "example.com", 252);
	memset(&ctx, 0, sizeof(ctx));
	if (!tsig_sign_request(&ctx, &other, buf, &n, sizeof(buf), NOW))
		abort();
	write_seed(dir, "badkey", buf, n);
	/* The answer to the start-up request, as the server signs it. */
	if ((n = serve(request, request_len, ans, sizeof(ans), &ctx, &res)) == 0 ||
	    res != TSIG_OK)
		abort();
	write_seed(dir, "reply-sha256", ans, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("AXFRD_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	make_key(&key256, KEY256, "hmac-sha256", 32);
	make_key(&key512, KEY512, "hmac-sha512", 64);
	request_len = make_query(request, 0x4242, 0x2400, "example.com", 6);
	if (!tsig_sign_request(&client, &key256, request, &request_len,
			       sizeof(request), NOW))
		abort();
	if (dir != NULL)
		write_seeds(dir);
	return 0;
}

/* The answer the server signed must verify as the client checks it, and
 * must not once a byte of its MAC is changed. */
static void check_answer(const tsig_ctx *server_before, uint8_t *ans, size_t n)
{
	tsig_ctx cl = *server_before;
	dns_query r;
	uint16_t err;
	tsig_reply res;

	if (query_parse_reply(ans, n, &r) != QP_OK || !r.has_tsig) {
		fprintf(stderr, "a signed answer does not parse as a reply\n");
		abort();
	}
	if ((res = tsig_check_reply(&cl, &r, NOW, &err)) != TSIG_REPLY_OK) {
		fprintf(stderr, "a signed answer does not verify: %d\n", (int)res);
		abort();
	}
	/* The MAC is the last 6 + mac_len + 2 + 2 bytes' start: flip the
	 * byte 10 from the end of the MAC field (other len 0: the MAC ends
	 * 6 bytes before the end). */
	ans[n - 7] ^= 0x01;
	if (query_parse_reply(ans, n, &r) == QP_OK &&
	    tsig_check_reply(&cl, &r, NOW, &err) == TSIG_REPLY_OK) {
		fprintf(stderr, "an answer with a changed MAC verifies\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ans[4096];
	tsig_ctx ctx, before;
	tsig_result res;
	dns_query q;
	uint16_t err;
	size_t n;

	if (size < WIRE_HEADER_LEN || size > 65535)
		return 0;
	if (data[2] & 0x80) {           /* QR: a reply to our request */
		if (query_parse_reply(data, size, &q) == QP_OK)
			tsig_check_reply(&client, &q, NOW, &err);
		return 0;
	}
	memset(&before, 0, sizeof(before));
	n = serve(data, size, ans, sizeof(ans), &ctx, &res);
	if (n > 0 && res == TSIG_OK) {
		/* The client's state: the key, names and the request MAC, as
		 * the server held them before it signed. */
		dns_query rq;
		if (query_parse(data, size, &rq) != QP_OK ||
		    tsig_verify(&rq, lookup, NULL, NOW, &before) != TSIG_OK) {
			fprintf(stderr, "a verified request does not verify again\n");
			abort();
		}
		check_answer(&before, ans, n);
	}
	return 0;
}
