/* utf8.c -- strict UTF-8 checks. */
#include "utf8.h"

size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (n == 0)
		return 0;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

bool utf8_text_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x80) {
			if (u[i] < 0x20 || u[i] == 0x7F)
				return false;
			i++;
			continue;
		}
		if ((k = utf8_seq(u + i, n - i)) == 0)
			return false;
		/* C1 controls U+0080..U+009F are C2 80..C2 9F. */
		if (u[i] == 0xC2 && u[i + 1] < 0xA0)
			return false;
		i += k;
	}
	return true;
}

/* True when s[0..n) is the start of a sequence that n cuts short. */
static bool cut_short(const unsigned char *s, size_t n)
{
	size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;

	if (s[0] < 0xC2 || s[0] > 0xF4 || n >= need)
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return false;
	return true;
}

size_t utf8_repair(char *s, size_t n)
{
	unsigned char *u = (unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(u + i, n - i)) != 0) {
			i += k;
			continue;
		}
		if (cut_short(u + i, n - i)) {
			n = i;
			break;
		}
		u[i++] = '?';
	}
	s[n] = '\0';
	return n;
}
