/* pct.h -- percent-decoding of request path segments and query
 * arguments. Pure functions (no libmicrohttpd, no store), so that the
 * fuzzers can call them directly. */
#ifndef AXFRD_API_PCT_H
#define AXFRD_API_PCT_H

#include <stddef.h>

/*
 * Decodes the n bytes at in ("%XX" escapes) into a malloc'd,
 * NUL-terminated *out. An encoded '/' stays in the text (a segment is
 * split before it is decoded). Returns AX_OK, AX_ENOMEM, or AX_EINVAL
 * (with *out NULL) when an escape is malformed or the decoded text holds a
 * NUL, a control character or invalid UTF-8.
 */
int api_pct_decode(const char *in, size_t n, char **out);

#endif
