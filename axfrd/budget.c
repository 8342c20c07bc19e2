/* budget.c -- the per-account token buckets of outbound-rate-per-account:
 * an open-addressing table keyed by account id under one mutex. */
#include "budget.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* One account's bucket, in thousandths of a token. */
typedef struct bucket {
	bool live;                    /* false: a free slot */
	int64_t account;
	int64_t mtokens;              /* may be negative (in debt) */
	uint64_t at;                  /* clock of the last refill */
} bucket;

struct budget {
	pthread_mutex_t mu;
	uint64_t rate;                /* tokens per second = mtokens per ms */
	budget_clock_fn clock;
	void *clock_arg;
	bucket *slots;
	size_t cap, used;             /* cap: a power of two */
};

static uint64_t mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

budget *budget_new(uint64_t rate, budget_clock_fn clock, void *clock_arg)
{
	budget *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->rate = rate > 0 ? rate : 1;
	b->clock = clock != NULL ? clock : mono_ms;
	b->clock_arg = clock_arg;
	b->cap = 64;
	if ((b->slots = calloc(b->cap, sizeof(*b->slots))) == NULL) {
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->mu, NULL);
	return b;
}

void budget_free(budget *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->mu);
	free(b->slots);
	free(b);
}

static int64_t full(const budget *b)
{
	return (int64_t)(b->rate * 1000u);
}

static size_t slot_of(const bucket *slots, size_t cap, int64_t account)
{
	size_t i = (size_t)((uint64_t)account * 0x9E3779B97F4A7C15ull) & (cap - 1);

	while (slots[i].live && slots[i].account != account)
		i = (i + 1) & (cap - 1);
	return i;
}

static void refill(const budget *b, bucket *k, uint64_t now)
{
	/* The clock is shared by threads whose readings may be a little
	 * apart: time never runs backwards for a bucket. */
	if (now > k->at) {
		uint64_t add = (now - k->at) * b->rate;
		k->mtokens = add >= (uint64_t)(full(b) - k->mtokens) ? full(b) :
			     k->mtokens + (int64_t)add;
		k->at = now;
	}
}

/* Rebuilds the table without the buckets that are full again (the same
 * as no bucket), twice as large when that is not enough room. */
static bool rehash(budget *b, uint64_t now)
{
	size_t live = 0, cap = b->cap;
	bucket *slots;

	for (size_t i = 0; i < b->cap; i++) {
		if (!b->slots[i].live)
			continue;
		refill(b, &b->slots[i], now);
		live += b->slots[i].mtokens < full(b);
	}
	while ((live + 1) * 2 > cap)
		cap *= 2;
	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return false;
	for (size_t i = 0; i < b->cap; i++)
		if (b->slots[i].live && b->slots[i].mtokens < full(b))
			slots[slot_of(slots, cap, b->slots[i].account)] = b->slots[i];
	free(b->slots);
	b->slots = slots;
	b->cap = cap;
	b->used = live;
	return true;
}

/* The account's bucket, refilled to now; NULL when out of memory. */
static bucket *find(budget *b, int64_t account, uint64_t now)
{
	size_t i = slot_of(b->slots, b->cap, account);

	if (!b->slots[i].live) {
		if ((b->used + 1) * 2 > b->cap) {
			if (!rehash(b, now))
				return NULL;
			i = slot_of(b->slots, b->cap, account);
		}
		b->slots[i] = (bucket){true, account, full(b), now};
		b->used++;
	}
	refill(b, &b->slots[i], now);
	return &b->slots[i];
}

bool budget_take(budget *b, int64_t account, uint64_t n, uint64_t *wait_ms)
{
	bucket *k;
	bool ok;

	if (wait_ms != NULL)
		*wait_ms = 0;
	if (b == NULL || n == 0)
		return true;
	pthread_mutex_lock(&b->mu);
	k = find(b, account, b->clock(b->clock_arg));
	if (k == NULL) {
		pthread_mutex_unlock(&b->mu);
		if (wait_ms != NULL)
			*wait_ms = 1000;
		return false;
	}
	int64_t need = (int64_t)(n * 1000u), have = need < full(b) ? need : full(b);
	ok = k->mtokens >= have;
	if (ok)
		k->mtokens -= need;
	else if (wait_ms != NULL)
		*wait_ms = (uint64_t)(have - k->mtokens + (int64_t)b->rate - 1) / b->rate;
	pthread_mutex_unlock(&b->mu);
	if (!ok && wait_ms != NULL && *wait_ms == 0)
		*wait_ms = 1;
	return ok;
}

void budget_refund(budget *b, int64_t account, uint64_t n)
{
	bucket *k;

	if (b == NULL || n == 0)
		return;
	pthread_mutex_lock(&b->mu);
	if ((k = find(b, account, b->clock(b->clock_arg))) != NULL)
		k->mtokens = k->mtokens + (int64_t)(n * 1000u) > full(b) ? full(b) :
			     k->mtokens + (int64_t)(n * 1000u);
	pthread_mutex_unlock(&b->mu);
}

int64_t budget_tokens(budget *b, int64_t account)
{
	bucket *k;
	int64_t t;

	pthread_mutex_lock(&b->mu);
	k = find(b, account, b->clock(b->clock_arg));
	t = k != NULL ? k->mtokens / 1000 : 0;
	pthread_mutex_unlock(&b->mu);
	return t;
}

uint64_t budget_accounts(budget *b)
{
	uint64_t n;

	pthread_mutex_lock(&b->mu);
	n = b->used;
	pthread_mutex_unlock(&b->mu);
	return n;
}
