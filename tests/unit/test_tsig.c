/* test_tsig.c -- unit tests of TSIG (tsig.c) against ldns as the peer:
 * requests signed by ldns verify here, responses signed here (single
 * and multi-message) verify in ldns, and each error is the RFC 8945 one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axfrd/query.h"
#include "axfrd/snap.h"
#include "axfrd/tsig.h"
#include "axfrd/wire.h"
#include "axfrd/xfr.h"

#define KEY256 "xfr-key.example."
#define KEY512 "big-key.example."
#define ZONE "example.com"

/* The keys the server knows. */
static const uint8_t secret256[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t secret512[64] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* A signed request as the server receives it. */
typedef struct request {
	ldns_pkt *pkt;      /* as signed by ldns (its TSIG holds the MAC) */
	uint8_t *wire;
	size_t len;
	dns_query q;
} request;

static void b64(const uint8_t *secret, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, secret, (int)n);
}

static bool lookup(void *arg, const char *name, tsig_key *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	if (strcmp(name, KEY256) == 0) {
		snprintf(out->algorithm, sizeof(out->algorithm), "hmac-sha256");
		memcpy(out->secret, secret256, sizeof(secret256));
		out->secret_len = sizeof(secret256);
	} else if (strcmp(name, KEY512) == 0) {
		snprintf(out->algorithm, sizeof(out->algorithm), "hmac-sha512");
		memcpy(out->secret, secret512, sizeof(secret512));
		out->secret_len = sizeof(secret512);
	} else {
		return false;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	return true;
}

/* Fills the fields query_parse would set for an AXFR request whose TSIG
 * starts at tsig_start. */
static void fill_query(request *r, size_t tsig_start)
{
	dns_query *q = &r->q;
	wreader rd;

	memset(q, 0, sizeof(*q));
	q->msg = r->wire;
	q->len = r->len;
	q->id = ldns_pkt_id(r->pkt);
	q->qdcount = 1;
	q->arcount = 1;
	assert_true(wire_name_from_text(ZONE, q->qname, &q->qname_len));
	q->qtype = RR_AXFR;
	q->qclass = CLASS_IN;
	q->has_tsig = true;
	q->tsig_start = tsig_start;
	wr_init(&rd, r->wire, r->len);
	rd.pos = tsig_start;
	assert_true(wr_name(&rd, q->tsig_name, &q->tsig_name_len));
}

/* An AXFR request signed by ldns with key name, secret and algorithm. */
static void make_request(request *r, const char *key, const uint8_t *secret,
			 size_t slen, const char *alg)
{
	char keydata[128];
	uint8_t *unsigned_wire = NULL;
	size_t unsigned_len = 0;

	memset(r, 0, sizeof(*r));
	r->pkt = ldns_pkt_query_new(ldns_dname_new_frm_str(ZONE "."),
				    LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
	assert_non_null(r->pkt);
	ldns_pkt_set_id(r->pkt, 0x4242);
	/* The TSIG starts where the unsigned message ends. */
	assert_int_equal(ldns_pkt2wire(&unsigned_wire, r->pkt, &unsigned_len),
			 LDNS_STATUS_OK);
	free(unsigned_wire);
	b64(secret, slen, keydata);
	assert_int_equal(ldns_pkt_tsig_sign(r->pkt, key, keydata, 300, alg, NULL),
			 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&r->wire, r->pkt, &r->len), LDNS_STATUS_OK);
	fill_query(r, unsigned_len);
}

static void free_request(request *r)
{
	ldns_pkt_free(r->pkt);
	free(r->wire);
}

static const ldns_rdf *request_mac(const request *r)
{
	return ldns_rr_rdf(ldns_pkt_tsig(r->pkt), 3);
}

static void test_verify_ok(void **state)
{
	request r;
	tsig_ctx ctx;

	(void)state;
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx), TSIG_OK);
	assert_int_equal(ctx.error, 0);
	assert_int_equal(ctx.mac_len, 32);
	assert_int_equal(ctx.orig_id, 0x4242);
	assert_string_equal(ctx.key.algorithm, "hmac-sha256");
	assert_memory_equal(ctx.mac, ldns_rdf_data(request_mac(&r)) + 2, 32);
	free_request(&r);

	make_request(&r, KEY512, secret512, sizeof(secret512), "hmac-sha512.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx), TSIG_OK);
	assert_int_equal(ctx.mac_len, 64);
	assert_string_equal(ctx.key.algorithm, "hmac-sha512");
	free_request(&r);
}

