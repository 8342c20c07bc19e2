/* rr.c -- checks and normalizes user records (names, types, TTLs, RDATA). */
#include "rr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define NAME_TEXT_MAX 253   /* 255 octets in wire form, without the dot */
#define LABEL_MAX 63
#define NAME_BUF 1024       /* room to say by how much a name is too long */
#define RAW_LABEL_MAX 255   /* a U-label longer than this cannot fit anyway */
#define ECHO_MAX 64         /* how much user input an error message repeats */
#define URL_MAX 2048
/* ldns reads the RDATA text into a buffer of LDNS_MAX_RDFLEN and silently
 * drops what does not fit, so longer input is refused before parsing. */
#define CONTENT_TEXT_MAX 65000

/* Flags for name_convert(). */
#define NC_LOWER 0x1    /* lower-case ASCII (zone names) */
#define NC_WILDCARD 0x2 /* a first label "*" is allowed (owner names) */
#define NC_SLASH 0x4    /* '/' is allowed (RFC 2317 classless reverse zones) */

/* The supported types, with what their RDATA looks like for error messages. */
struct rr_type_info {
	const char *name;
	const char *hint;
	uint16_t code;      /* the RR type number; 0 for the pseudo-types */
};

static const struct rr_type_info rr_types[] = {
	{ "A", "an IPv4 address, e.g. \"192.0.2.1\"", 1 },
	{ "AAAA", "an IPv6 address, e.g. \"2001:db8::1\"", 28 },
	{ "CNAME", "a host name, e.g. \"www.example.com.\"", 5 },
	{ "MX", "a preference and a host name, e.g. \"10 mail.example.com.\"", 15 },
	{ "TXT", "a word or one or more quoted strings of at most 255 "
		 "characters each, e.g. \"\\\"v=spf1 -all\\\"\"", 16 },
	{ "NS", "a name server host name, e.g. \"ns1.example.com.\"", 2 },
	{ "SRV", "a priority, a weight, a port and a target host, "
		 "e.g. \"10 5 5060 sip.example.com.\"", 33 },
	{ "CAA", "flags, a tag and a quoted value, "
		 "e.g. \"0 issue \\\"letsencrypt.org\\\"\"", 257 },
	{ "PTR", "a host name, e.g. \"host.example.com.\"", 12 },
	{ "NAPTR", "order, preference, flags, service, regexp and "
		   "replacement, e.g. \"100 10 \\\"S\\\" \\\"SIP+D2U\\\" "
		   "\\\"\\\" _sip._udp.example.com.\"", 35 },
	{ "SSHFP", "an algorithm, a fingerprint type and a hex "
		   "fingerprint, e.g. \"4 2 <64 hex digits>\"", 44 },
	{ "TLSA", "usage, selector, matching type and hex data, "
		  "e.g. \"3 1 1 <64 hex digits>\"", 52 },
	{ "DS", "a key tag, an algorithm, a digest type and a hex digest, "
		"e.g. \"12345 13 2 <64 hex digits>\"", 43 },
	{ "HTTPS", "a priority, a target and parameters, "
		   "e.g. \"1 . alpn=h2,h3\"", 65 },
	{ "SVCB", "a priority, a target and parameters, "
		  "e.g. \"1 svc.example.com. port=8443\"", 64 },
	{ "ALIAS", "a host name, e.g. \"lb.example.net.\"", 0 },
	{ "URL", "an http or https URL, e.g. \"https://www.example.com/\"", 0 },
};

#define RR_TYPES_LIST "A, AAAA, CNAME, MX, TXT, NS, SRV, CAA, PTR, NAPTR, " \
		      "SSHFP, TLSA, DS, HTTPS, SVCB, ALIAS, URL"
#define NTYPES (sizeof(rr_types) / sizeof(rr_types[0]))

/*
 * Fails with AX_EINVAL; the message starts with the field ("content: ...")
 * as everywhere in the API, so it reads well on its own.
 */
static int rr_fail(ax_errinfo *ei, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rr_fail(ax_errinfo *ei, const char *field, const char *fmt, ...)
{
	char msg[sizeof(ei->msg)];
	va_list ap;

	if (ei == NULL)
		return AX_EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field == NULL || field[0] == '\0')
		return ax_fail(ei, AX_EINVAL, field, "%s", msg);
	return ax_fail(ei, AX_EINVAL, field, "%s: %s", field, msg);
}

void rr_record_clear(rr_record *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->type);
	free(r->content);
	memset(r, 0, sizeof(*r));
}

void rr_record_array_free(rr_record *recs, size_t n)
{
	size_t i;

	if (recs == NULL)
		return;
	for (i = 0; i < n; i++)
		rr_record_clear(&recs[i]);
	free(recs);
}

bool rr_type_is_pseudo(const char *type)
{
	return type != NULL &&
	       (strcasecmp(type, "ALIAS") == 0 || strcasecmp(type, "URL") == 0);
}

static const struct rr_type_info *type_info(const char *type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (strcasecmp(rr_types[i].name, type) == 0)
			return &rr_types[i];
	return NULL;
}

/*
 * Copies user input into buf for an error message: valid printable UTF-8
 * as is, anything else as '?', cut with "..." after ECHO_MAX bytes.
 */
