/* head.h -- the checks of an HTTP request head (request line and header
 * fields) that libmicrohttpd would otherwise answer itself with its HTML
 * error pages. Pure: no sockets, no state. */
#ifndef AXFRD_API_HEAD_H
#define AXFRD_API_HEAD_H

#include <stdbool.h>
#include <stddef.h>

/* The largest request head (request line, header fields, the empty line)
 * axfrd reads; libmicrohttpd gets a memory pool well above it. */
#define API_HEAD_MAX 16384

/* The most header fields (each cookie of a Cookie field counted as one
 * more) and query arguments a head may have: libmicrohttpd keeps a record
 * of each in its per-connection memory (API_CONN_MEMORY in server.c),
 * with the chunked trailers (API_CHUNK_TRAILER_FIELDS_MAX), and answers
 * itself when they do not fit. */
#define API_HEAD_FIELDS_MAX 256
#define API_HEAD_ARGS_MAX 128

typedef enum api_head_verdict {
	API_HEAD_MORE, /* well-formed so far; the empty line is still to come */
	API_HEAD_OK,   /* a complete, well-formed head */
	API_HEAD_BAD,  /* refuse: *status, *code and *msg say how */
} api_head_verdict;

/* What a complete, well-formed head says for its relay (front.c). */
typedef struct api_head_info {
	size_t len;            /* bytes of the head, with its empty line */
	bool chunked;          /* Transfer-Encoding: chunked */
} api_head_info;

/*
 * Looks at the first n bytes received on a new connection (n may stop
 * anywhere). max is the most the caller will ever look at: a head not
 * complete within max bytes is a 431 (414 while still in the request
 * line). Refused: a malformed request line or header field (400), an HTTP
 * version other than 1.0 and 1.1 (505), a Content-Length that is not one
 * decimal number (400) or is above 2^63 - 1 (413), more than
 * API_HEAD_FIELDS_MAX header fields and cookies (431), more than
 * API_HEAD_ARGS_MAX query arguments (400), a Transfer-Encoding other than "chunked" or one next to a Content-Length
 * (400). Line ends may be CRLF or LF. When OK, *info (unless NULL) says
 * how long the head is and whether its body is chunked.
 */
api_head_verdict api_head_check(const char *buf, size_t n, size_t max,
				unsigned *status, const char **code,
				const char **msg, api_head_info *info);

#endif
