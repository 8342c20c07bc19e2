/* serial.h -- SOA serial arithmetic (RFC 1982) and serial policies. */
#ifndef AXFRD_SERIAL_H
#define AXFRD_SERIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* How a zone's serial moves on each change. */
typedef enum serial_policy {
	SERIAL_INCREMENT,  /* old + 1 */
	SERIAL_UNIXTIME,   /* max(old + 1, now) in RFC 1982 order */
	SERIAL_DATESERIAL, /* max(old + 1, YYYYMMDD00 of today, UTC) */
} serial_policy;

/* RFC 1982 comparison: -1 if a < b, 0 if equal, 1 if a > b, and 2 when
 * the two are exactly 2^31 apart (the order is undefined). */
int serial_cmp(uint32_t a, uint32_t b);

/* True when a is greater than b in RFC 1982 order. */
bool serial_gt(uint32_t a, uint32_t b);

/* RFC 1982 addition; n must be at most 2^31 - 1. */
uint32_t serial_add(uint32_t s, uint32_t n);

/* The serial that follows old under policy at time now. Always greater
 * than old in RFC 1982 order. */
uint32_t serial_next(serial_policy p, uint32_t old, time_t now);

/* The serial a new zone starts with under policy at time now. */
uint32_t serial_initial(serial_policy p, time_t now);

/* The next serial on the way from cur down to target (RFC 1982 section
 * 7): target itself once it is greater than cur, else cur + 2^31 - 1, the
 * largest step that stays greater. *final tells which. */
uint32_t serial_lowering_step(uint32_t cur, uint32_t target, bool *final);

/* Parses "increment", "unixtime" or "dateserial"; false if unknown. */
bool serial_policy_parse(const char *s, serial_policy *out);

/* Name of a policy ("increment", ...). */
const char *serial_policy_name(serial_policy p);

#endif
