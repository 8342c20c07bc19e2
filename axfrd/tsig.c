/* tsig.c -- RFC 8945 transaction signatures with hmac-sha256 and
 * hmac-sha512 on OpenSSL's HMAC (ldns's TSIG code works on ldns_pkt and
 * misnames hmac-sha384, so it is not used). */
#include "tsig.h"

#include <ctype.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

#define U48_MAX 0xffffffffffffULL
#define BADTIME_OTHER_LEN 6   /* the server's time, 48 bits */

/* A supported algorithm. */
typedef struct tsig_alg {
	const char *name;       /* as in tsig_key.algorithm */
	const char *digest;     /* OpenSSL's digest name */
	size_t len;             /* full MAC length */
	const uint8_t *wire;    /* the algorithm name in wire form */
	size_t wire_len;
} tsig_alg;

/* The string literal's terminating NUL is the root label, hence 13. */
static const tsig_alg algs[] = {
	{"hmac-sha256", "SHA256", 32, (const uint8_t *)"\013hmac-sha256", 13},
	{"hmac-sha512", "SHA512", 64, (const uint8_t *)"\013hmac-sha512", 13},
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* The fields of a TSIG RDATA (RFC 8945 4.2); pointers into a message. */
typedef struct tsig_rdata {
	uint64_t time_signed;   /* 48 bits */
	uint16_t fudge;
	uint16_t mac_len;
	const uint8_t *mac;
	uint16_t orig_id;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
} tsig_rdata;

/* An HMAC being computed; once a step fails, the rest are no-ops. */
typedef struct mac_run {
	EVP_MAC_CTX *ctx;
	bool ok;
} mac_run;

static const tsig_alg *alg_by_wire(const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < NALGS; i++)
		if (wire_name_equal(name, len, algs[i].wire, algs[i].wire_len))
			return &algs[i];
	return NULL;
}

static const tsig_alg *alg_by_name(const char *name)
{
	for (size_t i = 0; i < NALGS; i++)
		if (strcmp(name, algs[i].name) == 0)
			return &algs[i];
	return NULL;
}

static void mac_begin(mac_run *m, const tsig_alg *a, const tsig_key *k)
{
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)a->digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

	m->ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);  /* the context keeps its own reference */
	m->ok = m->ctx != NULL &&
		EVP_MAC_init(m->ctx, k->secret, k->secret_len, params) == 1;
}

static void mac_add(mac_run *m, const void *p, size_t n)
{
	if (m->ok && n > 0)
		m->ok = EVP_MAC_update(m->ctx, p, n) == 1;
}

/* Finishes the MAC into out (TSIG_MAC_MAX bytes) and frees the run. */
static bool mac_end(mac_run *m, uint8_t *out, size_t *len)
{
	bool ok = m->ok && EVP_MAC_final(m->ctx, out, len, TSIG_MAC_MAX) == 1;

	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;
	return ok;
}

static bool wb_u48(wbuf *b, uint64_t v)
{
	return wb_u16(b, (uint16_t)(v >> 32)) && wb_u32(b, (uint32_t)v);
}

/* Appends a name in canonical (lower case) form. Length octets are below
 * 64, so tolower leaves them alone and can run over the whole name. */
static bool wb_lower_name(wbuf *b, const uint8_t *name, size_t len)
{
	size_t at = b->len;

	if (!wb_bytes(b, name, len))
		return false;
	for (size_t i = at; i < b->len; i++)
		b->data[i] = (uint8_t)tolower(b->data[i]);
	return true;
}

/*
 * Feeds the TSIG variables (RFC 8945 4.3.3): key name, class ANY, TTL 0,
 * algorithm name (both canonical), time signed, fudge, error, other
 * data; with timers_only just time signed and fudge (4.3.1, later
 * messages of a transfer).
 */
