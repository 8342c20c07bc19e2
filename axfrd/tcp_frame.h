/* tcp_frame.h -- DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): the
 * bytes a connection has received, cut into 2-byte-length-prefixed
 * messages. A prefix may arrive split, several messages may arrive in one
 * read. Pure (no sockets), so that the fuzzer feeds it bytes in arbitrary
 * chunks; dns_tcp.c does the reading. */
#ifndef AXFRD_TCP_FRAME_H
#define AXFRD_TCP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest message, and what the buffer grows to at most. */
#define TCP_FRAME_MSG_MAX 65535
#define TCP_FRAME_BUF_MAX (2 + TCP_FRAME_MSG_MAX)

/* Received bytes not yet handled. Zero-initialize; tcp_frame_free. */
typedef struct tcp_frame {
	uint8_t *buf;
	size_t len;   /* bytes buffered */
	size_t cap;   /* grows from 1 KiB as the message at the head needs */
} tcp_frame;

/*
 * Where the next bytes read go: *space bytes at *at. When the buffer is
 * full it grows first (doubling from 1 KiB, to at least what the message
 * at its head needs, at most TCP_FRAME_BUF_MAX). False, and nothing is
 * to be read now, when it is full and holds a complete message (handle
 * it first), is at its limit, or cannot grow.
 */
bool tcp_frame_room(tcp_frame *f, uint8_t **at, size_t *space);

/* Counts n bytes written at the place tcp_frame_room gave. */
void tcp_frame_received(tcp_frame *f, size_t n);

typedef enum tcp_frame_result {
	TCP_FRAME_MORE,   /* no complete message yet */
	TCP_FRAME_MSG,    /* *msg, *len: the message at the head */
	TCP_FRAME_BAD,    /* the head's length is below a DNS header: *why */
} tcp_frame_result;

/* The message at the head, without its length prefix; *msg stays valid
 * until the next tcp_frame_ call. */
tcp_frame_result tcp_frame_peek(const tcp_frame *f, const uint8_t **msg,
				size_t *len, const char **why);

/* Drops the message at the head (after TCP_FRAME_MSG). */
void tcp_frame_pop(tcp_frame *f);

/* Frees the buffer (accepts a zeroed struct) and empties f. */
void tcp_frame_free(tcp_frame *f);

#endif
