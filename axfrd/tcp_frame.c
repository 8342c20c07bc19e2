/* tcp_frame.c -- cutting received TCP bytes into DNS messages. */
#include "tcp_frame.h"

#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* The length the prefix at the head announces (the buffer holds >= 2). */
static size_t head_len(const tcp_frame *f)
{
	return (size_t)f->buf[0] << 8 | f->buf[1];
}

/* Grows the buffer towards the largest message (64 KiB and its length),
 * as far as the message at its head needs. */
static bool grow(tcp_frame *f)
{
	size_t want = f->cap ? f->cap * 2 : 1024;
	uint8_t *grown;

	if (f->len >= 2) {
		size_t need = 2 + head_len(f);
		if (f->len >= need)
			return false;  /* complete: no need to read more now */
		if (want < need)
			want = need;
	}
	if (want > TCP_FRAME_BUF_MAX)
		want = TCP_FRAME_BUF_MAX;
	if (want <= f->cap || (grown = realloc(f->buf, want)) == NULL)
		return false;
	f->buf = grown;
	f->cap = want;
	return true;
}

bool tcp_frame_room(tcp_frame *f, uint8_t **at, size_t *space)
{
	if (f->len == f->cap && !grow(f))
		return false;
	*at = f->buf + f->len;
	*space = f->cap - f->len;
	return true;
}

void tcp_frame_received(tcp_frame *f, size_t n)
{
	f->len += n;
}

tcp_frame_result tcp_frame_peek(const tcp_frame *f, const uint8_t **msg,
				size_t *len, const char **why)
{
	size_t n;

	*msg = NULL;
	*len = 0;
	*why = NULL;
	if (f->len < 2)
		return TCP_FRAME_MORE;
	n = head_len(f);
	if (n < WIRE_HEADER_LEN) {
		*why = n == 0 ? "zero-length message" : "message shorter than a header";
		return TCP_FRAME_BAD;
	}
	if (f->len < 2 + n)
		return TCP_FRAME_MORE;  /* wait for the rest */
	*msg = f->buf + 2;
	*len = n;
	return TCP_FRAME_MSG;
}

void tcp_frame_pop(tcp_frame *f)
{
	size_t n;

	if (f->len < 2 || f->len < 2 + (n = head_len(f)))
		return;
	memmove(f->buf, f->buf + 2 + n, f->len - 2 - n);
	f->len -= 2 + n;
}

void tcp_frame_free(tcp_frame *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}
