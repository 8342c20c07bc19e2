/* test_budget.c -- unit tests of the per-account outbound budget
 * (budget.c: token buckets with an injected clock) and of the fair queue
 * the NOTIFY sender serves the accounts' lanes from (fairq.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "axfrd/budget.h"
#include "axfrd/fairq.h"

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static budget *make(uint64_t rate)
{
	budget *b;

	fake_now = 1000000;
	b = budget_new(rate, fake_clock, NULL);
	assert_non_null(b);
	return b;
}

/* A bucket starts full (one second's worth), then gives rate per second. */
static void test_burst_then_rate(void **state)
{
	budget *b = make(5);
	uint64_t wait;
	int taken = 0;

	(void)state;
	while (budget_take(b, 7, 1, &wait))
		taken++;
	assert_int_equal(taken, 5);
	assert_int_equal(wait, 200);           /* one token every 200 ms */
	fake_now += 199;
	assert_false(budget_take(b, 7, 1, &wait));
	assert_int_equal(wait, 1);
	fake_now += 1;
	assert_true(budget_take(b, 7, 1, NULL));
	assert_false(budget_take(b, 7, 1, NULL));
	/* Over 10 s at most 5 per second (plus the burst): never more. */
	taken = 0;
	for (int ms = 0; ms < 10000; ms += 10) {
		fake_now += 10;
		while (budget_take(b, 7, 1, NULL))
			taken++;
	}
	assert_int_equal(taken, 50);
	/* A long idle time fills the bucket, never beyond one second's worth. */
	fake_now += 3600 * 1000;
	assert_int_equal(budget_tokens(b, 7), 5);
	budget_free(b);
}

/* Accounts have their own buckets: one spent account leaves the others. */
static void test_accounts_apart(void **state)
{
	budget *b = make(3);

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_true(budget_take(b, 1, 1, NULL));
	assert_false(budget_take(b, 1, 1, NULL));
	assert_true(budget_take(b, 2, 3, NULL));
	assert_false(budget_take(b, 2, 1, NULL));
	assert_true(budget_take(b, 3, 1, NULL));
	budget_free(b);
}

/* Taking several at once: all or nothing; a cost over the bucket needs a
 * full bucket and leaves it in debt, which delays what follows. */
static void test_multi_and_debt(void **state)
{
	budget *b = make(10);
	uint64_t wait;

	(void)state;
	assert_true(budget_take(b, 1, 4, NULL));
	assert_false(budget_take(b, 1, 7, &wait));     /* 6 left: nothing taken */
	assert_int_equal(wait, 100);
	assert_int_equal(budget_tokens(b, 1), 6);
	assert_true(budget_take(b, 1, 6, NULL));
	/* 25 > 10: only from a full bucket */
	assert_false(budget_take(b, 1, 25, &wait));
	assert_int_equal(wait, 1000);
	fake_now += 1000;
	assert_true(budget_take(b, 1, 25, NULL));
	assert_int_equal(budget_tokens(b, 1), -15);
	assert_false(budget_take(b, 1, 1, &wait));
	assert_int_equal(wait, 1600);                  /* 16 tokens to earn */
	/* The refund of what was not sent, never above full. */
	budget_refund(b, 1, 20);
	assert_int_equal(budget_tokens(b, 1), 5);
	budget_refund(b, 1, 100);
	assert_int_equal(budget_tokens(b, 1), 10);
	/* Nothing to take always succeeds; no budget: no limit. */
	assert_true(budget_take(b, 1, 0, NULL));
	assert_true(budget_take(NULL, 1, 1000, &wait));
	assert_int_equal(wait, 0);
	budget_free(b);
}

/* A clock reading a little behind the last one (another thread's) does
 * not refill or break the bucket. */
static void test_clock_backwards(void **state)
{
	budget *b = make(2);

	(void)state;
	assert_true(budget_take(b, 1, 2, NULL));
	fake_now -= 5000;
	assert_false(budget_take(b, 1, 1, NULL));
	fake_now += 5000 + 500;
	assert_true(budget_take(b, 1, 1, NULL));
	assert_false(budget_take(b, 1, 1, NULL));
	budget_free(b);
}

/* Many accounts: the table grows, and buckets that are full again (the
 * same as none) are dropped rather than kept for ever. */
static void test_many_accounts(void **state)
{
	budget *b = make(1);

	(void)state;
	for (int64_t a = 1; a <= 10000; a++)
		assert_true(budget_take(b, a, 1, NULL));
	for (int64_t a = 1; a <= 10000; a += 997)
		assert_false(budget_take(b, a, 1, NULL));
	assert_int_equal(budget_accounts(b), 10000);
	fake_now += 1000;                  /* all full again */
	/* enough new ones that the table must grow: the full ones go first */
	for (int64_t a = 20001; a <= 27000; a++)
		assert_true(budget_take(b, a, 1, NULL));
	assert_true(budget_accounts(b) <= 7000);
	assert_true(budget_accounts(b) > 0);
	assert_true(budget_take(b, 5, 1, NULL));
	assert_false(budget_take(b, 5, 1, NULL));
	budget_free(b);
}

