/* test_snap.c -- snapshots: a version derived from the previous one by a
 * change must equal a full build of the changed zone, and report exactly
 * the difference snap_diff finds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/snap.h"
#include "axfrd/wire.h"

/* A record in test form: owner label, type, TTL, IPv4 address byte. */
typedef struct trr {
	char owner[32];
	uint16_t type;
	uint32_t ttl;
	uint8_t addr;
	bool live;
} trr;

static zf_soa soa_of(uint32_t serial)
{
	zf_soa s = {(char *)"ns1.example.net.", (char *)"hostmaster.example.net.",
		    serial, 3600, 600, 86400, 300, 3600};
	return s;
}

static void owner_wire(const char *label, uint8_t *out, size_t *len)
{
	char fqdn[64];

	snprintf(fqdn, sizeof(fqdn), "%s.example.com.", label);
	assert_true(wire_name_from_text(fqdn, out, len));
}

static void rdata_of(const trr *r, uint8_t *rd, size_t *len)
{
	if (r->type == RR_A) {
		uint8_t a[4] = {192, 0, 2, r->addr};
		memcpy(rd, a, 4);
		*len = 4;
	} else {
		memset(rd, 0, 16);
		rd[0] = 0x20;
		rd[1] = 0x01;
		rd[15] = r->addr;
		*len = 16;
	}
}

static snap *full_build(const trr *recs, size_t n, uint32_t serial)
{
	snap *s = snap_new("example.com");
	zf_soa soa = soa_of(serial);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		uint8_t o[WIRE_NAME_MAX], rd[16];
		size_t ol, rl;
		if (!recs[i].live)
			continue;
		owner_wire(recs[i].owner, o, &ol);
		rdata_of(&recs[i], rd, &rl);
		assert_int_equal(snap_add(s, o, ol, recs[i].type, recs[i].ttl, rd, rl), AX_OK);
	}
	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	assert_int_equal(snap_finish(s), AX_OK);
	return s;
}

/* Collects a diff as text lines. */
typedef struct lines {
	char (*v)[160];
	size_t n, cap;
} lines;

static int collect(void *arg, bool added, const snap *s, const snap_rr *rr)
{
	lines *l = arg;
	char name[1024];

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	wire_name_to_text(snap_bytes(s, rr->owner), name, sizeof(name));
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%c %.100s %u %u %u", added ? '+' : '-',
		 name, rr->type, rr->ttl, snap_bytes(s, rr->rdata)[rr->rdlen - 1]);
	return 0;
}

static void assert_same(const snap *a, const snap *b)
{
	assert_int_equal(snap_count(a), snap_count(b));
	for (size_t i = 0; i < snap_count(a); i++) {
		const snap_rr *x = snap_at(a, i), *y = snap_at(b, i);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->ttl, y->ttl);
		assert_int_equal(x->owner_len, y->owner_len);
		assert_memory_equal(snap_bytes(a, x->owner), snap_bytes(b, y->owner),
				    x->owner_len);
		assert_int_equal(x->rdlen, y->rdlen);
		assert_memory_equal(snap_bytes(a, x->rdata), snap_bytes(b, y->rdata),
				    x->rdlen);
	}
	assert_memory_equal(snap_digest(a), snap_digest(b), 32);
}

