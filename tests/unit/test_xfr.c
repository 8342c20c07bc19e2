/* test_xfr.c -- unit tests of AXFR and IXFR message generation (xfr.c):
 * SOA framing, every record once, message limits, case-preserving
 * compression, IXFR order and corrupt journal blobs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/snap.h"
#include "axfrd/wire.h"
#include "axfrd/xfr.h"

#define ZONE "example.com"
#define NHOSTS 5000

/* Every record of a transfer, as ldns prints it, in order of arrival. */
typedef struct collected {
	char **rrs;
	size_t n, cap;
	unsigned messages;
} collected;

static void collect_add(collected *c, char *s)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->rrs = realloc(c->rrs, c->cap * sizeof(*c->rrs));
		assert_non_null(c->rrs);
	}
	c->rrs[c->n++] = s;
}

static void collect_free(collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->rrs[i]);
	free(c->rrs);
	memset(c, 0, sizeof(*c));
}

static void soa_fields(zf_soa *soa, uint32_t serial)
{
	memset(soa, 0, sizeof(*soa));
	soa->mname = "ns1.example.com.";
	soa->rname = "hostmaster.example.com.";
	soa->serial = serial;
	soa->refresh = 3600;
	soa->retry = 600;
	soa->expire = 604800;
	soa->minimum = 300;
	soa->ttl = 3600;
}

static void add_text(snap *s, const char *name, const char *type,
		     const char *content)
{
	ax_errinfo ei;

	assert_int_equal(snap_add_text(s, name, type, 300, content, &ei), AX_OK);
}

/* A zone with an SOA, NS, MX, CNAME, two owners that differ only in case
 * and nhosts A records. */
static snap *make_snap(uint32_t serial, size_t nhosts)
{
	snap *s = snap_new(ZONE);
	zf_soa soa;
	char name[32], addr[32];

	assert_non_null(s);
	soa_fields(&soa, serial);
	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	add_text(s, "", "NS", "ns1.example.com.");
	add_text(s, "", "NS", "ns2.Example.NET.");
	add_text(s, "", "MX", "10 Mail.example.com.");
	add_text(s, "www", "CNAME", "web.example.com.");
	add_text(s, "MiXeD", "TXT", "\"upper\"");
	add_text(s, "mixed", "A", "192.0.2.1");
	for (size_t i = 0; i < nhosts; i++) {
		snprintf(name, sizeof(name), "h%zu", i);
		snprintf(addr, sizeof(addr), "10.%zu.%zu.%zu", i >> 16 & 255,
			 i >> 8 & 255, i & 255);
		add_text(s, name, "A", addr);
	}
	assert_int_equal(snap_finish(s), AX_OK);
	return s;
}

/* A request as query_parse would leave it (only the fields xfr uses). */
static void make_query(dns_query *q, uint16_t qtype)
{
	memset(q, 0, sizeof(*q));
	q->id = 0x1234;
	q->flags = WIRE_RD;
	/* The question's case must come back as sent. */
	assert_true(wire_name_from_text("Example.COM", q->qname, &q->qname_len));
	q->qtype = qtype;
	q->qclass = CLASS_IN;
	q->qdcount = 1;
}

/* The presentation form ldns gives to an uncompressed wire record. */
static char *wire_rr_text(const uint8_t *owner, size_t olen, uint16_t type,
			  uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, pos = 0;
	ldns_rr *rr = NULL;
	char *text;

	assert_int_equal(xfr_blob_append(&buf, &len, &cap, owner, olen, type,
					 ttl, rd, rdlen), AX_OK);
	assert_int_equal(ldns_wire2rr(&rr, buf, len, &pos, LDNS_SECTION_ANSWER),
			 LDNS_STATUS_OK);
	text = ldns_rr2str(rr);
	ldns_rr_free(rr);
	free(buf);
	return text;
}

static char *snap_rr_text(const snap *s, const snap_rr *r)
{
	return wire_rr_text(snap_bytes(s, r->owner), r->owner_len, r->type, r->ttl,
			    snap_bytes(s, r->rdata), r->rdlen);
}

/* Checks that every compression pointer in the name at *pos points
 * backwards, to a name that starts inside the message and below 16384. */
static void check_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t p = *pos, limit = *pos;
	bool jumped = false;

	for (;;) {
		assert_true(p < len);
		uint8_t c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			assert_true(p + 1 < len);
			size_t target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			assert_true(target < limit);
			assert_true(target < 16384);
			assert_true(target >= WIRE_HEADER_LEN);
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			limit = target;
			p = target;
			continue;
		}
		assert_true(c < 64);
		p += (size_t)c + 1;
		if (c == 0)
			break;
	}
	if (!jumped)
		*pos = p;
}

