/* test_head.c -- the request-head checks of api/head.c: what passes is
 * handed to libmicrohttpd, what does not is answered with a JSON error
 * (issue 17 point 4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/head.h"

static api_head_verdict check(const char *s, size_t n, unsigned *status,
			      const char **code)
{
	const char *msg = NULL;

	*status = 0;
	*code = NULL;
	return api_head_check(s, n, API_HEAD_MAX, status, code, &msg, NULL);
}

static void ok(const char *s)
{
	unsigned st;
	const char *code;

	if (check(s, strlen(s), &st, &code) != API_HEAD_OK)
		fail_msg("refused (%u %s): %s", st, code ? code : "", s);
	/* Every proper prefix waits for more. */
	for (size_t i = 0; i < strlen(s) - 1; i++)
		if (check(s, i, &st, &code) != API_HEAD_MORE)
			fail_msg("prefix of %zu bytes not MORE (%u %s): %s", i, st,
				 code ? code : "", s);
}

static void bad(const char *s, size_t n, unsigned want)
{
	unsigned st;
	const char *code;

	if (check(s, n, &st, &code) != API_HEAD_BAD)
		fail_msg("accepted: %.*s", (int)n, s);
	if (st != want)
		fail_msg("status %u, not %u: %.*s", st, want, (int)n, s);
	assert_non_null(code);
}

static void test_good(void **state)
{
	(void)state;
	ok("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	ok("GET /healthz HTTP/1.0\r\n\r\n");
	ok("\r\nGET / HTTP/1.1\r\n\r\n");
	ok("GET / HTTP/1.1\nHost: x\n\n");
	ok("POST /v1/zones HTTP/1.1\r\nContent-Length: 12\r\n\r\n");
	ok("POST /v1/zones HTTP/1.1\r\ntransfer-encoding:  Chunked \r\n\r\n");
	ok("GET /a%2Fb?x=1 HTTP/1.1\r\nX-A:\r\nX-B: \xc3\xa9\tz\r\n\r\n");
}

static void test_bad(void **state)
{
	static const struct { const char *s; unsigned st; } cases[] = {
		{"GARBAGE\r\n\r\n", 400},
		{"GET /\r\n\r\n", 400},
		{"GET  / HTTP/1.1\r\n\r\n", 400},
		{"GET / HTTP/1.1 \r\n\r\n", 400},
		{"GET / HTTP/2.0\r\n\r\n", 505},
		{"GET / HTTP/0.9\r\n\r\n", 505},
		{"GET / HTTPS/1.1\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nA B: c\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nA : c\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nA: c\r\n d\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nA: c\x7f\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nA: c\rd\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", 413},
		{"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad(cases[i].s, strlen(cases[i].s), cases[i].st);
	/* Refused before the head is complete: garbage is not waited for. */
	bad("\x16\x03\x01\x02\x00", 5, 400);
	bad("GET / HTTP/1.1\r\nX: \x01", 20, 400);
	bad("G\0T / HTTP/1.1\r\n\r\n", 18, 400);
	/* Lengths up to 2^63 - 1 pass (the body limit is checked later);
	 * larger ones are a 413 here. */
	ok("GET / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n");
	{
		const char *big = "GET / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n";
		bad(big, strlen(big), 413);
	}
}

static void test_too_long(void **state)
{
	char *buf = malloc(API_HEAD_MAX);
	unsigned st;
	const char *code;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', API_HEAD_MAX - 5);
	assert_int_equal(check(buf, API_HEAD_MAX, &st, &code), API_HEAD_BAD);
	assert_int_equal(st, 414);
	memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
	memset(buf + 19, 'a', API_HEAD_MAX - 19);
	assert_int_equal(check(buf, API_HEAD_MAX, &st, &code), API_HEAD_BAD);
	assert_int_equal(st, 431);
	assert_int_equal(check(buf, API_HEAD_MAX - 1, &st, &code), API_HEAD_MORE);
	free(buf);
}

/* A head of n copies of piece between prefix and suffix. */
static char *repeat(const char *prefix, const char *piece, int n, const char *suffix)
{
	size_t lp = strlen(prefix), lpc = strlen(piece), ls = strlen(suffix);
	char *buf = malloc(lp + lpc * (size_t)n + ls + 1), *w = buf;

	assert_non_null(buf);
	memcpy(w, prefix, lp);
	w += lp;
	for (int i = 0; i < n; i++, w += lpc)
		memcpy(w, piece, lpc);
	memcpy(w, suffix, ls + 1);
	return buf;
}

/* At most API_HEAD_FIELDS_MAX fields and cookies and API_HEAD_ARGS_MAX
 * query arguments: libmicrohttpd keeps a record of each and answers with
 * its own HTML page when they do not fit its connection memory. */
static void test_counts(void **state)
{
	static const struct { const char *pre, *piece, *post; int n; unsigned st; } cases[] = {
		{"GET / HTTP/1.1\r\n", "a:\r\n", "\r\n", API_HEAD_FIELDS_MAX, 431},
		{"GET / HTTP/1.1\r\nCookie: a=b", ";a=b", "\r\n\r\n",
		 API_HEAD_FIELDS_MAX - 1, 431},
		{"GET / HTTP/1.1\r\nX: 1\r\nCookie: a=b", "; a=b", "\r\n\r\n",
		 API_HEAD_FIELDS_MAX - 2, 431},
		{"GET /?a", "&a", " HTTP/1.1\r\n\r\n", API_HEAD_ARGS_MAX - 1, 400},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = repeat(cases[i].pre, cases[i].piece, cases[i].n, cases[i].post);
		ok(s);
		free(s);
		s = repeat(cases[i].pre, cases[i].piece, cases[i].n + 1, cases[i].post);
		bad(s, strlen(s), cases[i].st);
		free(s);
	}
	/* Other fields' commas and semicolons are no cookies. */
	{
		char *s = repeat("GET / HTTP/1.1\r\nX-A: a", ";,", 2 * API_HEAD_FIELDS_MAX,
				 "\r\n\r\n");
		ok(s);
		free(s);
	}
}

/* A good head's length and whether its body is chunked, for the relay. */
static void test_info(void **state)
{
	static const char h1[] = "\r\nPUT /x HTTP/1.1\r\nHost: x\r\n"
				 "transfer-encoding:  Chunked \r\n\r\n5\r\nabcde";
	static const char h2[] = "GET /x HTTP/1.1\nX-TE: chunked\n\nbody";
	api_head_info info = {99, true};
	const char *code, *msg;
	unsigned st;

	(void)state;
	assert_int_equal(api_head_check(h1, sizeof(h1) - 1, API_HEAD_MAX, &st, &code,
					&msg, &info), API_HEAD_OK);
	assert_int_equal(info.len, strstr(h1, "\r\n\r\n") + 4 - h1);
	assert_true(info.chunked);
	assert_int_equal(api_head_check(h2, sizeof(h2) - 1, API_HEAD_MAX, &st, &code,
					&msg, &info), API_HEAD_OK);
	assert_int_equal(info.len, strlen(h2) - 4);
	assert_false(info.chunked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