static void mac_vars(mac_run *m, const tsig_ctx *ctx, const tsig_rdata *t,
		     bool timers_only)
{
	uint8_t buf[2 * WIRE_NAME_MAX + 32];
	wbuf b;
	bool ok = true;

	wb_init(&b, buf, sizeof(buf), NULL);
	if (!timers_only)
		ok = wb_lower_name(&b, ctx->name_wire, ctx->name_len) &&
		     wb_u16(&b, CLASS_ANY) && wb_u32(&b, 0) &&
		     wb_lower_name(&b, ctx->alg_wire, ctx->alg_len);
	ok = ok && wb_u48(&b, t->time_signed) && wb_u16(&b, t->fudge);
	if (!timers_only)
		ok = ok && wb_u16(&b, t->error) && wb_u16(&b, t->other_len);
	if (!ok) {
		m->ok = false;
		return;
	}
	mac_add(m, buf, b.len);
	if (!timers_only)
		mac_add(m, t->other, t->other_len);
}

/* Feeds a message whose header gets id in place of its own and arcount as
 * ARCOUNT: the message as it was before the TSIG was added (4.3.2). */
static void mac_message(mac_run *m, const uint8_t *msg, size_t len,
			uint16_t id, uint16_t arcount)
{
	uint8_t hdr[WIRE_HEADER_LEN];
	wbuf b;

	wb_init(&b, hdr, sizeof(hdr), NULL);
	if (len < WIRE_HEADER_LEN || !wb_bytes(&b, msg, sizeof(hdr))) {
		m->ok = false;
		return;
	}
	wb_put_u16_at(&b, 0, id);
	wb_put_u16_at(&b, WIRE_OFF_ARCOUNT, arcount);
	mac_add(m, hdr, sizeof(hdr));
	mac_add(m, msg + WIRE_HEADER_LEN, len - WIRE_HEADER_LEN);
}

static uint16_t read_u16_at(const uint8_t *msg, size_t len, size_t off)
{
	wreader r;
	uint16_t v = 0;

	wr_init(&r, msg, len);
	if (wr_skip(&r, off))
		(void)wr_u16(&r, &v);
	return v;
}

/* The RDATA fields; the algorithm name is never compressed (RFC 8945
 * 4.2, RFC 3597 4), and the RDATA must end the message. */
static bool parse_rdata(wreader *r, tsig_ctx *ctx, tsig_rdata *t)
{
	size_t alen = wire_name_len(r->msg + r->pos, r->len - r->pos);
	uint16_t hi;
	uint32_t lo;

	if (alen == 0)
		return false;
	memcpy(ctx->alg_wire, r->msg + r->pos, alen);
	ctx->alg_len = alen;
	r->pos += alen;
	if (!wr_u16(r, &hi) || !wr_u32(r, &lo) || !wr_u16(r, &t->fudge) ||
	    !wr_u16(r, &t->mac_len))
		return false;
	t->time_signed = (uint64_t)hi << 32 | lo;
	t->mac = r->msg + r->pos;
	if (!wr_skip(r, t->mac_len) || !wr_u16(r, &t->orig_id) ||
	    !wr_u16(r, &t->error) || !wr_u16(r, &t->other_len))
		return false;
	t->other = r->msg + r->pos;
	return wr_skip(r, t->other_len) && r->pos == r->len;
}

/* The TSIG RR of the request at q->tsig_start: the last thing in it. */
static bool parse_tsig(const dns_query *q, tsig_ctx *ctx, tsig_rdata *t)
{
	wreader r;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;

	if (q->tsig_start < WIRE_HEADER_LEN || q->tsig_start >= q->len)
		return false;
	wr_init(&r, q->msg, q->len);
	r.pos = q->tsig_start;
	if (!wr_name(&r, ctx->name_wire, &ctx->name_len) || !wr_u16(&r, &type) ||
	    !wr_u16(&r, &rclass) || !wr_u32(&r, &ttl) || !wr_u16(&r, &rdlen))
		return false;
	if (type != RR_TSIG || rclass != CLASS_ANY || ttl != 0 ||
	    r.len - r.pos != rdlen)
		return false;
	return parse_rdata(&r, ctx, t);
}

