/* test_chunked.c -- the chunked body framing check of api/chunked.c: a
 * malformed body is answered with the JSON 400 by the front, a good one
 * passes unchanged (issue 17 point 4). Every input is also fed split at
 * every byte boundary and byte by byte: the verdict must not depend on how
 * the bytes arrive. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/chunked.h"

/* Feeds s[0..n) in pieces cut at cut1 and cut2, then byte by byte from
 * there when bytewise; returns the verdict and the total bytes used. */
static api_chunked_verdict feed_split(const char *s, size_t n, size_t cut1,
				      size_t cut2, size_t *total, uint64_t *body)
{
	api_chunked c;
	api_chunked_verdict v = API_CHUNKED_MORE;
	size_t cuts[3] = {cut1, cut2, n}, at = 0;

	api_chunked_init(&c);
	*total = 0;
	for (int k = 0; k < 3; k++) {
		size_t used;
		if (cuts[k] < at)
			continue;
		v = api_chunked_feed(&c, s + at, cuts[k] - at, &used);
		assert_true(used <= cuts[k] - at);
		if (v == API_CHUNKED_MORE)
			assert_int_equal(used, cuts[k] - at);
		else
			assert_non_null(v == API_CHUNKED_BAD ? c.msg : "");
		*total += used;
		if (v != API_CHUNKED_MORE)
			break;
		at = cuts[k];
	}
	*body = c.body;
	return v;
}

static api_chunked_verdict feed_bytes(const char *s, size_t n, size_t *total)
{
	api_chunked c;
	api_chunked_verdict v = API_CHUNKED_MORE;

	api_chunked_init(&c);
	*total = 0;
	for (size_t i = 0; i < n && v == API_CHUNKED_MORE; i++) {
		size_t used;
		v = api_chunked_feed(&c, s + i, 1, &used);
		*total += used;
	}
	return v;
}

/* s (n bytes) gets verdict want with used bytes used, however it is cut. */
static void expect(const char *s, size_t n, api_chunked_verdict want, size_t used,
		   uint64_t body)
{
	size_t total;
	uint64_t got_body;

	for (size_t a = 0; a <= n; a++)
		/* Two cuts anywhere in short inputs, one in long ones. */
		for (size_t b = a; b <= (n > 64 ? a : n); b++) {
			api_chunked_verdict v = feed_split(s, n, a, b, &total, &got_body);
			if (v != want || total != used)
				fail_msg("cut at %zu,%zu: verdict %d used %zu, want %d %zu: "
					 "%.*s", a, b, v, total, want, used, (int)n, s);
			if (want == API_CHUNKED_DONE && got_body != body)
				fail_msg("body %llu, want %llu: %.*s",
					 (unsigned long long)got_body,
					 (unsigned long long)body, (int)n, s);
		}
	assert_int_equal(feed_bytes(s, n, &total), want);
	assert_int_equal(total, used);
}

static void done(const char *s, uint64_t body)
{
	expect(s, strlen(s), API_CHUNKED_DONE, strlen(s), body);
	/* Bytes after the end are not part of the body. */
	char *more = malloc(strlen(s) + 8);
	sprintf(more, "%sGET /", s);
	expect(more, strlen(more), API_CHUNKED_DONE, strlen(s), body);
	free(more);
	/* Every proper prefix waits for more. */
	for (size_t i = 0; i < strlen(s); i++)
		expect(s, i, API_CHUNKED_MORE, i, 0);
}

/* Refused at byte at (the first wrong one). */
static void bad_at(const char *s, size_t n, size_t at)
{
	expect(s, n, API_CHUNKED_BAD, at, 0);
}

static void bad(const char *s, const char *wrong)
{
	bad_at(s, strlen(s), (size_t)(strstr(s, wrong) - s));
}

static void test_good(void **state)
{
	(void)state;
	done("0\r\n\r\n", 0);
	done("5\r\nhello\r\n0\r\n\r\n", 5);
	done("5\nhello\n0\n\n", 5);
	done("a\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n", 11);
	done("A\r\n0123456789\r\n0\r\n\r\n", 10);
	done("0005\r\nhe\r\nl\r\n0\r\n\r\n", 5);
	done("3;name=value;x=\"q s\"\r\nabc\r\n0;last\r\n\r\n", 3);
	done("3\r\n\r\n\r\r\n0\r\n\r\n", 3);  /* data may hold CR and LF */
	expect("2\r\n\0\0\r\n0\r\n\r\n", 12, API_CHUNKED_DONE, 12, 2);
	done("1\r\nx\r\n0\r\nX-Sum: abc\r\nY:\r\n\r\n", 1);
	done("1\r\nx\r\n0\r\nX-Sum: a\tb \xc3\xa9\nY: z\n\n", 1);
	/* The largest chunk size: its data is waited for. */
	expect("7fffffffffffffff\r\nabc", 21, API_CHUNKED_MORE, 21, 0);
}

static void test_good_big(void **state)
{
	/* Many tiny chunks, and a size with leading zeros up to the line limit. */
	char *s = malloc(64 * 1024);
	size_t n = 0;
	api_chunked c;
	size_t used;

	(void)state;
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(s + n, "1\r\n%c\r\n", 'a' + i % 26);
	n += (size_t)sprintf(s + n, "0\r\n\r\n");
	api_chunked_init(&c);
	assert_int_equal(api_chunked_feed(&c, s, n, &used), API_CHUNKED_DONE);
	assert_int_equal(used, n);
	assert_int_equal(c.body, 5000);
	n = 0;
	memset(s, '0', API_CHUNK_LINE_MAX - 3);
	n = API_CHUNK_LINE_MAX - 3;
	n += (size_t)sprintf(s + n, "1\r\nz\r\n0\r\n\r\n");
	api_chunked_init(&c);
	assert_int_equal(api_chunked_feed(&c, s, n, &used), API_CHUNKED_DONE);
	assert_int_equal(c.body, 1);
	free(s);
}

