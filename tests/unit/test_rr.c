/* test_rr.c -- unit tests of record validation and normalization (rr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/rr.h"

#define ZONE "example.com"

/* Prints the error detail when a call did not return what we expected. */
static void show(int rc, const ax_errinfo *ei)
{
	if (rc != AX_OK)
		print_message("  -> rc=%d field=%s msg=%s\n", rc, ei->field,
			      ei->msg);
}

static void zone_ok(const char *in, const char *want)
{
	ax_errinfo ei;
	char *out = NULL;
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = rr_zone_name_normalize(in, "zone", &out, &ei);
	show(rc, &ei);
	assert_int_equal(rc, AX_OK);
	assert_string_equal(out, want);
	free(out);
}

static void zone_bad(const char *in, const char *msg_part)
{
	ax_errinfo ei;
	char *out = (char *)"x";
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = rr_zone_name_normalize(in, "zone", &out, &ei);
	assert_int_equal(rc, AX_EINVAL);
	assert_null(out);
	assert_string_equal(ei.field, "zone");
	if (strstr(ei.msg, msg_part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", ei.msg, msg_part);
}

static void name_ok(const char *in, const char *want)
{
	ax_errinfo ei;
	char *out = NULL;
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = rr_name_normalize(ZONE, in, &out, &ei);
	show(rc, &ei);
	assert_int_equal(rc, AX_OK);
	assert_string_equal(out, want);
	free(out);
}

static void name_bad(const char *in, const char *msg_part)
{
	ax_errinfo ei;
	char *out = (char *)"x";
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = rr_name_normalize(ZONE, in, &out, &ei);
	assert_int_equal(rc, AX_EINVAL);
	assert_null(out);
	assert_string_equal(ei.field, "name");
	if (strstr(ei.msg, msg_part) == NULL)
		fail_msg("name \"%s\": message \"%s\" lacks \"%s\"", in,
			 ei.msg, msg_part);
}

static void content_ok(const char *name, const char *type, const char *in,
		       const char *want)
{
	ax_errinfo ei;
	char *out = NULL;
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = rr_content_normalize(ZONE, name, type, in, &out, &ei);
	if (rc != AX_OK)
		print_message("%s \"%s\":\n", type, in);
	show(rc, &ei);
	assert_int_equal(rc, AX_OK);
	assert_string_equal(out, want);
	free(out);
}

static void content_bad(const char *name, const char *type, const char *in,
			const char *msg_part)
{
	ax_errinfo ei;
	char *out = (char *)"x";
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = rr_content_normalize(ZONE, name, type, in, &out, &ei);
	if (rc == AX_OK)
		fail_msg("%s \"%s\" was accepted as \"%s\"", type, in, out);
	assert_int_equal(rc, AX_EINVAL);
	assert_null(out);
	assert_string_equal(ei.field, "content");
	if (strstr(ei.msg, msg_part) == NULL)
		fail_msg("%s \"%s\": message \"%s\" lacks \"%s\"", type, in,
			 ei.msg, msg_part);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_zone_name_valid(void **state)
{
	(void)state;
	zone_ok("example.com", "example.com");
	zone_ok("Example.COM.", "example.com");
	zone_ok("bücher.de", "xn--bcher-kva.de");
	zone_ok("BÜCHER.de.", "xn--bcher-kva.de");
	zone_ok("xn--bcher-kva.de", "xn--bcher-kva.de");
	zone_ok("_tcp.example.com", "_tcp.example.com");
	zone_ok("-lenient-.example", "-lenient-.example");
	zone_ok("2.0.192.in-addr.arpa", "2.0.192.in-addr.arpa");
	zone_ok("com", "com");
}

static void test_zone_name_invalid(void **state)
{
	char *label = repeat('a', 64), *name;
	char big[400];
	size_t i;

	(void)state;
	zone_bad("", "zone: a zone name is required");
	zone_bad(NULL, "required");
	zone_bad(".", "root");
	zone_bad("example..com", "empty label");
	zone_bad(".example.com", "empty label");
	zone_bad("example.com..", "empty label");
	zone_bad("exa mple.com", "space");
	zone_bad("exa*mple.com", "'*'");
	zone_bad("*.example.com", "'*'");
	zone_bad("a\\.b.com", "escapes");
	zone_bad("ex@mple.com", "'@'");
	zone_bad("exa\x01mple.com", "control");
	zone_bad("😀.com", "internationalized");
	zone_bad("\xff\xfe.com", "internationalized");

	name = malloc(strlen(label) + 5);
	assert_non_null(name);
	sprintf(name, "%s.com", label);
	zone_bad(name, "64 characters");
	label[63] = '\0';
	sprintf(name, "%s.com", label);
	zone_ok(name, name);
	free(name);
	free(label);

	/* 4 * 63 + 3 dots = 255 characters: too long; 253 is fine. */
	big[0] = '\0';
	for (i = 0; i < 4; i++) {
		strcat(big, i ? "." : "");
		memset(big + strlen(big), 'a', 63);
		big[i * 64 + 63] = '\0';
	}
	assert_int_equal(strlen(big), 255);
	zone_bad(big, "255 characters");
	big[253] = '\0';
	assert_int_equal(big[252], 'a');
	zone_ok(big, big);
}

/* Issue 17 point 4: a label holding a code point that IDNA mapping deletes
 * (or that maps to nothing at all) is refused, never served as another
 * name: a zone "\ufeff" was the root, "\u00ad.com" was com, a record
 * "\ufeff" landed on the apex. */
static void test_idna_deleted(void **state)
{
	static const char *const deleted[] = {
		"\xc2\xad",         /* U+00AD soft hyphen */
		"\xcd\x8f",         /* U+034F combining grapheme joiner */
		"\xe1\xa0\x8b",     /* U+180B Mongolian variation selector */
		"\xe2\x80\x8b",     /* U+200B zero-width space */
		"\xe2\x81\xa0",     /* U+2060 word joiner */
		"\xe2\x81\xa4",     /* U+2064 invisible plus */
		"\xef\xb8\x80",     /* U+FE00 variation selector 1 */
		"\xef\xb8\x8f",     /* U+FE0F variation selector 16 */
		"\xef\xbb\xbf",     /* U+FEFF BOM */
		"\xf0\x9b\xb2\xa0", /* U+1BCA0 shorthand format letter overlap */
		"\xf3\xa0\x84\x80", /* U+E0100 variation selector 17 */
	};
	char buf[64];
	ax_errinfo ei;
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(deleted) / sizeof(deleted[0]); i++) {
		const char *d = deleted[i];
		/* alone, before a dot, inside a label, next to a U-label */
		snprintf(buf, sizeof(buf), "%s", d);
		zone_bad(buf, "IDNA");
		name_bad(buf, "IDNA");
		snprintf(buf, sizeof(buf), "%s.com", d);
		zone_bad(buf, "IDNA");
		snprintf(buf, sizeof(buf), "ex%sample.com", d);
		zone_bad(buf, "IDNA");
		name_bad(buf, "IDNA");
		snprintf(buf, sizeof(buf), "b\xc3\xbc" "cher%s.de", d);
		zone_bad(buf, "IDNA");
		snprintf(buf, sizeof(buf), "www.%s", d);
		name_bad(buf, "IDNA");
		snprintf(buf, sizeof(buf), "www.%s.", d);
		content_bad("", "CNAME", buf, "IDNA");
		snprintf(buf, sizeof(buf), "44b.%s", d);
		content_bad("", "ALIAS", buf, "IDNA");
		snprintf(buf, sizeof(buf), "10 mx%s.example.net.", d);
		content_bad("", "MX", buf, "IDNA");
	}
	/* The message names the code point. */
	memset(&ei, 0, sizeof(ei));
	out = NULL;
	assert_int_equal(rr_zone_name_normalize("\xef\xbb\xbf", "name", &out, &ei),
			 AX_EINVAL);
	assert_null(out);
	assert_non_null(strstr(ei.msg, "U+FEFF"));
	/* ZWJ and ZWNJ: kept where CONTEXTJ allows them (after a virama),
	 * refused elsewhere; never deleted. */
	zone_bad("a\xe2\x80\x8d" "b.com", "internationalized");
	zone_bad("a\xe2\x80\x8c" "b.com", "internationalized");
	zone_ok("\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d.com", "xn--11b6iy14e.com");
	/* Real U-labels are still fine; inside RDATA they become A-labels, as
	 * owner names do, instead of raw bytes no resolver asks for. */
	zone_ok("b\xc3\xbc" "cher.de", "xn--bcher-kva.de");
	content_ok("", "CNAME", "www.b\xc3\xbc" "cher.de.", "www.xn--bcher-kva.de.");
	content_ok("", "MX", "10 B\xc3\x9c" "CHER.de.", "10 xn--bcher-kva.de.");
	content_ok("", "CNAME", "www.example.net.", "www.example.net.");
	content_bad("", "CNAME", "\xf0\x9f\x98\x80.de.", "internationalized");
}

static void test_name_apex_relative(void **state)
{
	(void)state;
	name_ok("", "");
	name_ok("@", "");
	name_ok("www", "www");
	name_ok("WWW.Sub", "WWW.Sub");
	name_ok("_dmarc", "_dmarc");
	name_ok("_sip._tcp", "_sip._tcp");
	/* Relative names are relative, as in a zone file. */
	name_ok("www.example.com", "www.example.com");
}

static void test_name_absolute(void **state)
{
	(void)state;
	name_ok("example.com.", "");
	name_ok("EXAMPLE.Com.", "");
	name_ok("www.example.com.", "www");
	name_ok("Www.Sub.EXAMPLE.com.", "Www.Sub");
	name_bad("www.example.org.", "name: www.example.org. is not in zone "
		 "example.com");
	name_bad("notexample.com.", "not in zone");
	name_bad("com.", "not in zone");
	name_bad(".", "not in zone");
}

static void test_name_wildcard_idn(void **state)
{
	(void)state;
	name_ok("*", "*");
	name_ok("*.www", "*.www");
	name_ok("*.example.com.", "*");
	name_bad("www.*", "'*'");
	name_bad("a*b", "'*'");
	name_bad("**", "'*'");
	name_ok("bücher", "xn--bcher-kva");
	name_ok("Bücher.Shop", "xn--bcher-kva.Shop");
	name_ok("bücher.example.com.", "xn--bcher-kva");
	name_bad("😀", "internationalized");
}

static void test_name_invalid(void **state)
{
	char *label = repeat('a', 64), *name;

	(void)state;
	name_bad("a b", "space");
	name_bad("a\tb", "space");
	name_bad("a..b", "empty label");
	name_bad(".a", "empty label");
	name_bad("a\\.b", "escapes");
	name_bad("a\\032b", "escapes");
	name_bad("a\x01", "control");
	name_bad("a/b", "'/'");
	name_bad("a\"b", "'\"'");
	name_bad(label, "64 characters");
	label[63] = '\0';
	name_ok(label, label);
	name_bad(NULL, "required");

	/* 3 * 64 + 50 = 242 characters, with ".example.com" 254: too long;
	 * one less is exactly 253. */
	name = malloc(300);
	assert_non_null(name);
	snprintf(name, 300, "%s.%s.%s.%.50s", label, label, label, label);
	assert_int_equal(strlen(name), 242);
	name_bad(name, "254 characters");
	name[241] = '\0';
	name_ok(name, name);
	free(name);
	free(label);
}

static void test_type(void **state)
{
	static const char *const types[] = {
		"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "PTR",
		"NAPTR", "SSHFP", "TLSA", "DS", "HTTPS", "SVCB", "ALIAS", "URL",
	};
	const char *out;
	ax_errinfo ei;
	char lower[16];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		for (j = 0; types[i][j] != '\0'; j++)
			lower[j] = (char)(types[i][j] | 0x20);
		lower[j] = '\0';
		out = NULL;
		assert_int_equal(rr_type_normalize(lower, &out, &ei), AX_OK);
		assert_string_equal(out, types[i]);
		assert_int_equal(rr_type_normalize(types[i], &out, &ei), AX_OK);
		assert_string_equal(out, types[i]);
	}
	assert_int_equal(rr_type_normalize("Mx", &out, &ei), AX_OK);
	assert_string_equal(out, "MX");

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(rr_type_normalize("soa", &out, &ei), AX_EINVAL);
	assert_null(out);
	assert_string_equal(ei.field, "type");
	assert_string_equal(ei.msg, "type: the SOA record is managed through "
			    "the zone (its soa fields), not as a record");

	assert_int_equal(rr_type_normalize("RRSIG", &out, &ei), AX_EINVAL);
	assert_string_equal(ei.field, "type");
	assert_non_null(strstr(ei.msg, "type: unsupported record type RRSIG; "
				       "supported: A, AAAA"));
	assert_int_equal(rr_type_normalize("", &out, &ei), AX_EINVAL);
	assert_int_equal(rr_type_normalize(NULL, &out, &ei), AX_EINVAL);
	assert_int_equal(rr_type_normalize(" A", &out, &ei), AX_EINVAL);
	assert_int_equal(rr_type_normalize("A\n", &out, &ei), AX_EINVAL);
	assert_null(strchr(ei.msg, '\n'));
}

static void test_pseudo(void **state)
{
	(void)state;
	assert_true(rr_type_is_pseudo("ALIAS"));
	assert_true(rr_type_is_pseudo("alias"));
	assert_true(rr_type_is_pseudo("URL"));
	assert_true(rr_type_is_pseudo("url"));
	assert_false(rr_type_is_pseudo("A"));
	assert_false(rr_type_is_pseudo("CNAME"));
	assert_false(rr_type_is_pseudo(NULL));
}

static void test_ttl(void **state)
{
	ax_errinfo ei;

	(void)state;
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(rr_ttl_check(0, &ei), AX_OK);
	assert_int_equal(rr_ttl_check(3600, &ei), AX_OK);
	assert_int_equal(rr_ttl_check(RR_TTL_MAX, &ei), AX_OK);
	assert_int_equal(rr_ttl_check(-1, &ei), AX_EINVAL);
	assert_string_equal(ei.field, "ttl");
	assert_int_equal(rr_ttl_check((long long)RR_TTL_MAX + 1, &ei),
			 AX_EINVAL);
	assert_non_null(strstr(ei.msg, "2147483647"));
	assert_int_equal(rr_ttl_check(-9223372036854775807LL - 1, &ei),
			 AX_EINVAL);
	assert_int_equal(rr_ttl_check(5, NULL), AX_OK);
	assert_int_equal(rr_ttl_check(-5, NULL), AX_EINVAL);
}

#define HEX64 "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define HEX64L "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_content_valid(void **state)
{
	(void)state;
	content_ok("www", "A", "192.0.2.1", "192.0.2.1");
	content_ok("www", "A", " \t192.0.2.1 \r\n", "192.0.2.1");
	content_ok("www", "AAAA", "2001:DB8::1", "2001:db8::1");
	content_ok("www", "CNAME", "Target", "Target.example.com.");
	content_ok("www", "CNAME", "host.example.net.", "host.example.net.");
	content_ok("www", "CNAME", "@", "example.com.");
	content_ok("", "MX", "10 mail", "10 mail.example.com.");
	content_ok("a", "MX", "10 Mail", "10 Mail.example.com.");
	content_ok("", "MX", "0 .", "0 .");
	content_ok("", "TXT", "hello", "\"hello\"");
	content_ok("", "TXT", "\"hello world\" \"abc\"",
		   "\"hello world\" \"abc\"");
	content_ok("", "TXT", "\"v=DKIM1; k=rsa\"", "\"v=DKIM1; k=rsa\"");
	content_ok("", "TXT", "\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\"");
	content_ok("", "TXT", "\"\"", "\"\"");
	content_ok("", "NS", "ns1", "ns1.example.com.");
	content_ok("sub", "NS", "NS.Example.NET.", "NS.Example.NET.");
	content_ok("_sip._tcp", "SRV", "10 5 5060 sip",
		   "10 5 5060 sip.example.com.");
	content_ok("", "CAA", "0 issue \"letsencrypt.org\"",
		   "0 issue \"letsencrypt.org\"");
	content_ok("1", "PTR", "host.example.net.", "host.example.net.");
	content_ok("", "NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
		   "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.");
	content_ok("host", "SSHFP",
		   "1 1 123456789ABCDEF67890123456789ABCDEF67890",
		   "1 1 123456789abcdef67890123456789abcdef67890");
	content_ok("_443._tcp.www", "TLSA", "3 1 1 " HEX64, "3 1 1 " HEX64L);
	content_ok("sub", "DS", "12345 13 2 " HEX64, "12345 13 2 " HEX64L);
	content_ok("", "HTTPS", "1 . alpn=h2,h3", "1 . alpn=h2,h3");
	content_ok("", "HTTPS", "1 . alpn=\"h2,h3\"", "1 . alpn=h2,h3");
	content_ok("_svc", "SVCB", "1 svc port=8443",
		   "1 svc.example.com. port=8443");
	content_ok("", "SVCB", "0 other.example.net.", "0 other.example.net.");
	content_ok("www", "mx", "10 mail", "10 mail.example.com.");
	content_ok("", "MX", "65535 mail", "65535 mail.example.com.");
	content_ok("", "HTTPS", "1 . port=\"443\"", "1 . port=443");
	content_ok("sub", "DS", "12345 RSASHA256 2 " HEX64,
		   "12345 8 2 " HEX64L);
	content_ok("", "A", "\\# 4 c0000201", "192.0.2.1");
	content_ok("x", "TLSA", "3 1 1 ab cd", "3 1 1 abcd");
}

static void test_content_invalid(void **state)
{
	char *s, *t;

	(void)state;
	content_bad("www", "A", "", "must not be empty");
	content_bad("www", "A", "   ", "must not be empty");
	content_bad("www", "A", NULL, "must not be empty");
	content_bad("www", "A", "1.2.3", "IPv4 address");
	content_bad("www", "A", "192.0.2.1 192.0.2.2", "superfluous");
	content_bad("www", "A", "example.com", "A needs");
	content_bad("www", "AAAA", "192.0.2.1", "IPv6 address");
	content_bad("www", "CNAME", "a b", "superfluous");
	content_bad("www", "CNAME", "a..b", "CNAME needs a host name");
	content_bad("", "MX", "mail", "content: MX needs a preference and a "
		    "host name, e.g. \"10 mail.example.com.\" (ldns: ");
	content_bad("", "MX", "10", "MX needs");
	content_bad("", "MX", "70000 mail", "content: the number 70000 is too large "
		    "for its MX field (at most 65535)");
	content_bad("", "MX", "-1 mail", "negative");
	content_bad("", "MX", "99999999999999999999999 mail", "too large");
	content_bad("_sip._tcp", "SRV", "1 1 70000 sip", "too large");
	content_bad("", "CAA", "256 issue \"x\"", "at most 255");
	content_bad("x", "TLSA", "300 1 1 ab", "at most 255");
	content_bad("x", "TLSA", "3 256 1 ab", "at most 255");
	content_bad("x", "TLSA", "3 1 256 ab", "at most 255");
	content_bad("host", "SSHFP", "256 1 ab", "at most 255");
	content_bad("host", "SSHFP", "1 256 ab", "at most 255");
	content_bad("sub", "DS", "70000 8 2 abcd", "at most 65535");
	content_bad("sub", "DS", "1 300 2 abcd", "at most 255");
	content_bad("", "HTTPS", "70000 . alpn=h2", "too large");
	content_bad("", "HTTPS", "1 . port=70000", "too large");
	content_bad("", "HTTPS", "1 . port=\"70000\"", "too large");
	content_bad("", "HTTPS", "1 . port=-1", "negative");
	content_bad("", "NAPTR", "70000 10 \"S\" \"SIP+D2U\" \"\" .",
		    "too large");
	content_bad("", "TXT", "\"unterminated", "unterminated");
	content_bad("", "TXT", "v=DKIM1; k=rsa", "';' starts a comment");
	content_bad("", "TXT", "abc\\", "backslash");
	s = repeat('x', 256);
	content_bad("", "TXT", s, "TXT needs");
	free(s);
	content_bad("", "NS", "", "must not be empty");
	content_bad("_sip._tcp", "SRV", "10 5 sip", "SRV needs");
	content_bad("", "CAA", "0 issue letsencrypt.org", "CAA needs");
	content_bad("", "CAA", "0", "CAA needs");
	content_bad("1", "PTR", "a..b", "PTR needs");
	content_bad("", "NAPTR", "100", "NAPTR needs");
	content_bad("host", "SSHFP", "1 1 xyz", "SSHFP needs");
	content_bad("x", "TLSA", "3 1 1 zz", "TLSA needs");
	content_bad("sub", "DS", "12345 8", "DS needs");
	content_bad("", "HTTPS", "1 . foo=bar", "HTTPS needs");
	content_bad("", "SVCB", "x", "SVCB needs");
	content_bad("", "A", "\"192.0.2.1\"", "A needs");
	/* ldns would print these back unquoted, meaning something else. */
	content_bad("", "HTTPS", "1 . alpn=\"h(2\"", "faithfully");
	content_bad("", "HTTPS", "1 . alpn=\"a;b\"", "faithfully");

	/* Too much for one record: refused, never silently cut by ldns. */
	s = repeat('x', 70000);
	t = malloc(70003);
	assert_non_null(t);
	snprintf(t, 70003, "\"%s\"", s);
	content_bad("", "TXT", t, "too long");
	free(t);
	free(s);
}

static void test_content_cname_self(void **state)
{
	(void)state;
	content_bad("www", "CNAME", "www", "a CNAME cannot point to itself");
	content_bad("www", "CNAME", "WWW.example.com.", "cannot point");
	content_ok("www", "CNAME", "www2", "www2.example.com.");
}

static void test_content_smuggling(void **state)
{
	(void)state;
	content_bad("www", "A",
		    "192.0.2.1\nevil.example.com. 3600 IN A 192.0.2.2",
		    "line breaks");
	content_bad("www", "TXT", "\"a\"\r\nevil 3600 IN A 192.0.2.2",
		    "line breaks");
	content_bad("www", "TXT", "\"a\"\revil", "line breaks");
	content_bad("www", "A", "192.0.2.1 ; evil", "';'");
	content_bad("www", "MX", "10 mail\x7f", "control");
	content_bad("www", "MX", "10 a\x01b", "control");
	/* Parentheses group fields; they cannot open another record. */
	content_ok("www", "MX", "( 10 mail )", "10 mail.example.com.");
	content_ok("www", "TXT", "\"a;b (c)\"", "\"a;b (c)\"");
}

static void test_content_alias(void **state)
{
	(void)state;
	content_ok("", "ALIAS", "lb.example.net", "lb.example.net.");
	content_ok("", "ALIAS", "lb.example.net.", "lb.example.net.");
	content_ok("", "ALIAS", " LB.Example.Net ", "LB.Example.Net.");
	content_ok("", "ALIAS", "bücher.de", "xn--bcher-kva.de.");
	content_ok("", "ALIAS", "lb", "lb.");
	content_ok("www", "ALIAS", "example.com", "example.com.");
	/* An IP literal is not a host name (issue 17 point 4). */
	content_bad("", "ALIAS", "192.0.2.1", "not an IP address");
	content_bad("", "ALIAS", "192.0.2.1.", "not an IP address");
	content_bad("", "ALIAS", "2001:db8::1", "not an IP address");
	content_bad("", "ALIAS", "[2001:db8::1]", "not an IP address");
	content_ok("", "ALIAS", "192.0.2.1.nip.example", "192.0.2.1.nip.example.");
	content_bad("", "ALIAS", "example.com", "an ALIAS cannot point to "
		    "itself");
	content_bad("www", "ALIAS", "WWW.Example.com.", "itself");
	content_bad("", "ALIAS", "", "must not be empty");
	content_bad("", "ALIAS", ".", "ALIAS needs a host name");
	content_bad("", "ALIAS", "a b.example.net", "space");
	content_bad("", "ALIAS", "*.example.net", "'*'");
	content_bad("", "ALIAS", "a..example.net", "empty label");
	content_bad("", "ALIAS", "10 lb.example.net", "space");
}

static void test_content_url(void **state)
{
	char *s;

	(void)state;
	content_ok("", "URL", "https://www.example.com/path?q=1#top",
		   "https://www.example.com/path?q=1#top");
	content_ok("", "URL", "  HTTP://Example.org  ", "HTTP://Example.org");
	content_ok("", "URL", "https://user@host:8443/x;y",
		   "https://user@host:8443/x;y");
	content_ok("", "URL", "http://[2001:db8::1]/", "http://[2001:db8::1]/");
	content_bad("", "URL", "ftp://example.com/", "http:// or https://");
	content_bad("", "URL", "www.example.com", "http:// or https://");
	content_bad("", "URL", "https://", "no host");
	content_bad("", "URL", "https:///path", "no host");
	content_bad("", "URL", "https://:80/", "no host");
	content_bad("", "URL", "https://a b/", "spaces");
	content_bad("", "URL", "https://a/\tb", "spaces");
	content_bad("", "URL", "https://bücher.de/", "non-ASCII");
	content_bad("", "URL", "https://a/\nb", "line breaks");
	s = repeat('a', 2049);
	memcpy(s, "https://", 8);
	content_bad("", "URL", s, "too long");
	s[2048] = '\0';
	content_ok("", "URL", s, s);
	free(s);
}

static void test_record_normalize(void **state)
{
	rr_record r;
	ax_errinfo ei;

	(void)state;
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(rr_record_normalize(ZONE, "Mail", "mx", -1,
					     " 10 mx1 ", 300, &r, &ei), AX_OK);
	assert_int_equal(r.id, 0);
	assert_string_equal(r.name, "Mail");
	assert_string_equal(r.type, "MX");
	assert_int_equal(r.ttl, 300);
	assert_string_equal(r.content, "10 mx1.example.com.");
	rr_record_clear(&r);
	assert_null(r.name);

	assert_int_equal(rr_record_normalize(ZONE, "www.example.com.", "A", 60,
					     "192.0.2.1", 300, &r, &ei), AX_OK);
	assert_string_equal(r.name, "www");
	assert_int_equal(r.ttl, 60);
	rr_record_clear(&r);
	rr_record_clear(NULL);

	/* Each step fails in turn, leaving out zeroed. */
	assert_int_equal(rr_record_normalize(ZONE, "a b", "A", 60, "x", 300,
					     &r, &ei), AX_EINVAL);
	assert_string_equal(ei.field, "name");
	assert_null(r.name);
	assert_int_equal(rr_record_normalize(ZONE, "www", "SOA", 60, "x", 300,
					     &r, &ei), AX_EINVAL);
	assert_string_equal(ei.field, "type");
	assert_null(r.name);
	assert_int_equal(rr_record_normalize(ZONE, "www", "A", 1LL << 32,
					     "192.0.2.1", 300, &r, &ei),
			 AX_EINVAL);
	assert_string_equal(ei.field, "ttl");
	assert_null(r.name);
	assert_int_equal(rr_record_normalize(ZONE, "www", "A", 60, "x", 300,
					     &r, &ei), AX_EINVAL);
	assert_string_equal(ei.field, "content");
	assert_null(r.name);
	assert_null(r.type);
	assert_null(r.content);
}

static void test_record_normalize_at(void **state)
{
	rr_record r;
	ax_errinfo ei;

	(void)state;
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(rr_record_normalize_at(ZONE, "sub.example.com.",
						"host.sub.example.com.", "MX",
						-1, "10 mail", 300, &r, &ei),
			 AX_OK);
	assert_string_equal(r.name, "host.sub");
	assert_string_equal(r.content, "10 mail.sub.example.com.");
	rr_record_clear(&r);
	assert_int_equal(rr_record_normalize_at(ZONE, "sub.example.com", "",
						"ALIAS", -1, "lb", 300, &r,
						&ei), AX_OK);
	assert_string_equal(r.content, "lb.sub.example.com.");
	rr_record_clear(&r);
	assert_int_equal(rr_record_normalize_at(ZONE, NULL, "", "ALIAS", -1,
						"lb", 300, &r, &ei), AX_OK);
	assert_string_equal(r.content, "lb.");
	rr_record_clear(&r);
}

static void test_owner_fqdn(void **state)
{
	char buf[64];

	(void)state;
	assert_true(rr_owner_fqdn(ZONE, "", buf, sizeof(buf)));
	assert_string_equal(buf, "example.com.");
	assert_true(rr_owner_fqdn(ZONE, "www", buf, sizeof(buf)));
	assert_string_equal(buf, "www.example.com.");
	assert_true(rr_owner_fqdn(ZONE, "*", buf, sizeof(buf)));
	assert_string_equal(buf, "*.example.com.");
	assert_false(rr_owner_fqdn(ZONE, "www", buf, 16));
	assert_true(rr_owner_fqdn(ZONE, "www", buf, 17));
}

static void test_messages_are_printable(void **state)
{
	ax_errinfo ei;
	const char *out;
	char *o = NULL;
	size_t i;

	(void)state;
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(rr_type_normalize("\x01\xff\xc3", &out, &ei),
			 AX_EINVAL);
	for (i = 0; ei.msg[i] != '\0'; i++)
		assert_true((unsigned char)ei.msg[i] >= 0x20 &&
			    (unsigned char)ei.msg[i] < 0x7f);
	assert_int_equal(rr_name_normalize(ZONE, "a\xff.b.", &o, &ei),
			 AX_EINVAL);
	assert_null(strchr(ei.msg, '\xff'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_name_valid),
		cmocka_unit_test(test_zone_name_invalid),
		cmocka_unit_test(test_idna_deleted),
		cmocka_unit_test(test_name_apex_relative),
		cmocka_unit_test(test_name_absolute),
		cmocka_unit_test(test_name_wildcard_idn),
		cmocka_unit_test(test_name_invalid),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_content_valid),
		cmocka_unit_test(test_content_invalid),
		cmocka_unit_test(test_content_cname_self),
		cmocka_unit_test(test_content_smuggling),
		cmocka_unit_test(test_content_alias),
		cmocka_unit_test(test_content_url),
		cmocka_unit_test(test_record_normalize),
		cmocka_unit_test(test_record_normalize_at),
		cmocka_unit_test(test_owner_fqdn),
		cmocka_unit_test(test_messages_are_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
