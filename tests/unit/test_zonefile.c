/* test_zonefile.c -- unit tests of master-file import and export. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/zonefile.h"

#define ZONE "example.com"

static const char sample[] =
	"; example.com, as exported by some other server\n"
	"$TTL 1h\n"
	"$ORIGIN example.com.\n"
	"@   IN  SOA ns1 hostmaster ( 2024010101 ; serial\n"
	"            3h    ; refresh\n"
	"            15m 1w 300 )\n"
	"    IN  NS  ns1\n"
	"    IN  NS  ns2.example.net.\n"
	"ns1 300 IN A 192.0.2.1\n"
	"www IN 600 A 192.0.2.2      ; class before TTL\n"
	"    AAAA 2001:DB8::2\n"
	"\n"
	"mail    MX 10 mail.example.com.\n"
	"txt  TXT \"hello; world\" \"say \\\"hi\\\"\"  ; quoted ';'\n"
	"multi TXT ( \"part one\"\n"
	"            \"part two\" )\n"
	"$ORIGIN sub.example.com.\n"
	"host 1h30m A 192.0.2.3\n"
	"@ MX 10 mx\n"
	"alias ALIAS lb.example.net.\n"
	"redir URL https://www.example.com/\n"
	"* CNAME host\n";

/* Parses text and reports the error detail when it fails unexpectedly. */
static int parse(const char *text, zf_result *res, ax_errinfo *ei)
{
	int rc;

	memset(ei, 0, sizeof(*ei));
	rc = zonefile_parse(ZONE, text, strlen(text), 3600, res, ei);
	if (rc != AX_OK)
		print_message("  -> rc=%d line=%u field=%s msg=%s\n", rc,
			      ei->line, ei->field, ei->msg);
	return rc;
}

static void assert_empty(const zf_result *res)
{
	assert_null(res->recs);
	assert_int_equal(res->nrecs, 0);
	assert_false(res->has_soa);
	assert_null(res->soa.mname);
	assert_null(res->soa.rname);
}

/* Expects text to fail on line with a message containing msg_part. */
static void parse_bad(const char *text, unsigned line, const char *field,
		      const char *msg_part)
{
	zf_result res;
	ax_errinfo ei;
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = zonefile_parse(ZONE, text, strlen(text), 3600, &res, &ei);
	if (rc == AX_OK)
		fail_msg("accepted: %s", text);
	assert_int_equal(rc, AX_EINVAL);
	assert_empty(&res);
	if (ei.line != line || strcmp(ei.field, field) != 0 ||
	    strstr(ei.msg, msg_part) == NULL)
		fail_msg("want line %u field %s \"%s\", got line %u field %s "
			 "\"%s\"", line, field, msg_part, ei.line, ei.field,
			 ei.msg);
}

static void assert_rec(const rr_record *r, const char *name,
		       const char *type, uint32_t ttl, const char *content)
{
	assert_string_equal(r->name, name);
	assert_string_equal(r->type, type);
	assert_int_equal(r->ttl, ttl);
	assert_string_equal(r->content, content);
}

static void check_sample(const zf_result *res)
{
	const rr_record *r = res->recs;

	assert_true(res->has_soa);
	assert_string_equal(res->soa.mname, "ns1.example.com.");
	assert_string_equal(res->soa.rname, "hostmaster.example.com.");
	assert_int_equal(res->soa.serial, 2024010101u);
	assert_int_equal(res->soa.refresh, 10800);
	assert_int_equal(res->soa.retry, 900);
	assert_int_equal(res->soa.expire, 604800);
	assert_int_equal(res->soa.minimum, 300);
	assert_int_equal(res->soa.ttl, 3600);
	assert_int_equal(res->nrecs, 14);
	assert_rec(&r[0], "", "NS", 3600, "ns1.example.com.");
	assert_rec(&r[1], "", "NS", 3600, "ns2.example.net.");
	assert_rec(&r[2], "ns1", "A", 300, "192.0.2.1");
	assert_rec(&r[3], "www", "A", 600, "192.0.2.2");
	assert_rec(&r[4], "www", "AAAA", 3600, "2001:db8::2");
	assert_rec(&r[5], "mail", "MX", 3600, "10 mail.example.com.");
	assert_rec(&r[6], "txt", "TXT", 3600,
		   "\"hello; world\" \"say \\\"hi\\\"\"");
	assert_rec(&r[7], "multi", "TXT", 3600, "\"part one\" \"part two\"");
	assert_rec(&r[8], "host.sub", "A", 5400, "192.0.2.3");
	assert_rec(&r[9], "sub", "MX", 3600, "10 mx.sub.example.com.");
	assert_rec(&r[10], "alias.sub", "ALIAS", 3600, "lb.example.net.");
	assert_rec(&r[11], "redir.sub", "URL", 3600,
		   "https://www.example.com/");
	assert_rec(&r[12], "*.sub", "CNAME", 3600, "host.sub.example.com.");
}

