/* test_query.c -- unit tests of request parsing and authoritative
 * answers from a snapshot (query.c); answers are checked by parsing them
 * with ldns and with our own bounds-checked reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/query.h"
#include "axfrd/snap.h"
#include "axfrd/wire.h"

#define ZONE "example.com"
#define DS_HEX "2BB183AF5F22588179A53B0A98631FAD1A292118B1B0D3BDF1A6ECF2C5B9B63D"

static snap *g_snap;

/* ---- the zone ---- */

static const char *const g_records[][3] = {
	{"", "NS", "ns1.example.com."},
	{"", "NS", "ns2.example.com."},
	{"", "MX", "10 mail.example.com."},
	{"ns1", "A", "192.0.2.1"},
	{"ns2", "A", "192.0.2.2"},
	{"mail", "A", "192.0.2.25"},
	{"mail", "AAAA", "2001:db8::25"},
	{"WwW", "A", "192.0.2.80"},
	{"WwW", "AAAA", "2001:db8::80"},
	{"alias", "CNAME", "WwW.example.com."},
	{"chain1", "CNAME", "chain2.example.com."},
	{"chain2", "CNAME", "WwW.example.com."},
	{"ext", "CNAME", "www.example.org."},
	{"loop1", "CNAME", "loop2.example.com."},
	{"loop2", "CNAME", "loop1.example.com."},
	{"dangling", "CNAME", "nothere.sub.example.com."},
	{"a.b.c", "TXT", "\"deep\""},
	{"*", "TXT", "\"wild\""},
	{"*", "MX", "10 mail.example.com."},
	{"sub", "TXT", "\"sub\""},
	{"explicit", "TXT", "\"explicit\""},
	{"*.wc", "CNAME", "WwW.example.com."},
	{"deleg", "NS", "ns.deleg.example.com."},
	{"deleg", "NS", "ns.other.net."},
	{"deleg", "DS", "12345 8 2 " DS_HEX},
	{"ns.deleg", "A", "192.0.2.53"},
	{"ns.deleg", "AAAA", "2001:db8::53"},
	{"*.deleg", "TXT", "\"occluded\""},
	{"deeper.sub2.deleg", "NS", "ns.elsewhere.net."},
	{"nods", "NS", "ns.other.net."},
	{"tocut", "CNAME", "host.deleg.example.com."},
	{"_sip._tcp", "SRV", "0 5 5060 sip.example.com."},
	{"sip", "A", "192.0.2.60"},
	{"big2", "A", "192.0.2.99"},
};

/* A TXT string of 200 characters: twenty of them exceed any UDP limit. */
static void add_big(snap *s, const char *name, int count)
{
	char txt[256];

	for (int i = 0; i < count; i++) {
		snprintf(txt, sizeof(txt), "\"%02d%0198d\"", i, 0);
		assert_int_equal(snap_add_text(s, name, "TXT", 300, txt, NULL), AX_OK);
	}
}

static int setup(void **state)
{
	zf_soa soa = {"ns1.example.com.", "hostmaster.example.com.", 2024010101,
		      3600, 600, 86400, 300, 3600};
	ax_errinfo ei;

	g_snap = snap_new(ZONE);
	assert_non_null(g_snap);
	assert_int_equal(snap_set_soa(g_snap, &soa), AX_OK);
	for (size_t i = 0; i < sizeof(g_records) / sizeof(g_records[0]); i++) {
		int rc = snap_add_text(g_snap, g_records[i][0], g_records[i][1], 3600,
				       g_records[i][2], &ei);
		if (rc != AX_OK)
			fail_msg("%s %s: %s", g_records[i][0], g_records[i][1], ei.msg);
	}
	add_big(g_snap, "big", 20);
	add_big(g_snap, "big2", 20);
	assert_int_equal(snap_finish(g_snap), AX_OK);
	return 0;
}

static int teardown(void **state)
{
	snap_unref(g_snap);
	return 0;
}

/* ---- building requests ---- */

static void put_name(wbuf *b, const char *text)
{
	uint8_t n[WIRE_NAME_MAX];
	size_t len;

	assert_true(wire_name_from_text(text, n, &len));
	assert_true(wb_bytes(b, n, len));
}

/* An OPT record: udp size, version, DO, with an optional raw RDATA. */
static void put_opt(wbuf *b, uint16_t udp, uint8_t version, bool dobit,
		    const uint8_t *rd, uint16_t rdlen)
{
	assert_true(wb_u8(b, 0) && wb_u16(b, RR_OPT) && wb_u16(b, udp) &&
		    wb_u32(b, (uint32_t)version << 16 | (dobit ? 0x8000u : 0)) &&
		    wb_u16(b, rdlen) && wb_bytes(b, rd ? rd : (const uint8_t *)"", rdlen));
}

/* A TSIG-typed record (content does not matter to the parser). */
static void put_tsig(wbuf *b, const char *key)
{
	static const uint8_t rd[8] = {0};

	put_name(b, key);
	assert_true(wb_u16(b, RR_TSIG) && wb_u16(b, CLASS_ANY) && wb_u32(b, 0) &&
		    wb_u16(b, sizeof(rd)) && wb_bytes(b, rd, sizeof(rd)));
}

/* Header and question; edns < 0 means no OPT. */
static size_t make_query(uint8_t *buf, size_t cap, const char *name, uint16_t type,
			 int edns, uint16_t udp)
{
	wbuf b;

	wb_init(&b, buf, cap, NULL);
	assert_true(wb_header(&b, 0x1234, WIRE_RD, 1, 0, 0, edns >= 0));
	put_name(&b, name);
	assert_true(wb_u16(&b, type) && wb_u16(&b, CLASS_IN));
	if (edns >= 0)
		put_opt(&b, udp, (uint8_t)edns, true, NULL, 0);
	return b.len;
}

/* ---- checking responses ---- */

static uint16_t get16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] << 8 | p[off + 1]);
}

/* Walks every name and record of a response with our own reader: all
 * compression pointers resolve, nothing is left over. */
static void check_wire(const uint8_t *buf, size_t len)
{
	wreader r;
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;
	uint16_t v, rdlen;
	uint32_t ttl;
	unsigned total;

	wr_init(&r, buf, len);
	assert_true(wr_skip(&r, WIRE_HEADER_LEN));
	for (unsigned i = 0; i < get16(buf, 4); i++)
		assert_true(wr_name(&r, name, &nlen) && wr_u16(&r, &v) && wr_u16(&r, &v));
	total = get16(buf, 6) + get16(buf, 8) + get16(buf, 10);
	for (unsigned i = 0; i < total; i++) {
		assert_true(wr_name(&r, name, &nlen) && wr_u16(&r, &v) &&
			    wr_u16(&r, &v) && wr_u32(&r, &ttl) && wr_u16(&r, &rdlen));
		assert_true(wr_skip(&r, rdlen));
	}
	assert_int_equal(r.pos, len);
}