static void test_derived_equals_full_build(void **state)
{
	enum { NREC = 400, ROUNDS = 40 };
	trr *recs = calloc(NREC * 2, sizeof(*recs));
	size_t n = 0;
	uint32_t serial = 1;
	snap *cur;

	(void)state;
	srand(7);
	for (; n < NREC; n++) {
		snprintf(recs[n].owner, sizeof(recs[n].owner), "h%d", rand() % 150);
		recs[n].type = rand() % 4 ? RR_A : RR_AAAA;
		recs[n].ttl = 300 + (uint32_t)(rand() % 3) * 100;
		recs[n].addr = (uint8_t)(rand() % 200);
		recs[n].live = true;
		/* the store never holds the same record twice */
		for (size_t i = 0; i < n; i++)
			if (recs[i].live && strcmp(recs[i].owner, recs[n].owner) == 0 &&
			    recs[i].type == recs[n].type && recs[i].addr == recs[n].addr)
				recs[n].live = false;
	}
	cur = full_build(recs, n, serial);
	for (int round = 0; round < ROUNDS; round++) {
		snap *d = snap_derive(cur);
		zf_soa soa = soa_of(++serial);
		lines got = {0}, want = {0};
		if (d == NULL) {  /* too deep: rebuild, as the server does */
			snap_unref(cur);
			cur = full_build(recs, n, serial - 1);
			d = snap_derive(cur);
		}
		assert_non_null(d);
		/* a few removals (sometimes every address of an owner) ... */
		for (int k = 0; k < 1 + rand() % 5; k++) {
			trr *r = &recs[(size_t)rand() % n];
			uint8_t o[WIRE_NAME_MAX], rd[16];
			size_t ol, rl;
			if (!r->live)
				continue;
			owner_wire(r->owner, o, &ol);
			if (rand() % 6 == 0) {
				assert_int_equal(snap_del_addresses(d, o, ol), AX_OK);
				for (size_t i = 0; i < n; i++)
					if (strcmp(recs[i].owner, r->owner) == 0)
						recs[i].live = false;
				continue;
			}
			rdata_of(r, rd, &rl);
			assert_int_equal(snap_del(d, o, ol, r->type, rd, rl), AX_OK);
			for (size_t i = 0; i < n; i++)  /* the store has it once */
				if (recs[i].live && strcmp(recs[i].owner, r->owner) == 0 &&
				    recs[i].type == r->type && recs[i].addr == r->addr)
					recs[i].live = false;
		}
		/* ... and additions, some into existing RRsets with other TTLs */
		for (int k = 0; k < 1 + rand() % 5 && n < NREC * 2; k++) {
			trr *r = &recs[n++];
			uint8_t o[WIRE_NAME_MAX], rd[16];
			size_t ol, rl;
			snprintf(r->owner, sizeof(r->owner), "h%d", rand() % 170);
			r->type = rand() % 4 ? RR_A : RR_AAAA;
			r->ttl = 200 + (uint32_t)(rand() % 4) * 100;
			r->addr = (uint8_t)(200 + rand() % 50);
			r->live = true;
			for (size_t i = 0; i + 1 < n; i++)  /* no duplicates */
				if (recs[i].live && strcmp(recs[i].owner, r->owner) == 0 &&
				    recs[i].type == r->type && recs[i].addr == r->addr)
					r->live = false;
			if (!r->live)
				continue;
			owner_wire(r->owner, o, &ol);
			rdata_of(r, rd, &rl);
			assert_int_equal(snap_add(d, o, ol, r->type, r->ttl, rd, rl), AX_OK);
		}
		assert_int_equal(snap_set_soa(d, &soa), AX_OK);
		assert_int_equal(snap_finish_derived(d, collect, &got), AX_OK);
		snap *full = full_build(recs, n, serial);
		assert_same(d, full);
		assert_int_equal(snap_diff(cur, d, collect, &want), 0);
		assert_int_equal(got.n, want.n);
		for (size_t i = 0; i < got.n; i++)
			assert_string_equal(got.v[i], want.v[i]);
		free(got.v);
		free(want.v);
		snap_unref(full);
		snap_unref(cur);
		cur = d;
	}
	snap_unref(cur);
	free(recs);
}

static void test_digest_ignores_order_and_serial(void **state)
{
	trr a[3] = {{"x", RR_A, 300, 1, true}, {"y", RR_A, 300, 2, true},
		    {"x", RR_AAAA, 300, 3, true}};
	trr b[3] = {a[2], a[0], a[1]};
	snap *s1 = full_build(a, 3, 1), *s2 = full_build(b, 3, 99);

	(void)state;
	assert_memory_equal(snap_digest(s1), snap_digest(s2), 32);
	a[1].ttl = 301;
	snap *s3 = full_build(a, 3, 1);
	assert_memory_not_equal(snap_digest(s1), snap_digest(s3), 32);
	snap_unref(s1);
	snap_unref(s2);
	snap_unref(s3);
}

/* The canonical key of an owner, as RFC 4034 6.1 orders names: labels
 * from the root, lower case, each ended by a 0 byte. */
