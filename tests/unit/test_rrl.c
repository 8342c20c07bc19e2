/* test_rrl.c -- unit tests of response-rate limiting (rrl.c): the token
 * bucket per prefix, the slip, prefixes, and the bounded table under a
 * flood from many spoofed prefixes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "axfrd/rrl.h"

static struct sockaddr_storage v4(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	return ss;
}

static rrl_table *table(uint32_t rate, uint32_t slip)
{
	rrl_opts o = {.rate = rate, .slip = slip, .v4_prefix = 24, .v6_prefix = 56,
		      .slots = 1024};
	rrl_table *t = rrl_new(&o);

	assert_non_null(t);
	return t;
}

/* Sends n responses to ip at time now; counts each verdict. */
static void burst(rrl_table *t, const struct sockaddr_storage *ss, int n, uint64_t now,
		  int count[3])
{
	memset(count, 0, 3 * sizeof(int));
	for (int i = 0; i < n; i++)
		count[rrl_check(t, (const struct sockaddr *)ss, now)]++;
}

static void test_rate_and_slip(void **state)
{
	rrl_table *t = table(10, 2);
	struct sockaddr_storage a = v4("192.0.2.7");
	int c[3];

	burst(t, &a, 30, 1000, c);
	/* A second's worth passes; of the 20 limited, every second slips. */
	assert_int_equal(c[RRL_PASS], 10);
	assert_int_equal(c[RRL_SLIP], 10);
	assert_int_equal(c[RRL_DROP], 10);
	/* Half a second later, half the rate again. */
	burst(t, &a, 10, 1500, c);
	assert_int_equal(c[RRL_PASS], 5);
	/* After a long quiet time the bucket holds one second, not more. */
	burst(t, &a, 100, 60000, c);
	assert_int_equal(c[RRL_PASS], 10);
	rrl_free(t);
	(void)state;
}

/* The alternation is exact: pass... then drop, slip, drop, slip. */
static void test_slip_order(void **state)
{
	rrl_table *t = table(1, 2);
	struct sockaddr_storage a = v4("192.0.2.7");
	const struct sockaddr *sa = (const struct sockaddr *)&a;

	assert_int_equal(rrl_check(t, sa, 0), RRL_PASS);
	assert_int_equal(rrl_check(t, sa, 0), RRL_DROP);
	assert_int_equal(rrl_check(t, sa, 0), RRL_SLIP);
	assert_int_equal(rrl_check(t, sa, 0), RRL_DROP);
	assert_int_equal(rrl_check(t, sa, 0), RRL_SLIP);
	rrl_free(t);
	(void)state;
}

static void test_slip_zero_and_one(void **state)
{
	rrl_table *t0 = table(5, 0), *t1 = table(5, 1);
	struct sockaddr_storage a = v4("192.0.2.7");
	int c[3];

	burst(t0, &a, 20, 0, c);
	assert_int_equal(c[RRL_PASS], 5);
	assert_int_equal(c[RRL_DROP], 15);
	burst(t1, &a, 20, 0, c);
	assert_int_equal(c[RRL_SLIP], 15);
	rrl_free(t0);
	rrl_free(t1);
	(void)state;
}

static void test_rate_zero_disables(void **state)
{
	rrl_table *t = table(0, 2);
	struct sockaddr_storage a = v4("192.0.2.7");
	int c[3];

	burst(t, &a, 10000, 0, c);
	assert_int_equal(c[RRL_PASS], 10000);
	rrl_free(t);
	assert_int_equal(rrl_check(NULL, (const struct sockaddr *)&a, 0), RRL_PASS);
	(void)state;
}

/* One /24 shares a bucket; the next /24 has its own. */
static void test_ipv4_prefix(void **state)
{
	rrl_table *t = table(10, 2);
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.254"),
				other = v4("192.0.3.1");
	int c[3];

	burst(t, &a, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 10);
	burst(t, &b, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 0);
	burst(t, &other, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 10);
	rrl_free(t);
	(void)state;
}

