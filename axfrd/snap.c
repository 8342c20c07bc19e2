/* snap.c -- immutable zone versions in canonical order, built whole or
 * derived from the previous version. */
#include "snap.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rr.h"
#include "wire.h"

/*
 * Record data (names, keys, RDATA) lives in chunks. A snapshot's offsets
 * carry the chunk's index in their top bits, so a derived snapshot can
 * use its base's chunks as they are and add its own: versions share the
 * data of the records they have in common.
 */
#define CHUNK_BITS 28
#define CHUNK_MAX ((size_t)1 << CHUNK_BITS)
#define MAX_CHUNKS 16

typedef struct chunk {
	atomic_int refs;
	uint8_t *data;
	size_t len, cap;
} chunk;

struct snap {
	atomic_int refs;
	char *zone;
	uint8_t apex[WIRE_NAME_MAX];
	size_t apex_len;
	uint32_t serial;
	snap_rr soa;
	snap_rr *rrs;            /* canonical order after finishing */
	size_t n, cap;
	chunk *chunks[MAX_CHUNKS];
	unsigned nchunks;        /* the last one is this snapshot's own */
	unsigned depth;          /* versions of shared data below this one */
	uint32_t last_owner;     /* the previous owner, to share its bytes */
	uint8_t last_owner_len;
	uint32_t last_key;
	uint16_t last_key_len;
	uint64_t digest[4];      /* additive: a sum over records */
	bool finished;
	/* while derived and not finished */
	snap *base;
	snap_rr *dels;
	size_t ndels, capdels;
	snap_rr *del_owners;     /* owners whose A/AAAA go */
	size_t ndel_owners, capdel_owners;
};

#define PTR(s, off) ((s)->chunks[(off) >> CHUNK_BITS]->data + \
		     ((off) & (CHUNK_MAX - 1)))

/*
 * The canonical key of a name: its labels from the root down, lower
 * case, each followed by a 0 byte. Inside a label the bytes 0x00 and 0x01
 * are escaped as 0x01 0x01 and 0x01 0x02, so a 0 byte only ever ends a
 * label: no two names share a key (a label "b\000a" is not the two labels
 * "a" and "b"), memcmp of two keys is the canonical order of RFC 4034
 * section 6.1 (the escapes keep the byte order, and the end of a label
 * sorts before any byte), and a name's descendants are exactly the keys
 * that extend its key. key has room for SNAP_KEY_MAX bytes.
 */
#define SNAP_KEY_MAX (2 * WIRE_NAME_MAX)

static size_t canonical_key(const uint8_t *name, uint8_t *key)
{
	size_t starts[128], nl = 0, k = 0;

	for (size_t i = 0; name[i] != 0 && nl < 128; i += (size_t)name[i] + 1)
		starts[nl++] = i;
	while (nl-- > 0) {
		const uint8_t *l = name + starts[nl];
		for (size_t j = 1; j <= l[0]; j++) {
			uint8_t c = (uint8_t)tolower(l[j]);
			if (c <= 1) {
				key[k++] = 1;
				c++;
			}
			key[k++] = c;
		}
		key[k++] = 0;
	}
	return k;
}

static chunk *chunk_new(void)
{
	chunk *c = calloc(1, sizeof(*c));

	if (c != NULL)
		atomic_init(&c->refs, 1);
	return c;
}

static void chunk_unref(chunk *c)
{
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	free(c->data);
	free(c);
}

static snap *snap_alloc(const char *zone)
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

snap *snap_new(const char *zone)
{
	snap *s = snap_alloc(zone);

	if (s != NULL && (s->chunks[0] = chunk_new()) == NULL) {
		snap_unref(s);
		return NULL;
	}
	if (s != NULL)
		s->nchunks = 1;
	return s;
}

/* Copies n bytes into this snapshot's own chunk (a new chunk when the
 * current one is full). */
