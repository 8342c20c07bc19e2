/* snap.c -- immutable zone versions in canonical order. */
#include "snap.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <ldns/sha2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rr.h"
#include "wire.h"

struct snap {
	atomic_int refs;
	char *zone;
	uint8_t apex[WIRE_NAME_MAX];
	size_t apex_len;
	uint32_t serial;
	snap_rr soa;
	snap_rr *rrs;            /* canonical order after snap_finish */
	size_t n, cap;
	uint8_t *arena;          /* names, keys and RDATA */
	size_t alen, acap;
	uint32_t last_owner;     /* the previous owner, to share its bytes */
	uint8_t last_owner_len;
	uint32_t last_key;
	uint8_t last_key_len;
	uint8_t digest[LDNS_SHA256_DIGEST_LENGTH];
	bool finished;
};

/*
 * The canonical key of a name: its labels from the root down, lower
 * case, each followed by a 0 byte. memcmp of two keys is the canonical
 * order of RFC 4034 section 6.1 for names without 0 bytes in labels (the
 * store only holds letters, digits, '-', '_' and '*'), and a name's
 * descendants are exactly the keys that extend its key.
 */
static size_t canonical_key(const uint8_t *name, uint8_t *key)
{
	size_t starts[128], nl = 0, k = 0;

	for (size_t i = 0; name[i] != 0 && nl < 128; i += (size_t)name[i] + 1)
		starts[nl++] = i;
	while (nl-- > 0) {
		const uint8_t *l = name + starts[nl];
		for (size_t j = 1; j <= l[0]; j++)
			key[k++] = (uint8_t)tolower(l[j]);
		key[k++] = 0;
	}
	return k;
}

snap *snap_new(const char *zone)
{
	snap *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	s->zone = strdup(zone);
	if (s->zone == NULL || !wire_name_from_text(zone, s->apex, &s->apex_len)) {
		free(s->zone);
		free(s);
		return NULL;
	}
	return s;
}

static int arena_put(snap *s, const void *p, size_t n, uint32_t *off)
{
	if (s->acap - s->alen < n) {
		size_t cap = s->acap ? s->acap : 4096;
		while (cap - s->alen < n)
			cap *= 2;
		if (cap > UINT32_MAX)
			return AX_ETOOBIG;
		uint8_t *grown = realloc(s->arena, cap);
		if (grown == NULL)
			return AX_ENOMEM;
		s->arena = grown;
		s->acap = cap;
	}
	memcpy(s->arena + s->alen, p, n);
	*off = (uint32_t)s->alen;
	s->alen += n;
	return AX_OK;
}

/* Stores owner and its key, sharing the bytes with the previous record
 * when the owner is the same (records come grouped by owner). */
static int put_owner(snap *s, const uint8_t *owner, size_t olen, snap_rr *rr)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t klen;
	int rc;

	if (s->last_owner_len == olen && s->alen > 0 &&
	    memcmp(s->arena + s->last_owner, owner, olen) == 0) {
		rr->owner = s->last_owner;
		rr->owner_len = s->last_owner_len;
		rr->key = s->last_key;
		rr->key_len = s->last_key_len;
		return AX_OK;
	}
	klen = canonical_key(owner, key);
	if ((rc = arena_put(s, owner, olen, &rr->owner)) != AX_OK ||
	    (rc = arena_put(s, key, klen, &rr->key)) != AX_OK)
		return rc;
	rr->owner_len = (uint8_t)olen;
	rr->key_len = (uint8_t)klen;
	s->last_owner = rr->owner;
	s->last_owner_len = rr->owner_len;
	s->last_key = rr->key;
	s->last_key_len = rr->key_len;
	return AX_OK;
}

static int make_rr(snap *s, const uint8_t *owner, size_t olen, uint16_t type,
		   uint32_t ttl, const uint8_t *rdata, size_t rdlen, snap_rr *rr)
{
	int rc;

	if (s->finished || olen == 0 || olen > WIRE_NAME_MAX || rdlen > 65535 ||
	    !wire_name_is_sub(owner, olen, s->apex, s->apex_len))
		return AX_EINVAL;
	memset(rr, 0, sizeof(*rr));
	if ((rc = put_owner(s, owner, olen, rr)) != AX_OK ||
	    (rc = arena_put(s, rdata, rdlen, &rr->rdata)) != AX_OK)
		return rc;
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)rdlen;
	return AX_OK;
}

int snap_add(snap *s, const uint8_t *owner, size_t olen, uint16_t type,
	     uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	snap_rr rr;
	int rc;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		snap_rr *grown = realloc(s->rrs, cap * sizeof(*grown));
		if (grown == NULL)
			return AX_ENOMEM;
		s->rrs = grown;
		s->cap = cap;
	}
	if ((rc = make_rr(s, owner, olen, type, ttl, rdata, rdlen, &rr)) != AX_OK)
		return rc;
	s->rrs[s->n++] = rr;
	return AX_OK;
}

