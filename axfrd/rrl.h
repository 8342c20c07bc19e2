/* rrl.h -- response-rate limiting for UDP answers: a token bucket per
 * client prefix, in a fixed-size table, so that spoofed floods cannot
 * turn the query port into an amplifier. */
#ifndef AXFRD_RRL_H
#define AXFRD_RRL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct rrl_table rrl_table;

/* What to do with one UDP response. */
typedef enum rrl_verdict {
	RRL_PASS,   /* send the answer */
	RRL_DROP,   /* send nothing */
	RRL_SLIP,   /* send a truncated (TC=1) reply without records */
} rrl_verdict;

/* Settings (from rrl-rate, rrl-slip, rrl-ipv4-prefix, rrl-ipv6-prefix,
 * rrl-table-size). */
typedef struct rrl_opts {
	uint32_t rate;        /* responses per second per prefix; 0 = off */
	uint32_t slip;        /* every slip-th limited response is TC; 0 = none */
	unsigned v4_prefix;   /* 8..32 */
	unsigned v6_prefix;   /* 16..128 */
	size_t slots;         /* table size, rounded up to a power of two */
} rrl_opts;

/* A table of o->slots buckets, allocated once here and never grown.
 * NULL when out of memory. Freed with rrl_free. */
rrl_table *rrl_new(const rrl_opts *o);

void rrl_free(rrl_table *t);

/*
 * Accounts one response to client and says what to send. now is a
 * monotonic time in milliseconds. O(1): looks at RRL_PROBE slots at most
 * and allocates nothing. A prefix not in the table takes the least
 * recently used of its probed slots. Other address families always pass.
 */
rrl_verdict rrl_check(rrl_table *t, const struct sockaddr *client, uint64_t now);

/* Slots looked at per response. */
#define RRL_PROBE 4

/* Bytes the table holds (for tests and logs). */
size_t rrl_memory(const rrl_table *t);

#endif
