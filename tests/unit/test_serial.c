/* test_serial.c -- unit tests of RFC 1982 serial arithmetic and the serial
 * policies (serial.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axfrd/serial.h"

#define T_2023_11_14 ((time_t)1700000000)  /* 2023-11-14 22:13:20 UTC */
#define T_2023_12_31 ((time_t)1704067199)  /* 2023-12-31 23:59:59 UTC */
#define T_2024_02_29 ((time_t)1709208000)  /* 2024-02-29 12:00:00 UTC */

static void test_cmp_basic(void **state)
{
	(void)state;
	assert_int_equal(serial_cmp(0, 0), 0);
	assert_int_equal(serial_cmp(7, 7), 0);
	assert_int_equal(serial_cmp(0xFFFFFFFFu, 0xFFFFFFFFu), 0);
	assert_int_equal(serial_cmp(1, 2), -1);
	assert_int_equal(serial_cmp(2, 1), 1);
	assert_int_equal(serial_cmp(2023111400u, 2023111401u), -1);
	assert_int_equal(serial_cmp(100, 100 + 0x7FFFFFFFu), -1);
	assert_int_equal(serial_cmp(100 + 0x7FFFFFFFu, 100), 1);
}

static void test_cmp_wrap(void **state)
{
	(void)state;
	/* 0xFFFFFFFF is just before 0 in serial order */
	assert_int_equal(serial_cmp(0xFFFFFFFFu, 0), -1);
	assert_int_equal(serial_cmp(0, 0xFFFFFFFFu), 1);
	assert_int_equal(serial_cmp(0xFFFFFFF0u, 5), -1);
	assert_int_equal(serial_cmp(5, 0xFFFFFFF0u), 1);
	assert_true(serial_gt(0, 0xFFFFFFFFu));
	assert_false(serial_gt(0xFFFFFFFFu, 0));
	/* more than 2^31 apart numerically: the order flips */
	assert_int_equal(serial_cmp(0, 0x80000001u), 1);
	assert_int_equal(serial_cmp(0x80000001u, 0), -1);
}

static void test_cmp_undefined(void **state)
{
	(void)state;
	/* exactly 2^31 apart: undefined, both ways */
	assert_int_equal(serial_cmp(0, 0x80000000u), 2);
	assert_int_equal(serial_cmp(0x80000000u, 0), 2);
	assert_int_equal(serial_cmp(5, 0x80000005u), 2);
	assert_int_equal(serial_cmp(0xFFFFFFFFu, 0x7FFFFFFFu), 2);
	assert_false(serial_gt(0, 0x80000000u));
	assert_false(serial_gt(0x80000000u, 0));
}

static void test_gt(void **state)
{
	(void)state;
	assert_true(serial_gt(2, 1));
	assert_false(serial_gt(1, 2));
	assert_false(serial_gt(1, 1));
	assert_true(serial_gt(0x7FFFFFFFu, 0));
	assert_false(serial_gt(0, 0x7FFFFFFFu));
}

static void test_add(void **state)
{
	(void)state;
	assert_int_equal(serial_add(0, 1), 1);
	assert_int_equal(serial_add(41, 0), 41);
	assert_int_equal(serial_add(0xFFFFFFFFu, 1), 0);
	assert_int_equal(serial_add(0xFFFFFFFEu, 5), 3);
	assert_int_equal(serial_add(5, 0x7FFFFFFFu), 5u + 0x7FFFFFFFu);
	assert_true(serial_gt(serial_add(0xF0000000u, 0x7FFFFFFFu), 0xF0000000u));
}

static void test_next_increment(void **state)
{
	(void)state;
	assert_int_equal(serial_next(SERIAL_INCREMENT, 1, T_2023_11_14), 2);
	assert_int_equal(serial_next(SERIAL_INCREMENT, 41, 0), 42);
	/* the clock plays no part */
	assert_int_equal(serial_next(SERIAL_INCREMENT, 5, T_2023_11_14), 6);
	assert_int_equal(serial_next(SERIAL_INCREMENT, 2023111499u, T_2023_11_14),
			 2023111500u);
	/* wrap */
	assert_int_equal(serial_next(SERIAL_INCREMENT, 0xFFFFFFFFu, T_2023_11_14), 0);
	assert_int_equal(serial_next(SERIAL_INCREMENT, 0xFFFFFFFEu, 0), 0xFFFFFFFFu);
}

static void test_next_unixtime(void **state)
{
	uint32_t now = (uint32_t)T_2023_11_14;

	(void)state;
	/* the clock is ahead: now */
	assert_int_equal(serial_next(SERIAL_UNIXTIME, 1, T_2023_11_14), now);
	assert_int_equal(serial_next(SERIAL_UNIXTIME, now - 1000, T_2023_11_14), now);
	assert_int_equal(serial_next(SERIAL_UNIXTIME, now - 2, T_2023_11_14), now);
	assert_int_equal(serial_next(SERIAL_UNIXTIME, now - 1, T_2023_11_14), now);
	/* two changes in the same second */
	assert_int_equal(serial_next(SERIAL_UNIXTIME, now, T_2023_11_14), now + 1);
	/* the clock is behind the serial: old + 1 */
	assert_int_equal(serial_next(SERIAL_UNIXTIME, now + 5, T_2023_11_14), now + 6);
	/* a serial set far ahead by hand: old + 1 */
	assert_int_equal(serial_next(SERIAL_UNIXTIME, 2023111400u, T_2023_11_14),
			 2023111401u);
	assert_int_equal(serial_next(SERIAL_UNIXTIME, now + 0x7FFFFF00u, T_2023_11_14),
			 now + 0x7FFFFF01u);
	/* old that wrapped to just before 0 is behind now */
	assert_int_equal(serial_next(SERIAL_UNIXTIME, 0xFFFFFFFFu, T_2023_11_14), now);
}

