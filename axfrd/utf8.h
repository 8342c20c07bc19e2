/* utf8.h -- strict UTF-8 checks shared by the name checker, the API's
 * path decoder and the error formatter. Pure functions. */
#ifndef AXFRD_UTF8_H
#define AXFRD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid multi-byte UTF-8 sequence at s (at most n bytes), or
 * 0 when s[0] is ASCII or the sequence is invalid (overlong, surrogate,
 * above U+10FFFF, truncated). Same rules as jansson, so that text it
 * accepts never breaks a JSON reply. */
size_t utf8_seq(const unsigned char *s, size_t n);

/* True when s[0..n) is valid UTF-8 without a control character (C0, DEL
 * or C1, which includes NUL). */
bool utf8_text_ok(const char *s, size_t n);

/* Makes s[0..n) valid UTF-8 in place and NUL-terminates it: a sequence
 * that n cuts short at the end is dropped, any other invalid byte becomes
 * '?'. s must have room for n + 1 bytes. Returns the new length. */
size_t utf8_repair(char *s, size_t n);

#endif