static const char *echo(const char *s, size_t n, char *buf, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, k;

	while (i < n && o + 4 < size && o < ECHO_MAX) {
		k = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (k == 0 || (k == 1 && (u[i] < 0x20 || u[i] == 0x7F))) {
			buf[o++] = '?';
			i++;
			continue;
		}
		if (o + k + 4 >= size)
			break;
		memcpy(buf + o, s + i, k);
		o += k;
		i += k;
	}
	if (i < n && o + 4 <= size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static bool name_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Explains why c may not appear in a name. */
static int bad_char(const char *field, unsigned char c, const char *label,
		    size_t n, unsigned flags, ax_errinfo *ei)
{
	char e[ECHO_MAX + 8];

	echo(label, n, e, sizeof(e));
	if (c == '\\')
		return rr_fail(ei, field,
			       "label \"%s\": escapes ('\\') are not supported "
			       "in names", e);
	if (c == ' ' || c == '\t')
		return rr_fail(ei, field,
			       "label \"%s\" contains a space; names consist "
			       "of letters, digits, '-' and '_'", e);
	if (c == '*' && (flags & NC_WILDCARD))
		return rr_fail(ei, field,
			       "'*' is only allowed as a whole first label "
			       "(a wildcard such as \"*\" or \"*.www\")");
	if (c < 0x20 || c == 0x7F)
		return rr_fail(ei, field,
			       "label \"%s\" contains a control character", e);
	return rr_fail(ei, field,
		       "label \"%s\" contains '%c'; names consist of letters, "
		       "digits, '-' and '_'", e, c);
}

/*
 * The code points that IDNA mapping (UTS #46, "ignored") deletes from a
 * label: soft hyphen, combining grapheme joiner, Hangul fillers, Khmer
 * inherent vowels, Mongolian variation selectors, zero-width space,
 * word joiner and invisible operators, deprecated format characters,
 * variation selectors, the BOM, shorthand format controls and musical
 * symbol formatting. A name holding one would silently be served as
 * another name, so it is refused. (ZWNJ and ZWJ are kept by
 * nontransitional processing where CONTEXTJ allows them, refused by
 * libidn2 elsewhere.)
 */
static const struct { uint32_t lo, hi; const char *what; } idna_ignored[] = {
	{0x00AD, 0x00AD, "SOFT HYPHEN"},
	{0x034F, 0x034F, "COMBINING GRAPHEME JOINER"},
	{0x115F, 0x1160, "a HANGUL FILLER"},
	{0x17B4, 0x17B5, "a KHMER INHERENT VOWEL"},
	{0x180B, 0x180F, "a MONGOLIAN VARIATION SELECTOR"},
	{0x200B, 0x200B, "ZERO WIDTH SPACE"},
	{0x2060, 0x2064, "WORD JOINER or an invisible operator"},
	{0x206A, 0x206F, "a deprecated format character"},
	{0x3164, 0x3164, "HANGUL FILLER"},
	{0xFE00, 0xFE0F, "a VARIATION SELECTOR"},
	{0xFEFF, 0xFEFF, "ZERO WIDTH NO-BREAK SPACE (a BOM)"},
	{0xFFA0, 0xFFA0, "HALFWIDTH HANGUL FILLER"},
	{0x1BCA0, 0x1BCA3, "a SHORTHAND FORMAT CONTROL"},
	{0x1D173, 0x1D17A, "a MUSICAL SYMBOL format control"},
	{0xE0100, 0xE01EF, "a VARIATION SELECTOR"},
};

/* The code point of the valid sequence of k bytes at u. */
static uint32_t utf8_cp(const unsigned char *u, size_t k)
{
	uint32_t cp = k == 2 ? u[0] & 0x1F : k == 3 ? u[0] & 0x0F : u[0] & 0x07;

	for (size_t i = 1; i < k; i++)
		cp = (cp << 6) | (u[i] & 0x3F);
	return cp;
}

/* Refuses a label holding a code point that IDNA mapping deletes. */
static int ignored_check(const char *field, const char *s, size_t n,
			 const char *e, ax_errinfo *ei)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (k == 0)
			return AX_OK;  /* invalid UTF-8: libidn2 says so */
		uint32_t cp = k == 1 ? u[i] : utf8_cp(u + i, k);
		for (size_t t = 0; t < sizeof(idna_ignored) / sizeof(idna_ignored[0]); t++)
			if (cp >= idna_ignored[t].lo && cp <= idna_ignored[t].hi)
				return rr_fail(ei, field,
					       "label \"%s\" contains U+%04X (%s), "
					       "which IDNA deletes: the name would "
					       "silently become another name; remove it",
					       e, (unsigned)cp, idna_ignored[t].what);
		i += k;
	}
	return AX_OK;
}