static void test_sample(void **state)
{
	char *text = malloc(sizeof(sample) + 64);
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_non_null(text);
	/* One more record, after the last line without a newline at the end. */
	snprintf(text, sizeof(sample) + 64, "%sb\u00fccher A 192.0.2.9",
		 sample);
	assert_int_equal(parse(text, &res, &ei), AX_OK);
	check_sample(&res);
	assert_rec(&res.recs[13], "xn--bcher-kva.sub", "A", 3600, "192.0.2.9");
	zf_result_clear(&res);
	assert_empty(&res);
	zf_result_clear(NULL);
	free(text);
}

static void test_crlf(void **state)
{
	char *text = malloc(2 * sizeof(sample) + 64), *o;
	const char *s;
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_non_null(text);
	for (s = sample, o = text; *s != '\0'; s++) {
		if (*s == '\n')
			*o++ = '\r';
		*o++ = *s;
	}
	strcpy(o, "b\u00fccher A 192.0.2.9\r\n");
	assert_int_equal(parse(text, &res, &ei), AX_OK);
	check_sample(&res);
	zf_result_clear(&res);

	/* Line numbers count CRLF lines too. */
	parse_bad("$TTL 60\r\n\r\nwww A 192.0.2.1\r\nwww MX mail\r\n", 4,
		  "content", "MX needs a preference");
	free(text);
}

static void test_empty_and_comments(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(parse("", &res, &ei), AX_OK);
	assert_empty(&res);
	assert_int_equal(parse("; nothing\n\n   ; indented comment\n\t\n",
			       &res, &ei), AX_OK);
	assert_empty(&res);
	assert_int_equal(parse("$TTL 60\n$ORIGIN example.com.\n", &res, &ei),
			 AX_OK);
	assert_empty(&res);
	assert_int_equal(zonefile_parse(ZONE, NULL, 0, 60, &res, &ei), AX_OK);
	assert_empty(&res);
}

static void test_not_nul_terminated(void **state)
{
	const char text[] = "www A 192.0.2.1\nt TXT abcdef";
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(zonefile_parse(ZONE, text, 16, 60, &res, &ei), AX_OK);
	assert_int_equal(res.nrecs, 1);
	assert_rec(&res.recs[0], "www", "A", 60, "192.0.2.1");
	zf_result_clear(&res);
	/* Cut in the middle of the last token. */
	assert_int_equal(zonefile_parse(ZONE, text, 25, 60, &res, &ei), AX_OK);
	assert_int_equal(res.nrecs, 2);
	assert_rec(&res.recs[1], "t", "TXT", 60, "\"abc\"");
	zf_result_clear(&res);
}

