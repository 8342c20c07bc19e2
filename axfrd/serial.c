/* serial.c -- RFC 1982 serial number arithmetic and the serial policies. */
#include "serial.h"

#include <string.h>

#define SERIAL_HALF 0x80000000u

int serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	if (d == 0)
		return 0;
	if (d == SERIAL_HALF)
		return 2;
	return d < SERIAL_HALF ? 1 : -1;
}

bool serial_gt(uint32_t a, uint32_t b)
{
	return serial_cmp(a, b) == 1;
}

uint32_t serial_add(uint32_t s, uint32_t n)
{
	if (n > SERIAL_HALF - 1)
		n = SERIAL_HALF - 1;
	return s + n;
}

static uint32_t date_serial(time_t now)
{
	struct tm tm;

	gmtime_r(&now, &tm);
	return (uint32_t)(tm.tm_year + 1900) * 1000000u +
	       (uint32_t)(tm.tm_mon + 1) * 10000u + (uint32_t)tm.tm_mday * 100u;
}

/* The clock-derived candidate of a policy, or 0 for increment. */
static uint32_t policy_clock(serial_policy p, time_t now)
{
	switch (p) {
	case SERIAL_UNIXTIME: return (uint32_t)now;
	case SERIAL_DATESERIAL: return date_serial(now);
	case SERIAL_INCREMENT: break;
	}
	return 0;
}

uint32_t serial_next(serial_policy p, uint32_t old, time_t now)
{
	uint32_t next = serial_add(old, 1);
	uint32_t clock = policy_clock(p, now);

	/* The clock wins only when it is ahead of both old+1 and old (it can
	 * be ahead of old+1 yet exactly 2^31 from old, where RFC 1982 leaves
	 * the order undefined); a clock that went back, or a serial set far
	 * ahead by hand, falls back to old+1. */
	if (p != SERIAL_INCREMENT && serial_gt(clock, next) && serial_gt(clock, old))
		return clock;
	return next;
}

uint32_t serial_initial(serial_policy p, time_t now)
{
	uint32_t clock = policy_clock(p, now);

	return clock != 0 ? clock : 1;
}

uint32_t serial_lowering_step(uint32_t cur, uint32_t target, bool *final)
{
	*final = serial_gt(target, cur);
	return *final ? target : serial_add(cur, SERIAL_HALF - 1);
}

static const char *const policy_names[] = {
	[SERIAL_INCREMENT] = "increment",
	[SERIAL_UNIXTIME] = "unixtime",
	[SERIAL_DATESERIAL] = "dateserial",
};

bool serial_policy_parse(const char *s, serial_policy *out)
{
	for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
		if (s != NULL && strcmp(s, policy_names[i]) == 0) {
			*out = (serial_policy)i;
			return true;
		}
	}
	return false;
}

const char *serial_policy_name(serial_policy p)
{
	return policy_names[p];
}