/* Key names compare case-insensitively; the MAC covers the canonical
 * (lower case) name, which ldns uses too. */
static void test_verify_case(void **state)
{
	request r;
	tsig_ctx ctx;

	(void)state;
	make_request(&r, "XFR-Key.Example.", secret256, sizeof(secret256),
		     "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx), TSIG_OK);
	/* Echoed as received. */
	assert_memory_equal(ctx.name_wire, "\007XFR-Key\007Example", 16);
	free_request(&r);
}

static void test_unsigned(void **state)
{
	dns_query q;
	tsig_ctx ctx;
	uint8_t msg[64] = {0};
	size_t len = 12;

	(void)state;
	memset(&q, 0, sizeof(q));
	assert_int_equal(tsig_verify(&q, lookup, NULL, time(NULL), &ctx),
			 TSIG_UNSIGNED);
	assert_int_equal(tsig_space(&ctx), 0);
	/* Nothing to sign with: the message stays as it is. */
	assert_true(tsig_sign(&ctx, msg, &len, sizeof(msg), time(NULL)));
	assert_int_equal(len, 12);
}

static void test_bad_secret(void **state)
{
	static const uint8_t wrong[32] = "0123456789abcdef0123456789abcdeX";
	request r;
	tsig_ctx ctx;

	(void)state;
	make_request(&r, KEY256, wrong, sizeof(wrong), "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADSIG);
	assert_int_equal(ctx.mac_len, 0);
	free_request(&r);
}

static void test_bad_key(void **state)
{
	request r;
	tsig_ctx ctx;

	(void)state;
	make_request(&r, "nobody.example.", secret256, sizeof(secret256),
		     "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADKEY);
	free_request(&r);
	/* A known key used with another algorithm is BADKEY too. */
	make_request(&r, KEY512, secret512, sizeof(secret512), "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADKEY);
	free_request(&r);
	/* And an algorithm we do not implement. */
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha1.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADKEY);
	free_request(&r);
}

/* A response: header, the question and one SOA in the answer. */
static void make_response(const request *r, uint8_t *buf, size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = NULL, *soa = NULL;
	uint8_t *wire = NULL;

	assert_non_null(p);
	ldns_pkt_set_id(p, ldns_pkt_id(r->pkt));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	assert_int_equal(ldns_rr_new_question_frm_str(&q, ZONE ". IN AXFR", NULL, NULL),
			 LDNS_STATUS_OK);
	assert_int_equal(ldns_rr_new_frm_str(&soa, ZONE ". 3600 IN SOA ns1."
					     ZONE ". h." ZONE ". 1 2 3 4 5",
					     0, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, soa);
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	memcpy(buf, wire, *len);
	free(wire);
	ldns_pkt_free(p);
}

/* Parses a signed response and checks it the way a client would. */
static ldns_pkt *parse_signed(const uint8_t *buf, size_t len, uint16_t error)
{
	ldns_pkt *p = NULL;
	ldns_rr *t;

	assert_int_equal(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
	t = ldns_pkt_tsig(p);
	assert_non_null(t);
	assert_int_equal(ldns_rr_get_class(t), LDNS_RR_CLASS_ANY);
	assert_int_equal(ldns_rr_ttl(t), 0);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(t, 4)), 0x4242);
	assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(t, 5)), error);
	return p;
}

static void test_sign_response(void **state)
{
	static const char *algs[2] = {"hmac-sha256.", "hmac-sha512."};
	static const char *keys[2] = {KEY256, KEY512};
	const uint8_t *secrets[2] = {secret256, secret512};
	size_t slens[2] = {sizeof(secret256), sizeof(secret512)};
	uint8_t buf[1024];
	char keydata[128];

	(void)state;
	for (int i = 0; i < 2; i++) {
		request r;
		tsig_ctx ctx;
		size_t len, before;
		make_request(&r, keys[i], secrets[i], slens[i], algs[i]);
		assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
				 TSIG_OK);
		make_response(&r, buf, &len);
		before = len;
		assert_true(tsig_sign(&ctx, buf, &len, sizeof(buf), time(NULL)));
		assert_int_equal(len - before, tsig_space(&ctx));
		ldns_pkt *p = parse_signed(buf, len, 0);
		b64(secrets[i], slens[i], keydata);
		assert_true(ldns_pkt_tsig_verify(p, buf, len, keys[i], keydata,
						 request_mac(&r)));
		/* A flipped bit in the answer breaks it. */
		buf[before - 1] ^= 1;
		assert_false(ldns_pkt_tsig_verify(p, buf, len, keys[i], keydata,
						  request_mac(&r)));
		ldns_pkt_free(p);
		free_request(&r);
	}
}