static int arena_put(snap *s, const void *p, size_t n, uint32_t *off)
{
	chunk *c = s->chunks[s->nchunks - 1];

	if (c->len + n > CHUNK_MAX) {
		if (s->nchunks == MAX_CHUNKS || (c = chunk_new()) == NULL)
			return AX_ETOOBIG;
		s->chunks[s->nchunks++] = c;
		s->last_owner_len = 0;  /* do not share across chunks */
	}
	if (c->cap - c->len < n || c->data == NULL) {
		size_t cap = c->cap ? c->cap : 1024;
		while (cap - c->len < n)
			cap *= 2;
		if (cap > CHUNK_MAX)
			cap = CHUNK_MAX;
		uint8_t *grown = realloc(c->data, cap);
		if (grown == NULL)
			return AX_ENOMEM;
		c->data = grown;
		c->cap = cap;
	}
	if (n > 0)  /* p may be NULL for an empty RDATA */
		memcpy(c->data + c->len, p, n);
	*off = (uint32_t)((size_t)(s->nchunks - 1) << CHUNK_BITS | c->len);
	c->len += n;
	return AX_OK;
}

/* Stores owner and its key, sharing the bytes with the previous record
 * when the owner is the same (records come grouped by owner). */
static int put_owner(snap *s, const uint8_t *owner, size_t olen, snap_rr *rr)
{
	uint8_t key[SNAP_KEY_MAX];
	size_t klen;
	int rc;

	if (s->last_owner_len == olen &&
	    memcmp(PTR(s, s->last_owner), owner, olen) == 0) {
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
	rr->key_len = (uint16_t)klen;
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
	rr->ttl = rr->own_ttl = ttl;
	rr->rdlen = (uint16_t)rdlen;
	return AX_OK;
}

/* Appends rr to a growable array. */
static int push(snap_rr **v, size_t *n, size_t *cap, const snap_rr *rr)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		snap_rr *grown = realloc(*v, c * sizeof(*grown));
		if (grown == NULL)
			return AX_ENOMEM;
		*v = grown;
		*cap = c;
	}
	(*v)[(*n)++] = *rr;
	return AX_OK;
}

int snap_add(snap *s, const uint8_t *owner, size_t olen, uint16_t type,
	     uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	snap_rr rr;
	int rc;

	if ((rc = make_rr(s, owner, olen, type, ttl, rdata, rdlen, &rr)) != AX_OK)
		return rc;
	return push(&s->rrs, &s->n, &s->cap, &rr);
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
	int c = memcmp(PTR(s, a->key), PTR(s, b->key), n);

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
	c = memcmp(PTR(s, a->rdata), PTR(s, b->rdata), n);
	if (c != 0)
		return c;
	return (int)a->rdlen - (int)b->rdlen;
}

static int qsort_cmp(const void *a, const void *b, void *ctx)
{
	return rr_cmp(ctx, a, b);
}

/*
 * Sorts rrs[0..n) into canonical order in place. glibc's qsort_r is a
 * merge sort with a scratch copy of the whole array: for a 1M-record zone
 * 28 MB more at the peak of every build. This is an introsort (quicksort,
 * median of three, heapsort when the recursion gets too deep, insertion
 * sort for short runs), no memory beyond the stack.
 */
static void swap_rr(snap_rr *a, snap_rr *b)
{
	snap_rr t = *a;

	*a = *b;
	*b = t;
}

static void sift_down(const snap *s, snap_rr *a, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && rr_cmp(s, &a[child], &a[child + 1]) < 0)
			child++;
		if (rr_cmp(s, &a[root], &a[child]) >= 0)
			return;
		swap_rr(&a[root], &a[child]);
	}
}

static void heap_sort(const snap *s, snap_rr *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0; )
		sift_down(s, a, i, n);
	for (size_t end = n; end-- > 1; ) {
		swap_rr(&a[0], &a[end]);
		sift_down(s, a, 0, end);
	}
}

static void insertion_sort(const snap *s, snap_rr *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		snap_rr v = a[i];
		size_t j = i;
		for (; j > 0 && rr_cmp(s, &a[j - 1], &v) > 0; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void intro_sort(const snap *s, snap_rr *a, size_t n, unsigned depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(s, a, n);
			return;
		}
		/* median of three to a[0], then Hoare's partition around it */
		size_t m = n / 2;
		if (rr_cmp(s, &a[m], &a[0]) < 0)
			swap_rr(&a[m], &a[0]);
		if (rr_cmp(s, &a[n - 1], &a[m]) < 0) {
			swap_rr(&a[n - 1], &a[m]);
			if (rr_cmp(s, &a[m], &a[0]) < 0)
				swap_rr(&a[m], &a[0]);
		}
		swap_rr(&a[0], &a[m]);
		size_t i = 0, j = n;
		for (;;) {
			while (rr_cmp(s, &a[++i], &a[0]) < 0 && i < n - 1)
				;
			while (rr_cmp(s, &a[0], &a[--j]) < 0)
				;
			if (i >= j)
				break;
			swap_rr(&a[i], &a[j]);
		}
		swap_rr(&a[0], &a[j]);
		/* the smaller side by recursion, the larger by the loop */
		if (j < n - j - 1) {
			intro_sort(s, a, j, depth);
			a += j + 1;
			n -= j + 1;
		} else {
			intro_sort(s, a + j + 1, n - j - 1, depth);
			n = j;
		}
	}
	insertion_sort(s, a, n);
}