/* Walks a transfer message by hand, checking every name (owners and the
 * names inside NS, CNAME, PTR, MX and SOA RDATA). */
static void check_pointers(const uint8_t *msg, size_t len)
{
	size_t pos = WIRE_HEADER_LEN;
	unsigned qd = (unsigned)(msg[4] << 8 | msg[5]);
	unsigned an = (unsigned)(msg[6] << 8 | msg[7]);

	for (unsigned i = 0; i < qd; i++) {
		check_name(msg, len, &pos);
		pos += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		check_name(msg, len, &pos);
		assert_true(pos + 10 <= len);
		uint16_t type = (uint16_t)(msg[pos] << 8 | msg[pos + 1]);
		size_t rdlen = (size_t)(msg[pos + 8] << 8 | msg[pos + 9]);
		size_t rd = pos + 10, end = rd + rdlen;
		assert_true(end <= len);
		if (type == RR_NS || type == RR_CNAME || type == RR_PTR) {
			check_name(msg, len, &rd);
		} else if (type == RR_MX) {
			rd += 2;
			check_name(msg, len, &rd);
		} else if (type == RR_SOA) {
			check_name(msg, len, &rd);
			check_name(msg, len, &rd);
			rd += 20;
		} else {
			rd = end;
		}
		assert_int_equal(rd, end);
		pos = end;
	}
	assert_int_equal(pos, len);
}

/* Checks one message and adds its records to c. */
static void take_message(collected *c, const uint8_t *msg, size_t len)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an;
	char q[1024];

	check_pointers(msg, len);
	assert_int_equal(ldns_wire2pkt(&pkt, msg, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(pkt), 0x1234);
	assert_true(ldns_pkt_qr(pkt));
	assert_true(ldns_pkt_aa(pkt));
	assert_true(ldns_pkt_rd(pkt));
	assert_false(ldns_pkt_tc(pkt));
	assert_int_equal(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_get_opcode(pkt), LDNS_PACKET_QUERY);
	/* The question is in the first message only. */
	assert_int_equal(ldns_pkt_qdcount(pkt), c->messages == 0 ? 1 : 0);
	if (c->messages == 0) {
		ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
		wire_name_to_text(ldns_rdf_data(ldns_rr_owner(qr)), q, sizeof(q));
		assert_string_equal(q, "Example.COM.");
	}
	assert_int_equal(ldns_pkt_nscount(pkt), 0);
	assert_int_equal(ldns_pkt_arcount(pkt), 0);
	an = ldns_pkt_answer(pkt);
	assert_true(ldns_rr_list_rr_count(an) > 0);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		collect_add(c, ldns_rr2str(ldns_rr_list_rr(an, i)));
	c->messages++;
	ldns_pkt_free(pkt);
}