/* Looks the key up by its name (lower case, trailing dot) and checks that
 * the request uses the key's algorithm. */
static const tsig_alg *find_key(tsig_ctx *ctx, tsig_lookup_fn lookup, void *arg)
{
	char name[1024];
	const tsig_alg *a = alg_by_wire(ctx->alg_wire, ctx->alg_len);

	if (a == NULL)
		return NULL;
	wire_name_to_text(ctx->name_wire, name, sizeof(name));
	for (char *p = name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!lookup(arg, name, &ctx->key))
		return NULL;
	return strcmp(ctx->key.algorithm, a->name) == 0 ? a : NULL;
}

/* RFC 8945 5.2.2.1: longer than the hash, or shorter than max(10, half
 * the hash), is a format error. */
static bool mac_size_ok(const tsig_alg *a, size_t n)
{
	size_t min = a->len / 2 > 10 ? a->len / 2 : 10;

	return n <= a->len && n >= min;
}

/* Recomputes the request's MAC and compares it in constant time (a
 * truncated MAC against the same prefix of ours, 5.2.2.1). */
static bool check_mac(const dns_query *q, const tsig_ctx *ctx,
		      const tsig_alg *a, const tsig_rdata *t)
{
	uint8_t mac[TSIG_MAC_MAX];
	size_t len = 0;
	uint16_t ar = read_u16_at(q->msg, q->len, WIRE_OFF_ARCOUNT);
	mac_run m;

	if (ar == 0)
		return false;
	mac_begin(&m, a, &ctx->key);
	mac_message(&m, q->msg, q->tsig_start, t->orig_id, (uint16_t)(ar - 1));
	mac_vars(&m, ctx, t, false);
	if (!mac_end(&m, mac, &len) || len < t->mac_len)
		return false;
	return CRYPTO_memcmp(mac, t->mac, t->mac_len) == 0;
}

/* Ends verification with a TSIG error. BADKEY and BADSIG answers are
 * unsigned (5.2.1, 5.2.2), so the secret is not kept for them. */
static tsig_result fail(tsig_ctx *ctx, uint16_t error)
{
	ctx->error = error;
	if (error == TSIG_BADKEY || error == TSIG_BADSIG) {
		OPENSSL_cleanse(&ctx->key, sizeof(ctx->key));
		ctx->mac_len = 0;
	}
	return TSIG_FAIL;
}

static tsig_result formerr(tsig_ctx *ctx)
{
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	return TSIG_FORMERR;
}

/* |now - signed| > fudge (5.2.3), without overflow either way. */
static bool time_outside(uint64_t signed_at, uint16_t fudge, time_t now)
{
	uint64_t n = now < 0 ? 0 : (uint64_t)now;
	uint64_t d = n > signed_at ? n - signed_at : signed_at - n;

	return d > fudge;
}

/*
 * The checks in the order RFC 8945 5.2 prescribes: key, MAC, time,
 * truncation. The time is only looked at once the MAC verified, so an
 * attacker cannot learn our clock from an unsigned BADTIME.
 */