static void test_ttl_and_class(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(parse("a 60 IN A 192.0.2.1\n"
			       "b IN 60 A 192.0.2.1\n"
			       "c in 1d A 192.0.2.1\n"
			       "d 1w2d3h4m5s A 192.0.2.1\n"
			       "e IN A 192.0.2.1\n"
			       "f 0 A 192.0.2.1\n"
			       "g 2147483647 A 192.0.2.1\n"
			       "$TTL 2H\n"
			       "h A 192.0.2.1\n"
			       "i 1h30 A 192.0.2.1\n", &res, &ei), AX_OK);
	assert_int_equal(res.nrecs, 9);
	assert_int_equal(res.recs[0].ttl, 60);
	assert_int_equal(res.recs[1].ttl, 60);
	assert_int_equal(res.recs[2].ttl, 86400);
	assert_int_equal(res.recs[3].ttl, 604800 + 2 * 86400 + 3 * 3600 +
			 4 * 60 + 5);
	assert_int_equal(res.recs[4].ttl, 3600); /* the caller's default */
	assert_int_equal(res.recs[5].ttl, 0);
	assert_int_equal(res.recs[6].ttl, 2147483647u);
	assert_int_equal(res.recs[7].ttl, 7200);
	assert_int_equal(res.recs[8].ttl, 3630); /* 1h and 30 s */
	zf_result_clear(&res);

	parse_bad("a 2147483648 A 192.0.2.1\n", 1, "ttl", "not a valid time");
	parse_bad("a 1x A 192.0.2.1\n", 1, "ttl", "not a valid time");
	parse_bad("a 9999999w A 192.0.2.1\n", 1, "ttl", "not a valid time");
	parse_bad("$TTL\n", 1, "ttl", "exactly one value");
	parse_bad("$TTL abc\n", 1, "ttl", "not a valid time");
	parse_bad("$TTL -1\n", 1, "ttl", "not a valid time");
	parse_bad("\n\na CH A 192.0.2.1\n", 3, "class", "class CH is not "
		  "supported");
	parse_bad("a 60 HS A 192.0.2.1\n", 1, "class", "HS");
	parse_bad("a IN IN A 192.0.2.1\n", 1, "type",
		  "unsupported record type IN");
	parse_bad("a 60 60 A 192.0.2.1\n", 1, "type",
		  "unsupported record type 60");
	parse_bad("a 60 IN\n", 1, "type", "missing");
	parse_bad("a\n", 1, "type", "missing");
}

static void test_owner_names(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(parse("@ A 192.0.2.1\n"
			       "example.com. A 192.0.2.2\n"
			       "WWW.Example.COM. A 192.0.2.3\n"
			       "  A 192.0.2.4\n"
			       "$ORIGIN sub\n"
			       "x A 192.0.2.5\n"
			       "\tA 192.0.2.6\n"
			       "$ORIGIN deeper.sub.example.com.\n"
			       "@ A 192.0.2.7\n"
			       "$ORIGIN example.com.\n"
			       "_sip._tcp SRV 1 1 5060 sip\n"
			       "*.wild A 192.0.2.8\n"
			       "1 PTR host.\n", &res, &ei), AX_OK);
	assert_int_equal(res.nrecs, 10);
	assert_string_equal(res.recs[0].name, "");
	assert_string_equal(res.recs[1].name, "");
	assert_string_equal(res.recs[2].name, "WWW");
	assert_string_equal(res.recs[3].name, "WWW");
	assert_string_equal(res.recs[4].name, "x.sub");
	assert_string_equal(res.recs[5].name, "x.sub");
	assert_string_equal(res.recs[6].name, "deeper.sub");
	assert_rec(&res.recs[7], "_sip._tcp", "SRV", 3600,
		   "1 1 5060 sip.example.com.");
	assert_string_equal(res.recs[8].name, "*.wild");
	assert_rec(&res.recs[9], "1", "PTR", 3600, "host.");
	zf_result_clear(&res);

	parse_bad("  A 192.0.2.1\n", 1, "name", "no");
	parse_bad("; first\n\twww A 192.0.2.1\n", 2, "name",
		  "previous owner");
	parse_bad("www A 192.0.2.1\nwww.example.org. A 192.0.2.1\n", 2,
		  "name", "www.example.org. is not in zone example.com");
	parse_bad("a b A 192.0.2.1\n", 1, "type", "unsupported record type b");
	parse_bad("w*w A 192.0.2.1\n", 1, "name", "'*'");
	parse_bad("\"www\" A 192.0.2.1\n", 1, "name", "'\"'");
	parse_bad("a\\ b A 192.0.2.1\n", 1, "name", "escapes");
}