/* Converts one U-label to its A-label into out (size > LABEL_MAX). */
static int label_to_ascii(const char *field, const char *s, size_t n,
			  char *out, size_t size, ax_errinfo *ei)
{
	char raw[RAW_LABEL_MAX + 1], e[ECHO_MAX + 8];
	char *a = NULL;
	int rc;

	echo(s, n, e, sizeof(e));
	if (n > RAW_LABEL_MAX)
		return rr_fail(ei, field,
			       "label \"%s\" is too long (at most %d octets)",
			       e, LABEL_MAX);
	if ((rc = ignored_check(field, s, n, e, ei)) != AX_OK)
		return rc;
	memcpy(raw, s, n);
	raw[n] = '\0';
	rc = idn2_to_ascii_8z(raw, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc == IDN2_MALLOC)
		return AX_ENOMEM;
	if (rc != IDN2_OK)
		return rr_fail(ei, field,
			       "label \"%s\" is not a valid internationalized "
			       "domain name label: %s", e, idn2_strerror(rc));
	/* Whatever else maps to nothing: one label must stay one label. */
	if (a[0] == '\0') {
		idn2_free(a);
		return rr_fail(ei, field,
			       "label \"%s\" maps to nothing under IDNA: the name "
			       "would silently become another name", e);
	}
	/* Some characters map to a dot (U+3002); one label must stay one. */
	if (strchr(a, '.') != NULL || strlen(a) >= size) {
		rc = rr_fail(ei, field,
			     "label \"%s\" does not convert to a single valid "
			     "label (it is %s)", e, a);
		idn2_free(a);
		return rc;
	}
	strcpy(out, a);
	idn2_free(a);
	return AX_OK;
}

/* Checks one ASCII label (after IDN conversion); first says whether it is
 * the leftmost one, where a wildcard may be allowed. */
static int label_check(const char *field, const char *l, size_t n,
		       unsigned flags, bool first, ax_errinfo *ei)
{
	char e[ECHO_MAX + 8];
	size_t i;

	if (n == 1 && l[0] == '*' && first && (flags & NC_WILDCARD))
		return AX_OK;
	for (i = 0; i < n; i++)
		if (!name_char_ok((unsigned char)l[i]) &&
		    !(l[i] == '/' && (flags & NC_SLASH)))
			return bad_char(field, (unsigned char)l[i], l, n,
					flags, ei);
	if (n > LABEL_MAX)
		return rr_fail(ei, field,
			       "label \"%s\" is %zu characters long; at most "
			       "%d are allowed", echo(l, n, e, sizeof(e)), n,
			       LABEL_MAX);
	return AX_OK;
}

/* True when the name s[0..n) (no trailing dot) is under a reverse-mapping
 * tree, where RFC 2317 zones such as "0/26.2.0.192.in-addr.arpa" live. */
static bool is_reverse(const char *s, size_t n)
{
	static const char *const trees[] = {"in-addr.arpa", "ip6.arpa"};

	if (n > 0 && s[n - 1] == '.')
		n--;

	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		size_t t = strlen(trees[i]);
		if (n > t && s[n - t - 1] == '.' &&
		    strncasecmp(s + n - t, trees[i], t) == 0)
			return true;
	}
	return false;
}

static bool has_non_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/*
 * Converts the dot-separated name in[0..len) (no trailing dot) label by
 * label into out (NAME_BUF bytes): U-labels become A-labels, ASCII labels
 * keep their case unless NC_LOWER. Checks characters and label lengths;
 * the caller checks the total length.
 */
static int name_convert(const char *in, size_t len, unsigned flags,
			const char *field, char *out, ax_errinfo *ei)
{
	char label[LABEL_MAX + 2];
	const char *s = in, *end = in + len, *dot, *l;
	size_t o = 0, n, i;
	int rc;

	while (s <= end) {
		dot = memchr(s, '.', (size_t)(end - s));
		if (dot == NULL)
			dot = end;
		n = (size_t)(dot - s);
		if (n == 0)
			return rr_fail(ei, field,
				       "has an empty label (a leading dot or "
				       "two dots in a row)");
		l = s;
		if (has_non_ascii(s, n)) {
			rc = label_to_ascii(field, s, n, label, sizeof(label),
					    ei);
			if (rc != AX_OK)
				return rc;
			l = label;
			n = strlen(label);
		}
		rc = label_check(field, l, n, flags, s == in, ei);
		if (rc != AX_OK)
			return rc;
		if (o + n + 2 > NAME_BUF)
			return rr_fail(ei, field,
				       "is too long (at most %d characters)",
				       NAME_TEXT_MAX);
		if (o > 0)
			out[o++] = '.';
		for (i = 0; i < n; i++)
			out[o++] = (flags & NC_LOWER) ?
				   (char)tolower((unsigned char)l[i]) : l[i];
		s = dot + 1;
	}
	out[o] = '\0';
	return AX_OK;
}

/* Converts a host name (zone or ALIAS target) and checks its length. */
static int host_convert(const char *in, size_t len, unsigned flags,
			const char *field, char *out, ax_errinfo *ei)
{
	int rc;
	size_t n;

	rc = name_convert(in, len, flags, field, out, ei);
	if (rc != AX_OK)
		return rc;
	n = strlen(out);
	if (n > NAME_TEXT_MAX)
		return rr_fail(ei, field,
			       "is %zu characters long; a domain name has at "
			       "most %d", n, NAME_TEXT_MAX);
	return AX_OK;
}