/* A transfer of several messages, each signed (RFC 8945 5.3.1) and each
 * verified by ldns against the MAC of the one before. */
static void test_sign_multi(void **state)
{
	snap *s = snap_new(ZONE);
	zf_soa soa = {"ns1.example.com.", "h.example.com.", 9, 1, 2, 3, 4, 3600};
	uint8_t buf[1024];
	char keydata[128], name[32];
	request r;
	tsig_ctx ctx;
	ldns_pkt *prev = NULL;
	unsigned msgs = 0;
	long n;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	for (int i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "host%d", i);
		assert_int_equal(snap_add_text(s, name, "A", 60, "192.0.2.1", &ei), AX_OK);
	}
	assert_int_equal(snap_finish(s), AX_OK);
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx), TSIG_OK);
	b64(secret256, sizeof(secret256), keydata);
	xfr_cursor *x = xfr_axfr_new(&r.q, s);
	assert_non_null(x);
	xfr_set_reserve(x, tsig_space(&ctx));
	while ((n = xfr_next(x, buf, sizeof(buf))) > 0) {
		size_t len = (size_t)n;
		assert_true(tsig_sign(&ctx, buf, &len, sizeof(buf), time(NULL)));
		assert_true(len <= sizeof(buf));
		ldns_pkt *p = parse_signed(buf, len, 0);
		if (prev == NULL)
			assert_true(ldns_pkt_tsig_verify(p, buf, len, KEY256, keydata,
							 request_mac(&r)));
		else
			assert_true(ldns_pkt_tsig_verify_next(
				p, buf, len, KEY256, keydata,
				ldns_rr_rdf(ldns_pkt_tsig(prev), 3), 1));
		ldns_pkt_free(prev);
		prev = p;
		msgs++;
	}
	assert_int_equal(n, 0);
	assert_true(msgs >= 3);
	assert_int_equal(ctx.messages, msgs);
	ldns_pkt_free(prev);
	xfr_free(x);
	snap_unref(s);
	free_request(&r);
}

static void test_bad_time(void **state)
{
	request r;
	tsig_ctx ctx;
	uint8_t buf[1024];
	char keydata[128];
	size_t len;
	time_t now = time(NULL) + 1000;

	(void)state;
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, now, &ctx), TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADTIME);
	/* Just inside the fudge is fine, either way. */
	tsig_ctx ok;
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, (time_t)ctx.time_signed +
				     300, &ok), TSIG_OK);
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, (time_t)ctx.time_signed -
				     300, &ok), TSIG_OK);
	/* The answer is signed, echoes the request's time and carries ours. */
	make_response(&r, buf, &len);
	assert_true(tsig_sign(&ctx, buf, &len, sizeof(buf), now));
	ldns_pkt *p = parse_signed(buf, len, TSIG_BADTIME);
	ldns_rr *t = ldns_pkt_tsig(p);
	ldns_rdf *other = ldns_rr_rdf(t, 6);
	assert_int_equal(ldns_rdf_size(other), 2 + 6);
	const uint8_t *o = ldns_rdf_data(other) + 2;
	uint64_t ours = (uint64_t)o[0] << 40 | (uint64_t)o[1] << 32 |
			(uint64_t)o[2] << 24 | (uint64_t)o[3] << 16 |
			(uint64_t)o[4] << 8 | o[5];
	assert_int_equal(ours, (uint64_t)now);
	assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(t, 1)),
			    ldns_rdf_data(ldns_rr_rdf(ldns_pkt_tsig(r.pkt), 1)), 6);
	b64(secret256, sizeof(secret256), keydata);
	assert_true(ldns_pkt_tsig_verify(p, buf, len, KEY256, keydata,
					 request_mac(&r)));
	ldns_pkt_free(p);
	free_request(&r);
}