static void sort_rrs(const snap *s, snap_rr *a, size_t n)
{
	unsigned depth = 0;

	for (size_t k = n; k > 1; k >>= 1)
		depth += 2;
	intro_sort(s, a, n, depth);
}

/* Same owner (case-insensitively) and type. */
static bool same_rrset(const snap *s, const snap_rr *a, const snap_rr *b)
{
	return a->type == b->type && key_cmp(s, a, b) == 0;
}

/* Gives the records of the RRset starting at i the set's lowest TTL;
 * returns the index after the set. */
static size_t unify_rrset(snap *s, size_t i)
{
	size_t j = i + 1;
	uint32_t ttl = s->rrs[i].own_ttl;

	while (j < s->n && same_rrset(s, &s->rrs[j], &s->rrs[i])) {
		if (s->rrs[j].own_ttl < ttl)
			ttl = s->rrs[j].own_ttl;
		j++;
	}
	for (size_t k = i; k < j; k++)
		s->rrs[k].ttl = ttl;
	return j;
}

/* One record's contribution to the digest: a 64-bit hash of what is
 * served (owner as written, type, TTL, RDATA). */
static uint64_t rr_hash(const snap *s, const snap_rr *r)
{
	uint64_t h = 14695981039346656037ull;
	const uint8_t *p = PTR(s, r->owner);
	uint8_t hdr[8] = {(uint8_t)(r->type >> 8), (uint8_t)r->type,
			  (uint8_t)(r->ttl >> 24), (uint8_t)(r->ttl >> 16),
			  (uint8_t)(r->ttl >> 8), (uint8_t)r->ttl,
			  (uint8_t)(r->rdlen >> 8), (uint8_t)r->rdlen};

	for (size_t i = 0; i < r->owner_len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (size_t i = 0; i < sizeof(hdr); i++)
		h = (h ^ hdr[i]) * 1099511628211ull;
	p = PTR(s, r->rdata);
	for (size_t i = 0; i < r->rdlen; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static uint64_t rotl(uint64_t x, int k)
{
	return x << k | x >> (64 - k);
}

/*
 * The digest is a sum over the records of four mixes of each record's
 * hash (256 bits): the same set of records gives the same digest in any
 * order, and a change adjusts it without going over the whole zone.
 */
static void digest_adjust(snap *s, const snap *from, const snap_rr *r, bool add)
{
	uint64_t h = rr_hash(from, r);
	uint64_t m[4] = {h, rotl(h * 0x9e3779b97f4a7c15ull, 23),
			 rotl(h * 0xc2b2ae3d27d4eb4full, 41) ^ 0x165667b19e3779f9ull,
			 (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull};

	for (int i = 0; i < 4; i++)
		s->digest[i] = add ? s->digest[i] + m[i] : s->digest[i] - m[i];
}

/* Gives back what the build reserved but did not use: many zones are
 * small, and every one is kept in memory. */
static void shrink(snap *s)
{
	chunk *c = s->chunks[s->nchunks - 1];
	snap_rr *rrs;
	uint8_t *data;

	if (s->n > 0 && s->n < s->cap &&
	    (rrs = realloc(s->rrs, s->n * sizeof(*rrs))) != NULL) {
		s->rrs = rrs;
		s->cap = s->n;
	}
	if (c->len > 0 && c->len < c->cap && (data = realloc(c->data, c->len)) != NULL) {
		c->data = data;
		c->cap = c->len;
	}
}

int snap_finish(snap *s)
{
	size_t out = 0;

	if (s->finished)
		return AX_OK;
	if (s->soa.rdlen == 0 || s->base != NULL)
		return AX_EINVAL;
	sort_rrs(s, s->rrs, s->n);
	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && rr_cmp(s, &s->rrs[out - 1], &s->rrs[i]) == 0)
			continue;  /* the same record twice */
		s->rrs[out++] = s->rrs[i];
	}
	s->n = out;
	for (size_t i = 0; i < s->n; )
		i = unify_rrset(s, i);
	memset(s->digest, 0, sizeof(s->digest));
	for (size_t i = 0; i < s->n; i++)
		digest_adjust(s, s, &s->rrs[i], true);
	shrink(s);
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
	for (unsigned i = 0; i < s->nchunks; i++)
		chunk_unref(s->chunks[i]);
	snap_unref(s->base);
	free(s->dels);
	free(s->del_owners);
	free(s->zone);
	free(s->rrs);
	free(s);
}

const char *snap_zone(const snap *s) { return s->zone; }
uint32_t snap_serial(const snap *s) { return s->serial; }
const snap_rr *snap_soa(const snap *s) { return &s->soa; }
size_t snap_count(const snap *s) { return s->n; }
const snap_rr *snap_at(const snap *s, size_t i) { return &s->rrs[i]; }
const uint8_t *snap_bytes(const snap *s, uint32_t off) { return PTR(s, off); }
const uint8_t *snap_digest(const snap *s) { return (const uint8_t *)s->digest; }
unsigned snap_depth(const snap *s) { return s->depth; }

const uint8_t *snap_apex(const snap *s, size_t *len)
{
	*len = s->apex_len;
	return s->apex;
}

size_t snap_memory(const snap *s)
{
	size_t m = sizeof(*s) + s->cap * sizeof(*s->rrs);

	/* Shared chunks count for every version; the newest one matters. */
	for (unsigned i = 0; i < s->nchunks; i++)
		m += s->chunks[i]->cap;
	return m;
}

/* First index of rrs[0..n) whose owner key is not below key. */
static size_t lower_bound(const snap *s, const snap_rr *rrs, size_t n,
			  const uint8_t *key, size_t klen)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const snap_rr *r = &rrs[mid];
		size_t m = r->key_len < klen ? r->key_len : klen;
		int c = memcmp(PTR(s, r->key), key, m);
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
	return r->key_len == klen && memcmp(PTR(s, r->key), key, klen) == 0;
}

bool snap_find(const snap *s, const uint8_t *name, size_t len, size_t *first,
	       size_t *n)
{
	uint8_t key[SNAP_KEY_MAX];
	size_t klen, i, j;

	*first = 0;
	*n = 0;
	if (len == 0 || len > WIRE_NAME_MAX)
		return false;
	klen = canonical_key(name, key);
	i = lower_bound(s, s->rrs, s->n, key, klen);
	for (j = i; j < s->n && key_equal(s, &s->rrs[j], key, klen); j++)
		;
	*first = i;
	*n = j - i;
	return j > i;
}

bool snap_has_descendant(const snap *s, const uint8_t *name, size_t len)
{
	uint8_t key[SNAP_KEY_MAX];
	size_t klen, i;

	if (len == 0 || len > WIRE_NAME_MAX)
		return false;
	klen = canonical_key(name, key);
	i = lower_bound(s, s->rrs, s->n, key, klen);
	while (i < s->n && key_equal(s, &s->rrs[i], key, klen))
		i++;
	return i < s->n && s->rrs[i].key_len > klen &&
	       memcmp(PTR(s, s->rrs[i].key), key, klen) == 0;
}

/* Order of records across two snapshots, TTL and owner case included. */
static int cross_cmp(const snap *a, const snap_rr *x, const snap *b,
		     const snap_rr *y)
{
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(PTR(a, x->key), PTR(b, y->key), n);

	if (c == 0)
		c = (int)x->key_len - (int)y->key_len;
	if (c == 0 && x->type != y->type)
		c = x->type < y->type ? -1 : 1;
	if (c == 0) {
		n = x->rdlen < y->rdlen ? x->rdlen : y->rdlen;
		c = memcmp(PTR(a, x->rdata), PTR(b, y->rdata), n);
		if (c == 0)
			c = (int)x->rdlen - (int)y->rdlen;
	}
	if (c == 0 && x->ttl != y->ttl)
		c = x->ttl < y->ttl ? -1 : 1;
	/* The owner's case is part of the record as served. */
	if (c == 0 && x->owner_len == y->owner_len)
		c = memcmp(PTR(a, x->owner), PTR(b, y->owner), x->owner_len);
	return c;
}

/* Emits the difference of a[ai..aend) and b[bi..bend) (both sorted), in
 * one pass: removals when added is false, additions when true. */
static int diff_range(const snap *a, size_t ai, size_t aend, const snap *b,
		      size_t bi, size_t bend, bool added, snap_diff_fn emit,
		      void *arg)
{
	int rc;

	while (ai < aend || bi < bend) {
		int c = ai == aend ? 1 : bi == bend ? -1 :
			cross_cmp(a, &a->rrs[ai], b, &b->rrs[bi]);
		if (c == 0) {
			ai++;
			bi++;
		} else if (c < 0) {
			if (!added && (rc = emit(arg, false, a, &a->rrs[ai])) != 0)
				return rc;
			ai++;
		} else {
			if (added && (rc = emit(arg, true, b, &b->rrs[bi])) != 0)
				return rc;
			bi++;
		}
	}
	return 0;
}

int snap_diff(const snap *a, const snap *b, snap_diff_fn emit, void *arg)
{
	int rc = diff_range(a, 0, a->n, b, 0, b->n, false, emit, arg);

	return rc != 0 ? rc : diff_range(a, 0, a->n, b, 0, b->n, true, emit, arg);
}

snap *snap_derive(snap *base)
{
	snap *s;

	if (!base->finished || base->depth + 1 >= SNAP_MAX_DEPTH ||
	    base->nchunks >= MAX_CHUNKS || (s = snap_alloc(base->zone)) == NULL)
		return NULL;
	for (unsigned i = 0; i < base->nchunks; i++) {
		s->chunks[i] = base->chunks[i];
		atomic_fetch_add(&s->chunks[i]->refs, 1);
	}
	s->nchunks = base->nchunks;
	if ((s->chunks[s->nchunks] = chunk_new()) == NULL) {
		snap_unref(s);
		return NULL;
	}
	s->nchunks++;
	s->depth = base->depth + 1;
	s->base = snap_ref(base);
	memcpy(s->digest, base->digest, sizeof(s->digest));
	return s;
}

int snap_del(snap *s, const uint8_t *owner, size_t olen, uint16_t type,
	     const uint8_t *rdata, size_t rdlen)
{
	snap_rr rr;
	int rc;

	if (s->base == NULL)
		return AX_EINVAL;
	if ((rc = make_rr(s, owner, olen, type, 0, rdata, rdlen, &rr)) != AX_OK)
		return rc;
	return push(&s->dels, &s->ndels, &s->capdels, &rr);
}

int snap_del_addresses(snap *s, const uint8_t *owner, size_t olen)
{
	snap_rr rr;
	int rc;

	if (s->base == NULL)
		return AX_EINVAL;
	if ((rc = make_rr(s, owner, olen, 0, 0, NULL, 0, &rr)) != AX_OK)
		return rc;
	return push(&s->del_owners, &s->ndel_owners, &s->capdel_owners, &rr);
}

/* Turns each "addresses at owner" removal into the base's A/AAAA there. */
static int expand_del_owners(snap *s)
{
	const snap *b = s->base;
	int rc = AX_OK;

	for (size_t k = 0; k < s->ndel_owners && rc == AX_OK; k++) {
		const snap_rr *o = &s->del_owners[k];
		size_t i = lower_bound(s, b->rrs, b->n, PTR(s, o->key), o->key_len);
		for (; i < b->n && key_cmp(s, &b->rrs[i], o) == 0 && rc == AX_OK; i++)
			if (b->rrs[i].type == RR_A || b->rrs[i].type == RR_AAAA)
				rc = push(&s->dels, &s->ndels, &s->capdels, &b->rrs[i]);
	}
	return rc;
}

/* Merges base minus dels plus adds (all sorted) into out. */
static size_t merge(snap *s, const snap_rr *adds, size_t nadds, snap_rr *out)
{
	const snap *b = s->base;
	size_t i = 0, j = 0, d = 0, n = 0;

	while (i < b->n || j < nadds) {
		if (i < b->n) {
			while (d < s->ndels && rr_cmp(s, &s->dels[d], &b->rrs[i]) < 0)
				d++;
			if (d < s->ndels && rr_cmp(s, &s->dels[d], &b->rrs[i]) == 0) {
				i++;        /* removed */
				continue;
			}
		}
		int c = i == b->n ? 1 : j == nadds ? -1 : rr_cmp(s, &b->rrs[i], &adds[j]);
		if (c <= 0) {
			out[n++] = b->rrs[i++];
			if (c == 0)
				j++;        /* already there: keep one */
		} else {
			out[n++] = adds[j++];
		}
	}
	return n;
}

/* The distinct RRsets the change touches (sorted, one entry each). */
static int touched_sets(snap *s, const snap_rr *adds, size_t nadds,
			snap_rr **sets, size_t *nsets)
{
	size_t cap = 0, k = 0;
	int rc = AX_OK;

	*sets = NULL;
	*nsets = 0;
	for (size_t i = 0; i < nadds && rc == AX_OK; i++)
		rc = push(sets, nsets, &cap, &adds[i]);
	for (size_t i = 0; i < s->ndels && rc == AX_OK; i++)
		rc = push(sets, nsets, &cap, &s->dels[i]);
	if (rc != AX_OK || *nsets == 0)
		return rc;
	qsort_r(*sets, *nsets, sizeof(**sets), qsort_cmp, s);
	for (size_t i = 1; i < *nsets; i++)
		if (!same_rrset(s, &(*sets)[i], &(*sets)[k]))
			(*sets)[++k] = (*sets)[i];
	*nsets = k + 1;
	return AX_OK;
}

/* The range of the RRset like r in rrs[0..n). */
static void rrset_range(const snap *s, const snap_rr *rrs, size_t n,
			const snap_rr *r, size_t *first, size_t *end)
{
	size_t i = lower_bound(s, rrs, n, PTR(s, r->key), r->key_len);

	while (i < n && key_cmp(s, &rrs[i], r) == 0 && rrs[i].type < r->type)
		i++;
	*first = i;
	while (i < n && same_rrset(s, &rrs[i], r))
		i++;
	*end = i;
}

/* Unifies the TTLs of the touched RRsets, adjusts the digest and emits
 * the exact difference, set by set. */
static int settle_sets(snap *s, const snap_rr *sets, size_t nsets,
		       snap_diff_fn emit, void *arg)
{
	const snap *b = s->base;
	int rc = 0;

	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t k = 0; k < nsets && rc == 0; k++) {
			size_t bf, be, nf, ne;
			rrset_range(s, b->rrs, b->n, &sets[k], &bf, &be);
			rrset_range(s, s->rrs, s->n, &sets[k], &nf, &ne);
			if (pass == 0 && nf < ne)
				unify_rrset(s, nf);
			if (pass == 0) {
				for (size_t i = bf; i < be; i++)
					digest_adjust(s, b, &b->rrs[i], false);
				for (size_t i = nf; i < ne; i++)
					digest_adjust(s, s, &s->rrs[i], true);
			}
			rc = diff_range(b, bf, be, s, nf, ne, pass == 1, emit, arg);
		}
	}
	return rc;
}