typedef struct resp {
	uint8_t buf[65535];
	size_t len;
	ldns_pkt *pkt;
} resp;

static resp g_resp;

static ldns_pkt *parse_resp(resp *r)
{
	ldns_pkt_free(r->pkt);
	r->pkt = NULL;
	assert_true(r->len >= WIRE_HEADER_LEN);
	check_wire(r->buf, r->len);
	assert_int_equal(ldns_wire2pkt(&r->pkt, r->buf, r->len), LDNS_STATUS_OK);
	return r->pkt;
}

/* Asks the zone for name/type with an answer limit of max. */
static ldns_pkt *ask_max(const char *name, uint16_t type, int edns, size_t max)
{
	uint8_t qbuf[512];
	size_t qlen = make_query(qbuf, sizeof(qbuf), name, type, edns, 4096);
	dns_query q;

	assert_int_equal(query_parse(qbuf, qlen, &q), QP_OK);
	g_resp.len = query_answer(&q, g_snap, g_resp.buf, max);
	return parse_resp(&g_resp);
}

/* ANY as over UDP: minimal_any set (RFC 8482). */
static ldns_pkt *ask_minimal(const char *name)
{
	uint8_t qbuf[512];
	size_t qlen = make_query(qbuf, sizeof(qbuf), name, RR_ANY, 0, 4096);
	dns_query q;

	assert_int_equal(query_parse(qbuf, qlen, &q), QP_OK);
	q.minimal_any = true;
	g_resp.len = query_answer(&q, g_snap, g_resp.buf, 1232);
	return parse_resp(&g_resp);
}

static ldns_pkt *ask(const char *name, uint16_t type)
{
	return ask_max(name, type, -1, 65535);
}

static int resp_teardown(void **state)
{
	ldns_pkt_free(g_resp.pkt);
	g_resp.pkt = NULL;
	return 0;
}

/* Text of an owner name or of RDATA field i of rr. */
static char *owner_str(const ldns_rr *rr)
{
	return ldns_rdf2str(ldns_rr_owner(rr));
}

/* Records in l with exactly this owner text (case included) and type. */
static size_t count_rr(const ldns_rr_list *l, const char *owner, ldns_rr_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *o = owner_str(rr);
		if (strcmp(o, owner) == 0 && ldns_rr_get_type(rr) == t)
			n++;
		free(o);
	}
	return n;
}

/* RDATA field 0 of record i of l, as text, compared with want. */
static void assert_rdata(const ldns_rr_list *l, size_t i, const char *want)
{
	char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(l, i), 0));

	if (strcmp(s, want) != 0)
		fail_msg("rdata '%s', want '%s'", s, want);
	free(s);
}

static void assert_counts(const ldns_pkt *p, size_t an, size_t ns, size_t ar)
{
	assert_int_equal(ldns_pkt_ancount(p), an);
	assert_int_equal(ldns_pkt_nscount(p), ns);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_additional(p)), ar);
}

/* The SOA in authority of a negative answer, with its negative TTL. */
static void assert_neg_soa(const ldns_pkt *p)
{
	const ldns_rr_list *ns = ldns_pkt_authority(p);

	assert_int_equal(ldns_rr_list_rr_count(ns), 1);
	assert_int_equal(count_rr(ns, "example.com.", LDNS_RR_TYPE_SOA), 1);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ns, 0)), 300);
}

/* ---- answers ---- */

static void test_a_answer(void **state)
{
	ldns_pkt *p = ask("www.example.com", RR_A);

	assert_true(ldns_pkt_qr(p) && ldns_pkt_aa(p) && ldns_pkt_rd(p));
	assert_false(ldns_pkt_tc(p) || ldns_pkt_ra(p));
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 1, 0, 0);
	/* The owner keeps its stored case; the question keeps the client's. */
	assert_int_equal(count_rr(ldns_pkt_answer(p), "WwW.example.com.", LDNS_RR_TYPE_A), 1);
	assert_int_equal(count_rr(ldns_pkt_question(p), "www.example.com.", LDNS_RR_TYPE_A), 1);
	assert_rdata(ldns_pkt_answer(p), 0, "192.0.2.80");
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 3600);
}

static void test_case_of_question(void **state)
{
	ldns_pkt *p = ask("WWW.EXAMPLE.COM", RR_AAAA);

	assert_true(ldns_pkt_aa(p));
	assert_int_equal(count_rr(ldns_pkt_question(p), "WWW.EXAMPLE.COM.", LDNS_RR_TYPE_AAAA), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "WwW.example.com.", LDNS_RR_TYPE_AAAA), 1);
	assert_rdata(ldns_pkt_answer(p), 0, "2001:db8::80");
}

static void test_mx_with_additional(void **state)
{
	ldns_pkt *p = ask("example.com", RR_MX);
	const ldns_rr_list *ar = ldns_pkt_additional(p);

	assert_true(ldns_pkt_aa(p));
	assert_counts(p, 1, 0, 2);
	assert_int_equal(count_rr(ar, "mail.example.com.", LDNS_RR_TYPE_A), 1);
	assert_int_equal(count_rr(ar, "mail.example.com.", LDNS_RR_TYPE_AAAA), 1);
}

static void test_ns_and_srv_additional(void **state)
{
	ldns_pkt *p = ask("example.com", RR_NS);

	assert_counts(p, 2, 0, 2);
	assert_int_equal(count_rr(ldns_pkt_additional(p), "ns1.example.com.", LDNS_RR_TYPE_A), 1);
	assert_int_equal(count_rr(ldns_pkt_additional(p), "ns2.example.com.", LDNS_RR_TYPE_A), 1);
	p = ask("_sip._tcp.example.com", RR_SRV);
	assert_counts(p, 1, 0, 1);
	assert_int_equal(count_rr(ldns_pkt_additional(p), "sip.example.com.", LDNS_RR_TYPE_A), 1);
}

static void test_soa_at_apex(void **state)
{
	ldns_pkt *p = ask("example.com", RR_SOA);

	assert_true(ldns_pkt_aa(p));
	assert_counts(p, 1, 0, 0);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "example.com.", LDNS_RR_TYPE_SOA), 1);
	/* The SOA's own TTL, not the negative one. */
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 3600);
	p = ask("mail.example.com", RR_SOA);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 1, 0);
}