static size_t test_key(const uint8_t *name, uint8_t *key)
{
	size_t starts[128], nl = 0, k = 0;

	for (size_t i = 0; name[i] != 0; i += (size_t)name[i] + 1)
		starts[nl++] = i;
	while (nl-- > 0) {
		for (size_t j = 1; j <= name[starts[nl]]; j++) {
			uint8_t c = name[starts[nl] + j];
			key[k++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		key[k++] = 0;
	}
	return k;
}

static int canonical_cmp(const snap *s, const snap_rr *a, const snap_rr *b)
{
	uint8_t ka[WIRE_NAME_MAX], kb[WIRE_NAME_MAX];
	size_t la = test_key(snap_bytes(s, a->owner), ka);
	size_t lb = test_key(snap_bytes(s, b->owner), kb);
	int c = memcmp(ka, kb, la < lb ? la : lb);

	if (c != 0 || la != lb)
		return c != 0 ? c : la < lb ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	c = memcmp(snap_bytes(s, a->rdata), snap_bytes(s, b->rdata),
		   a->rdlen < b->rdlen ? a->rdlen : b->rdlen);
	return c != 0 ? c : (int)a->rdlen - (int)b->rdlen;
}

/* 30,000 records (with duplicates, equal keys, runs already in order and
 * in reverse) come out in canonical order, each once, whatever the order
 * they were added in. */
static void test_sort_is_canonical(void **state)
{
	enum { N = 30000, NAMES = 400 };
	static const char *const labels[] = {"a", "B", "c-1", "www", "Mail", "x", "_srv",
					     "zz", "A0", "m"};
	char names[NAMES][64];
	uint8_t owner[WIRE_NAME_MAX], rd[32];
	size_t *order = malloc(N * sizeof(*order));
	unsigned seed = 12345;
	zf_soa soa = soa_of(7);
	snap *s[3];

	(void)state;
	assert_non_null(order);
	for (int i = 0; i < NAMES; i++) {
		seed = seed * 1103515245u + 12345u;
		int depth = 1 + (int)(seed >> 16) % 3;
		names[i][0] = 0;
		for (int k = 0; k < depth; k++) {
			seed = seed * 1103515245u + 12345u;
			strcat(names[i], labels[(seed >> 16) % 10]);
			strcat(names[i], ".");
		}
		strcat(names[i], "example.com.");
	}
	for (int v = 0; v < 3; v++) {
		s[v] = snap_new("example.com");
		assert_non_null(s[v]);
		assert_int_equal(snap_set_soa(s[v], &soa), AX_OK);
	}
	for (size_t i = 0; i < N; i++)
		order[i] = i;
	for (size_t i = N - 1; i > 0; i--) {   /* a shuffle for the first */
		seed = seed * 1103515245u + 12345u;
		size_t j = (seed >> 8) % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int v = 0; v < 3; v++) {
		for (size_t k = 0; k < N; k++) {
			/* shuffled, in order, reversed */
			size_t i = v == 0 ? order[k] : v == 1 ? k : N - 1 - k;
			unsigned h = (unsigned)i * 2654435761u;
			size_t olen, rdlen = 1 + (h >> 7) % 8;
			uint16_t type = (uint16_t)(1 + (h >> 3) % 3);
			assert_true(wire_name_from_text(names[(h >> 11) % NAMES], owner, &olen));
			for (size_t b = 0; b < rdlen; b++)
				rd[b] = (uint8_t)((h >> (b * 3)) % 5);  /* few values: duplicates */
			assert_int_equal(snap_add(s[v], owner, olen, type, 300, rd, rdlen), AX_OK);
		}
		assert_int_equal(snap_finish(s[v]), AX_OK);
	}
	assert_true(snap_count(s[0]) < N);       /* duplicates went */
	assert_true(snap_count(s[0]) > N / 4);
	for (int v = 0; v < 3; v++) {
		assert_int_equal(snap_count(s[v]), snap_count(s[0]));
		for (size_t i = 0; i + 1 < snap_count(s[v]); i++)
			assert_true(canonical_cmp(s[v], snap_at(s[v], i), snap_at(s[v], i + 1)) < 0);
		for (size_t i = 0; i < snap_count(s[v]); i++) {
			const snap_rr *a = snap_at(s[v], i), *b = snap_at(s[0], i);
			assert_int_equal(a->owner_len, b->owner_len);
			assert_memory_equal(snap_bytes(s[v], a->owner), snap_bytes(s[0], b->owner),
					    a->owner_len);
			assert_int_equal(a->type, b->type);
			assert_int_equal(a->rdlen, b->rdlen);
			assert_memory_equal(snap_bytes(s[v], a->rdata), snap_bytes(s[0], b->rdata),
					    a->rdlen);
		}
	}
	for (int v = 0; v < 3; v++)
		snap_unref(s[v]);
	free(order);
}

/* ---- names whose labels hold 0x00, 0x01 or '.' (issue 17 point 7) ---- */

/* Wire form of the labels ls[0..n) (leftmost first, each given with its
 * length, bytes taken as they are) followed by example.com. */
static size_t raw_name(const char *const *ls, const size_t *lens, size_t n,
		       uint8_t *out)
{
	static const uint8_t apex[] = "\007example\003com";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		out[k++] = (uint8_t)lens[i];
		memcpy(out + k, ls[i], lens[i]);
		k += lens[i];
	}
	memcpy(out + k, apex, sizeof(apex));
	return k + sizeof(apex);
}

/* RFC 4034 section 6.1, label by label from the root: lower-cased octet
 * strings, a missing octet before any octet, fewer labels first. */
static int rfc_name_cmp(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *la[128], *lb[128];
	size_t na = 0, nb = 0;

	for (; *a != 0; a += *a + 1)
		la[na++] = a;
	for (; *b != 0; b += *b + 1)
		lb[nb++] = b;
	while (na > 0 && nb > 0) {
		const uint8_t *x = la[--na], *y = lb[--nb];
		for (size_t i = 1; i <= x[0] && i <= y[0]; i++) {
			int cx = x[i] >= 'A' && x[i] <= 'Z' ? x[i] + 32 : x[i];
			int cy = y[i] >= 'A' && y[i] <= 'Z' ? y[i] + 32 : y[i];
			if (cx != cy)
				return cx < cy ? -1 : 1;
		}
		if (x[0] != y[0])
			return x[0] < y[0] ? -1 : 1;
	}
	return na == nb ? 0 : na < nb ? -1 : 1;
}

#define NNAMES 12
/* Owners that a key joining labels with 0 bytes confuses: "b\0a" is
 * a.b, "c\0b" is the empty non-terminal b.c, "\0" and "" ... and a label
 * holding a '.' is not two labels. */
static size_t odd_names(uint8_t names[NNAMES][WIRE_NAME_MAX], size_t *lens)
{
	static const char *const L[NNAMES][3] = {
		{"a", "b", "c"}, {"b\0a", "c"}, {"c\0b"}, {"a.b"}, {"a", "b"},
		{"b\001a", "c"}, {"b\002a", "c"}, {"b", "c"}, {"\0"}, {"\001"},
		{"B\0A", "C"}, {"x", "b\0a", "c"},
	};
	static const size_t N[NNAMES][3] = {
		{1, 1, 1}, {3, 1}, {3}, {3}, {1, 1}, {3, 1}, {3, 1}, {1, 1}, {1}, {1},
		{3, 1}, {1, 3, 1},
	};
	static const size_t C[NNAMES] = {3, 2, 1, 1, 2, 2, 2, 2, 1, 1, 2, 3};

	for (size_t i = 0; i < NNAMES; i++)
		lens[i] = raw_name(L[i], N[i], C[i], names[i]);
	return NNAMES;
}

static snap *odd_snap(uint8_t names[NNAMES][WIRE_NAME_MAX], size_t *lens,
		      unsigned skip)
{
	snap *s = snap_new("example.com");
	zf_soa soa = soa_of(1);

	assert_non_null(s);
	assert_int_equal(snap_set_soa(s, &soa), AX_OK);
	/* Backwards, so that the sort has work to do; rdata = the index.
	 * "B\0A.C" (10) is "b\0a.c" (1) in another case: one owner. */
	for (size_t i = NNAMES; i-- > 0;) {
		uint8_t rd[4] = {192, 0, 2, (uint8_t)i};
		if (!(skip & 1u << i))
			assert_int_equal(snap_add(s, names[i], lens[i], RR_A, 300, rd, 4),
					 AX_OK);
	}
	return s;
}

/* Each of those names finds exactly its own record; the order is RFC
 * 4034's; descendants are only real descendants. */
static void test_names_with_odd_bytes(void **state)
{
	uint8_t names[NNAMES][WIRE_NAME_MAX];
	size_t lens[NNAMES], first, n;
	snap *s;

	(void)state;
	odd_names(names, lens);
	s = odd_snap(names, lens, 0);
	assert_int_equal(snap_finish(s), AX_OK);
	assert_int_equal(snap_count(s), NNAMES);
	for (size_t i = 0; i + 1 < snap_count(s); i++)
		assert_true(rfc_name_cmp(snap_bytes(s, snap_at(s, i)->owner),
					 snap_bytes(s, snap_at(s, i + 1)->owner)) <= 0);
	for (size_t i = 0; i < NNAMES; i++) {
		bool two = i == 1 || i == 10;   /* one owner in two cases */
		if (!snap_find(s, names[i], lens[i], &first, &n))
			fail_msg("name %zu not found", i);
		assert_int_equal(n, two ? 2 : 1);
		for (size_t k = first; k < first + n; k++) {
			uint8_t got = snap_bytes(s, snap_at(s, k)->rdata)[3];
			if (got != i && !(two && got == 11 - i))
				fail_msg("name %zu found record %u", i, got);
		}
	}
	/* b.c has a.b.c below it; c\0b (a single label) has nothing below. */
	assert_true(snap_has_descendant(s, names[7], lens[7]));
	assert_false(snap_has_descendant(s, names[2], lens[2]));
	/* b\0a.c has x.b\0a.c below it, a.b.c nothing. */
	assert_true(snap_has_descendant(s, names[1], lens[1]));
	assert_false(snap_has_descendant(s, names[0], lens[0]));
	snap_unref(s);
}

static int count_emit(void *arg, bool added, const snap *s, const snap_rr *rr)
{
	(void)s;
	(void)rr;
	((int *)arg)[added ? 1 : 0]++;
	return 0;
}

/* The same names through a derived version (the IXFR journal path):
 * removing b\0a.c leaves a.b.c alone, adding it back adds one record. */
static void test_derived_odd_names(void **state)
{
	uint8_t names[NNAMES][WIRE_NAME_MAX];
	size_t lens[NNAMES], first, n;
	uint8_t rd1[4] = {192, 0, 2, 1};
	zf_soa soa = soa_of(2);
	snap *base, *d, *full;
	int counts[2] = {0, 0};

	(void)state;
	odd_names(names, lens);
	base = odd_snap(names, lens, 1u << 1 | 1u << 2);   /* no b\0a.c, c\0b */
	assert_int_equal(snap_finish(base), AX_OK);
	full = odd_snap(names, lens, 1u << 2);
	assert_int_equal(snap_set_soa(full, &soa), AX_OK);
	assert_int_equal(snap_finish(full), AX_OK);
	/* Removing a record that is not there, under a confusable name,
	 * removes nothing; the address removal of an ALIAS owner likewise. */
	d = snap_derive(base);
	assert_non_null(d);
	assert_int_equal(snap_set_soa(d, &soa), AX_OK);
	{
		uint8_t rd0[4] = {192, 0, 2, 0};
		assert_int_equal(snap_del(d, names[1], lens[1], RR_A, rd0, 4), AX_OK);
	}
	assert_int_equal(snap_del_addresses(d, names[2], lens[2]), AX_OK);
	assert_int_equal(snap_add(d, names[1], lens[1], RR_A, 300, rd1, 4), AX_OK);
	assert_int_equal(snap_finish_derived(d, count_emit, counts), AX_OK);
	assert_int_equal(counts[0], 0);   /* nothing removed */
	assert_int_equal(counts[1], 1);   /* one added */
	assert_same(d, full);
	assert_true(snap_find(d, names[0], lens[0], &first, &n));
	assert_int_equal(n, 1);
	assert_int_equal(snap_bytes(d, snap_at(d, first)->rdata)[3], 0);
	assert_true(snap_find(d, names[7], lens[7], &first, &n));
	assert_int_equal(snap_bytes(d, snap_at(d, first)->rdata)[3], 7);
	assert_true(snap_find(d, names[1], lens[1], &first, &n));
	assert_int_equal(n, 2);
	snap_unref(d);
	snap_unref(full);
	snap_unref(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derived_equals_full_build),
		cmocka_unit_test(test_digest_ignores_order_and_serial),
		cmocka_unit_test(test_sort_is_canonical),
		cmocka_unit_test(test_names_with_odd_bytes),
		cmocka_unit_test(test_derived_odd_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