tsig_result tsig_verify(const dns_query *q, tsig_lookup_fn lookup, void *arg,
			time_t now, tsig_ctx *ctx)
{
	tsig_rdata t;
	const tsig_alg *a;

	memset(ctx, 0, sizeof(*ctx));
	if (!q->has_tsig)
		return TSIG_UNSIGNED;
	memset(&t, 0, sizeof(t));
	if (!parse_tsig(q, ctx, &t))
		return formerr(ctx);
	ctx->orig_id = t.orig_id;
	ctx->time_signed = t.time_signed;
	ctx->fudge = t.fudge;
	if ((a = find_key(ctx, lookup, arg)) == NULL)
		return fail(ctx, TSIG_BADKEY);
	if (!mac_size_ok(a, t.mac_len))
		return formerr(ctx);
	if (!check_mac(q, ctx, a, &t))
		return fail(ctx, TSIG_BADSIG);
	/* The request MAC as received (truncated or not) starts the chain. */
	memcpy(ctx->mac, t.mac, t.mac_len);
	ctx->mac_len = t.mac_len;
	if (time_outside(t.time_signed, t.fudge, now))
		return fail(ctx, TSIG_BADTIME);
	/* Local policy (5.2.4): we accept full-length MACs only. */
	if (t.mac_len < a->len)
		return fail(ctx, TSIG_BADTRUNC);
	return TSIG_OK;
}

/* Whether our TSIG carries a MAC: not for BADKEY and BADSIG (5.3.2). */
static const tsig_alg *signing_alg(const tsig_ctx *ctx)
{
	if (ctx->error == TSIG_BADKEY || ctx->error == TSIG_BADSIG)
		return NULL;
	return alg_by_name(ctx->key.algorithm);
}

size_t tsig_space(const tsig_ctx *ctx)
{
	const tsig_alg *a = signing_alg(ctx);
	size_t other = ctx->error == TSIG_BADTIME ? BADTIME_OTHER_LEN : 0;

	if (ctx->alg_len == 0)
		return 0;
	/* owner, type..rdlength, algorithm, time, fudge, MAC size, MAC,
	 * original id, error, other len, other data */
	return ctx->name_len + 10 + ctx->alg_len + 6 + 2 + 2 +
	       (a != NULL ? a->len : 0) + 2 + 2 + 2 + other;
}

/*
 * Time fields of our TSIG. A BADTIME answer echoes the request's time
 * signed and fudge and carries our clock in other data (5.2.3), so the
 * client can verify it whatever its clock says.
 */
static void response_times(const tsig_ctx *ctx, time_t now, tsig_rdata *t,
			   uint8_t *other)
{
	uint64_t n = now < 0 ? 0 : (uint64_t)now & U48_MAX;
	wbuf b;

	t->time_signed = n;
	t->fudge = TSIG_FUDGE;
	if (ctx->error != TSIG_BADTIME)
		return;
	t->time_signed = ctx->time_signed;
	t->fudge = ctx->fudge;
	wb_init(&b, other, BADTIME_OTHER_LEN, NULL);
	(void)wb_u48(&b, n);
	t->other = other;
	t->other_len = BADTIME_OTHER_LEN;
}

/*
 * MAC of a response (4.3.1, 5.3.1): the previous MAC with its length
 * (the request's for the first response, our last one afterwards), the
 * message as it is without our TSIG, then the full TSIG variables for
 * the first response and only the timers for later ones.
 */
static bool response_mac(const tsig_ctx *ctx, const tsig_alg *a,
			 const uint8_t *msg, size_t len, const tsig_rdata *t,
			 uint8_t *out)
{
	uint8_t prefix[2] = {(uint8_t)(ctx->mac_len >> 8), (uint8_t)ctx->mac_len};
	size_t outlen = 0;
	mac_run m;

	mac_begin(&m, a, &ctx->key);
	mac_add(&m, prefix, sizeof(prefix));
	mac_add(&m, ctx->mac, ctx->mac_len);
	mac_message(&m, msg, len, ctx->orig_id,
		    read_u16_at(msg, len, WIRE_OFF_ARCOUNT));
	mac_vars(&m, ctx, t, ctx->messages > 0);
	return mac_end(&m, out, &outlen) && outlen == a->len;
}

