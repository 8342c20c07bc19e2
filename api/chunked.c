/* chunked.c -- the chunked body framing check (see chunked.h). It is
 * stricter than libmicrohttpd 0.9.75's own reading of the framing: no
 * space before ";", no lone CR, no folded or colon-less trailer line. */
#include "chunked.h"

#include <string.h>

enum {
	S_SIZE,      /* hex digits of a chunk size */
	S_EXT,       /* after ";" on a chunk-size line */
	S_SIZE_LF,   /* after the CR of a chunk-size line */
	S_DATA,      /* chunk data */
	S_DATA_CR,   /* the line end after chunk data */
	S_DATA_LF,   /* after its CR */
	S_TR_START,  /* start of a trailer line (or the final empty line) */
	S_TR_NAME,   /* a trailer field name */
	S_TR_VALUE,  /* after its colon */
	S_TR_LF,     /* after the CR of a trailer line */
	S_END_LF,    /* after the CR of the final empty line */
	S_DONE,
	S_BAD,
};

static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* A byte of a chunk extension or trailer value: visible, SP, HTAB or
 * obs-text. */
static bool value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7F);
}

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void api_chunked_init(api_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->state = S_SIZE;
}

static int bad(api_chunked *c, const char *msg)
{
	c->msg = msg;
	return S_BAD;
}

/* The chunk-size line is complete. */
static int size_line_end(api_chunked *c)
{
	c->line = 0;
	if (c->size == 0)
		return S_TR_START;
	c->left = c->size;
	c->size = 0;
	return S_DATA;
}

/* One byte of anything but chunk data: the next state. */
static int step(api_chunked *c, unsigned char b)
{
	int d;

	switch (c->state) {
	case S_SIZE:
	case S_EXT:
	case S_SIZE_LF:
		if (++c->line > API_CHUNK_LINE_MAX)
			return bad(c, "malformed chunked body: a chunk-size line (with "
				   "its extensions) is longer than 1024 bytes");
		break;
	case S_TR_START:
	case S_TR_NAME:
	case S_TR_VALUE:
	case S_TR_LF:
	case S_END_LF:
		if (++c->trailer > API_CHUNK_TRAILER_MAX)
			return bad(c, "malformed chunked body: the trailer section is "
				   "larger than 4096 bytes");
		break;
	}
	switch (c->state) {
	case S_SIZE:
		if ((d = hex(b)) >= 0) {
			if (c->size > ((uint64_t)INT64_MAX - (uint64_t)d) / 16)
				return bad(c, "malformed chunked body: a chunk size is "
					   "above 2^63 - 1");
			c->size = c->size * 16 + (uint64_t)d;
			return S_SIZE;
		}
		if (c->line == 1)
			return bad(c, "malformed chunked body: a chunk-size line must "
				   "start with the size in hex digits");
		if (b == ';')
			return S_EXT;
		if (b == '\r')
			return S_SIZE_LF;
		if (b == '\n')
			return size_line_end(c);
		return bad(c, "malformed chunked body: a chunk size must be hex "
			   "digits, then \";\" extensions or the line end");
	case S_EXT:
		if (b == '\r')
			return S_SIZE_LF;
		if (b == '\n')
			return size_line_end(c);
		if (value_char(b))
			return S_EXT;
		return bad(c, "malformed chunked body: a control character in a "
			   "chunk extension");
	case S_SIZE_LF:
		if (b == '\n')
			return size_line_end(c);
		return bad(c, "malformed chunked body: a CR not followed by LF in a "
			   "chunk-size line");
	case S_DATA_CR:
		if (b == '\r')
			return S_DATA_LF;
		if (b == '\n')
			return S_SIZE;
		return bad(c, "malformed chunked body: chunk data longer than its "
			   "size, or not followed by CRLF");
	case S_DATA_LF:
		if (b == '\n')
			return S_SIZE;
		return bad(c, "malformed chunked body: chunk data longer than its "
			   "size, or not followed by CRLF");
	case S_TR_START:
		if (b == '\r')
			return S_END_LF;
		if (b == '\n')
			return S_DONE;
		if (tchar(b) && ++c->fields > API_CHUNK_TRAILER_FIELDS_MAX)
			return bad(c, "malformed chunked body: more than 128 trailer "
				   "fields");
		if (tchar(b))
			return S_TR_NAME;
		return bad(c, "malformed chunked body: a trailer field must be "
			   "NAME: VALUE (no folding)");
	case S_TR_NAME:
		if (tchar(b))
			return S_TR_NAME;
		if (b == ':')
			return S_TR_VALUE;
		return bad(c, "malformed chunked body: a trailer field must be "
			   "NAME: VALUE, with no space before the colon");
	case S_TR_VALUE:
		if (b == '\r')
			return S_TR_LF;
		if (b == '\n')
			return S_TR_START;
		if (value_char(b))
			return S_TR_VALUE;
		return bad(c, "malformed chunked body: a control character in a "
			   "trailer field");
	case S_TR_LF:
		if (b == '\n')
			return S_TR_START;
		return bad(c, "malformed chunked body: a CR not followed by LF in the "
			   "trailer section");
	case S_END_LF:
		if (b == '\n')
			return S_DONE;
		return bad(c, "malformed chunked body: a CR not followed by LF at its "
			   "end");
	}
	return bad(c, "malformed chunked body");
}

api_chunked_verdict api_chunked_feed(api_chunked *c, const char *buf, size_t n,
				     size_t *used)
{
	size_t i = 0;

	while (i < n && c->state != S_DONE && c->state != S_BAD) {
		if (c->state == S_DATA) {
			uint64_t k = n - i < c->left ? n - i : c->left;
			i += (size_t)k;
			c->left -= k;
			c->body += k;
			if (c->left == 0)
				c->state = S_DATA_CR;
			continue;
		}
		c->state = step(c, (unsigned char)buf[i]);
		if (c->state != S_BAD)
			i++;
	}
	*used = i;
	if (c->state == S_DONE)
		return API_CHUNKED_DONE;
	return c->state == S_BAD ? API_CHUNKED_BAD : API_CHUNKED_MORE;
}