static void test_origin(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	/* Relative names in RDATA follow $ORIGIN, like owners. */
	assert_int_equal(parse("$ORIGIN Sub.example.com.\n"
			       "www CNAME web\n"
			       "web A 192.0.2.1\n"
			       "@ NS ns1\n"
			       "lb ALIAS lb-target\n"
			       "lb2 ALIAS @\n", &res, &ei), AX_OK);
	assert_rec(&res.recs[0], "www.Sub", "CNAME", 3600,
		   "web.Sub.example.com.");
	assert_rec(&res.recs[2], "Sub", "NS", 3600, "ns1.Sub.example.com.");
	assert_rec(&res.recs[3], "lb.Sub", "ALIAS", 3600,
		   "lb-target.Sub.example.com.");
	assert_rec(&res.recs[4], "lb2.Sub", "ALIAS", 3600,
		   "Sub.example.com.");
	zf_result_clear(&res);

	parse_bad("$ORIGIN example.org.\n", 1, "",
		  "$ORIGIN: example.org. is not in zone example.com");
	parse_bad("\n$ORIGIN com.\n", 2, "", "not in zone");
	parse_bad("$ORIGIN\n", 1, "", "exactly one name");
	parse_bad("$ORIGIN a b\n", 1, "", "exactly one name");
	parse_bad("$ORIGIN *.example.com.\n", 1, "", "wildcard");
	parse_bad("$ORIGIN a..b\n", 1, "", "empty label");
	parse_bad("$INCLUDE other.zone\n", 1, "",
		  "$INCLUDE is not supported");
	parse_bad("www A 192.0.2.1\n$include x\n", 2, "",
		  "$INCLUDE is not supported");
	parse_bad("$GENERATE 1-10 host$ A 192.0.2.$\n", 1, "",
		  "unknown directive $GENERATE");
}

static void test_soa(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(parse("$TTL 300\n"
			       "example.com. 600 IN SOA NS1.example.net. "
			       "john\\.doe.example.com. 0 1 2 3 4\n", &res,
			       &ei), AX_OK);
	assert_true(res.has_soa);
	assert_string_equal(res.soa.mname, "ns1.example.net.");
	assert_string_equal(res.soa.rname, "john\\.doe.example.com.");
	assert_int_equal(res.soa.serial, 0);
	assert_int_equal(res.soa.expire, 3);
	assert_int_equal(res.soa.ttl, 600);
	assert_int_equal(res.nrecs, 0);
	zf_result_clear(&res);

	parse_bad("@ SOA ns1 hm 1 2 3 4 5\nwww A 192.0.2.1\n"
		  "@ SOA ns1 hm 2 2 3 4 5\n", 3, "type",
		  "a second SOA record (the first one is on line 1)");
	parse_bad("www SOA ns1 hm 1 2 3 4 5\n", 1, "name",
		  "only allowed at the zone apex");
	parse_bad("@ SOA ns1 hm 1 2 3 4\n", 1, "soa", "7 fields");
	parse_bad("@ SOA ns1 hm 4294967296 2 3 4 5\n", 1, "soa.serial",
		  "4294967295");
	parse_bad("@ SOA ns1 hm 1h 2 3 4 5\n", 1, "soa.serial", "number");
	parse_bad("@ SOA ns1 hm 1 2 3 4 5x\n", 1, "soa.minimum", "5x");
	parse_bad("@ SOA a..b hm 1 2 3 4 5\n", 1, "soa.mname", "empty label");
	parse_bad("@ SOA . hm 1 2 3 4 5\n", 1, "soa.mname", "host name");
	parse_bad("@ SOA ns1 \"x\" 1 2 3 4 5\n", 1, "soa.rname", "mailbox");
}

static void test_syntax_errors(void **state)
{
	static const char nul[] = "www A 192.0.2.1\n\nx A 19\0.0.2.1\n";
	zf_result res;
	ax_errinfo ei;

	(void)state;
	parse_bad("www A 192.0.2.1\n"
		  "x MX ( 10\n"
		  "  mail\n", 2, "", "'(' on line 2 is never closed");
	parse_bad("x MX 10 mail )\n", 1, "", "without a matching");
	parse_bad("x TXT ( ( \"a\" ) )\n", 1, "", "nested");
	parse_bad("a A 192.0.2.1\nx TXT \"abc\n\"\n", 2, "",
		  "unterminated quoted string");
	parse_bad("x TXT ( \"a\"\n \"abc )\n", 1, "",
		  "unterminated quoted string (it starts on line 2)");
	parse_bad("x TXT abc\\", 1, "", "backslash");

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(zonefile_parse(ZONE, nul, sizeof(nul) - 1, 60, &res,
					&ei), AX_EINVAL);
	assert_int_equal(ei.line, 3);
	assert_non_null(strstr(ei.msg, "NUL"));
	assert_empty(&res);
}