/* Appends our TSIG RR: names as the request had them, uncompressed. */
static bool put_tsig_rr(const tsig_ctx *ctx, wbuf *b, const tsig_rdata *t)
{
	wmark m = wb_mark(b);
	size_t rdpos;

	if (!wb_bytes(b, ctx->name_wire, ctx->name_len) || !wb_u16(b, RR_TSIG) ||
	    !wb_u16(b, CLASS_ANY) || !wb_u32(b, 0) || !wb_u16(b, 0))
		goto undo;
	rdpos = b->len;
	if (!wb_bytes(b, ctx->alg_wire, ctx->alg_len) ||
	    !wb_u48(b, t->time_signed) || !wb_u16(b, t->fudge) ||
	    !wb_u16(b, t->mac_len) || (t->mac_len > 0 && !wb_bytes(b, t->mac, t->mac_len)) ||
	    !wb_u16(b, t->orig_id) || !wb_u16(b, t->error) ||
	    !wb_u16(b, t->other_len) ||
	    (t->other_len > 0 && !wb_bytes(b, t->other, t->other_len)))
		goto undo;
	wb_put_u16_at(b, rdpos - 2, (uint16_t)(b->len - rdpos));
	return true;
undo:
	wb_rollback(b, m);
	return false;
}

/* Appends the TSIG RR t to msg, increments ARCOUNT and keeps t's MAC in
 * ctx (the next MAC of the exchange covers it). */
static bool append_tsig(tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap,
			const tsig_rdata *t)
{
	uint16_t ar = read_u16_at(msg, *len, WIRE_OFF_ARCOUNT);
	wbuf b;

	wb_init(&b, msg, cap, NULL);
	b.len = *len;
	if (ar == UINT16_MAX || !put_tsig_rr(ctx, &b, t))
		return false;
	wb_put_u16_at(&b, WIRE_OFF_ARCOUNT, (uint16_t)(ar + 1));
	*len = b.len;
	if (t->mac_len > 0)
		memcpy(ctx->mac, t->mac, t->mac_len);
	ctx->mac_len = t->mac_len;
	return true;
}

bool tsig_sign(tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap,
	       time_t now)
{
	const tsig_alg *a = signing_alg(ctx);
	uint8_t mac[TSIG_MAC_MAX], other[BADTIME_OTHER_LEN];
	tsig_rdata t;

	if (ctx->alg_len == 0)
		return true;  /* no usable TSIG in the request: nothing to add */
	if (*len < WIRE_HEADER_LEN || *len > cap || cap - *len < tsig_space(ctx))
		return false;
	memset(&t, 0, sizeof(t));
	t.orig_id = ctx->orig_id;
	t.error = ctx->error;
	response_times(ctx, now, &t, other);
	if (a != NULL) {
		if (!response_mac(ctx, a, msg, *len, &t, mac))
			return false;
		t.mac = mac;
		t.mac_len = (uint16_t)a->len;
	}
	if (!append_tsig(ctx, msg, len, cap, &t))
		return false;
	ctx->messages++;
	return true;
}

/* ==== the client side: signed NOTIFYs and their replies ==== */

/* ctx for a request signed with key: names in wire form, no MAC yet. */
static const tsig_alg *request_ctx(tsig_ctx *ctx, const tsig_key *key,
				   uint16_t id)
{
	const tsig_alg *a = alg_by_name(key->algorithm);

	memset(ctx, 0, sizeof(*ctx));
	if (a == NULL || !wire_name_from_text(key->name, ctx->name_wire, &ctx->name_len))
		return NULL;
	ctx->key = *key;
	memcpy(ctx->alg_wire, a->wire, a->wire_len);
	ctx->alg_len = a->wire_len;
	ctx->orig_id = id;
	return a;
}