/* Runs a cursor to its end; every message at most max - reserve bytes. */
static void run_transfer(xfr_cursor *x, size_t max, size_t reserve,
			 collected *c)
{
	uint8_t *buf = malloc(max);
	long n;

	assert_non_null(buf);
	xfr_set_reserve(x, reserve);
	while ((n = xfr_next(x, buf, max)) > 0) {
		assert_true((size_t)n <= max - reserve);
		take_message(c, buf, (size_t)n);
	}
	assert_int_equal(n, 0);
	/* Stays finished. */
	assert_int_equal(xfr_next(x, buf, max), 0);
	free(buf);
	assert_int_equal(xfr_records(x), c->n);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SOA first and last and nowhere else; every record of s exactly once. */
static void check_axfr(const snap *s, collected *c)
{
	char *soa = snap_rr_text(s, snap_soa(s));
	collected want = {0};

	assert_int_equal(c->n, snap_count(s) + 2);
	assert_string_equal(c->rrs[0], soa);
	assert_string_equal(c->rrs[c->n - 1], soa);
	for (size_t i = 1; i + 1 < c->n; i++)
		assert_null(strstr(c->rrs[i], "\tSOA\t"));
	for (size_t i = 0; i < snap_count(s); i++)
		collect_add(&want, snap_rr_text(s, snap_at(s, i)));
	qsort(want.rrs, want.n, sizeof(char *), str_cmp);
	qsort(c->rrs + 1, c->n - 2, sizeof(char *), str_cmp);
	for (size_t i = 0; i < want.n; i++)
		assert_string_equal(c->rrs[i + 1], want.rrs[i]);
	collect_free(&want);
	free(soa);
}

static void test_axfr_large(void **state)
{
	snap *s = make_snap(100, NHOSTS);
	dns_query q;
	collected c = {0};

	(void)state;
	make_query(&q, RR_AXFR);
	xfr_cursor *x = xfr_axfr_new(&q, s);
	assert_non_null(x);
	snap_unref(s);  /* the cursor keeps its own reference */
	assert_false(xfr_is_ixfr(x));
	run_transfer(x, XFR_MSG_MAX, 0, &c);
	assert_true(c.messages >= 3);
	check_axfr(s, &c);
	collect_free(&c);
	xfr_free(x);
}

static void test_axfr_reserve(void **state)
{
	snap *s = make_snap(100, 1000);
	dns_query q;
	collected c = {0};

	(void)state;
	make_query(&q, RR_AXFR);
	xfr_cursor *x = xfr_axfr_new(&q, s);
	assert_non_null(x);
	run_transfer(x, 2048, 300, &c);
	assert_true(c.messages >= 6);
	check_axfr(s, &c);
	collect_free(&c);
	xfr_free(x);
	snap_unref(s);
}

/* Messages bigger than 16 KiB still only point below offset 16384. */
static void test_axfr_big_messages(void **state)
{
	snap *s = make_snap(100, NHOSTS);
	dns_query q;
	collected c = {0};

	(void)state;
	make_query(&q, RR_AXFR);
	xfr_cursor *x = xfr_axfr_new(&q, s);
	assert_non_null(x);
	run_transfer(x, 65535, 0, &c);
	check_axfr(s, &c);
	collect_free(&c);
	xfr_free(x);
	snap_unref(s);
}

/* Finds the answer records owned by a name with this exact case. */
static size_t count_owner(const uint8_t *msg, size_t len, const char *owner)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an;
	size_t n = 0;
	char text[1024];

	assert_int_equal(ldns_wire2pkt(&pkt, msg, len), LDNS_STATUS_OK);
	an = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rdf *o = ldns_rr_owner(ldns_rr_list_rr(an, i));
		wire_name_to_text(ldns_rdf_data(o), text, sizeof(text));
		n += strcmp(text, owner) == 0;
	}
	ldns_pkt_free(pkt);
	return n;
}

static void test_axfr_case_preserved(void **state)
{
	snap *s = make_snap(100, 0);
	dns_query q;
	uint8_t buf[XFR_MSG_MAX];
	long n;

	(void)state;
	make_query(&q, RR_AXFR);
	xfr_cursor *x = xfr_axfr_new(&q, s);
	assert_non_null(x);
	n = xfr_next(x, buf, sizeof(buf));
	assert_true(n > 0);
	/* "mixed" is not written as a pointer to "MiXeD" (or vice versa). */
	assert_int_equal(count_owner(buf, (size_t)n, "MiXeD.example.com."), 1);
	assert_int_equal(count_owner(buf, (size_t)n, "mixed.example.com."), 1);
	/* The SOA's owner keeps the zone's case, not the question's. */
	assert_int_equal(count_owner(buf, (size_t)n, "example.com."), 5);
	assert_non_null(memmem(buf, (size_t)n, "\004Mail", 5));
	assert_non_null(memmem(buf, (size_t)n, "\007Example\003NET", 12));
	assert_int_equal(xfr_next(x, buf, sizeof(buf)), 0);
	xfr_free(x);
	snap_unref(s);
}

static void test_axfr_record_too_big(void **state)
{
	snap *s = snap_new(ZONE);
	uint8_t owner[WIRE_NAME_MAX], rd[1200], buf[1024];
	size_t olen;
	dns_query q;
	zf_soa soa;

	(void)state;
	soa_fields(&soa, 7);
	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	/* TXT RDATA of five 239-byte strings: too big for 1024 bytes. */
	for (size_t i = 0; i < sizeof(rd); i += 240) {
		rd[i] = 239;
		memset(rd + i + 1, 'x', 239);
	}
	assert_true(wire_name_from_text("big.example.com", owner, &olen));
	assert_int_equal(snap_add(s, owner, olen, RR_TXT, 60, rd, sizeof(rd)), AX_OK);
	assert_int_equal(snap_finish(s), AX_OK);
	make_query(&q, RR_AXFR);
	xfr_cursor *x = xfr_axfr_new(&q, s);
	assert_non_null(x);
	/* The SOA goes out alone, then the TXT cannot fit anywhere. */
	long n = xfr_next(x, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[7], 1);
	assert_int_equal(xfr_next(x, buf, sizeof(buf)), -1);
	xfr_free(x);
	/* A reserve that leaves no room at all is an error too. */
	x = xfr_axfr_new(&q, s);
	xfr_set_reserve(x, sizeof(buf));
	assert_int_equal(xfr_next(x, buf, sizeof(buf)), -1);
	xfr_free(x);
	snap_unref(s);
}