int snap_finish_derived(snap *s, snap_diff_fn emit, void *arg)
{
	snap_rr *out = NULL, *adds = s->rrs, *sets = NULL;
	size_t nadds = s->n, nsets = 0;
	int rc;

	if (s->base == NULL || s->finished || s->soa.rdlen == 0)
		return AX_EINVAL;
	if ((rc = expand_del_owners(s)) != AX_OK)
		return rc;
	if (nadds > 1)
		qsort_r(adds, nadds, sizeof(*adds), qsort_cmp, s);
	if (s->ndels > 1)
		qsort_r(s->dels, s->ndels, sizeof(*s->dels), qsort_cmp, s);
	if ((out = malloc((s->base->n + nadds + 1) * sizeof(*out))) == NULL)
		return AX_ENOMEM;
	s->n = merge(s, adds, nadds, out);
	s->rrs = out;
	s->cap = s->base->n + nadds + 1;
	if ((rc = touched_sets(s, adds, nadds, &sets, &nsets)) == AX_OK)
		rc = settle_sets(s, sets, nsets, emit, arg);
	free(adds);
	free(sets);
	free(s->dels);
	free(s->del_owners);
	s->dels = s->del_owners = NULL;
	s->ndels = s->ndel_owners = 0;
	snap_unref(s->base);
	s->base = NULL;
	s->finished = rc == 0;
	return rc == 0 ? AX_OK : AX_EIO;
}