static void test_any(void **state)
{
	ldns_pkt *p = ask("mail.example.com", RR_ANY);

	assert_true(ldns_pkt_aa(p));
	assert_counts(p, 2, 0, 0);
	p = ask("example.com", RR_ANY);
	/* SOA, 2 NS, MX; the MX target's addresses are added. */
	assert_int_equal(ldns_pkt_ancount(p), 4);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "example.com.", LDNS_RR_TYPE_SOA), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "example.com.", LDNS_RR_TYPE_NS), 2);
	/* ANY does not follow a CNAME. */
	p = ask("alias.example.com", RR_ANY);
	assert_counts(p, 1, 0, 0);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "alias.example.com.", LDNS_RR_TYPE_CNAME), 1);
}

/* RFC 8482: one RRset for ANY, the SOA at the apex, elsewhere the
 * smallest RRset; a name with a huge TXT and a small A gets the A. */
static void test_any_minimal(void **state)
{
	ldns_pkt *p = ask_minimal("example.com");

	assert_true(ldns_pkt_aa(p));
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "example.com.", LDNS_RR_TYPE_SOA), 1);
	p = ask_minimal("big2.example.com");
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "big2.example.com.", LDNS_RR_TYPE_A), 1);
	assert_true(g_resp.len < 200);
	/* A and AAAA: the A, the smaller one. */
	p = ask_minimal("mail.example.com");
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "mail.example.com.", LDNS_RR_TYPE_A), 1);
	/* Synthesized from a wildcard: one of its two RRsets. */
	p = ask_minimal("anything.example.com");
	assert_int_equal(ldns_pkt_ancount(p), 1);
	/* A name that does not exist is still NXDOMAIN. */
	p = ask_minimal("nothere.sub.example.com");
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	(void)state;
}

/* The rate limiter's slip: TC, NOERROR, the question and OPT, no records. */
static void test_slip(void **state)
{
	uint8_t qbuf[512];
	size_t qlen = make_query(qbuf, sizeof(qbuf), "big.example.com", RR_TXT, 0, 4096);
	dns_query q;
	ldns_pkt *p;

	assert_int_equal(query_parse(qbuf, qlen, &q), QP_OK);
	g_resp.len = query_slip(&q, g_resp.buf, sizeof(g_resp.buf));
	p = parse_resp(&g_resp);
	assert_true(ldns_pkt_tc(p));
	assert_true(ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 0, 0);
	assert_int_equal(get16(g_resp.buf, WIRE_OFF_QDCOUNT), 1);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	/* No larger than the request plus the OPT's own size. */
	assert_true(g_resp.len <= qlen);
	assert_int_equal(query_slip(&q, g_resp.buf, 11), 0);
	(void)state;
}

static void test_cname_chain(void **state)
{
	ldns_pkt *p = ask("chain1.example.com", RR_A);
	const ldns_rr_list *an = ldns_pkt_answer(p);

	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 3, 0, 0);
	/* In chain order. */
	assert_int_equal(count_rr(an, "chain1.example.com.", LDNS_RR_TYPE_CNAME), 1);
	assert_int_equal(count_rr(an, "chain2.example.com.", LDNS_RR_TYPE_CNAME), 1);
	assert_int_equal(count_rr(an, "WwW.example.com.", LDNS_RR_TYPE_A), 1);
	assert_rdata(an, 0, "chain2.example.com.");
	assert_rdata(an, 1, "WwW.example.com.");
	assert_rdata(an, 2, "192.0.2.80");
	/* Asking for the CNAME itself does not follow it. */
	p = ask("chain1.example.com", RR_CNAME);
	assert_counts(p, 1, 0, 0);
}

static void test_cname_out_of_zone(void **state)
{
	ldns_pkt *p = ask("ext.example.com", RR_A);

	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 1, 0, 0);
	assert_rdata(ldns_pkt_answer(p), 0, "www.example.org.");
}

static void test_cname_loop(void **state)
{
	ldns_pkt *p = ask("loop1.example.com", RR_A);

	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 2, 0, 0);
}

static void test_cname_to_nxdomain(void **state)
{
	ldns_pkt *p = ask("dangling.example.com", RR_A);

	/* RFC 6604: the rcode is that of the last name of the chain. */
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_neg_soa(p);
}

/* A chain of CNAMEs longer than the hop limit stops after 8 hops. */
static void test_cname_hop_limit(void **state)
{
	zf_soa soa = {"ns1.example.com.", "h.example.com.", 1, 3600, 600, 86400, 300, 3600};
	snap *s = snap_new(ZONE);
	uint8_t qbuf[512], out[4096];
	char name[16], target[32];
	dns_query q;
	ldns_pkt *p = NULL;
	size_t len;

	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(target, sizeof(target), "c%d.example.com.", i + 1);
		assert_int_equal(snap_add_text(s, name, "CNAME", 60, target, NULL), AX_OK);
	}
	assert_int_equal(snap_finish(s), AX_OK);
	len = make_query(qbuf, sizeof(qbuf), "c0.example.com", RR_A, -1, 0);
	assert_int_equal(query_parse(qbuf, len, &q), QP_OK);
	len = query_answer(&q, s, out, sizeof(out));
	assert_int_equal(ldns_wire2pkt(&p, out, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(p), 9);  /* the qname's CNAME + 8 hops */
	ldns_pkt_free(p);
	snap_unref(s);
}

static void test_nodata(void **state)
{
	ldns_pkt *p = ask("www.example.com", RR_MX);

	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 1, 0);
	assert_neg_soa(p);
}

static void test_nxdomain(void **state)
{
	ldns_pkt *p = ask("nope.sub.example.com", RR_A);

	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_counts(p, 0, 1, 0);
	assert_neg_soa(p);
}

static void test_empty_non_terminal(void **state)
{
	ldns_pkt *p = ask("b.c.example.com", RR_A);

	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 1, 0);
	assert_neg_soa(p);
	p = ask("c.example.com", RR_TXT);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	p = ask("a.b.c.example.com", RR_TXT);
	assert_counts(p, 1, 0, 0);
	/* Below an ENT the wildcard of the apex does not apply (RFC 4592). */
	p = ask("x.c.example.com", RR_TXT);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
}