/* BADKEY and BADSIG answers carry a TSIG without a MAC (RFC 8945 5.3.2). */
static void test_error_unsigned(void **state)
{
	request r;
	tsig_ctx ctx;
	uint8_t buf[1024];
	size_t len;

	(void)state;
	make_request(&r, "Nobody.example.", secret256, sizeof(secret256),
		     "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	make_response(&r, buf, &len);
	size_t before = len;
	assert_true(tsig_sign(&ctx, buf, &len, sizeof(buf), time(NULL)));
	assert_int_equal(len - before, tsig_space(&ctx));
	ldns_pkt *p = parse_signed(buf, len, TSIG_BADKEY);
	ldns_rr *t = ldns_pkt_tsig(p);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(t, 3)), 2);  /* MAC size 0 */
	char *owner = ldns_rdf2str(ldns_rr_owner(t));
	assert_string_equal(owner, "Nobody.example.");
	free(owner);
	ldns_pkt_free(p);
	free_request(&r);

	make_request(&r, KEY256, (const uint8_t *)"another secret", 14,
		     "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADSIG);
	make_response(&r, buf, &len);
	assert_true(tsig_sign(&ctx, buf, &len, sizeof(buf), time(NULL)));
	p = parse_signed(buf, len, TSIG_BADSIG);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(p), 3)), 2);
	ldns_pkt_free(p);
	free_request(&r);
}

static void test_sign_no_room(void **state)
{
	request r;
	tsig_ctx ctx;
	uint8_t buf[1024];
	size_t len, before;

	(void)state;
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx), TSIG_OK);
	make_response(&r, buf, &len);
	before = len;
	assert_false(tsig_sign(&ctx, buf, &len, before + tsig_space(&ctx) - 1,
			       time(NULL)));
	assert_int_equal(len, before);
	assert_int_equal(ctx.messages, 0);
	assert_true(tsig_sign(&ctx, buf, &len, before + tsig_space(&ctx),
			      time(NULL)));
	free_request(&r);
}

/* Offset of the MAC size field in the request's TSIG RDATA. */
static size_t mac_size_off(const request *r)
{
	/* owner, type..rdlength (10), algorithm (13), time (6), fudge (2) */
	return r->q.tsig_start + r->q.tsig_name_len + 10 + 13 + 6 + 2;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Shortens the MAC to n bytes, keeping the RR consistent. */
static void truncate_mac(request *r, uint16_t n)
{
	size_t off = mac_size_off(r);
	size_t full = (size_t)(r->wire[off] << 8 | r->wire[off + 1]);
	size_t rdlen_off = r->q.tsig_start + r->q.tsig_name_len + 8;
	size_t rdlen = (size_t)(r->wire[rdlen_off] << 8 | r->wire[rdlen_off + 1]);

	memmove(r->wire + off + 2 + n, r->wire + off + 2 + full,
		r->len - (off + 2 + full));
	r->len -= full - n;
	r->q.len = r->len;
	put16(r->wire + off, n);
	put16(r->wire + rdlen_off, (uint16_t)(rdlen - (full - n)));
}

static void test_truncated_mac(void **state)
{
	request r;
	tsig_ctx ctx;

	(void)state;
	/* 16 of 32 bytes is allowed on the wire; our policy wants it all. */
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	truncate_mac(&r, 16);
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADTRUNC);
	assert_int_equal(ctx.mac_len, 16);  /* BADTRUNC is signed */
	free_request(&r);
	/* A wrong truncated MAC is BADSIG. */
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	truncate_mac(&r, 16);
	r.wire[mac_size_off(&r) + 2] ^= 1;
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FAIL);
	assert_int_equal(ctx.error, TSIG_BADSIG);
	free_request(&r);
	/* Shorter than max(10, 32 / 2) is a format error. */
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	truncate_mac(&r, 15);
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FORMERR);
	assert_int_equal(tsig_space(&ctx), 0);
	free_request(&r);
}