/* ---- IXFR ---- */

static void soa_rd(uint32_t serial, uint8_t *rd, uint16_t *len)
{
	uint8_t m[WIRE_NAME_MAX], r[WIRE_NAME_MAX];
	size_t ml, rl;
	wbuf b;

	assert_true(wire_name_from_text("ns1.example.com", m, &ml));
	assert_true(wire_name_from_text("hostmaster.example.com", r, &rl));
	wb_init(&b, rd, 2 * WIRE_NAME_MAX + 20, NULL);
	assert_true(wb_bytes(&b, m, ml) && wb_bytes(&b, r, rl) &&
		    wb_u32(&b, serial) && wb_u32(&b, 3600) && wb_u32(&b, 600) &&
		    wb_u32(&b, 604800) && wb_u32(&b, 300));
	*len = (uint16_t)b.len;
}

static void blob_soa(xfr_step *st, size_t *cap, uint32_t serial)
{
	uint8_t apex[WIRE_NAME_MAX], rd[2 * WIRE_NAME_MAX + 20];
	size_t alen;
	uint16_t rdlen;

	assert_true(wire_name_from_text(ZONE, apex, &alen));
	soa_rd(serial, rd, &rdlen);
	assert_int_equal(xfr_blob_append(&st->diff, &st->len, cap, apex, alen,
					 RR_SOA, 3600, rd, rdlen), AX_OK);
}

static void blob_a(xfr_step *st, size_t *cap, const char *name, uint8_t last)
{
	uint8_t owner[WIRE_NAME_MAX], rd[4] = {192, 0, 2, last};
	size_t olen;

	assert_true(wire_name_from_text(name, owner, &olen));
	assert_int_equal(xfr_blob_append(&st->diff, &st->len, cap, owner, olen,
					 RR_A, 300, rd, 4), AX_OK);
}

/* Step from..to: old SOA, one removed A, new SOA, one added A. */
static void make_step(xfr_step *st, uint32_t from, uint32_t to)
{
	size_t cap = 0;
	char name[64];

	memset(st, 0, sizeof(*st));
	st->serial_from = from;
	st->serial_to = to;
	blob_soa(st, &cap, from);
	snprintf(name, sizeof(name), "del%u.example.com", from);
	blob_a(st, &cap, name, (uint8_t)from);
	blob_soa(st, &cap, to);
	snprintf(name, sizeof(name), "add%u.example.com", to);
	blob_a(st, &cap, name, (uint8_t)to);
}

static void expect_soa(const char *rr, uint32_t serial)
{
	char want[64];

	assert_non_null(strstr(rr, "\tSOA\t"));
	snprintf(want, sizeof(want), "hostmaster.example.com. %u ", serial);
	assert_non_null(strstr(rr, want));
}

static void test_ixfr_steps(void **state)
{
	snap *s = make_snap(100, 0);
	xfr_step *steps = calloc(2, sizeof(*steps));
	dns_query q;
	collected c = {0};

	(void)state;
	assert_non_null(steps);
	make_step(&steps[0], 98, 99);
	make_step(&steps[1], 99, 100);
	make_query(&q, RR_IXFR);
	xfr_cursor *x = xfr_ixfr_new(&q, s, steps, 2);
	assert_non_null(x);
	assert_true(xfr_is_ixfr(x));
	run_transfer(x, XFR_MSG_MAX, 0, &c);
	assert_int_equal(c.n, 10);
	expect_soa(c.rrs[0], 100);
	expect_soa(c.rrs[1], 98);
	assert_non_null(strstr(c.rrs[2], "del98.example.com."));
	expect_soa(c.rrs[3], 99);
	assert_non_null(strstr(c.rrs[4], "add99.example.com."));
	expect_soa(c.rrs[5], 99);
	assert_non_null(strstr(c.rrs[6], "del99.example.com."));
	expect_soa(c.rrs[7], 100);
	assert_non_null(strstr(c.rrs[8], "add100.example.com."));
	expect_soa(c.rrs[9], 100);
	collect_free(&c);
	xfr_free(x);
	snap_unref(s);
}