static void test_wildcard(void **state)
{
	ldns_pkt *p = ask("anything.example.com", RR_TXT);

	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 1, 0, 0);
	/* Synthesized with the qname as owner. */
	assert_int_equal(count_rr(ldns_pkt_answer(p), "anything.example.com.", LDNS_RR_TYPE_TXT), 1);
	assert_rdata(ldns_pkt_answer(p), 0, "\"wild\"");
	/* Several labels below the closest encloser. */
	p = ask("x.y.example.com", RR_TXT);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "x.y.example.com.", LDNS_RR_TYPE_TXT), 1);
	/* The wildcard owns no A: NODATA, not NXDOMAIN. */
	p = ask("anything.example.com", RR_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 1, 0);
	/* Additional processing of a synthesized MX. */
	p = ask("anything.example.com", RR_MX);
	assert_counts(p, 1, 0, 2);
	/* ANY at a wildcard name gives every synthesized RRset. */
	p = ask("anything.example.com", RR_ANY);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "anything.example.com.", LDNS_RR_TYPE_MX), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "anything.example.com.", LDNS_RR_TYPE_TXT), 1);
}

static void test_wildcard_not_below_existing(void **state)
{
	/* sub.example.com exists, so it is the closest encloser and
	 * *.sub.example.com does not exist. */
	ldns_pkt *p = ask("x.sub.example.com", RR_TXT);

	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_counts(p, 0, 1, 0);
	/* An explicit record beats the wildcard. */
	p = ask("explicit.example.com", RR_TXT);
	assert_rdata(ldns_pkt_answer(p), 0, "\"explicit\"");
	p = ask("explicit.example.com", RR_MX);
	assert_counts(p, 0, 1, 0);
	/* Asking for the wildcard name itself is an ordinary match. */
	p = ask("*.example.com", RR_TXT);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "*.example.com.", LDNS_RR_TYPE_TXT), 1);
	/* A name below the wildcard does not match it: "*" is its closest
	 * encloser and "*.*" does not exist. */
	p = ask("x.*.example.com", RR_TXT);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
}

static void test_wildcard_cname(void **state)
{
	ldns_pkt *p = ask("foo.wc.example.com", RR_AAAA);
	const ldns_rr_list *an = ldns_pkt_answer(p);

	assert_counts(p, 2, 0, 0);
	assert_int_equal(count_rr(an, "foo.wc.example.com.", LDNS_RR_TYPE_CNAME), 1);
	assert_int_equal(count_rr(an, "WwW.example.com.", LDNS_RR_TYPE_AAAA), 1);
	/* wc itself is an empty non-terminal. */
	p = ask("wc.example.com", RR_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 1, 0);
}

static void test_referral(void **state)
{
	ldns_pkt *p = ask("host.deleg.example.com", RR_A);
	const ldns_rr_list *ar = ldns_pkt_additional(p);

	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 2, 2);
	assert_int_equal(count_rr(ldns_pkt_authority(p), "deleg.example.com.", LDNS_RR_TYPE_NS), 2);
	/* Glue for the in-domain server only. */
	assert_int_equal(count_rr(ar, "ns.deleg.example.com.", LDNS_RR_TYPE_A), 1);
	assert_int_equal(count_rr(ar, "ns.deleg.example.com.", LDNS_RR_TYPE_AAAA), 1);
	/* At the cut itself, for a type other than DS. */
	p = ask("deleg.example.com", RR_NS);
	assert_false(ldns_pkt_aa(p));
	assert_counts(p, 0, 2, 2);
	p = ask("deleg.example.com", RR_ANY);
	assert_false(ldns_pkt_aa(p));
	assert_counts(p, 0, 2, 2);
	/* The glue is not answered authoritatively either. */
	p = ask("ns.deleg.example.com", RR_A);
	assert_false(ldns_pkt_aa(p));
	assert_counts(p, 0, 2, 2);
	/* No wildcard below a cut. */
	p = ask("zz.deleg.example.com", RR_TXT);
	assert_false(ldns_pkt_aa(p));
	assert_counts(p, 0, 2, 2);
	/* No glue for an out-of-zone server. */
	p = ask("x.nods.example.com", RR_A);
	assert_counts(p, 0, 1, 0);
}

static void test_highest_cut_wins(void **state)
{
	ldns_pkt *p = ask("x.deeper.sub2.deleg.example.com", RR_A);

	assert_false(ldns_pkt_aa(p));
	assert_int_equal(count_rr(ldns_pkt_authority(p), "deleg.example.com.", LDNS_RR_TYPE_NS), 2);
	assert_int_equal(ldns_pkt_nscount(p), 2);
}

static void test_ds_at_cut(void **state)
{
	ldns_pkt *p = ask("deleg.example.com", RR_DS);

	assert_true(ldns_pkt_aa(p));
	assert_counts(p, 1, 0, 0);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "deleg.example.com.", LDNS_RR_TYPE_DS), 1);
	/* A cut without DS: NODATA from the parent. */
	p = ask("nods.example.com", RR_DS);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_neg_soa(p);
	/* DS below the cut belongs to the child. */
	p = ask("x.deleg.example.com", RR_DS);
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_nscount(p), 2);
}

static void test_cname_into_delegation(void **state)
{
	ldns_pkt *p = ask("tocut.example.com", RR_A);

	/* Our CNAME is authoritative; the rest is the child's referral. */
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(count_rr(ldns_pkt_authority(p), "deleg.example.com.", LDNS_RR_TYPE_NS), 2);
}

static void test_edns_echo(void **state)
{
	ldns_pkt *p = ask_max("www.example.com", RR_A, 0, 1232);

	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 0);
	assert_true(ldns_pkt_edns_do(p));
	assert_int_equal(get16(g_resp.buf, WIRE_OFF_ARCOUNT), 1);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	/* Without EDNS, no OPT. */
	p = ask("www.example.com", RR_A);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 0);
	assert_int_equal(get16(g_resp.buf, WIRE_OFF_ARCOUNT), 0);
}

static void test_badvers(void **state)
{
	ldns_pkt *p = ask_max("www.example.com", RR_A, 1, 1232);

	assert_int_equal(WIRE_RCODE(get16(g_resp.buf, 2)), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1);
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(get16(g_resp.buf, WIRE_OFF_QDCOUNT), 1);
	assert_false(ldns_pkt_aa(p));
}

