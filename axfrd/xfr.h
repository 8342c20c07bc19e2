/* xfr.h -- zone transfers (AXFR, RFC 5936; IXFR, RFC 1995) as resumable
 * cursors: each call produces the next message of the transfer, so a
 * transfer only ever holds one message and a reference to an immutable
 * snapshot (or journal steps), however slow the reader. */
#ifndef AXFRD_XFR_H
#define AXFRD_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "snap.h"

typedef struct xfr_cursor xfr_cursor;

/* One IXFR journal step: the blob of the xfr_journal table (RFC 1995
 * order: old SOA, removed records, new SOA, added records, each as
 * uncompressed wire: owner, type, class, TTL, RDLENGTH, RDATA). */
typedef struct xfr_step {
	uint32_t serial_from, serial_to;
	uint8_t *diff;   /* owned by the step array the cursor takes */
	size_t len;
} xfr_step;

/* Default size limit of a transfer message (16 KiB keeps every
 * compression pointer target below offset 16384). */
#define XFR_MSG_MAX 16384

/* An AXFR of s answering q: SOA, every record of s, SOA. Takes a
 * reference to s. NULL when out of memory. */
xfr_cursor *xfr_axfr_new(const dns_query *q, snap *s);

/*
 * An IXFR answering q from the client's serial to s's: the current SOA,
 * then each step in order, then the current SOA. Takes ownership of the
 * steps array (and the diffs in it) and a reference to s.
 */
xfr_cursor *xfr_ixfr_new(const dns_query *q, snap *s, xfr_step *steps,
			 size_t nsteps);

/* An IXFR answer that is only the current SOA (client up to date). */
xfr_cursor *xfr_ixfr_current(const dns_query *q, snap *s);

/*
 * Writes the next message of the transfer into out (at most max bytes,
 * at most XFR_MSG_MAX is sensible): the header (id of the request, QR,
 * AA, opcode QUERY), the question in the first message only, then as
 * many whole records as fit; names compressed with the case-preserving
 * table of wire.h. A record larger than an empty message is an error.
 * Returns the length, 0 when the transfer is complete, or -1 on error.
 */
long xfr_next(xfr_cursor *c, uint8_t *out, size_t max);

/* Where a cursor stands between two messages. A caller that wrote
 * messages ahead and could not send them restores the mark taken before
 * the first unsent one, and xfr_next writes the same messages again. */
typedef struct xfr_mark {
	int phase;
	size_t index, step, pos, records;
	unsigned messages;
} xfr_mark;

void xfr_save(const xfr_cursor *c, xfr_mark *m);
void xfr_restore(xfr_cursor *c, const xfr_mark *m);

/* Keeps bytes free at the end of every following message (for the
 * TSIG record the caller appends: see tsig_space). */
void xfr_set_reserve(xfr_cursor *c, size_t bytes);

/* Records written so far (for logs and metrics). */
size_t xfr_records(const xfr_cursor *c);

/* True for IXFR cursors (for logs and metrics). */
bool xfr_is_ixfr(const xfr_cursor *c);

void xfr_free(xfr_cursor *c);

/* Appends one record in journal-blob form (see xfr_step) to a growing
 * buffer; used by whoever writes the xfr_journal. */
int xfr_blob_append(uint8_t **buf, size_t *len, size_t *cap,
		    const uint8_t *owner, size_t olen, uint16_t type,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

#endif