int rr_zone_name_normalize(const char *in, const char *field, char **out,
			   ax_errinfo *ei)
{
	char buf[NAME_BUF];
	size_t len;
	int rc;

	*out = NULL;
	if (in == NULL || in[0] == '\0')
		return rr_fail(ei, field, "a zone name is required");
	len = strlen(in);
	if (in[len - 1] == '.')
		len--;
	if (len == 0)
		return rr_fail(ei, field,
			       "the root zone cannot be managed here");
	rc = host_convert(in, len, NC_LOWER | (is_reverse(in, len) ? NC_SLASH : 0),
			  field, buf, ei);
	if (rc != AX_OK)
		return rc;
	*out = strdup(buf);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

/* Turns the absolute name abs (no trailing dot) into one relative to zone,
 * in place; false when it is not in the zone. */
static bool make_relative(char *abs, const char *zone)
{
	size_t n = strlen(abs), z = strlen(zone);

	if (strcasecmp(abs, zone) == 0) {
		abs[0] = '\0';
		return true;
	}
	if (n <= z + 1 || abs[n - z - 1] != '.' ||
	    strcasecmp(abs + n - z, zone) != 0)
		return false;
	abs[n - z - 1] = '\0';
	return true;
}

int rr_name_normalize(const char *zone, const char *in, char **out,
		      ax_errinfo *ei)
{
	char buf[NAME_BUF], e[ECHO_MAX + 8];
	size_t len, total;
	bool absolute;
	int rc;

	*out = NULL;
	if (zone == NULL)
		return rr_fail(ei, "zone", "a zone name is required");
	if (in == NULL)
		return rr_fail(ei, "name",
			       "is required (use \"@\" for the zone apex)");
	len = strlen(in);
	if (len == 0 || strcmp(in, "@") == 0) {
		*out = strdup("");
		return *out != NULL ? AX_OK : AX_ENOMEM;
	}
	absolute = in[len - 1] == '.';
	if (absolute)
		len--;
	if (len == 0)
		return rr_fail(ei, "name",
			       "the root name \".\" is not in zone %s", zone);
	rc = name_convert(in, len, NC_WILDCARD |
			  (is_reverse(zone, strlen(zone)) ? NC_SLASH : 0),
			  "name", buf, ei);
	if (rc != AX_OK)
		return rc;
	if (absolute && !make_relative(buf, zone))
		return rr_fail(ei, "name",
			       "%s is not in zone %s (names ending in '.' are "
			       "absolute)", echo(in, strlen(in), e, sizeof(e)),
			       zone);
	total = strlen(buf) + (buf[0] != '\0' ? 1 : 0) + strlen(zone);
	if (total > NAME_TEXT_MAX)
		return rr_fail(ei, "name",
			       "is too long: with the zone the name has %zu "
			       "characters, at most %d are allowed", total,
			       NAME_TEXT_MAX);
	*out = strdup(buf);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

int rr_type_normalize(const char *in, const char **out, ax_errinfo *ei)
{
	const struct rr_type_info *t;
	char e[ECHO_MAX + 8];

	*out = NULL;
	if (in == NULL || in[0] == '\0')
		return rr_fail(ei, "type",
			       "a record type is required; supported: "
			       RR_TYPES_LIST);
	if (strcasecmp(in, "SOA") == 0)
		return rr_fail(ei, "type",
			       "the SOA record is managed through the zone (its "
			       "soa fields), not as a record");
	t = type_info(in);
	if (t == NULL)
		return rr_fail(ei, "type",
			       "unsupported record type %s; supported: "
			       RR_TYPES_LIST, echo(in, strlen(in), e, sizeof(e)));
	*out = t->name;
	return AX_OK;
}

int rr_ttl_check(long long ttl, ax_errinfo *ei)
{
	if (ttl < 0 || ttl > (long long)RR_TTL_MAX)
		return rr_fail(ei, "ttl",
			       "must be between 0 and %u seconds (got %lld)",
			       RR_TTL_MAX, ttl);
	return AX_OK;
}

bool rr_owner_fqdn(const char *zone, const char *name, char *buf, size_t len)
{
	int n;

	if (zone == NULL || name == NULL || buf == NULL || len == 0)
		return false;
	if (name[0] == '\0')
		n = snprintf(buf, len, "%s.", zone);
	else
		n = snprintf(buf, len, "%s.%s.", name, zone);
	return n >= 0 && (size_t)n < len;
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Trims content into a malloc'd copy; refuses empty text and control
 * characters, which could start a second record on a new line. */
static int content_trim(const char *type, const char *content, char **out,
			ax_errinfo *ei)
{
	const struct rr_type_info *t = type_info(type);
	const char *s = content, *e;
	size_t i, n;

	*out = NULL;
	if (s == NULL)
		s = "";
	while (is_blank((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - s);
	if (n == 0)
		return rr_fail(ei, "content",
			       "must not be empty; %s needs %s", type,
			       t ? t->hint : "data");
	if (n > CONTENT_TEXT_MAX)
		return rr_fail(ei, "content",
			       "is too long (%zu characters, at most %d)", n,
			       CONTENT_TEXT_MAX);
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7F)
			return rr_fail(ei, "content",
				       "must not contain line breaks or other "
				       "control characters");
	*out = strndup(s, n);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

/*
 * Refuses what ldns would silently swallow: an unquoted ';' (a comment:
 * the rest would be dropped), an unterminated quoted string, a trailing
 * lone backslash.
 */
static int content_lex_check(const char *s, ax_errinfo *ei)
{
	bool quoted = false;

	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			if (s[1] == '\0')
				return rr_fail(ei, "content",
					       "ends with a lone backslash");
			s++;
		} else if (*s == '"') {
			quoted = !quoted;
		} else if (*s == ';' && !quoted) {
			return rr_fail(ei, "content",
				       "';' starts a comment in zone-file "
				       "syntax; put text containing ';' in "
				       "double quotes, e.g. \"\\\"v=DKIM1; "
				       "k=rsa\\\"\"");
		}
	}
	if (quoted)
		return rr_fail(ei, "content",
			       "has an unterminated quoted string");
	return AX_OK;
}

/*
 * ldns prints a domain name with '"' and ' ' as they are, which a zone
 * file (and ldns itself) reads as a quote or a field break: escape them,
 * so that the stored text exports and imports as the same name. Returns a
 * malloc'd copy, NULL when out of memory; frees f.
 */
static char *dname_escape(char *f)
{
	size_t n = 0, i, j;
	char *e;

	for (i = 0; f[i] != '\0'; i++)
		n += f[i] == '"' || f[i] == ' ';
	if (n == 0)
		return f;
	e = malloc(i + n + 1);
	if (e != NULL) {
		for (i = 0, j = 0; f[i] != '\0'; i++) {
			if (f[i] == '\\' && f[i + 1] != '\0') {
				e[j++] = f[i++];
			} else if (f[i] == '"' || f[i] == ' ') {
				e[j++] = '\\';
			}
			e[j++] = f[i];
		}
		e[j] = '\0';
	}
	free(f);
	return e;
}

/* Joins the presentation forms of the RDATA fields with single spaces. */
static int rdata_join(const ldns_rr *rr, char **out)
{
	size_t i, len = 0, n;
	char *s = NULL, *f, *p;

	*out = NULL;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		f = ldns_rdf2str(ldns_rr_rdf(rr, i));
		if (f != NULL && ldns_rdf_get_type(ldns_rr_rdf(rr, i)) == LDNS_RDF_TYPE_DNAME)
			f = dname_escape(f);
		if (f == NULL)
			goto nomem;
		n = strlen(f);
		p = realloc(s, len + n + 2);
		if (p == NULL) {
			free(f);
			goto nomem;
		}
		s = p;
		if (len > 0)
			s[len++] = ' ';
		memcpy(s + len, f, n + 1);
		len += n;
		free(f);
	}
	if (s == NULL)
		s = strdup("");
	*out = s;
	return s != NULL ? AX_OK : AX_ENOMEM;
nomem:
	free(s);
	return AX_ENOMEM;
}

/* Absolute name with a trailing dot for ldns; NULL origin means zone. */
static bool origin_fqdn(const char *zone, const char *origin, char *buf,
			size_t len)
{
	size_t n;

	if (origin == NULL)
		return rr_owner_fqdn(zone, "", buf, len);
	n = strlen(origin);
	if (n == 0 || n + 2 > len)
		return false;
	memcpy(buf, origin, n + 1);
	if (buf[n - 1] != '.') {
		buf[n] = '.';
		buf[n + 1] = '\0';
	}
	return true;
}

/* Checks what ldns made of the text: the requested type, the owner we
 * wrote, all the fields, a size that fits in a message. */
static int parsed_check(const ldns_rr *rr, const ldns_rdf *owner,
			const char *type, ax_errinfo *ei)
{
	const ldns_rr_descriptor *d;
	size_t i, size = 0;

	if (ldns_rr_get_type(rr) != ldns_get_rr_type_by_name(type) ||
	    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
		return rr_fail(ei, "content",
			       "is not valid %s data", type);
	d = ldns_rr_descript((uint16_t)ldns_rr_get_type(rr));
	if (d == NULL || ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(d) ||
	    ldns_rr_rd_count(rr) == 0)
		return rr_fail(ei, "content",
			       "is incomplete; %s needs %s", type,
			       type_info(type)->hint);
	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		size += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (size > 65535)
		return rr_fail(ei, "content",
			       "is too large (%zu octets of data, at most "
			       "65535)", size);
	return AX_OK;
}

/* Moves *sp past the closing quote of the string it points into. */
static void skip_string(const char **sp)
{
	const char *s = *sp + 1;

	while (*s != '\0' && *s != '"')
		s += (*s == '\\' && s[1] != '\0') ? 2 : 1;
	*sp = *s == '"' ? s + 1 : s;
}

/* The next field of presentation text (parentheses are blanks, quoted
 * parts belong to their field); NULL at the end. */
static const char *next_field(const char **sp, size_t *len)
{
	const char *s = *sp, *start;

	while (*s == ' ' || *s == '\t' || *s == '(' || *s == ')')
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '(' &&
	       *s != ')') {
		if (*s == '"')
			skip_string(&s);
		else
			s += (*s == '\\' && s[1] != '\0') ? 2 : 1;
	}
	*len = (size_t)(s - start);
	*sp = s;
	return start;
}

/* Checks that a decimal number written by the user fits max; text that
 * is not a plain number (a mnemonic such as RSASHA256) is ldns' to judge. */
static int number_fits(const char *f, size_t len, unsigned long max,
		       const char *type, ax_errinfo *ei)
{
	unsigned long long v = 0;
	size_t i;

	if (len > 0 && f[0] == '-')
		return rr_fail(ei, "content",
			       "%s fields must not be negative (got %.*s)",
			       type, (int)(len < 20 ? len : 20), f);
	for (i = 0; i < len; i++) {
		if (f[i] < '0' || f[i] > '9')
			return AX_OK;
		if (v <= max)
			v = v * 10 + (unsigned long long)(f[i] - '0');
	}
	if (len > 0 && v > max)
		return rr_fail(ei, "content",
			       "the number %.*s is too large for its %s field "
			       "(at most %lu)", (int)(len < 20 ? len : 20), f,
			       type, max);
	return AX_OK;
}

static unsigned long rdf_int_max(const ldns_rdf *rdf)
{
	switch (ldns_rdf_get_type(rdf)) {
	case LDNS_RDF_TYPE_INT8:
	case LDNS_RDF_TYPE_ALG:
	case LDNS_RDF_TYPE_CERTIFICATE_USAGE:
	case LDNS_RDF_TYPE_SELECTOR:
	case LDNS_RDF_TYPE_MATCHING_TYPE:
		return 255;
	case LDNS_RDF_TYPE_INT16:
	case LDNS_RDF_TYPE_CERT_ALG:
		return 65535;
	case LDNS_RDF_TYPE_INT32:
		return 4294967295ul;
	default:
		return 0;
	}
}

/* SVCB/HTTPS "port=N" (possibly quoted) must fit 16 bits. */
static int port_fits(const char *f, size_t len, const char *type,
		     ax_errinfo *ei)
{
	if (len < 5 || strncasecmp(f, "port=", 5) != 0)
		return AX_OK;
	f += 5;
	len -= 5;
	if (len >= 2 && f[0] == '"' && f[len - 1] == '"') {
		f++;
		len -= 2;
	}
	return number_fits(f, len, 65535, type, ei);
}

/*
 * ldns silently wraps numbers that do not fit their field (MX 70000
 * becomes 4464, -1 becomes 65535): check the user's digits field by
 * field. The fixed numeric fields all come before any field that spans
 * several words, so field i of the text is RDATA field i.
 */
static int numbers_check(const ldns_rr *rr, const char *content,
			 const char *type, ax_errinfo *ei)
{
	const char *s = content, *f;
	size_t i, len;
	unsigned long max;
	bool svcb = strcmp(type, "SVCB") == 0 || strcmp(type, "HTTPS") == 0;
	int rc = AX_OK;

	for (i = 0; rc == AX_OK && (f = next_field(&s, &len)) != NULL; i++) {
		if (i == 0 && len == 2 && memcmp(f, "\\#", 2) == 0)
			return AX_OK; /* RFC 3597 generic form */
		if (svcb && i >= 2) {
			rc = port_fits(f, len, type, ei);
			continue;
		}
		max = i < ldns_rr_rd_count(rr) ?
		      rdf_int_max(ldns_rr_rdf(rr, i)) : 0;
		if (max > 0)
			rc = number_fits(f, len, max, type, ei);
	}
	return rc;
}

/* Parses "<fqdn> 3600 IN <type> <text>", relative names from origin. */
static ldns_status parse_rr(const char *fqdn, const char *type,
			    const char *text, ldns_rdf *origin, ldns_rr **rr)
{
	size_t n = strlen(fqdn) + strlen(type) + strlen(text) + 16;
	char *line = malloc(n);
	ldns_status st;

	*rr = NULL;
	if (line == NULL)
		return LDNS_STATUS_MEM_ERR;
	snprintf(line, n, "%s 3600 IN %s %s", fqdn, type, text);
	st = ldns_rr_new_frm_str(rr, line, 3600, origin, NULL);
	free(line);
	return st;
}

/*
 * ldns does not always print something it reads back the same (an HTTPS
 * alpn value with '(' or ';' comes out unquoted), and the stored text is
 * what we serve and export: it must mean exactly the record we checked.
 */
static int reparse_check(const char *fqdn, const char *type,
			 const char *text, ldns_rdf *origin, const ldns_rr *rr,
			 ax_errinfo *ei)
{
	ldns_rr *again = NULL;
	ax_errinfo scratch;
	ldns_status st = LDNS_STATUS_ERR;

	if (content_lex_check(text, &scratch) == AX_OK)
		st = parse_rr(fqdn, type, text, origin, &again);
	if (st == LDNS_STATUS_MEM_ERR)
		return AX_ENOMEM;
	if (st == LDNS_STATUS_OK && ldns_rr_compare(rr, again) == 0) {
		ldns_rr_free(again);
		return AX_OK;
	}
	if (again != NULL)
		ldns_rr_free(again);
	return rr_fail(ei, "content",
		       "this %s data cannot be stored faithfully (its text "
		       "form would read back differently); avoid parentheses, "
		       "';' and quotes inside values", type);
}

/* Why ldns refused the text, with what the type expects. */
static int ldns_refused(const char *type, ldns_status st, ax_errinfo *ei)
{
	if (st == LDNS_STATUS_MEM_ERR)
		return AX_ENOMEM;
	return rr_fail(ei, "content", "%s needs %s (ldns: %s)", type,
		       type_info(type)->hint, ldns_get_errorstr_by_id(st));
}

/* Whether some label of the wire name d[0..n) holds a non-ASCII byte. */
static bool dname_has_8bit(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] >= 0x80)
			return true;
	return false;
}