static void test_truncation(void **state)
{
	ldns_pkt *p = ask_max("big.example.com", RR_TXT, -1, 512);

	/* The RRset does not fit whole: nothing of it, TC, question kept. */
	assert_true(g_resp.len <= 512);
	assert_true(ldns_pkt_tc(p));
	assert_counts(p, 0, 0, 0);
	assert_int_equal(get16(g_resp.buf, WIRE_OFF_QDCOUNT), 1);
	/* A first RRset that fits is kept, the next one is cut. */
	p = ask_max("big2.example.com", RR_ANY, 0, 1232);
	assert_true(g_resp.len <= 1232);
	assert_true(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "big2.example.com.", LDNS_RR_TYPE_A), 1);
	/* The OPT survives the cut. */
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	/* Over TCP it fits. */
	p = ask_max("big.example.com", RR_TXT, -1, 65535);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 20);
}

static void test_truncation_drops_additional(void **state)
{
	ldns_pkt *p = ask("example.com", RR_MX);
	size_t full = g_resp.len;

	/* Room for the answer but not for the additional records: no TC. */
	p = ask_max("example.com", RR_MX, -1, full - 1);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_true(ldns_rr_list_rr_count(ldns_pkt_additional(p)) < 2);
	/* A referral whose glue does not fit is truncated (RFC 9471). */
	p = ask("host.deleg.example.com", RR_A);
	full = g_resp.len;
	p = ask_max("host.deleg.example.com", RR_A, -1, full - 1);
	assert_true(ldns_pkt_tc(p));
}

static void test_too_small(void **state)
{
	uint8_t qbuf[512], out[64];
	size_t qlen = make_query(qbuf, sizeof(qbuf), "www.example.com", RR_A, -1, 0);
	dns_query q;

	assert_int_equal(query_parse(qbuf, qlen, &q), QP_OK);
	assert_int_equal(query_answer(&q, g_snap, out, 11), 0);
	assert_int_equal(query_answer(&q, g_snap, out, 20), 0);
	/* Header and question only, with TC. */
	assert_int_equal(query_answer(&q, g_snap, out, 33), 33);
	assert_true(get16(out, 2) & WIRE_TC);
}

static void test_compression(void **state)
{
	size_t qend = 12 + 13 + 4;

	/* The apex owners after the question point at it (offset 12). */
	ask("example.com", RR_ANY);
	assert_non_null(memmem(g_resp.buf + qend, g_resp.len - qend, "\xc0\x0c", 2));
	assert_null(memmem(g_resp.buf + qend, g_resp.len - qend, "\007example", 8));
	/* The owner "WwW" cannot point at the question "www"; its suffix
	 * "example.com" can. */
	qend = 12 + 17 + 4;
	ask("www.example.com", RR_A);
	assert_memory_equal(g_resp.buf + qend, "\003WwW\xc0\x10", 6);
}

static void test_refused_and_notimp(void **state)
{
	uint8_t qbuf[512];
	size_t qlen;
	dns_query q;
	ldns_pkt *p;

	/* AXFR is not answered here. */
	p = ask("example.com", RR_AXFR);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	/* A name outside the zone (the caller's job; still not answered). */
	p = ask("www.example.org", RR_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	/* CHAOS class. */
	qlen = make_query(qbuf, sizeof(qbuf), "www.example.com", RR_A, -1, 0);
	qbuf[qlen - 1] = 3;
	assert_int_equal(query_parse(qbuf, qlen, &q), QP_OK);
	g_resp.len = query_answer(&q, g_snap, g_resp.buf, 512);
	p = parse_resp(&g_resp);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	/* qtype OPT is meaningless in a question. */
	p = ask("www.example.com", RR_OPT);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
}

/* A query built by ldns itself gets a proper answer. */
static void test_ldns_query(void **state)
{
	ldns_rdf *name = ldns_dname_new_frm_str("mail.example.com.");
	ldns_pkt *qp = ldns_pkt_query_new(name, LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN,
					  LDNS_RD);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	dns_query q;
	ldns_pkt *p;

	ldns_pkt_set_id(qp, 777);
	ldns_pkt_set_edns_udp_size(qp, 4096);
	assert_int_equal(ldns_pkt2wire(&wire, qp, &wlen), LDNS_STATUS_OK);
	assert_int_equal(query_parse(wire, wlen, &q), QP_OK);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_udp_size, 4096);
	assert_int_equal(query_udp_limit(&q), 1232);
	g_resp.len = query_answer(&q, g_snap, g_resp.buf, query_udp_limit(&q));
	p = parse_resp(&g_resp);
	assert_int_equal(ldns_pkt_id(p), 777);
	assert_true(ldns_pkt_aa(p));
	assert_rdata(ldns_pkt_answer(p), 0, "2001:db8::25");
	free(wire);
	ldns_pkt_free(qp);
}

/* ---- parsing ---- */

static void test_parse_basic(void **state)
{
	uint8_t buf[512];
	size_t len = make_query(buf, sizeof(buf), "WwW.Example.com", RR_MX, 0, 100);
	dns_query q;
	char text[1024];

	assert_int_equal(query_parse(buf, len, &q), QP_OK);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.opcode, OP_QUERY);
	assert_int_equal(q.qdcount, 1);
	assert_int_equal(q.arcount, 1);
	assert_int_equal(q.qtype, RR_MX);
	assert_int_equal(q.qclass, CLASS_IN);
	assert_int_equal(q.question_end, 12 + 17 + 4);
	wire_name_to_text(q.qname, text, sizeof(text));
	assert_string_equal(text, "WwW.Example.com.");
	assert_true(q.has_edns && q.edns_do);
	assert_int_equal(q.edns_udp_size, 512);  /* 100 counts as 512 */
	assert_int_equal(q.edns_version, 0);
	assert_false(q.has_tsig || q.has_ixfr_serial);
	assert_int_equal(query_udp_limit(&q), 512);
}

static void test_parse_drop(void **state)
{
	uint8_t buf[512];
	size_t len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);
	dns_query q;

	assert_int_equal(query_parse(buf, 11, &q), QP_DROP);
	assert_int_equal(query_parse(buf, 0, &q), QP_DROP);
	buf[2] |= 0x80;  /* QR */
	assert_int_equal(query_parse(buf, len, &q), QP_DROP);
}

/* Expects FORMERR and checks the error answer echoes what it should. */
static void expect_formerr(const uint8_t *buf, size_t len, bool question)
{
	dns_query q;
	ldns_pkt *p;

	assert_int_equal(query_parse(buf, len, &q), QP_FORMERR);
	assert_int_equal(q.qname_len > 0, question);
	g_resp.len = query_error(&q, RCODE_FORMERR, g_resp.buf, 512);
	p = parse_resp(&g_resp);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_true(ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_rd(p), (buf[2] & 1) != 0);
	assert_int_equal(ldns_pkt_get_opcode(p), WIRE_OPCODE(get16(buf, 2)));
	assert_int_equal(ldns_pkt_qdcount(p), question ? 1 : 0);
}

