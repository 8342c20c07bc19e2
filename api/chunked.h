/* chunked.h -- an incremental check of a chunked request body's framing
 * (RFC 9112 section 7.1): chunk-size lines, the CRLF after each chunk's
 * data, the last chunk and its trailer section. Whatever passes is also
 * framed the same way by libmicrohttpd, so that a malformed body is
 * answered with the project's JSON error instead of its HTML page. Pure:
 * no sockets; the body may be fed in pieces split anywhere. */
#ifndef AXFRD_API_CHUNKED_H
#define AXFRD_API_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest chunk-size line, extensions and line end included. */
#define API_CHUNK_LINE_MAX 1024
/* The largest trailer section, its final empty line included. */
#define API_CHUNK_TRAILER_MAX 4096
/* The most trailer fields: libmicrohttpd keeps a record of each, next to
 * the head's (API_HEAD_FIELDS_MAX in head.h), in its per-connection
 * memory. */
#define API_CHUNK_TRAILER_FIELDS_MAX 128

typedef enum api_chunked_verdict {
	API_CHUNKED_MORE, /* well-formed so far; the body goes on */
	API_CHUNKED_DONE, /* the body (last chunk, trailers, empty line) is complete */
	API_CHUNKED_BAD,  /* malformed: the message says how */
} api_chunked_verdict;

typedef struct api_chunked {
	int state;
	uint64_t size;      /* the chunk size being read */
	uint64_t left;      /* bytes of chunk data still to come */
	uint64_t body;      /* bytes of chunk data so far */
	size_t line;        /* bytes of the current chunk-size line */
	size_t trailer;     /* bytes of the trailer section */
	size_t fields;      /* trailer fields so far */
	const char *msg;    /* why, once BAD */
} api_chunked;

void api_chunked_init(api_chunked *c);

/*
 * Checks the next n bytes of the body. *used is how many of them belong
 * to it: all of them while MORE, up to the end of the body when DONE (what
 * follows is not part of this request), up to the first wrong byte when
 * BAD. Once DONE or BAD, the verdict stays (and *used is 0). Line ends may
 * be CRLF or LF, as in the request head. Refused: a chunk-size line that is
 * not hex digits with optional ";" extensions of visible characters, one
 * over API_CHUNK_LINE_MAX bytes, a chunk size above 2^63 - 1, chunk data
 * not followed by a line end, a trailer field that is not NAME: VALUE (no
 * folding, no control characters), a trailer section over
 * API_CHUNK_TRAILER_MAX bytes or with more than
 * API_CHUNK_TRAILER_FIELDS_MAX fields.
 */
api_chunked_verdict api_chunked_feed(api_chunked *c, const char *buf, size_t n,
				     size_t *used);

#endif