/* Wire RDATA of an SOA from its fields. */
static int soa_rdata(const zf_soa *soa, uint8_t *out, size_t *len)
{
	uint8_t m[WIRE_NAME_MAX], r[WIRE_NAME_MAX];
	size_t ml, rl;
	wbuf b;

	if (!wire_name_from_text(soa->mname, m, &ml) ||
	    !wire_name_from_text(soa->rname, r, &rl))
		return AX_EINVAL;
	wb_init(&b, out, 2 * WIRE_NAME_MAX + 20, NULL);
	if (!wb_bytes(&b, m, ml) || !wb_bytes(&b, r, rl) || !wb_u32(&b, soa->serial) ||
	    !wb_u32(&b, soa->refresh) || !wb_u32(&b, soa->retry) ||
	    !wb_u32(&b, soa->expire) || !wb_u32(&b, soa->minimum))
		return AX_EINVAL;
	*len = b.len;
	return AX_OK;
}

int snap_set_soa(snap *s, const zf_soa *soa)
{
	uint8_t rd[2 * WIRE_NAME_MAX + 20];
	size_t rdlen;
	int rc;

	if ((rc = soa_rdata(soa, rd, &rdlen)) != AX_OK)
		return rc;
	if ((rc = make_rr(s, s->apex, s->apex_len, RR_SOA, soa->ttl, rd, rdlen,
			  &s->soa)) != AX_OK)
		return rc;
	s->serial = soa->serial;
	return AX_OK;
}

int snap_add_text(snap *s, const char *name, const char *type, uint32_t ttl,
		  const char *content, ax_errinfo *ei)
{
	uint8_t owner[WIRE_NAME_MAX], rdata[65535];
	char fqdn[WIRE_NAME_MAX * 4 + 2];
	size_t olen, rdlen;
	ldns_rr_type t = ldns_get_rr_type_by_name(type);
	int rc;

	snprintf(fqdn, sizeof(fqdn), "%s%s%s.", name, name[0] ? "." : "", s->zone);
	if (t == 0 || !wire_name_from_text(fqdn, owner, &olen))
		return ax_fail(ei, AX_EINVAL, "name", "%s %s: cannot encode", name, type);
	rc = rr_rdata_wire(s->zone, name, type, content, rdata, sizeof(rdata), &rdlen);
	if (rc != AX_OK)
		return ax_fail(ei, rc, "content", "%s %s '%s': cannot encode", name,
			       type, content);
	return snap_add(s, owner, olen, (uint16_t)t, ttl, rdata, rdlen);
}

static int key_cmp(const snap *s, const snap_rr *a, const snap_rr *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(s->arena + a->key, s->arena + b->key, n);

	if (c != 0)
		return c;
	return (int)a->key_len - (int)b->key_len;
}

/* Canonical order of records: owner, type, then RDATA (RFC 4034 6.3). */
static int rr_cmp(const snap *s, const snap_rr *a, const snap_rr *b)
{
	int c = key_cmp(s, a, b);

	if (c != 0)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	size_t n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	c = memcmp(s->arena + a->rdata, s->arena + b->rdata, n);
	if (c != 0)
		return c;
	return (int)a->rdlen - (int)b->rdlen;
}

static int qsort_cmp(const void *a, const void *b, void *ctx)
{
	return rr_cmp(ctx, a, b);
}

/* Gives every record of an RRset the set's lowest TTL. */
static void unify_ttls(snap *s)
{
	size_t i = 0;

	while (i < s->n) {
		size_t j = i + 1;
		uint32_t ttl = s->rrs[i].ttl;
		while (j < s->n && s->rrs[j].type == s->rrs[i].type &&
		       key_cmp(s, &s->rrs[j], &s->rrs[i]) == 0) {
			if (s->rrs[j].ttl < ttl)
				ttl = s->rrs[j].ttl;
			j++;
		}
		for (size_t k = i; k < j; k++)
			s->rrs[k].ttl = ttl;
		i = j;
	}
}

static void compute_digest(snap *s)
{
	ldns_sha256_CTX ctx;

	ldns_sha256_init(&ctx);
	for (size_t i = 0; i < s->n; i++) {
		const snap_rr *r = &s->rrs[i];
		uint8_t hdr[8] = {(uint8_t)(r->type >> 8), (uint8_t)r->type,
				  (uint8_t)(r->ttl >> 24), (uint8_t)(r->ttl >> 16),
				  (uint8_t)(r->ttl >> 8), (uint8_t)r->ttl,
				  (uint8_t)(r->rdlen >> 8), (uint8_t)r->rdlen};
		ldns_sha256_update(&ctx, s->arena + r->owner, r->owner_len);
		ldns_sha256_update(&ctx, hdr, sizeof(hdr));
		ldns_sha256_update(&ctx, s->arena + r->rdata, r->rdlen);
	}
	ldns_sha256_final(s->digest, &ctx);
}