static void test_record_errors(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	/* The message stands alone: line, field, what is wrong. */
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(zonefile_parse(ZONE, "\n\nmx MX mail\n", 12, 60,
					&res, &ei), AX_EINVAL);
	assert_int_equal(ei.line, 3);
	assert_string_equal(ei.field, "content");
	assert_non_null(strstr(ei.msg, "line 3: content: MX needs a "
			       "preference and a host name"));
	assert_int_equal(zonefile_parse(ZONE, "$FOO\n", 5, 60, &res, &ei),
			 AX_EINVAL);
	assert_string_equal(ei.field, "");
	assert_string_equal(ei.msg, "line 1: unknown directive $FOO; only "
			    "$ORIGIN and $TTL are supported");

	/* An error on line 7 reports 7 and nothing is kept. */
	parse_bad("$TTL 3600\n"
		  "@ SOA ns1 hostmaster 1 2 3 4 5\n"
		  "@ NS ns1\n"
		  "ns1 A 192.0.2.1\n"
		  "; a comment\n"
		  "\n"
		  "www A 192.0.2.300\n"
		  "web A 192.0.2.2\n", 7, "content", "IPv4 address");
	parse_bad("a RRSIG A 8 2 3600 x y z\n", 1, "type",
		  "unsupported record type RRSIG");
	parse_bad("a MX 70000 mail\n", 1, "content", "too large");
	parse_bad("a CNAME a\n", 1, "content", "cannot point to itself");
	parse_bad("@ ALIAS @\n", 1, "content", "itself");
	parse_bad("a URL ftp://x/\n", 1, "content", "http:// or https://");
	parse_bad("x MX (\n 10\n\n mailx..y )\n", 1, "content", "MX needs");
	parse_bad("x A\n", 1, "content", "must not be empty");
}

static void test_quoting(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(parse("a TXT \"a;b\" \"(c)\" \"d\\\\e\"\n"
			       "b TXT plain\n"
			       "c HTTPS 1 . alpn=\"h2,h3\" port=\"8443\"\n"
			       "d CAA 0 issue \"ca.example.net; x=1\"\n"
			       "e URL \"https://x.example/a;b(c)\\\"d\"\n",
			       &res, &ei), AX_OK);
	assert_string_equal(res.recs[0].content,
			    "\"a;b\" \"(c)\" \"d\\\\e\"");
	assert_string_equal(res.recs[1].content, "\"plain\"");
	assert_string_equal(res.recs[2].content, "1 . alpn=h2,h3 port=8443");
	assert_string_equal(res.recs[3].content,
			    "0 issue \"ca.example.net; x=1\"");
	assert_string_equal(res.recs[4].content,
			    "https://x.example/a;b(c)\"d");
	zf_result_clear(&res);
}

static void test_bom(void **state)
{
	zf_result res;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBFwww A 192.0.2.1\n", &res, &ei),
			 AX_OK);
	assert_string_equal(res.recs[0].name, "www");
	zf_result_clear(&res);
}

static void test_render(void **state)
{
	zf_soa soa = { (char *)"ns1.example.com.",
		       (char *)"hostmaster.example.com.",
		       7, 3600, 900, 604800, 300, 86400 };
	rr_record recs[] = {
		{ 1, (char *)"", (char *)"NS", 3600,
		  (char *)"ns1.example.com." },
		{ 2, (char *)"www", (char *)"A", 60, (char *)"192.0.2.1" },
	};
	char *text;

	(void)state;
	text = zonefile_render(ZONE, &soa, recs, 2);
	assert_non_null(text);
	assert_string_equal(text,
		"$ORIGIN example.com.\n"
		"example.com.\t86400\tIN\tSOA\tns1.example.com. "
		"hostmaster.example.com. 7 3600 900 604800 300\n"
		"example.com.\t3600\tIN\tNS\tns1.example.com.\n"
		"www.example.com.\t60\tIN\tA\t192.0.2.1\n");
	free(text);

	text = zonefile_render(ZONE, NULL, NULL, 0);
	assert_non_null(text);
	assert_string_equal(text, "$ORIGIN example.com.\n");
	free(text);
}