/* Each damage to the TSIG RR is a format error, never a crash. */
static void test_malformed(void **state)
{
	request r;
	tsig_ctx ctx;
	size_t rr_off;

	(void)state;
	for (int i = 0; i < 7; i++) {
		make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
		rr_off = r.q.tsig_start + r.q.tsig_name_len;
		switch (i) {
		case 0: r.wire[rr_off + 3] = CLASS_IN; break;   /* class */
		case 1: r.wire[rr_off + 7] = 1; break;          /* TTL */
		case 2: r.wire[rr_off + 9] += 1; break;         /* RDLENGTH */
		case 3: r.len -= 1; r.q.len -= 1; break;        /* cut short */
		case 4: put16(r.wire + mac_size_off(&r), 33); break; /* MAC > hash */
		case 5: put16(r.wire + mac_size_off(&r), 0xffff); break;
		case 6: r.wire[rr_off + 10] = 64; break;        /* algorithm label */
		}
		assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
				 TSIG_FORMERR);
		free_request(&r);
	}
	/* Every truncation of the message is handled. */
	make_request(&r, KEY256, secret256, sizeof(secret256), "hmac-sha256.");
	size_t full = r.len;
	for (size_t len = r.q.tsig_start + 1; len < full; len++) {
		r.q.len = len;
		assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
				 TSIG_FORMERR);
	}
	/* A TSIG offset inside the header or past the end. */
	r.q.len = full;
	r.q.tsig_start = 5;
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FORMERR);
	r.q.tsig_start = full;
	assert_int_equal(tsig_verify(&r.q, lookup, NULL, time(NULL), &ctx),
			 TSIG_FORMERR);
	free_request(&r);
}

/* ==== the client side (signed NOTIFY) against ldns as the secondary ==== */

/* A NOTIFY-like request (id 0x4343) in buf, signed here with key name. */
static void client_request(const char *name, tsig_ctx *ctx, uint8_t *buf,
			   size_t *len, size_t cap)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(ZONE "."),
					 LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire = NULL;
	tsig_key key;

	assert_non_null(p);
	ldns_pkt_set_id(p, 0x4343);
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	memcpy(buf, wire, *len);
	free(wire);
	ldns_pkt_free(p);
	assert_true(lookup(NULL, name, &key));
	assert_true(tsig_sign_request(ctx, &key, buf, len, cap, time(NULL)));
}

/* The secondary's reply to request (wire req), signed by ldns with key
 * name and secret (NULL: unsigned), into buf. */
static void ldns_reply(const uint8_t *req, size_t req_len, const char *name,
		       const uint8_t *secret, size_t slen, const char *alg,
		       uint8_t *buf, size_t *len)
{
	ldns_pkt *rq = NULL, *p = ldns_pkt_new();
	ldns_rr *q = NULL;
	uint8_t *wire = NULL;
	char keydata[128];

	assert_int_equal(ldns_wire2pkt(&rq, req, req_len), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x4343);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	assert_int_equal(ldns_rr_new_question_frm_str(&q, ZONE ". IN SOA", NULL, NULL),
			 LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	if (secret != NULL) {
		b64(secret, slen, keydata);
		assert_int_equal(ldns_pkt_tsig_sign(p, name, keydata, 300, alg,
						    ldns_rr_rdf(ldns_pkt_tsig(rq), 3)),
				 LDNS_STATUS_OK);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	memcpy(buf, wire, *len);
	free(wire);
	ldns_pkt_free(p);
	ldns_pkt_free(rq);
}

static tsig_reply check_reply(const tsig_ctx *ctx, const uint8_t *buf, size_t len,
			      uint16_t *error)
{
	dns_query r;

	assert_int_equal(query_parse_reply(buf, len, &r), QP_OK);
	return tsig_check_reply(ctx, &r, time(NULL), error);
}

/* Our signed request verifies in ldns; a flipped bit does not. */
static void test_client_sign_request(void **state)
{
	uint8_t buf[1024];
	char keydata[128];
	size_t len;
	tsig_ctx ctx;
	ldns_pkt *p = NULL;

	(void)state;
	client_request(KEY512, &ctx, buf, &len, sizeof(buf));
	assert_int_equal(ctx.mac_len, 64);
	assert_int_equal(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
	assert_non_null(ldns_pkt_tsig(p));
	b64(secret512, sizeof(secret512), keydata);
	assert_true(ldns_pkt_tsig_verify(p, buf, len, KEY512, keydata, NULL));
	buf[WIRE_HEADER_LEN + 1] ^= 1;
	assert_false(ldns_pkt_tsig_verify(p, buf, len, KEY512, keydata, NULL));
	ldns_pkt_free(p);
	/* no room, or an unknown algorithm: nothing is signed */
	client_request(KEY256, &ctx, buf, &len, sizeof(buf));
	size_t small = len;
	tsig_key key;
	assert_true(lookup(NULL, KEY256, &key));
	assert_false(tsig_sign_request(&ctx, &key, buf, &small, small + 10, time(NULL)));
	snprintf(key.algorithm, sizeof(key.algorithm), "hmac-md5");
	small = len;
	assert_false(tsig_sign_request(&ctx, &key, buf, &small, sizeof(buf), time(NULL)));
}

/* A reply signed by ldns over our request MAC verifies; unsigned, another
 * key, a wrong secret or a changed byte do not. */
static void test_client_check_reply(void **state)
{
	uint8_t req[1024], rep[1024];
	size_t rlen, len;
	uint16_t error;
	tsig_ctx ctx;
	static const uint8_t wrong[32] = "0123456789abcdef0123456789abcdeX";

	(void)state;
	client_request(KEY256, &ctx, req, &rlen, sizeof(req));
	ldns_reply(req, rlen, KEY256, secret256, sizeof(secret256), "hmac-sha256.", rep, &len);
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_OK);
	assert_int_equal(error, 0);
	rep[WIRE_HEADER_LEN + 2] ^= 0x20;   /* a case change in the question */
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_BADMAC);
	ldns_reply(req, rlen, NULL, NULL, 0, NULL, rep, &len);
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_UNSIGNED);
	ldns_reply(req, rlen, KEY512, secret512, sizeof(secret512), "hmac-sha512.", rep, &len);
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_BADMAC);
	ldns_reply(req, rlen, KEY256, wrong, sizeof(wrong), "hmac-sha256.", rep, &len);
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_BADMAC);
}