/* Small messages split the steps anywhere, order intact. */
static void test_ixfr_small_messages(void **state)
{
	snap *s = make_snap(100, 0);
	xfr_step *steps = calloc(2, sizeof(*steps));
	dns_query q;
	collected c = {0};

	(void)state;
	make_step(&steps[0], 98, 99);
	make_step(&steps[1], 99, 100);
	make_query(&q, RR_IXFR);
	xfr_cursor *x = xfr_ixfr_new(&q, s, steps, 2);
	run_transfer(x, 160, 0, &c);
	assert_true(c.messages >= 3);
	assert_int_equal(c.n, 10);
	expect_soa(c.rrs[0], 100);
	expect_soa(c.rrs[5], 99);
	expect_soa(c.rrs[9], 100);
	collect_free(&c);
	xfr_free(x);
	snap_unref(s);
}

static void test_ixfr_current(void **state)
{
	snap *s = make_snap(100, 10);
	dns_query q;
	collected c = {0};

	(void)state;
	make_query(&q, RR_IXFR);
	xfr_cursor *x = xfr_ixfr_current(&q, s);
	assert_non_null(x);
	assert_true(xfr_is_ixfr(x));
	run_transfer(x, XFR_MSG_MAX, 0, &c);
	assert_int_equal(c.messages, 1);
	assert_int_equal(c.n, 1);
	expect_soa(c.rrs[0], 100);
	collect_free(&c);
	xfr_free(x);
	snap_unref(s);
}

/* Runs an IXFR over the one step st (taken over); the last result. */
static long ixfr_with(xfr_step *st)
{
	snap *s = make_snap(100, 0);
	xfr_step *steps = malloc(sizeof(*steps));
	uint8_t buf[XFR_MSG_MAX];
	dns_query q;
	long n;

	*steps = *st;
	make_query(&q, RR_IXFR);
	xfr_cursor *x = xfr_ixfr_new(&q, s, steps, 1);
	assert_non_null(x);
	while ((n = xfr_next(x, buf, sizeof(buf))) > 0)
		;
	xfr_free(x);
	snap_unref(s);
	return n;
}

static void test_ixfr_corrupt(void **state)
{
	xfr_step st;

	(void)state;
	/* The last record's RDLENGTH runs past the end. */
	make_step(&st, 98, 99);
	st.len -= 2;
	assert_int_equal(ixfr_with(&st), -1);
	/* A label length that runs past the end of the blob. */
	make_step(&st, 98, 99);
	st.diff[0] = 63;
	assert_int_equal(ixfr_with(&st), -1);
	/* A compression pointer where a name should be. */
	make_step(&st, 98, 99);
	st.diff[0] = 0xc0;
	assert_int_equal(ixfr_with(&st), -1);
	/* A record cut inside its fixed fields. */
	make_step(&st, 98, 99);
	st.len = 15;
	assert_int_equal(ixfr_with(&st), -1);
	/* An empty step. */
	make_step(&st, 98, 99);
	st.len = 0;
	assert_int_equal(ixfr_with(&st), -1);
	/* The intact step works. */
	make_step(&st, 98, 99);
	assert_int_equal(ixfr_with(&st), 0);
}

static void test_blob_append(void **state)
{
	uint8_t *buf = NULL, bad[3] = {5, 'a', 0};
	size_t len = 0, cap = 0;
	uint8_t owner[WIRE_NAME_MAX], rd[4] = {1, 2, 3, 4};
	size_t olen;

	(void)state;
	assert_true(wire_name_from_text("a.example.com", owner, &olen));
	for (int i = 0; i < 100; i++)
		assert_int_equal(xfr_blob_append(&buf, &len, &cap, owner, olen, RR_A,
						 300, rd, 4), AX_OK);
	assert_int_equal(len, 100 * (olen + 10 + 4));
	assert_true(cap >= len);
	assert_memory_equal(buf, owner, olen);
	/* type A, class IN, TTL 300, RDLENGTH 4 */
	const uint8_t fixed[10] = {0, 1, 0, 1, 0, 0, 1, 44, 0, 4};
	assert_memory_equal(buf + olen, fixed, sizeof(fixed));
	assert_int_equal(xfr_blob_append(&buf, &len, &cap, bad, sizeof(bad), RR_A,
					 300, rd, 4), AX_EINVAL);
	assert_int_equal(xfr_blob_append(&buf, &len, &cap, owner, olen, RR_NS,
					 300, NULL, 0), AX_OK);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axfr_large),
		cmocka_unit_test(test_axfr_reserve),
		cmocka_unit_test(test_axfr_big_messages),
		cmocka_unit_test(test_axfr_case_preserved),
		cmocka_unit_test(test_axfr_record_too_big),
		cmocka_unit_test(test_ixfr_steps),
		cmocka_unit_test(test_ixfr_small_messages),
		cmocka_unit_test(test_ixfr_current),
		cmocka_unit_test(test_ixfr_corrupt),
		cmocka_unit_test(test_blob_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