static void test_formerr_qdcount(void **state)
{
	uint8_t buf[512];
	size_t len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);

	buf[5] = 0;
	expect_formerr(buf, 12, false);
	buf[5] = 2;
	expect_formerr(buf, len, false);
	/* NOTIFY needs its question too. */
	buf[2] = (uint8_t)(OP_NOTIFY << 3);
	buf[5] = 0;
	expect_formerr(buf, 12, false);
}

static void test_formerr_truncated(void **state)
{
	uint8_t buf[512];
	size_t len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);

	for (size_t cut = 12; cut < len; cut++)
		expect_formerr(buf, cut, false);
	/* A count promising more records than there are. */
	buf[11] = 1;
	expect_formerr(buf, len, true);
}

static void test_formerr_opt(void **state)
{
	uint8_t buf[512];
	static const uint8_t bad_opt[3] = {0, 10, 0};
	static const uint8_t good_opt[8] = {0, 10, 0, 4, 1, 2, 3, 4};
	size_t len;
	wbuf b;
	dns_query q;

	/* Two OPTs. */
	len = make_query(buf, sizeof(buf), "example.com", RR_A, 0, 1232);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_opt(&b, 1232, 0, false, NULL, 0);
	buf[11] = 2;
	expect_formerr(buf, b.len, true);
	/* An OPT that is not owned by the root. */
	len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_name(&b, "x");
	assert_true(wb_u16(&b, RR_OPT) && wb_u16(&b, 1232) && wb_u32(&b, 0) &&
		    wb_u16(&b, 0));
	buf[11] = 1;
	expect_formerr(buf, b.len, true);
	/* Malformed option list. */
	len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_opt(&b, 1232, 0, false, bad_opt, sizeof(bad_opt));
	buf[11] = 1;
	expect_formerr(buf, b.len, true);
	/* Unknown options are fine. */
	len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_opt(&b, 1232, 0, false, good_opt, sizeof(good_opt));
	buf[11] = 1;
	assert_int_equal(query_parse(buf, b.len, &q), QP_OK);
	assert_true(q.has_edns);
}

static void test_tsig_position(void **state)
{
	uint8_t buf[512];
	size_t len;
	wbuf b;
	dns_query q;

	/* TSIG last: fine, located. */
	len = make_query(buf, sizeof(buf), "example.com", RR_AXFR, 0, 1232);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_tsig(&b, "Key.Example");
	buf[11] = 2;
	assert_int_equal(query_parse(buf, b.len, &q), QP_OK);
	assert_true(q.has_tsig && q.has_edns);
	assert_int_equal(q.tsig_start, len);
	assert_int_equal(q.tsig_name_len, 13);
	assert_memory_equal(q.tsig_name, "\003Key\007Example", 13);
	/* TSIG before the OPT. */
	len = make_query(buf, sizeof(buf), "example.com", RR_AXFR, -1, 0);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_tsig(&b, "key");
	put_opt(&b, 1232, 0, false, NULL, 0);
	buf[11] = 2;
	expect_formerr(buf, b.len, true);
	/* TSIG outside the additional section. */
	len = make_query(buf, sizeof(buf), "example.com", RR_AXFR, -1, 0);
	wb_init(&b, buf, sizeof(buf), NULL);
	b.len = len;
	put_tsig(&b, "key");
	buf[7] = 1;
	expect_formerr(buf, b.len, true);
}

static void test_formerr_garbage(void **state)
{
	uint8_t buf[512];
	size_t len = make_query(buf, sizeof(buf), "example.com", RR_A, 0, 1232);

	buf[len] = 0xab;
	expect_formerr(buf, len + 1, true);
	/* A compression pointer pointing forward. */
	len = make_query(buf, sizeof(buf), "example.com", RR_A, -1, 0);
	buf[12] = 0xc0;
	buf[13] = 20;
	expect_formerr(buf, len, false);
}

/* IXFR: the client's serial from the SOA in authority. */
static void put_ixfr(wbuf *b, bool compressed, uint32_t serial, uint16_t extra)
{
	size_t rdpos;

	assert_true(wb_header(b, 0x1234, 0, 1, 0, 1, 0));
	put_name(b, "example.com");
	assert_true(wb_u16(b, RR_IXFR) && wb_u16(b, CLASS_IN));
	if (compressed) {
		assert_true(wb_u16(b, 0xc000 | 12));
	} else {
		put_name(b, "EXAMPLE.com");
	}
	assert_true(wb_u16(b, RR_SOA) && wb_u16(b, CLASS_IN) && wb_u32(b, 0) &&
		    wb_u16(b, 0));
	rdpos = b->len;
	if (compressed) {
		assert_true(wb_u8(b, 3) && wb_bytes(b, "ns1", 3) &&
			    wb_u16(b, 0xc000 | 12) && wb_u16(b, 0xc000 | 12));
	} else {
		put_name(b, "ns1.example.com");
		put_name(b, "h.example.com");
	}
	for (int i = 0; i < 5; i++)
		assert_true(wb_u32(b, i == 0 ? serial : 100));
	for (uint16_t i = 0; i < extra; i++)
		assert_true(wb_u8(b, 0));
	wb_put_u16_at(b, rdpos - 2, (uint16_t)(b->len - rdpos));
}

static void test_parse_ixfr(void **state)
{
	uint8_t buf[512];
	wbuf b;
	dns_query q;

	wb_init(&b, buf, sizeof(buf), NULL);
	put_ixfr(&b, false, 4000000000u, 0);
	assert_int_equal(query_parse(buf, b.len, &q), QP_OK);
	assert_true(q.has_ixfr_serial);
	assert_int_equal(q.ixfr_serial, 4000000000u);
	wb_init(&b, buf, sizeof(buf), NULL);
	put_ixfr(&b, true, 17, 0);
	assert_int_equal(query_parse(buf, b.len, &q), QP_OK);
	assert_int_equal(q.ixfr_serial, 17);
	/* SOA RDATA with extra bytes. */
	wb_init(&b, buf, sizeof(buf), NULL);
	put_ixfr(&b, false, 17, 2);
	expect_formerr(buf, b.len, true);
	/* No SOA in authority. */
	wb_init(&b, buf, sizeof(buf), NULL);
	put_ixfr(&b, false, 17, 0);
	buf[9] = 0;
	b.len = 12 + 13 + 4;
	expect_formerr(buf, b.len, true);
}

