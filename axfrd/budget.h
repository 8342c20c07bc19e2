/* budget.h -- what one tenant can make the server send: a token bucket per
 * account (outbound-rate-per-account packets per second, holding one
 * second's worth), shared by the DNS thread (NOTIFYs and their retries,
 * ALIAS lookups) and the API thread (status checks, "notify now").
 * Thread-safe; the clock can be injected (tests). */
#ifndef AXFRD_BUDGET_H
#define AXFRD_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct budget budget;

/* Milliseconds of a monotonic clock. */
typedef uint64_t (*budget_clock_fn)(void *arg);

/* A table of buckets of rate tokens per second (at least 1), each holding
 * at most rate tokens (one second's worth); clock NULL: CLOCK_MONOTONIC.
 * NULL when out of memory. */
budget *budget_new(uint64_t rate, budget_clock_fn clock, void *clock_arg);
/* Accepts NULL. */
void budget_free(budget *b);

/*
 * Takes n tokens from account's bucket. A bucket starts full. A cost
 * larger than the bucket (n > rate) is taken only from a full bucket,
 * which it leaves in debt, so that such a request can go at all and the
 * long-run rate still holds. False when the tokens are not there: nothing
 * is taken, and *wait_ms (may be NULL) gets the ms until they will be (at
 * least 1). b NULL: always true (no budget).
 */
bool budget_take(budget *b, int64_t account, uint64_t n, uint64_t *wait_ms);

/* Gives back n tokens taken and not used; a bucket never holds more than
 * rate. */
void budget_refund(budget *b, int64_t account, uint64_t n);

/* Tokens in account's bucket now (negative: in debt), for tests. */
int64_t budget_tokens(budget *b, int64_t account);

/* Buckets tracked (full ones are dropped when the table would grow). */
uint64_t budget_accounts(budget *b);

#endif