static void test_ipv6_prefix(void **state)
{
	rrl_table *t = table(10, 2);
	/* A /56 keeps the first 7 bytes: 2001:0db8:0000:00 */
	struct sockaddr_storage a = v6("2001:db8:0:ff::1"), same = v6("2001:db8:0:aa::9"),
				other = v6("2001:db8:0:100::1");
	int c[3];

	burst(t, &a, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 10);
	burst(t, &same, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 0);
	burst(t, &other, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 10);
	rrl_free(t);

	/* Settable: with /48, other shares a's bucket; with /32 for IPv4,
	 * neighbours are separate. */
	rrl_opts o = {.rate = 10, .slip = 2, .v4_prefix = 32, .v6_prefix = 48, .slots = 1024};
	struct sockaddr_storage x = v4("192.0.2.1"), y = v4("192.0.2.2");
	t = rrl_new(&o);
	assert_non_null(t);
	burst(t, &a, 10, 0, c);
	burst(t, &other, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 0);
	burst(t, &x, 10, 0, c);
	burst(t, &y, 10, 0, c);
	assert_int_equal(c[RRL_PASS], 10);
	rrl_free(t);
	(void)state;
}

/* IPv4 and IPv6 keys never share a bucket even when the bytes agree. */
static void test_family_separate(void **state)
{
	rrl_table *t = table(3, 2);
	struct sockaddr_storage a = v4("10.0.0.1"), b = v6("a00::1");
	int c[3];

	burst(t, &a, 3, 0, c);
	burst(t, &b, 3, 0, c);
	assert_int_equal(c[RRL_PASS], 3);
	rrl_free(t);
	(void)state;
}

/*
 * A hostile flood from a million spoofed /24s: the table keeps its fixed
 * size (nothing is allocated per packet), every spoofed prefix gets at
 * most its own rate, and a flooding prefix that keeps sending stays
 * limited while the spoofed ones churn through the other slots.
 */
static void test_bounded_under_flood(void **state)
{
	rrl_table *t = table(5, 2);
	size_t before = rrl_memory(t);
	struct sockaddr_storage flood = v4("198.51.100.1");
	int c[3], limited = 0, passed = 0;

	assert_true(before < 1024 * 64);
	burst(t, &flood, 5, 0, c);
	/* One second at a million packets per second. */
	for (uint32_t i = 0; i < 1000000; i++) {
		struct sockaddr_storage ss = v4("0.0.0.0");
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(i << 8);
		if (rrl_check(t, (const struct sockaddr *)&ss, i / 1000) != RRL_PASS)
			limited++;
		/* The flooding prefix keeps sending, 1 per 100 spoofed packets. */
		if (i % 100 == 0)
			passed += rrl_check(t, (const struct sockaddr *)&flood, i / 1000) ==
				  RRL_PASS;
	}
	assert_int_equal(rrl_memory(t), before);
	assert_int_equal(limited, 0);  /* each spoofed prefix sent once */
	/* Of its 10000 tries in that second the flooding prefix earns its 5
	 * (rate), plus a full bucket each time a spoofed prefix evicts its
	 * slot: a table of 1024 slots churned by a million prefixes does
	 * that now and then (an eviction takes the least recently used of
	 * the 4 probed slots), so it stays limited for most of its tries. A
	 * bounded table cannot do better; the default has 65536 slots. */
	assert_true(passed < 10000 / 4);
	rrl_free(t);
	(void)state;
}

/* The table size is rounded up to a power of two and capped. */
static void test_sizes(void **state)
{
	rrl_opts o = {.rate = 1, .slip = 2, .v4_prefix = 24, .v6_prefix = 56, .slots = 1000};
	rrl_table *t = rrl_new(&o), *u;

	assert_non_null(t);
	o.slots = 1024;
	u = rrl_new(&o);
	assert_int_equal(rrl_memory(t), rrl_memory(u));
	rrl_free(t);
	rrl_free(u);
	rrl_free(NULL);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_slip),
		cmocka_unit_test(test_slip_order),
		cmocka_unit_test(test_slip_zero_and_one),
		cmocka_unit_test(test_rate_zero_disables),
		cmocka_unit_test(test_ipv4_prefix),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_family_separate),
		cmocka_unit_test(test_bounded_under_flood),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