bool tsig_sign_request(tsig_ctx *ctx, const tsig_key *key, uint8_t *msg,
		       size_t *len, size_t cap, time_t now)
{
	uint8_t mac[TSIG_MAC_MAX];
	size_t outlen = 0;
	const tsig_alg *a;
	tsig_rdata t;
	mac_run m;

	if (*len < WIRE_HEADER_LEN || *len > cap ||
	    (a = request_ctx(ctx, key, read_u16_at(msg, *len, 0))) == NULL ||
	    cap - *len < tsig_space(ctx))
		goto fail;
	memset(&t, 0, sizeof(t));
	t.time_signed = now < 0 ? 0 : (uint64_t)now & U48_MAX;
	t.fudge = TSIG_FUDGE;
	t.orig_id = ctx->orig_id;
	/* A request's MAC (4.3.2): the message as it is, then the variables. */
	mac_begin(&m, a, key);
	mac_message(&m, msg, *len, ctx->orig_id, read_u16_at(msg, *len, WIRE_OFF_ARCOUNT));
	mac_vars(&m, ctx, &t, false);
	if (!mac_end(&m, mac, &outlen) || outlen != a->len)
		goto fail;
	t.mac = mac;
	t.mac_len = (uint16_t)a->len;
	if (append_tsig(ctx, msg, len, cap, &t))
		return true;
fail:
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	return false;
}

/* The reply's MAC (5.3 as seen by the client): the request MAC with its
 * length, the reply as it was before its TSIG, the TSIG variables. */
static bool reply_mac_ok(const tsig_ctx *ctx, const tsig_alg *a,
			 const dns_query *r, const tsig_rdata *t)
{
	uint8_t prefix[2] = {(uint8_t)(ctx->mac_len >> 8), (uint8_t)ctx->mac_len};
	uint8_t mac[TSIG_MAC_MAX];
	size_t len = 0;
	uint16_t ar = read_u16_at(r->msg, r->len, WIRE_OFF_ARCOUNT);
	mac_run m;

	if (ar == 0 || t->mac_len != a->len)
		return false;   /* we sent a full MAC and take nothing shorter */
	mac_begin(&m, a, &ctx->key);
	mac_add(&m, prefix, sizeof(prefix));
	mac_add(&m, ctx->mac, ctx->mac_len);
	mac_message(&m, r->msg, r->tsig_start, t->orig_id, (uint16_t)(ar - 1));
	mac_vars(&m, ctx, t, false);
	return mac_end(&m, mac, &len) && len == a->len &&
	       CRYPTO_memcmp(mac, t->mac, t->mac_len) == 0;
}

tsig_reply tsig_check_reply(const tsig_ctx *ctx, const dns_query *r,
			    time_t now, uint16_t *error)
{
	const tsig_alg *a = alg_by_name(ctx->key.algorithm);
	tsig_ctx got;
	tsig_rdata t;
	tsig_reply res = TSIG_REPLY_BADMAC;

	*error = 0;
	if (!r->has_tsig)
		return TSIG_REPLY_UNSIGNED;
	memset(&got, 0, sizeof(got));
	memset(&t, 0, sizeof(t));
	if (a == NULL || !parse_tsig(r, &got, &t) ||
	    !wire_name_equal(got.name_wire, got.name_len, ctx->name_wire, ctx->name_len) ||
	    !wire_name_equal(got.alg_wire, got.alg_len, ctx->alg_wire, ctx->alg_len) ||
	    t.orig_id != ctx->orig_id)
		goto done;
	if (t.error != 0) {
		*error = t.error;
		res = TSIG_REPLY_ERROR;
	} else if (reply_mac_ok(ctx, a, r, &t)) {
		res = time_outside(t.time_signed, t.fudge, now) ? TSIG_REPLY_BADTIME :
		      TSIG_REPLY_OK;
	}
done:
	OPENSSL_cleanse(&got, sizeof(got));
	return res;
}

const char *tsig_error_name(uint16_t error, char *buf, size_t len)
{
	switch (error) {
	case TSIG_BADSIG: return "BADSIG";
	case TSIG_BADKEY: return "BADKEY";
	case TSIG_BADTIME: return "BADTIME";
	case TSIG_BADTRUNC: return "BADTRUNC";
	default:
		snprintf(buf, len, "TSIG error %u", error);
		return buf;
	}
}