/*
 * Names inside the RDATA (a CNAME or MX target...) written with U-labels
 * become A-labels, as owner names do, through the same IDNA check: a
 * label that IDNA would empty or change silently is refused. ldns keeps
 * such bytes as they are, which no resolver would ever ask for.
 */
static int rdata_idna(ldns_rr *rr, ax_errinfo *ei)
{
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		ldns_rdf *f = ldns_rr_rdf(rr, i), *conv;
		const uint8_t *d = ldns_rdf_data(f);
		size_t n = ldns_rdf_size(f), o = 0;
		uint8_t wire[LDNS_MAX_DOMAINLEN + 1];
		char label[LABEL_MAX + 2];
		int rc;

		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_DNAME || !dname_has_8bit(d, n))
			continue;
		for (size_t p = 0; p < n && d[p] != 0; p += 1 + d[p]) {
			size_t len = d[p];
			if (p + 1 + len > n)
				return rr_fail(ei, "content", "holds a malformed name");
			if (dname_has_8bit(d + p + 1, len)) {
				rc = label_to_ascii("content", (const char *)d + p + 1, len,
						    label, sizeof(label), ei);
				if (rc != AX_OK)
					return rc;
			} else {
				memcpy(label, d + p + 1, len);
				label[len] = '\0';
			}
			len = strlen(label);
			if (len > LABEL_MAX || o + 1 + len + 1 > sizeof(wire) - 1)
				return rr_fail(ei, "content", "holds a name that is "
					       "too long once converted to A-labels");
			wire[o++] = (uint8_t)len;
			memcpy(wire + o, label, len);
			o += len;
		}
		wire[o++] = 0;
		if ((conv = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, o, wire)) == NULL)
			return AX_ENOMEM;
		ldns_rdf_deep_free(ldns_rr_set_rdf(rr, conv, i));
	}
	return AX_OK;
}