static void assert_same(const zf_result *a, const zf_result *b)
{
	size_t i;

	assert_int_equal(a->nrecs, b->nrecs);
	assert_int_equal(a->has_soa, b->has_soa);
	if (a->has_soa) {
		assert_string_equal(a->soa.mname, b->soa.mname);
		assert_string_equal(a->soa.rname, b->soa.rname);
		assert_int_equal(a->soa.serial, b->soa.serial);
		assert_int_equal(a->soa.refresh, b->soa.refresh);
		assert_int_equal(a->soa.retry, b->soa.retry);
		assert_int_equal(a->soa.expire, b->soa.expire);
		assert_int_equal(a->soa.minimum, b->soa.minimum);
		assert_int_equal(a->soa.ttl, b->soa.ttl);
	}
	for (i = 0; i < a->nrecs; i++)
		assert_rec(&b->recs[i], a->recs[i].name, a->recs[i].type,
			   a->recs[i].ttl, a->recs[i].content);
}

static void test_round_trip(void **state)
{
	static const char extra[] =
		"$ORIGIN example.com.\n"
		"@ URL \"https://x.example/a;b(c)\\\"d\\\\e\"\n"
		"u2 URL https://x.example/plain?q=1&r=2#frag\n"
		"al ALIAS Target.Example.NET.\n"
		"caa CAA 0 issuewild \";\"\n"
		"t TXT \"\\010bin\\255ary\" \"a\\\"b\"\n"
		"naptr NAPTR 100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:a@b!\" .\n"
		"_443._tcp TLSA 3 1 1 0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef\n"
		"sub DS 12345 13 2 0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef\n"
		"ssh SSHFP 4 2 0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef\n"
		"svc SVCB 1 . alpn=h2 port=8443 ipv4hint=192.0.2.1\n";
	zf_result a, b, c;
	ax_errinfo ei;
	char *text, *text2;
	size_t i;

	(void)state;
	assert_int_equal(parse(sample, &a, &ei), AX_OK);
	text = zonefile_render(ZONE, &a.soa, a.recs, a.nrecs);
	assert_non_null(text);
	assert_int_equal(parse(text, &b, &ei), AX_OK);
	assert_same(&a, &b);
	text2 = zonefile_render(ZONE, &b.soa, b.recs, b.nrecs);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	zf_result_clear(&a);
	zf_result_clear(&b);

	/* The pseudo-types and hard-to-quote contents. */
	assert_int_equal(parse(extra, &c, &ei), AX_OK);
	assert_string_equal(c.recs[0].content, "https://x.example/a;b(c)\"d\\e");
	assert_string_equal(c.recs[2].content, "Target.Example.NET.");
	text = zonefile_render(ZONE, NULL, c.recs, c.nrecs);
	assert_non_null(text);
	assert_int_equal(parse(text, &b, &ei), AX_OK);
	assert_same(&c, &b);
	for (i = 0; i < b.nrecs; i++)
		assert_int_equal(b.recs[i].id, 0);
	free(text);
	zf_result_clear(&c);
	zf_result_clear(&b);
}

/* Mutated input must fail or succeed cleanly (run under the sanitizers). */
static void test_garbage(void **state)
{
	static const char alphabet[] = "\n\r\t ;()\"\\$@.*aZ09\x01\xc3\xbc\xff";
	char text[sizeof(sample)];
	uint32_t seed = 12345;
	zf_result res;
	ax_errinfo ei;
	size_t i, j, len;
	int rc;

	(void)state;
	for (i = 0; i < 3000; i++) {
		memcpy(text, sample, sizeof(sample));
		for (j = 0; j < 1 + i % 8; j++) {
			seed = seed * 1103515245u + 12345u;
			text[(seed >> 8) % (sizeof(sample) - 1)] =
				alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		len = i % 3 == 0 ? (seed >> 8) % sizeof(sample) :
		      sizeof(sample) - 1;
		rc = zonefile_parse(ZONE, text, len, 3600, &res, &ei);
		assert_true(rc == AX_OK || rc == AX_EINVAL);
		if (rc != AX_OK) {
			assert_empty(&res);
			assert_true(ei.line >= 1 && ei.msg[0] != '\0');
		}
		zf_result_clear(&res);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_ttl_and_class),
		cmocka_unit_test(test_owner_names),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_soa),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
