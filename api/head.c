/* head.c -- checks of an HTTP/1.x request head (RFC 9112), strict enough
 * that whatever passes is also accepted by libmicrohttpd, so that every
 * malformed request is answered with the project's JSON error. */
#include "head.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* A byte of a request target: visible ASCII or (percent-decoded later,
 * and checked then) a non-ASCII byte. */
static bool target_char(unsigned char c)
{
	return (c > 0x20 && c < 0x7F) || c >= 0x80;
}

/* A byte of a field value: visible, SP, HTAB or obs-text. */
static bool value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7F);
}

typedef struct verdict {
	unsigned *status;
	const char **code, **msg;
} verdict;

static api_head_verdict bad(const verdict *v, unsigned status, const char *code,
			    const char *msg)
{
	*v->status = status;
	*v->code = code;
	*v->msg = msg;
	return API_HEAD_BAD;
}

/* "HTTP/1.0" and "HTTP/1.1": 0; another HTTP/d.d: 505; else 400. */
static unsigned version_check(const char *s, size_t n)
{
	if (n != 8 || strncmp(s, "HTTP/", 5) != 0 || s[6] != '.' ||
	    s[5] < '0' || s[5] > '9' || s[7] < '0' || s[7] > '9')
		return 400;
	return s[5] == '1' && (s[7] == '0' || s[7] == '1') ? 0 : 505;
}

/* The query arguments libmicrohttpd would split target[0..n) into (one
 * more than its '&', after the first '?'), at most API_HEAD_ARGS_MAX + 1. */
static size_t query_args(const char *target, size_t n)
{
	const char *q = memchr(target, '?', n);
	size_t args = 1;

	if (q == NULL)
		return 0;
	for (const char *e = target + n; ++q < e && args <= API_HEAD_ARGS_MAX;)
		args += *q == '&';
	return args;
}

static api_head_verdict request_line(const verdict *v, const char *l, size_t n)
{
	size_t i = 0, t;
	unsigned st;

	while (i < n && tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ' ')
		return bad(v, 400, "bad_request", "malformed request line: it must be "
			   "METHOD SP TARGET SP HTTP/1.1");
	t = ++i;
	while (i < n && target_char((unsigned char)l[i]))
		i++;
	if (i == t || i == n || l[i] != ' ')
		return bad(v, 400, "bad_request", "malformed request line: it must be "
			   "METHOD SP TARGET SP HTTP/1.1");
	if (query_args(l + t, i - t) > API_HEAD_ARGS_MAX)
		return bad(v, 400, "bad_request", "more than 128 query arguments");
	i++;
	if ((st = version_check(l + i, n - i)) == 505)
		return bad(v, 505, "http_version_not_supported",
			   "only HTTP/1.0 and HTTP/1.1 are supported");
	if (st != 0)
		return bad(v, 400, "bad_request", "malformed request line: it must be "
			   "METHOD SP TARGET SP HTTP/1.1");
	return API_HEAD_MORE;
}

/* The value of a field line, without the whitespace around it. */
static const char *field_value(const char *l, size_t n, size_t colon, size_t *len)
{
	size_t a = colon + 1, b = n;

	while (a < b && (l[a] == ' ' || l[a] == '\t'))
		a++;
	while (b > a && (l[b - 1] == ' ' || l[b - 1] == '\t'))
		b--;
	*len = b - a;
	return l + a;
}

/* What the head says about the body, seen so far. */
typedef struct body_fields {
	bool length, chunked;
	size_t records;        /* header fields and cookies so far */
} body_fields;