/* serial.h: "Always greater than old in RFC 1982 order", for every old and
 * every policy, including olds around and exactly 2^31 from the clock. */
static void test_next_always_greater(void **state)
{
	const time_t times[] = {T_2023_11_14, T_2023_12_31, T_2024_02_29};
	const serial_policy pols[] = {SERIAL_INCREMENT, SERIAL_UNIXTIME,
				      SERIAL_DATESERIAL};
	size_t bad = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
		for (size_t p = 0; p < sizeof(pols) / sizeof(pols[0]); p++) {
			uint32_t c = serial_initial(pols[p], times[t]);
			uint32_t olds[] = {0, 1, c - 1, c, c + 1, 0x7FFFFFFFu,
					   0x80000000u, 0xFFFFFFFFu,
					   c + 0x7FFFFFFEu, c + 0x7FFFFFFFu,
					   c + 0x80000000u, c + 0x80000001u};
			for (size_t i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
				uint32_t next = serial_next(pols[p], olds[i], times[t]);
				if (serial_gt(next, olds[i]))
					continue;
				print_error("serial_next(%s, %u, %lld) = %u is not "
					    "greater than %u (serial_cmp %d)\n",
					    serial_policy_name(pols[p]), olds[i],
					    (long long)times[t], next, olds[i],
					    serial_cmp(next, olds[i]));
				bad++;
			}
		}
	}
	if (bad > 0)
		fail_msg("%zu serial_next results were not greater than old", bad);
}

static void test_next_dateserial(void **state)
{
	(void)state;
	/* an old serial from before: today's YYYYMMDD00 (UTC) */
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 1, T_2023_11_14),
			 2023111400u);
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023111307u, T_2023_11_14),
			 2023111400u);
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023111399u, T_2023_11_14),
			 2023111400u);
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023123000u, T_2023_12_31),
			 2023123100u);
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 0, T_2024_02_29),
			 2024022900u);
	/* old is already today's: old + 1 */
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023111400u, T_2023_11_14),
			 2023111401u);
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023111442u, T_2023_11_14),
			 2023111443u);
	/* ...nn past 99 just keeps adding one */
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023111499u, T_2023_11_14),
			 2023111500u);
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2023111500u, T_2023_11_14),
			 2023111501u);
	/* old from a later date (clock behind) */
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 2030010100u, T_2023_11_14),
			 2030010101u);
}

static void test_dateserial_is_utc(void **state)
{
	char *old_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	/* at 22:13 UTC it is already the 15th at UTC+14; UTC must win */
	setenv("TZ", "UTC-14", 1);
	tzset();
	assert_int_equal(serial_next(SERIAL_DATESERIAL, 1, T_2023_11_14), 2023111400u);
	assert_int_equal(serial_initial(SERIAL_DATESERIAL, T_2023_11_14), 2023111400u);
	setenv("TZ", "UTC+12", 1);
	tzset();
	assert_int_equal(serial_initial(SERIAL_DATESERIAL, T_2023_12_31 - 3600 * 11),
			 2023123100u);
	if (old_tz != NULL)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old_tz);
}

static void test_initial(void **state)
{
	(void)state;
	assert_int_equal(serial_initial(SERIAL_INCREMENT, T_2023_11_14), 1);
	assert_int_equal(serial_initial(SERIAL_UNIXTIME, T_2023_11_14),
			 (uint32_t)T_2023_11_14);
	assert_int_equal(serial_initial(SERIAL_DATESERIAL, T_2023_11_14), 2023111400u);
	assert_int_equal(serial_initial(SERIAL_DATESERIAL, T_2024_02_29), 2024022900u);
	assert_int_equal(serial_initial(SERIAL_DATESERIAL, T_2023_12_31), 2023123100u);
}

static void test_policy_parse_name(void **state)
{
	serial_policy p = SERIAL_DATESERIAL;

	(void)state;
	assert_true(serial_policy_parse("increment", &p));
	assert_int_equal(p, SERIAL_INCREMENT);
	assert_true(serial_policy_parse("unixtime", &p));
	assert_int_equal(p, SERIAL_UNIXTIME);
	assert_true(serial_policy_parse("dateserial", &p));
	assert_int_equal(p, SERIAL_DATESERIAL);

	p = SERIAL_UNIXTIME;
	assert_false(serial_policy_parse("", &p));
	assert_false(serial_policy_parse("date", &p));
	assert_false(serial_policy_parse("increments", &p));
	assert_false(serial_policy_parse("Increment", &p));
	assert_false(serial_policy_parse(" unixtime", &p));
	assert_false(serial_policy_parse(NULL, &p));
	assert_int_equal(p, SERIAL_UNIXTIME);  /* untouched on failure */

	assert_string_equal(serial_policy_name(SERIAL_INCREMENT), "increment");
	assert_string_equal(serial_policy_name(SERIAL_UNIXTIME), "unixtime");
	assert_string_equal(serial_policy_name(SERIAL_DATESERIAL), "dateserial");
	for (int i = SERIAL_INCREMENT; i <= SERIAL_DATESERIAL; i++) {
		assert_true(serial_policy_parse(serial_policy_name((serial_policy)i), &p));
		assert_int_equal(p, i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmp_basic),
		cmocka_unit_test(test_cmp_wrap),
		cmocka_unit_test(test_cmp_undefined),
		cmocka_unit_test(test_gt),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_next_increment),
		cmocka_unit_test(test_next_unixtime),
		cmocka_unit_test(test_next_dateserial),
		cmocka_unit_test(test_next_always_greater),
		cmocka_unit_test(test_dateserial_is_utc),
		cmocka_unit_test(test_initial),
		cmocka_unit_test(test_policy_parse_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
