/* rrl.c -- response-rate limiting: token buckets per client prefix in a
 * bounded, open-addressed table. */
#include "rrl.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* One client prefix's bucket. */
typedef struct rrl_slot {
	uint8_t key[16];     /* the masked address (IPv4 in the first 4 bytes) */
	uint8_t family;      /* 0 = empty, 4 or 6 */
	uint32_t tokens;     /* responses left; refilled at rate per second */
	uint32_t limited;    /* limited responses so far (for the slip count) */
	uint64_t stamp;      /* ms of the last refill */
	uint64_t seen;       /* tick of the last response (eviction: the oldest) */
} rrl_slot;

struct rrl_table {
	rrl_opts o;
	size_t mask;         /* slots - 1 */
	uint64_t seed[2];    /* hash key, random per process */
	uint64_t tick;       /* responses accounted so far: an exact LRU clock,
			      * finer than milliseconds under a flood */
	rrl_slot slot[];
};

/* The largest table rrl_new accepts (64 Mi slots), so sizes cannot wrap. */
#define RRL_MAX_SLOTS ((size_t)1 << 26)

rrl_table *rrl_new(const rrl_opts *o)
{
	size_t n = RRL_PROBE;
	rrl_table *t;

	while (n < o->slots && n < RRL_MAX_SLOTS)
		n <<= 1;
	if ((t = calloc(1, sizeof(*t) + n * sizeof(rrl_slot))) == NULL)
		return NULL;
	t->o = *o;
	t->mask = n - 1;
	/* A key the sender cannot guess, so it cannot aim collisions at
	 * another client's bucket; a clock is enough if getrandom fails. */
	if (getrandom(t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed)) {
		t->seed[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
		t->seed[1] = (uint64_t)clock() ^ (uintptr_t)t;
	}
	return t;
}

void rrl_free(rrl_table *t)
{
	free(t);
}

size_t rrl_memory(const rrl_table *t)
{
	return sizeof(*t) + (t->mask + 1) * sizeof(rrl_slot);
}

/* Copies the first bits bits of addr (len bytes) into key, zeroing the rest. */
static void mask_addr(uint8_t key[16], const uint8_t *addr, size_t len, unsigned bits)
{
	memset(key, 0, 16);
	for (size_t i = 0; i < len && bits > 0; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		key[i] = (uint8_t)(addr[i] & (0xffu << (8 - take)));
		bits -= take;
	}
}

/* The client's prefix; false for families other than IPv4 and IPv6. */
static bool client_key(const rrl_table *t, const struct sockaddr *sa, uint8_t key[16],
		       uint8_t *family)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		mask_addr(key, (const uint8_t *)&v4->sin_addr, 4, t->o.v4_prefix);
		*family = 4;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		mask_addr(key, v6->sin6_addr.s6_addr, 16, t->o.v6_prefix);
		*family = 6;
		return true;
	}
	return false;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static size_t slot_hash(const rrl_table *t, const uint8_t key[16], uint8_t family)
{
	uint64_t a, b;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	return (size_t)mix(mix(a ^ t->seed[0]) ^ b ^ t->seed[1] ^ family);
}

/* The slot of key: the one that holds it among the probed slots, else
 * the least recently used of them, reset to a full bucket for key. */
static rrl_slot *find_slot(rrl_table *t, const uint8_t key[16], uint8_t family,
			   uint64_t now)
{
	size_t h = slot_hash(t, key, family);
	rrl_slot *victim = NULL;

	for (size_t i = 0; i < RRL_PROBE; i++) {
		rrl_slot *s = &t->slot[(h + i) & t->mask];
		if (s->family == family && memcmp(s->key, key, 16) == 0)
			return s;
		if (victim == NULL || s->family == 0 ||
		    (victim->family != 0 && s->seen < victim->seen))
			victim = s;
	}
	memcpy(victim->key, key, 16);
	victim->family = family;
	victim->tokens = t->o.rate;
	victim->limited = 0;
	victim->stamp = now;
	return victim;
}

/* Adds the tokens earned since the last refill, at most one second's. */
static void refill(const rrl_table *t, rrl_slot *s, uint64_t now)
{
	uint64_t earned;

	if (now <= s->stamp)
		return;
	earned = (now - s->stamp) * t->o.rate / 1000;
	if (earned == 0)
		return;
	s->tokens = earned >= t->o.rate - s->tokens ? t->o.rate : s->tokens + (uint32_t)earned;
	/* Keep the remainder: only the time the earned tokens cost is used. */
	s->stamp = s->tokens == t->o.rate ? now : s->stamp + earned * 1000 / t->o.rate;
}

rrl_verdict rrl_check(rrl_table *t, const struct sockaddr *client, uint64_t now)
{
	uint8_t key[16], family;
	rrl_slot *s;

	if (t == NULL || t->o.rate == 0 || !client_key(t, client, key, &family))
		return RRL_PASS;
	s = find_slot(t, key, family, now);
	s->seen = ++t->tick;
	refill(t, s, now);
	if (s->tokens > 0) {
		s->tokens--;
		return RRL_PASS;
	}
	s->limited++;
	return t->o.slip != 0 && s->limited % t->o.slip == 0 ? RRL_SLIP : RRL_DROP;
}
