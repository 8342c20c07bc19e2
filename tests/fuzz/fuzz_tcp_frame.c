/* fuzz_tcp_frame.c -- DNS over TCP framing (tcp_frame.c) fed a byte
 * stream in arbitrary chunks, the way dns_tcp.c reads a socket: read
 * while there is room and bytes have arrived, then handle every complete
 * message. Input: two bytes that seed the chunk sizes, then the stream.
 * Properties: the messages come out in order and exactly as a one-pass
 * reading of the whole stream cuts them, however it arrives; a length
 * below a header stops the stream where that reading finds it; the buffer
 * never grows past one message and its length; what is left buffered is
 * exactly the unfinished tail. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/tcp_frame.h"
#include "axfrd/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t at)
{
	fprintf(stderr, "framing property violated at stream offset %zu: %s\n", at,
		what);
	abort();
}

/* Chunk sizes: mostly small (split prefixes), sometimes large. */
static size_t next_chunk(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	uint32_t r = *state >> 16;
	return (r & 3) == 0 ? 1 + (r >> 2) % 70000 : 1 + (r >> 2) % 7;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcp_frame f = {0};
	const uint8_t *stream, *msg;
	const char *why;
	size_t n, sent = 0, ref = 0, len, arrived = 0;
	uint32_t state;
	bool bad = false;

	if (size < 2 || size > 300000)
		return 0;
	state = (uint32_t)data[0] << 8 | data[1];
	stream = data + 2;
	n = size - 2;
	for (unsigned turns = 0; turns < 1000000 && !bad; turns++) {
		uint8_t *at;
		size_t space;
		bool read_any = false;
		/* Bytes arrive; read while there is room (dns_tcp.c do_read). */
		if (arrived < n) {
			size_t c = next_chunk(&state);
			arrived = c > n - arrived ? n : arrived + c;
		}
		while (sent < arrived && tcp_frame_room(&f, &at, &space)) {
			size_t take = arrived - sent < space ? arrived - sent : space;
			if (space == 0)
				fail("room without space", sent);
			memcpy(at, stream + sent, take);
			tcp_frame_received(&f, take);
			sent += take;
			read_any = true;
		}
		if (f.cap > TCP_FRAME_BUF_MAX)
			fail("buffer past one message", sent);
		/* Handle every complete message (handle_input). */
		bool handled = false;
		for (;;) {
			tcp_frame_result r = tcp_frame_peek(&f, &msg, &len, &why);
			if (r == TCP_FRAME_MORE)
				break;
			size_t want = ref + 2 <= n ?
				      (size_t)stream[ref] << 8 | stream[ref + 1] : 0;
			if (r == TCP_FRAME_BAD) {
				if (ref + 2 > n || want >= WIRE_HEADER_LEN || why == NULL)
					fail("refused a good length", ref);
				bad = true;
				break;
			}
			if (ref + 2 + want > n || want != len ||
			    memcmp(msg, stream + ref + 2, len) != 0)
				fail("a message differs from the stream's", ref);
			ref += 2 + len;
			tcp_frame_pop(&f);
			handled = true;
		}
		if (!read_any && !handled && arrived == n)
			break;  /* everything arrived and nothing moves */
	}
	if (!bad) {
		/* What is left is the tail no whole message covers. */
		if (f.len != sent - ref || sent != n)
			fail("the buffered tail is wrong", ref);
		if (ref + 2 <= n) {
			size_t want = (size_t)stream[ref] << 8 | stream[ref + 1];
			if (want < WIRE_HEADER_LEN || ref + 2 + want <= n)
				fail("a complete or bad message left unread", ref);
		}
	}
	tcp_frame_free(&f);
	return 0;
}