/* Standard types: parsed with ldns and printed back field by field. */
static int content_ldns(const char *fqdn, const char *ofqdn,
			const char *type, const char *content, char **out,
			ax_errinfo *ei)
{
	ldns_rdf *origin, *owner;
	ldns_rr *rr = NULL;
	ldns_status st;
	int rc;

	/* Only unchecked names from a direct caller make these fail. */
	origin = ldns_dname_new_frm_str(ofqdn);
	owner = ldns_dname_new_frm_str(fqdn);
	if (origin == NULL || owner == NULL) {
		rc = rr_fail(ei, "name", "is not a valid name");
		goto cleanup;
	}
	st = parse_rr(fqdn, type, content, origin, &rr);
	if (st != LDNS_STATUS_OK) {
		rc = ldns_refused(type, st, ei);
		goto cleanup;
	}
	rc = parsed_check(rr, owner, type, ei);
	if (rc == AX_OK)
		rc = numbers_check(rr, content, type, ei);
	if (rc == AX_OK)
		rc = rdata_idna(rr, ei);
	if (rc == AX_OK && strcmp(type, "CNAME") == 0 &&
	    ldns_dname_compare(ldns_rr_rdf(rr, 0), owner) == 0)
		rc = rr_fail(ei, "content",
			     "a CNAME cannot point to itself");
	if (rc == AX_OK)
		rc = rdata_join(rr, out);
	if (rc == AX_OK)
		rc = reparse_check(fqdn, type, *out, origin, rr, ei);
	if (rc != AX_OK) {
		free(*out);
		*out = NULL;
	}
cleanup:
	if (rr != NULL)
		ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(owner);
	return rc;
}

