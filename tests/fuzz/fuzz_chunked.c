/* fuzz_chunked.c -- the chunked body framing check (api/chunked.c) fed a
 * body in arbitrary pieces, the way the API's relay reads a socket.
 * Input: two bytes that seed the piece sizes, then the body. Properties:
 * the verdict and the bytes used are the same as one pass over the whole
 * body finds, however it arrives; used never exceeds what was fed; once
 * DONE or BAD the verdict stays and nothing more is used; a BAD verdict
 * has a message; the chunk data counted never exceeds the bytes used. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/chunked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t at)
{
	fprintf(stderr, "chunked property violated at body offset %zu: %s\n", at,
		what);
	abort();
}

static size_t next_piece(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	uint32_t r = *state >> 16;
	return (r & 3) == 0 ? 1 + (r >> 2) % 5000 : 1 + (r >> 2) % 5;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	api_chunked one, c;
	api_chunked_verdict v1, v = API_CHUNKED_MORE;
	const char *body;
	size_t n, used1, at = 0, used;
	uint32_t state;

	if (size < 2 || size > 200000)
		return 0;
	state = (uint32_t)data[0] << 8 | data[1];
	body = (const char *)data + 2;
	n = size - 2;
	api_chunked_init(&one);
	v1 = api_chunked_feed(&one, body, n, &used1);
	if (used1 > n || (v1 == API_CHUNKED_MORE && used1 != n))
		fail("one pass used the wrong number of bytes", used1);
	if (v1 == API_CHUNKED_BAD && one.msg == NULL)
		fail("BAD without a message", used1);
	if (one.body > used1)
		fail("more chunk data than bytes", used1);
	api_chunked_init(&c);
	while (at < n) {
		size_t k = next_piece(&state);
		api_chunked_verdict was = v;
		if (k > n - at)
			k = n - at;
		v = api_chunked_feed(&c, body + at, k, &used);
		if (used > k)
			fail("used more than fed", at);
		if (was != API_CHUNKED_MORE && (v != was || used != 0))
			fail("a final verdict changed or used bytes", at);
		if (v == API_CHUNKED_MORE && used != k)
			fail("MORE without using every byte", at);
		if (was == API_CHUNKED_MORE && v != API_CHUNKED_MORE) {
			if (v != v1 || at + used != used1)
				fail("pieces end elsewhere than one pass", at + used);
		}
		at += k;
	}
	if (v != v1)
		fail("pieces give another verdict than one pass", n);
	if (c.body != one.body)
		fail("pieces count other chunk data than one pass", n);
	return 0;
}