int snap_finish(snap *s)
{
	size_t out = 0;

	if (s->finished)
		return AX_OK;
	if (s->soa.rdlen == 0)
		return AX_EINVAL;
	if (s->n > 1)
		qsort_r(s->rrs, s->n, sizeof(*s->rrs), qsort_cmp, s);
	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && rr_cmp(s, &s->rrs[out - 1], &s->rrs[i]) == 0)
			continue;  /* the same record twice */
		s->rrs[out++] = s->rrs[i];
	}
	s->n = out;
	unify_ttls(s);
	compute_digest(s);
	s->finished = true;
	return AX_OK;
}

snap *snap_ref(snap *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void snap_unref(snap *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	free(s->zone);
	free(s->rrs);
	free(s->arena);
	free(s);
}

const char *snap_zone(const snap *s) { return s->zone; }
uint32_t snap_serial(const snap *s) { return s->serial; }
const snap_rr *snap_soa(const snap *s) { return &s->soa; }
size_t snap_count(const snap *s) { return s->n; }
const snap_rr *snap_at(const snap *s, size_t i) { return &s->rrs[i]; }
const uint8_t *snap_bytes(const snap *s, uint32_t off) { return s->arena + off; }
const uint8_t *snap_digest(const snap *s) { return s->digest; }

const uint8_t *snap_apex(const snap *s, size_t *len)
{
	*len = s->apex_len;
	return s->apex;
}

size_t snap_memory(const snap *s)
{
	return sizeof(*s) + s->cap * sizeof(*s->rrs) + s->acap;
}

/* First index whose owner key is not below key (lower bound). */
static size_t lower_bound(const snap *s, const uint8_t *key, size_t klen)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const snap_rr *r = &s->rrs[mid];
		size_t n = r->key_len < klen ? r->key_len : klen;
		int c = memcmp(s->arena + r->key, key, n);
		if (c < 0 || (c == 0 && r->key_len < klen))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool key_equal(const snap *s, const snap_rr *r, const uint8_t *key,
		      size_t klen)
{
	return r->key_len == klen && memcmp(s->arena + r->key, key, klen) == 0;
}

bool snap_find(const snap *s, const uint8_t *name, size_t len, size_t *first,
	       size_t *n)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t klen, i, j;

	*first = 0;
	*n = 0;
	if (len == 0 || len > WIRE_NAME_MAX)
		return false;
	klen = canonical_key(name, key);
	i = lower_bound(s, key, klen);
	for (j = i; j < s->n && key_equal(s, &s->rrs[j], key, klen); j++)
		;
	*first = i;
	*n = j - i;
	return j > i;
}

bool snap_has_descendant(const snap *s, const uint8_t *name, size_t len)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t klen, i;

	if (len == 0 || len > WIRE_NAME_MAX)
		return false;
	klen = canonical_key(name, key);
	i = lower_bound(s, key, klen);
	while (i < s->n && key_equal(s, &s->rrs[i], key, klen))
		i++;
	return i < s->n && s->rrs[i].key_len > klen &&
	       memcmp(s->arena + s->rrs[i].key, key, klen) == 0;
}

/* Order of records across two snapshots, TTL included. */
static int cross_cmp(const snap *a, const snap_rr *x, const snap *b,
		     const snap_rr *y)
{
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(a->arena + x->key, b->arena + y->key, n);

	if (c == 0)
		c = (int)x->key_len - (int)y->key_len;
	if (c == 0 && x->type != y->type)
		c = x->type < y->type ? -1 : 1;
	if (c == 0) {
		n = x->rdlen < y->rdlen ? x->rdlen : y->rdlen;
		c = memcmp(a->arena + x->rdata, b->arena + y->rdata, n);
		if (c == 0)
			c = (int)x->rdlen - (int)y->rdlen;
	}
	if (c == 0 && x->ttl != y->ttl)
		c = x->ttl < y->ttl ? -1 : 1;
	/* The owner's case is part of the record as served. */
	if (c == 0 && x->owner_len == y->owner_len)
		c = memcmp(a->arena + x->owner, b->arena + y->owner, x->owner_len);
	return c;
}

int snap_diff(const snap *a, const snap *b, snap_diff_fn emit, void *arg)
{
	size_t i, j;
	int rc;

	/* Removals first, then additions: the order IXFR needs. */
	for (int pass = 0; pass < 2; pass++) {
		i = j = 0;
		while (i < a->n || j < b->n) {
			int c = i == a->n ? 1 : j == b->n ? -1 :
				cross_cmp(a, &a->rrs[i], b, &b->rrs[j]);
			if (c == 0) {
				i++;
				j++;
				continue;
			}
			if (c < 0) {
				if (pass == 0 && (rc = emit(arg, false, a, &a->rrs[i])) != 0)
					return rc;
				i++;
			} else {
				if (pass == 1 && (rc = emit(arg, true, b, &b->rrs[j])) != 0)
					return rc;
				j++;
			}
		}
	}
	return 0;
}