/* Whether the first n bytes of s are an IPv4 or IPv6 address literal
 * (also in brackets): an ALIAS target written as one would be looked up
 * as a host name that no resolver has. */
static bool is_ip_literal(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 2];
	unsigned char addr[sizeof(struct in6_addr)];

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 ||
	       inet_pton(AF_INET6, buf, addr) == 1;
}

/*
 * ALIAS: a host name, absolute even without the trailing dot -- except in
 * a zone file (origin given), where a name without a dot is relative to
 * the origin as for any other name there.
 */
static int content_alias(const char *fqdn, const char *ofqdn,
			 const char *content, char **out, ax_errinfo *ei)
{
	char abs[NAME_BUF], buf[NAME_BUF];
	size_t n = strlen(content), cn;
	int rc;

	if (ofqdn != NULL && strcmp(content, "@") == 0)
		snprintf(abs, sizeof(abs), "%s", ofqdn);
	else if (ofqdn != NULL && content[n - 1] != '.')
		snprintf(abs, sizeof(abs), "%s.%s", content, ofqdn);
	else
		snprintf(abs, sizeof(abs), "%s", content);
	n = strlen(abs);
	if (n > 0 && abs[n - 1] == '.')
		n--;
	if (n == 0)
		return rr_fail(ei, "content",
			       "ALIAS needs %s", type_info("ALIAS")->hint);
	/* Judged as written: in a zone file "192.0.2.1" would otherwise
	 * become a name under the origin. */
	cn = strlen(content);
	if (is_ip_literal(content, cn > 0 && content[cn - 1] == '.' ? cn - 1 : cn))
		return rr_fail(ei, "content",
			       "an ALIAS target must be a host name, not an IP "
			       "address (use A or AAAA records instead)");
	rc = host_convert(abs, n, 0, "content", buf, ei);
	if (rc != AX_OK)
		return rc;
	if (strncasecmp(buf, fqdn, strlen(buf)) == 0 &&
	    strcmp(fqdn + strlen(buf), ".") == 0)
		return rr_fail(ei, "content",
			       "an ALIAS cannot point to itself");
	n = strlen(buf);
	buf[n] = '.';
	buf[n + 1] = '\0';
	*out = strdup(buf);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

/* Length of the host in the authority part of a URL (after "scheme://"). */
static size_t url_host_len(const char *auth)
{
	size_t n = strcspn(auth, "/?#");
	const char *at, *h;

	at = memchr(auth, '@', n);
	h = at != NULL ? at + 1 : auth;
	n -= (size_t)(h - auth);
	if (h[0] == '[')
		return n > 2 ? n : 0;
	return strcspn(h, ":/?#");
}

static int content_url(const char *content, char **out, ax_errinfo *ei)
{
	size_t n = strlen(content), skip, i;

	if (n > URL_MAX)
		return rr_fail(ei, "content",
			       "URL is too long (%zu characters, at most %d)", n,
			       URL_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)content[i] <= 0x20 ||
		    (unsigned char)content[i] >= 0x7F)
			return rr_fail(ei, "content",
				       "URL must not contain spaces, control "
				       "or non-ASCII characters (percent-encode "
				       "them, use xn-- host names)");
	if (strncasecmp(content, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(content, "https://", 8) == 0)
		skip = 8;
	else
		return rr_fail(ei, "content",
			       "URL must start with http:// or https://, e.g. "
			       "\"https://www.example.com/\"");
	if (url_host_len(content + skip) == 0)
		return rr_fail(ei, "content",
			       "URL has no host name, e.g. "
			       "\"https://www.example.com/\"");
	*out = strdup(content);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

/* rr_content_normalize(), with relative names in the RDATA relative to
 * origin (NULL: the zone). */
static int content_normalize(const char *zone, const char *origin,
			     const char *name, const char *type,
			     const char *content, char **out, ax_errinfo *ei)
{
	char fqdn[NAME_BUF], ofqdn[NAME_BUF];
	char *text = NULL;
	int rc;

	*out = NULL;
	if (type == NULL || type_info(type) == NULL)
		return rr_fail(ei, "type",
			       "unsupported record type; supported: "
			       RR_TYPES_LIST);
	type = type_info(type)->name;
	if (zone == NULL || name == NULL ||
	    !rr_owner_fqdn(zone, name, fqdn, sizeof(fqdn)) ||
	    !origin_fqdn(zone, origin, ofqdn, sizeof(ofqdn)))
		return rr_fail(ei, "name", "is not a valid name");
	rc = content_trim(type, content, &text, ei);
	if (rc != AX_OK)
		return rc;
	if (strcmp(type, "ALIAS") == 0)
		rc = content_alias(fqdn, origin ? ofqdn : NULL, text, out, ei);
	else if (strcmp(type, "URL") == 0)
		rc = content_url(text, out, ei);
	else if ((rc = content_lex_check(text, ei)) == AX_OK)
		rc = content_ldns(fqdn, ofqdn, type, text, out, ei);
	free(text);
	return rc;
}

int rr_content_normalize(const char *zone, const char *name, const char *type,
			 const char *content, char **out, ax_errinfo *ei)
{
	return content_normalize(zone, NULL, name, type, content, out, ei);
}

int rr_record_normalize_at(const char *zone, const char *origin,
			   const char *name, const char *type, long long ttl,
			   const char *content, uint32_t default_ttl,
			   rr_record *out, ax_errinfo *ei)
{
	const char *t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ttl < 0)
		ttl = default_ttl;
	rc = rr_name_normalize(zone, name, &out->name, ei);
	if (rc == AX_OK)
		rc = rr_type_normalize(type, &t, ei);
	if (rc == AX_OK)
		rc = rr_ttl_check(ttl, ei);
	if (rc == AX_OK)
		rc = content_normalize(zone, origin, out->name, t, content,
				       &out->content, ei);
	if (rc == AX_OK) {
		out->type = strdup(t);
		rc = out->type != NULL ? AX_OK : AX_ENOMEM;
	}
	if (rc != AX_OK) {
		rr_record_clear(out);
		return rc;
	}
	out->ttl = (uint32_t)ttl;
	return AX_OK;
}

int rr_record_normalize(const char *zone, const char *name, const char *type,
			long long ttl, const char *content,
			uint32_t default_ttl, rr_record *out, ax_errinfo *ei)
{
	return rr_record_normalize_at(zone, NULL, name, type, ttl, content,
				      default_ttl, out, ei);
}

int rr_rdata_wire(const char *zone, const char *name, const char *type,
		  const char *content, uint8_t *out, size_t outmax, size_t *len)
{
	ldns_buffer *buf = NULL;
	ldns_rr *rr = NULL;
	char *text = NULL;
	int rc = AX_EINVAL;

	*len = 0;
	if (rr_type_is_pseudo(type))
		return AX_EINVAL;
	if (asprintf(&text, "%s%s%s. 3600 IN %s %s", name, name[0] ? "." : "", zone,
		     type, content) < 0)
		return AX_ENOMEM;
	if (ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL) != LDNS_STATUS_OK)
		goto cleanup;
	if ((buf = ldns_buffer_new(512)) == NULL) {
		rc = AX_ENOMEM;
		goto cleanup;
	}
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) > outmax)
		goto cleanup;
	*len = ldns_buffer_position(buf);
	memcpy(out, ldns_buffer_begin(buf), *len);
	rc = AX_OK;
cleanup:
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	free(text);
	return rc;
}

uint16_t rr_type_code(const char *type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (strcmp(rr_types[i].name, type) == 0)
			return rr_types[i].code;
	return 0;
}