static api_head_verdict content_length(const verdict *v, const char *s, size_t n,
				       body_fields *bf)
{
	uint64_t x = 0;

	if (bf->length)
		return bad(v, 400, "bad_request", "more than one Content-Length");
	bf->length = true;
	if (n == 0)
		return bad(v, 400, "bad_request", "Content-Length must be a decimal number");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return bad(v, 400, "bad_request",
				   "Content-Length must be a decimal number");
		/* At most 2^63 - 1, well inside what libmicrohttpd takes (it
		 * answers a larger one itself); api-max-body is checked later. */
		if (x > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return bad(v, 413, "payload_too_large",
				   "the request body is larger than api-max-body");
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	return API_HEAD_MORE;
}

static api_head_verdict field_line(const verdict *v, const char *l, size_t n,
				   body_fields *bf)
{
	size_t i = 0, len;
	const char *val;

	if (l[0] == ' ' || l[0] == '\t')
		return bad(v, 400, "bad_request", "header field line folding is not "
			   "accepted (RFC 9112 section 5.2)");
	while (i < n && tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ':')
		return bad(v, 400, "bad_request", "malformed header field: it must be "
			   "NAME: VALUE, with no space before the colon");
	for (size_t k = i + 1; k < n; k++)
		if (!value_char((unsigned char)l[k]))
			return bad(v, 400, "bad_request",
				   "a header field value holds a control character");
	val = field_value(l, n, i, &len);
	bf->records++;
	/* libmicrohttpd splits a Cookie field at ';' (',' counted too, to be
	 * safe) and keeps one more record per cookie. */
	if (i == 6 && strncasecmp(l, "Cookie", 6) == 0)
		for (size_t k = 0; k < len && bf->records <= API_HEAD_FIELDS_MAX; k++)
			bf->records += val[k] == ';' || val[k] == ',';
	if (bf->records > API_HEAD_FIELDS_MAX)
		return bad(v, 431, "request_header_fields_too_large",
			   "more than 256 header fields (each cookie counted as one)");
	if (i == 14 && strncasecmp(l, "Content-Length", 14) == 0)
		return content_length(v, val, len, bf);
	if (i == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
		if (bf->chunked || len != 7 || strncasecmp(val, "chunked", 7) != 0)
			return bad(v, 400, "bad_request",
				   "Transfer-Encoding: only a single chunked is supported");
		bf->chunked = true;
	}
	return API_HEAD_MORE;
}

/* The bytes of an unfinished line: refused at once when they can never
 * become a valid one, so garbage is answered without waiting for more. */
static api_head_verdict partial_line(const verdict *v, const char *l, size_t n,
				     bool first)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (c == '\r' && i + 1 == n)
			break;
		if (first ? !(target_char(c) || c == ' ') : !value_char(c))
			return bad(v, 400, "bad_request", first ?
				   "malformed request line: it must be METHOD SP "
				   "TARGET SP HTTP/1.1" :
				   "a header field holds a control character");
	}
	return API_HEAD_MORE;
}

api_head_verdict api_head_check(const char *buf, size_t n, size_t max,
				unsigned *status, const char **code,
				const char **msg, api_head_info *info)
{
	const verdict v = {status, code, msg};
	body_fields bf = {false, false, 0};
	api_head_verdict r;
	bool first = true;
	size_t i = 0;

	/* Empty lines before the request line are ignored (RFC 9112 2.2). */
	while (i < n && (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 == n ||
							       buf[i + 1] == '\n'))))
		i++;
	for (;;) {
		const char *l = buf + i, *nl = memchr(l, '\n', n - i);
		size_t len;

		if (nl == NULL) {
			if ((r = partial_line(&v, l, n - i, first)) != API_HEAD_MORE)
				return r;
			if (n < max)
				return API_HEAD_MORE;
			return first ? bad(&v, 414, "uri_too_long", "the request line "
					   "is too long") :
			       bad(&v, 431, "request_header_fields_too_large",
				   "the request header fields are too large");
		}
		len = (size_t)(nl - l);
		if (len > 0 && l[len - 1] == '\r')
			len--;
		if (memchr(l, '\r', len) != NULL || memchr(l, '\0', len) != NULL)
			return bad(&v, 400, "bad_request", "a control character in the "
				   "request head");
		if (first)
			r = request_line(&v, l, len);
		else if (len == 0) {
			if (bf.length && bf.chunked)
				return bad(&v, 400, "bad_request", "Content-Length and "
					   "Transfer-Encoding together");
			if (info != NULL) {
				info->len = (size_t)(nl - buf) + 1;
				info->chunked = bf.chunked;
			}
			return API_HEAD_OK;
		}
		else
			r = field_line(&v, l, len, &bf);
		if (r != API_HEAD_MORE)
			return r;
		first = false;
		i = (size_t)(nl - buf) + 1;
	}
}