static void test_bad(void **state)
{
	(void)state;
	/* The chunk-size line. */
	bad("\r\n", "\r");
	bad(";x\r\n", ";");
	bad("x\r\n", "x");
	bad(" 5\r\nhello", " ");
	bad("5 \r\nhello", " ");
	bad("5 ;x\r\nhello", " ");
	bad("0x5\r\nhello", "x");
	bad("-1\r\n", "-");
	bad("+1\r\n", "+");
	bad("5\rhello", "h");
	bad("5\r\rhello", "\rh");
	bad("5;a\x01\r\nhello", "\x01");
	bad("5;a\rb\r\nhello", "b");
	bad_at("5;\0\r\n", 5, 2);
	/* Chunk data not followed by a line end. */
	bad("5\r\nhelloX\r\n0\r\n\r\n", "X");
	bad("5\r\nhello\rX0\r\n\r\n", "X0");
	bad("3\r\nhello\r\n0\r\n\r\n", "lo");
	/* Overflow: 2^63 and above. */
	bad("8000000000000000\r\n", "0\r\n");
	bad("7fffffffffffffff0\r\n", "0\r\n");
	bad_at("ffffffffffffffffffff\r\n", 22, 15);
	/* Bad trailers. */
	bad("0\r\nNoColon\r\n\r\n", "\r\n\r\n");
	bad("0\r\nX-A : v\r\n\r\n", " :");
	bad("0\r\n: v\r\n\r\n", ":");
	bad("0\r\n folded\r\n\r\n", " folded");
	bad("0\r\nX-A: v\r\n folded\r\n\r\n", " folded");
	bad("0\r\nX-A: a\x01\r\n\r\n", "\x01");
	bad("0\r\nX-A: a\rb\r\n\r\n", "b");
	bad("0\r\n\rX", "X");
	bad_at("0\r\nX-A: a\0b\r\n\r\n", 15, 9);
}

static void test_limits(void **state)
{
	char *s = malloc(3 * API_CHUNK_TRAILER_MAX);
	size_t n;

	(void)state;
	/* An over-long chunk extension: refused at the first byte over. */
	n = (size_t)sprintf(s, "1;x=");
	memset(s + n, 'a', API_CHUNK_LINE_MAX);
	n += API_CHUNK_LINE_MAX;
	bad_at(s, n, API_CHUNK_LINE_MAX);
	/* Exactly the limit passes. */
	n = (size_t)sprintf(s, "1;");
	memset(s + n, 'a', API_CHUNK_LINE_MAX - 4);
	n += API_CHUNK_LINE_MAX - 4;
	n += (size_t)sprintf(s + n, "\r\nz\r\n0\r\n\r\n");
	{
		api_chunked c;
		size_t used;
		api_chunked_init(&c);
		assert_int_equal(api_chunked_feed(&c, s, n, &used), API_CHUNKED_DONE);
	}
	/* Leading zeros count towards the line. */
	memset(s, '0', API_CHUNK_LINE_MAX + 1);
	bad_at(s, API_CHUNK_LINE_MAX + 1, API_CHUNK_LINE_MAX);
	/* A trailer section over the limit. */
	n = (size_t)sprintf(s, "0\r\nX-Big: ");
	memset(s + n, 'b', API_CHUNK_TRAILER_MAX);
	n += API_CHUNK_TRAILER_MAX;
	bad_at(s, n, 3 + API_CHUNK_TRAILER_MAX);
	free(s);
}

/* At most API_CHUNK_TRAILER_FIELDS_MAX trailer fields: libmicrohttpd
 * keeps a record of each and answers itself (an HTML 431) when they do not
 * fit its connection memory. */
static void test_trailer_fields(void **state)
{
	char *s = malloc(16 * (API_CHUNK_TRAILER_FIELDS_MAX + 2));
	size_t n = (size_t)sprintf(s, "0\r\n"), at;
	api_chunked c;
	size_t used;

	(void)state;
	for (int i = 0; i < API_CHUNK_TRAILER_FIELDS_MAX; i++)
		n += (size_t)sprintf(s + n, "t:\r\n");
	at = n;
	memcpy(s + n, "\r\n", 2);
	api_chunked_init(&c);
	assert_int_equal(api_chunked_feed(&c, s, n + 2, &used), API_CHUNKED_DONE);
	assert_int_equal(used, n + 2);
	n += (size_t)sprintf(s + n, "t:\r\n\r\n");
	bad_at(s, n, at);
	free(s);
}

/* Once DONE or BAD, the verdict stays and nothing more is used. */
static void test_sticky(void **state)
{
	api_chunked c;
	size_t used;

	(void)state;
	api_chunked_init(&c);
	assert_int_equal(api_chunked_feed(&c, "0\r\n\r\n", 5, &used), API_CHUNKED_DONE);
	assert_int_equal(api_chunked_feed(&c, "5\r\n", 3, &used), API_CHUNKED_DONE);
	assert_int_equal(used, 0);
	api_chunked_init(&c);
	assert_int_equal(api_chunked_feed(&c, "z", 1, &used), API_CHUNKED_BAD);
	assert_int_equal(used, 0);
	assert_non_null(strstr(c.msg, "chunk"));
	assert_int_equal(api_chunked_feed(&c, "0\r\n\r\n", 5, &used), API_CHUNKED_BAD);
	assert_int_equal(used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_good_big),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_trailer_fields),
		cmocka_unit_test(test_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