/* A reply carrying a TSIG error (as our own server side writes one) is
 * reported with its code; our server's signed answer to our own signed
 * request verifies. */
static void test_client_error_reply(void **state)
{
	uint8_t req[1024], rep[1024];
	size_t rlen, len;
	uint16_t error;
	tsig_ctx ctx, srv;
	dns_query q;
	char name[16];

	(void)state;
	client_request(KEY256, &ctx, req, &rlen, sizeof(req));
	assert_int_equal(query_parse(req, rlen, &q), QP_OK);
	assert_true(q.has_tsig);
	assert_int_equal(tsig_verify(&q, lookup, NULL, time(NULL), &srv), TSIG_OK);
	ldns_reply(req, rlen, NULL, NULL, 0, NULL, rep, &len);
	assert_true(tsig_sign(&srv, rep, &len, sizeof(rep), time(NULL)));
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_OK);
	/* the secondary's clock is an hour ahead */
	ldns_reply(req, rlen, NULL, NULL, 0, NULL, rep, &len);
	assert_int_equal(tsig_verify(&q, lookup, NULL, time(NULL), &srv), TSIG_OK);
	assert_true(tsig_sign(&srv, rep, &len, sizeof(rep), time(NULL) + 3600));
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_BADTIME);
	/* BADSIG: the server does not know our secret */
	assert_int_equal(tsig_verify(&q, lookup, NULL, time(NULL), &srv), TSIG_OK);
	srv.error = TSIG_BADSIG;
	ldns_reply(req, rlen, NULL, NULL, 0, NULL, rep, &len);
	assert_true(tsig_sign(&srv, rep, &len, sizeof(rep), time(NULL)));
	assert_int_equal(check_reply(&ctx, rep, len, &error), TSIG_REPLY_ERROR);
	assert_int_equal(error, TSIG_BADSIG);
	assert_string_equal(tsig_error_name(error, name, sizeof(name)), "BADSIG");
	assert_string_equal(tsig_error_name(99, name, sizeof(name)), "TSIG error 99");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_ok),
		cmocka_unit_test(test_verify_case),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_bad_secret),
		cmocka_unit_test(test_bad_key),
		cmocka_unit_test(test_sign_response),
		cmocka_unit_test(test_sign_multi),
		cmocka_unit_test(test_bad_time),
		cmocka_unit_test(test_error_unsigned),
		cmocka_unit_test(test_sign_no_room),
		cmocka_unit_test(test_truncated_mac),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_client_sign_request),
		cmocka_unit_test(test_client_check_reply),
		cmocka_unit_test(test_client_error_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