static void test_parse_other_opcodes(void **state)
{
	uint8_t buf[512];
	size_t len;
	wbuf b;
	dns_query q;
	ldns_pkt *p;

	/* NOTIFY with the SOA in the answer section. */
	wb_init(&b, buf, sizeof(buf), NULL);
	put_ixfr(&b, true, 5, 0);
	buf[2] = (uint8_t)(OP_NOTIFY << 3 | 0x04);  /* AA */
	buf[7] = 1;
	buf[9] = 0;
	wb_put_u16_at(&b, 12 + 13, RR_SOA);
	assert_int_equal(query_parse(buf, b.len, &q), QP_OK);
	assert_int_equal(q.opcode, OP_NOTIFY);
	assert_int_equal(q.ancount, 1);
	/* An unknown opcode without question parses; NOTIMP echoes it. */
	len = make_query(buf, sizeof(buf), "example.com", RR_A, 0, 1232);
	buf[2] = (uint8_t)(OP_UPDATE << 3);
	assert_int_equal(query_parse(buf, len, &q), QP_OK);
	g_resp.len = query_answer(&q, g_snap, g_resp.buf, 512);
	p = parse_resp(&g_resp);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_UPDATE);
	buf[2] = (uint8_t)(13 << 3);
	buf[5] = 0;
	buf[11] = 0;
	assert_int_equal(query_parse(buf, 12, &q), QP_OK);
	assert_int_equal(q.opcode, 13);
	g_resp.len = query_error(&q, RCODE_NOTIMP, g_resp.buf, 512);
	assert_int_equal(g_resp.len, 12);
	assert_int_equal(WIRE_OPCODE(get16(g_resp.buf, 2)), 13);
	assert_int_equal(WIRE_RCODE(get16(g_resp.buf, 2)), RCODE_NOTIMP);
}

static void test_query_error(void **state)
{
	uint8_t buf[512];
	size_t len = make_query(buf, sizeof(buf), "Example.COM", RR_SOA, 0, 4096);
	dns_query q;
	ldns_pkt *p;

	assert_int_equal(query_parse(buf, len, &q), QP_OK);
	g_resp.len = query_error(&q, RCODE_REFUSED, g_resp.buf, 512);
	p = parse_resp(&g_resp);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_true(ldns_pkt_rd(p) && ldns_pkt_qr(p));
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(count_rr(ldns_pkt_question(p), "Example.COM.", LDNS_RR_TYPE_SOA), 1);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 0);
	/* No room: 0. */
	assert_int_equal(query_error(&q, RCODE_REFUSED, g_resp.buf, 20), 0);
	/* CD is copied (RFC 4035 3.1.6). */
	buf[3] |= 0x10;
	assert_int_equal(query_parse(buf, len, &q), QP_OK);
	g_resp.len = query_answer(&q, g_snap, g_resp.buf, 512);
	p = parse_resp(&g_resp);
	assert_true(ldns_pkt_cd(p) && ldns_pkt_aa(p));
	buf[3] &= (uint8_t)~0x10;
	/* RD clear stays clear. */
	buf[2] = 0;
	assert_int_equal(query_parse(buf, len, &q), QP_OK);
	g_resp.len = query_error(&q, RCODE_SERVFAIL, g_resp.buf, 512);
	assert_int_equal(get16(g_resp.buf, 2), WIRE_QR | RCODE_SERVFAIL);
}

static void test_udp_limit(void **state)
{
	dns_query q;

	memset(&q, 0, sizeof(q));
	assert_int_equal(query_udp_limit(&q), 512);
	q.has_edns = true;
	q.edns_udp_size = 512;
	assert_int_equal(query_udp_limit(&q), 512);
	q.edns_udp_size = 1000;
	assert_int_equal(query_udp_limit(&q), 1000);
	q.edns_udp_size = 65535;
	assert_int_equal(query_udp_limit(&q), 1232);
}

/* Mutated requests (deterministic): whatever the parser accepts is
 * answered, and every answer is a well-formed message (run under ASan
 * this also checks every read stays in bounds). */
static void test_mutations(void **state)
{
	static const char *const names[] = {
		"www.example.com", "x.deleg.example.com", "chain1.example.com",
		"anything.example.com", "big2.example.com", "b.c.example.com",
	};
	static const uint16_t types[] = {RR_A, RR_ANY, RR_MX, RR_DS, RR_TXT, RR_IXFR};
	uint8_t qbuf[600], tmp[600];
	uint32_t seed = 12345;
	unsigned seen[3] = {0};
	dns_query q;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = make_query(qbuf, sizeof(qbuf), names[iter % 6],
					types[(iter / 6) % 6], iter % 3 - 1, 1232);
		int flips = 1 + iter % 4;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			qbuf[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		seed = seed * 1103515245u + 12345u;
		if (iter % 5 == 0)
			len -= (seed >> 8) % len;
		memcpy(tmp, qbuf, len);
		query_parse_result r = query_parse(tmp, len, &q);
		seen[r]++;
		if (r == QP_DROP)
			continue;
		size_t max = iter % 2 ? query_udp_limit(&q) : 65535;
		g_resp.len = r == QP_OK ? query_answer(&q, g_snap, g_resp.buf, max) :
			     query_error(&q, RCODE_FORMERR, g_resp.buf, max);
		assert_true(g_resp.len > 0 && g_resp.len <= max);
		check_wire(g_resp.buf, g_resp.len);
	}
	print_message("mutations: %u ok, %u drop, %u formerr\n", seen[QP_OK],
		      seen[QP_DROP], seen[QP_FORMERR]);
	assert_true(seen[QP_OK] > 1000 && seen[QP_FORMERR] > 1000);
}

/* ---- a label holding a 0 byte is one label (issue 17 point 7) ---- */

/* A zone where joining labels with 0 bytes would confuse names. */
static snap *odd_zone(void)
{
	static const char *const recs[][3] = {
		{"a.b.c", "TXT", "\"deep\""},
		{"*.c", "TXT", "\"wildc\""},
		{"x.y", "NS", "ns.other.net."},
		{"al.m", "A", "192.0.2.7"},    /* what an ALIAS owner holds */
		{"v.u.t", "TXT", "\"ent\""},
	};
	static const uint8_t start[] = "\005start\007example\003com";
	static const uint8_t target[] = "\003b\000a\001c\007example\003com";
	zf_soa soa = {"ns1.example.com.", "hostmaster.example.com.", 1,
		      3600, 600, 86400, 300, 3600};
	snap *s = snap_new(ZONE);

	assert_non_null(s);
	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		assert_int_equal(snap_add_text(s, recs[i][0], recs[i][1], 3600,
					       recs[i][2], NULL), AX_OK);
	/* A CNAME whose target has the 0 byte. */
	assert_int_equal(snap_add(s, start, sizeof(start), RR_CNAME, 3600, target,
				  sizeof(target)), AX_OK);
	assert_int_equal(snap_finish(s), AX_OK);
	return s;
}

