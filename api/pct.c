/* pct.c -- percent-decoding of request path segments and query arguments. */
#include "pct.h"

#include <stdlib.h>

#include "axfrd/error.h"
#include "axfrd/utf8.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int api_pct_decode(const char *in, size_t n, char **out)
{
	char *buf;
	size_t i = 0, o = 0;

	*out = NULL;
	if ((buf = malloc(n + 1)) == NULL)
		return AX_ENOMEM;
	while (i < n) {
		if (in[i] != '%') {
			buf[o++] = in[i++];
			continue;
		}
		int hi = i + 2 < n ? hex_value(in[i + 1]) : -1;
		int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
		if (lo < 0) {
			free(buf);
			return AX_EINVAL;
		}
		buf[o++] = (char)(hi << 4 | lo);
		i += 3;
	}
	buf[o] = '\0';
	if (!utf8_text_ok(buf, o)) {
		free(buf);
		return AX_EINVAL;
	}
	*out = buf;
	return AX_OK;
}