/* ---- the fair queue ------------------------------------------------------ */

typedef struct item {
	fairq_node qn;
	int64_t key;
	int seq;
} item;

static item *item_of(fairq_node *n)
{
	return (item *)(void *)((char *)n - offsetof(item, qn));
}

static bool always(void *arg, int64_t key, fairq_node *head)
{
	(void)arg;
	(void)key;
	(void)head;
	return true;
}

/* Keys listed in the int64_t array arg (ended by 0) are not ready. */
static bool not_listed(void *arg, int64_t key, fairq_node *head)
{
	(void)head;
	for (const int64_t *k = arg; *k != 0; k++)
		if (*k == key)
			return false;
	return true;
}

/* A flood in one lane does not delay another: lanes take turns, each in
 * its own order. */
static void test_round_robin(void **state)
{
	fairq *q = fairq_new();
	item a[100], b[3];
	int order[103];

	(void)state;
	assert_non_null(q);
	for (int i = 0; i < 100; i++) {
		a[i] = (item){{0}, 1, i};
		assert_true(fairq_push(q, 1, &a[i].qn));
	}
	for (int i = 0; i < 3; i++) {
		b[i] = (item){{0}, 2, 1000 + i};
		assert_true(fairq_push(q, 2, &b[i].qn));
	}
	assert_int_equal(fairq_len(q), 103);
	assert_int_equal(fairq_lane_len(q, 1), 100);
	assert_int_equal(fairq_lane_len(q, 2), 3);
	for (int i = 0; i < 103; i++) {
		fairq_node *n = fairq_pop(q, always, NULL);
		assert_non_null(n);
		order[i] = item_of(n)->seq;
		assert_false(fairq_queued(n));
	}
	assert_null(fairq_pop(q, always, NULL));
	assert_int_equal(fairq_len(q), 0);
	/* A and B alternate until B is done: B's last is out by the 6th. */
	int want[] = {0, 1000, 1, 1001, 2, 1002, 3, 4, 5};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(order[i], want[i]);
	for (int i = 9; i < 103; i++)
		assert_int_equal(order[i], i - 3);
	fairq_free(q);
}

/* A lane that is not ready (its account spent) is passed over, the
 * others served; a lane that joins waits one turn of each lane at most. */
static void test_not_ready_and_join(void **state)
{
	fairq *q = fairq_new();
	item a[5], b[2], c[1];
	int64_t spent[] = {1, 0}, none[] = {0};

	(void)state;
	for (int i = 0; i < 5; i++) {
		a[i] = (item){{0}, 1, i};
		fairq_push(q, 1, &a[i].qn);
	}
	for (int i = 0; i < 2; i++) {
		b[i] = (item){{0}, 2, 10 + i};
		fairq_push(q, 2, &b[i].qn);
	}
	assert_int_equal(item_of(fairq_pop(q, not_listed, spent))->seq, 10);
	assert_int_equal(item_of(fairq_pop(q, not_listed, spent))->seq, 11);
	assert_null(fairq_pop(q, not_listed, spent));   /* only A is left */
	assert_int_equal(fairq_len(q), 5);
	assert_int_equal(item_of(fairq_pop(q, not_listed, none))->seq, 0);
	c[0] = (item){{0}, 3, 20};
	fairq_push(q, 3, &c[0].qn);
	assert_int_equal(item_of(fairq_pop(q, not_listed, none))->seq, 1);
	assert_int_equal(item_of(fairq_pop(q, not_listed, none))->seq, 20);
	/* Removing from the middle, and pushing a queued node again: nothing. */
	fairq_remove(q, &a[3].qn);
	assert_true(fairq_push(q, 1, &a[2].qn));
	assert_int_equal(fairq_lane_len(q, 1), 2);
	assert_int_equal(item_of(fairq_pop(q, always, NULL))->seq, 2);
	assert_int_equal(item_of(fairq_pop(q, always, NULL))->seq, 4);
	assert_null(fairq_pop(q, always, NULL));
	fairq_remove(q, &a[3].qn);                      /* not queued: nothing */
	/* Freed with items still queued: the lanes go, the items stay ours. */
	fairq_push(q, 1, &a[0].qn);
	fairq_push(q, 9, &b[0].qn);
	fairq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_accounts_apart),
		cmocka_unit_test(test_multi_and_debt),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_many_accounts),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_not_ready_and_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