/* Asks s for the raw wire name qname. */
static ldns_pkt *ask_raw(snap *s, const uint8_t *qname, size_t qlen, uint16_t type)
{
	uint8_t qbuf[512];
	dns_query q;
	wbuf b;

	wb_init(&b, qbuf, sizeof(qbuf), NULL);
	assert_true(wb_header(&b, 0x1234, 0, 1, 0, 0, false));
	assert_true(wb_bytes(&b, qname, qlen) && wb_u16(&b, type) &&
		    wb_u16(&b, CLASS_IN));
	assert_int_equal(query_parse(qbuf, b.len, &q), QP_OK);
	g_resp.len = query_answer(&q, s, g_resp.buf, 65535);
	return parse_resp(&g_resp);
}

#define RAW(q) (const uint8_t *)(q), sizeof(q)

static void assert_nxdomain(const ldns_pkt *p)
{
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_counts(p, 0, 1, 0);
	assert_neg_soa(p);
}

static void test_nul_label_answer_and_wildcard(void **state)
{
	snap *s = odd_zone();
	ldns_pkt *p = ask_raw(s, RAW("\001a\001b\001c\007example\003com"), RR_TXT);

	(void)state;
	assert_counts(p, 1, 0, 0);
	assert_rdata(ldns_pkt_answer(p), 0, "\"deep\"");
	/* b\000a.c is not a.b.c: the wildcard *.c answers it. */
	p = ask_raw(s, RAW("\003b\000a\001c\007example\003com"), RR_TXT);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 1, 0, 0);
	assert_int_equal(count_rr(ldns_pkt_answer(p), "b\\000a.c.example.com.",
				  LDNS_RR_TYPE_TXT), 1);
	assert_rdata(ldns_pkt_answer(p), 0, "\"wildc\"");
	/* Nor is the owner of an ALIAS's addresses. */
	p = ask_raw(s, RAW("\004m\000al\007example\003com"), RR_A);
	assert_nxdomain(p);
	snap_unref(s);
}

static void test_nul_label_delegation(void **state)
{
	snap *s = odd_zone();
	ldns_pkt *p = ask_raw(s, RAW("\001z\001x\001y\007example\003com"), RR_A);

	(void)state;
	assert_false(ldns_pkt_aa(p));   /* the real cut: a referral */
	assert_int_equal(count_rr(ldns_pkt_authority(p), "x.y.example.com.",
				  LDNS_RR_TYPE_NS), 1);
	/* y\000x is not the cut x.y: no referral, no such name. */
	p = ask_raw(s, RAW("\001z\003y\000x\007example\003com"), RR_A);
	assert_nxdomain(p);
	p = ask_raw(s, RAW("\003y\000x\007example\003com"), RR_NS);
	assert_nxdomain(p);
	snap_unref(s);
}

static void test_nul_label_cname_chain(void **state)
{
	snap *s = odd_zone();
	ldns_pkt *p = ask_raw(s, RAW("\005start\007example\003com"), RR_TXT);
	const ldns_rr_list *an = ldns_pkt_answer(p);

	(void)state;
	assert_counts(p, 2, 0, 0);
	assert_int_equal(count_rr(an, "start.example.com.", LDNS_RR_TYPE_CNAME), 1);
	/* The target b\000a.c is answered by the wildcard, not by a.b.c. */
	assert_int_equal(count_rr(an, "b\\000a.c.example.com.", LDNS_RR_TYPE_TXT), 1);
	assert_rdata(an, 1, "\"wildc\"");
	snap_unref(s);
}

static void test_nul_label_nxdomain_not_nodata(void **state)
{
	snap *s = odd_zone();
	/* u.t is an empty non-terminal: NODATA. */
	ldns_pkt *p = ask_raw(s, RAW("\001u\001t\007example\003com"), RR_TXT);

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_counts(p, 0, 1, 0);
	/* The single label t\000u is not that ENT, and u\000v.t not v.u.t. */
	p = ask_raw(s, RAW("\003t\000u\007example\003com"), RR_TXT);
	assert_nxdomain(p);
	p = ask_raw(s, RAW("\003u\000v\001t\007example\003com"), RR_TXT);
	assert_nxdomain(p);
	/* A '.' inside a label is one label too: "c.b" is not b.c. */
	p = ask_raw(s, RAW("\003c.b\007example\003com"), RR_TXT);
	assert_nxdomain(p);
	snap_unref(s);
}

#define T(f) cmocka_unit_test_teardown(f, resp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_answer),
		T(test_case_of_question),
		T(test_mx_with_additional),
		T(test_ns_and_srv_additional),
		T(test_soa_at_apex),
		T(test_any),
		T(test_any_minimal),
		T(test_slip),
		T(test_cname_chain),
		T(test_cname_out_of_zone),
		T(test_cname_loop),
		T(test_cname_to_nxdomain),
		T(test_cname_hop_limit),
		T(test_nodata),
		T(test_nxdomain),
		T(test_empty_non_terminal),
		T(test_wildcard),
		T(test_wildcard_not_below_existing),
		T(test_wildcard_cname),
		T(test_referral),
		T(test_highest_cut_wins),
		T(test_ds_at_cut),
		T(test_cname_into_delegation),
		T(test_edns_echo),
		T(test_badvers),
		T(test_truncation),
		T(test_truncation_drops_additional),
		T(test_too_small),
		T(test_compression),
		T(test_refused_and_notimp),
		T(test_ldns_query),
		T(test_parse_basic),
		T(test_parse_drop),
		T(test_formerr_qdcount),
		T(test_formerr_truncated),
		T(test_formerr_opt),
		T(test_tsig_position),
		T(test_formerr_garbage),
		T(test_parse_ixfr),
		T(test_parse_other_opcodes),
		T(test_query_error),
		T(test_udp_limit),
		T(test_mutations),
		T(test_nul_label_answer_and_wildcard),
		T(test_nul_label_delegation),
		T(test_nul_label_cname_chain),
		T(test_nul_label_nxdomain_not_nodata),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
