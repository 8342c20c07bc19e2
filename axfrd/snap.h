/* snap.h -- an immutable, reference-counted version of a zone as it is
 * exported (ALIAS and URL already expanded), at one serial. Answers,
 * AXFR and IXFR are all served from snapshots, never from an open read
 * transaction. Records are kept in DNSSEC canonical order (RFC 4034
 * section 6.1), which puts a name's descendants right after it. */
#ifndef AXFRD_SNAP_H
#define AXFRD_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "zonefile.h"

typedef struct snap snap;

/* One record. Offsets point into the snapshot's arena (snap_bytes). */
typedef struct snap_rr {
	uint32_t owner;     /* owner, uncompressed wire form, case preserved */
	uint32_t key;       /* canonical key of the owner (see snap.c) */
	uint32_t rdata;     /* RDATA, uncompressed wire form */
	uint32_t ttl;       /* as served: the lowest of its RRset's own TTLs */
	uint32_t own_ttl;   /* as stored (kept so a later change can re-derive) */
	uint16_t type;
	uint16_t rdlen;
	uint8_t owner_len;
	uint16_t key_len;   /* up to twice the name's length (escapes) */
} snap_rr;

/* Starts an empty snapshot of zone (normalized name, no trailing dot).
 * NULL when out of memory. The creator holds one reference. */
snap *snap_new(const char *zone);

/* Sets the SOA (and with it the serial). */
int snap_set_soa(snap *s, const zf_soa *soa);

/* Adds one record in wire form; owner must be the zone or below it. */
int snap_add(snap *s, const uint8_t *owner, size_t olen, uint16_t type,
	     uint32_t ttl, const uint8_t *rdata, size_t rdlen);

/* Adds one record given as stored: owner relative to the zone, type
 * mnemonic, content in presentation format (parsed with ldns). */
int snap_add_text(snap *s, const char *name, const char *type, uint32_t ttl,
		  const char *content, ax_errinfo *ei);

/* Sorts, drops duplicates, gives each RRset the lowest TTL among its
 * records (RFC 2181 section 5.2) and computes the digest. After this the
 * snapshot is immutable and may be shared between threads. */
int snap_finish(snap *s);

snap *snap_ref(snap *s);
/* Drops a reference; frees at zero (accepts NULL). */
void snap_unref(snap *s);

const char *snap_zone(const snap *s);
uint32_t snap_serial(const snap *s);
const uint8_t *snap_apex(const snap *s, size_t *len);
const snap_rr *snap_soa(const snap *s);
/* Records other than the SOA, in canonical order. */
size_t snap_count(const snap *s);
const snap_rr *snap_at(const snap *s, size_t i);
const uint8_t *snap_bytes(const snap *s, uint32_t off);
/* SHA-256 of every record except the SOA: equal digests, equal exports. */
const uint8_t *snap_digest(const snap *s);
/* Approximate memory held, in bytes. */
size_t snap_memory(const snap *s);

/* The records owned by name (case-insensitive): indexes [*first,
 * *first + *n). Returns false (and *n = 0) when name owns nothing. */
bool snap_find(const snap *s, const uint8_t *name, size_t len, size_t *first,
	       size_t *n);

/* True when some record is owned by a name strictly below name (so a
 * name without records of its own is an empty non-terminal). */
bool snap_has_descendant(const snap *s, const uint8_t *name, size_t len);

/* Calls emit for each record removed from a and then for each added in
 * b (TTL changes count as both), in canonical order. Stops at the first
 * non-zero return of emit and returns it. */
typedef int (*snap_diff_fn)(void *arg, bool added, const snap *s,
			    const snap_rr *rr);
int snap_diff(const snap *a, const snap *b, snap_diff_fn emit, void *arg);

/*
 * Incremental versions: a snapshot derived from a finished base shares
 * the base's record data (no copy) and holds only what changed. Add
 * records with snap_add, remove them with snap_del / snap_del_addresses,
 * set the new SOA, then snap_finish_derived. The cost is a merge of the
 * record index (a few ms for a million records), not a rebuild.
 */

/* How many versions of shared data a snapshot stands on; derive only
 * below SNAP_MAX_DEPTH, else rebuild. */
#define SNAP_MAX_DEPTH 15
unsigned snap_depth(const snap *s);

/* A new snapshot based on base (finished; a reference is taken until
 * snap_finish_derived). NULL when out of memory or too deep. */
snap *snap_derive(snap *base);

/* Removes the record owner/type/RDATA (whatever its TTL) from the base's. */
int snap_del(snap *s, const uint8_t *owner, size_t olen, uint16_t type,
	     const uint8_t *rdata, size_t rdlen);

/* Removes every A and AAAA the base has at owner (what an ALIAS or URL
 * record stood for). */
int snap_del_addresses(snap *s, const uint8_t *owner, size_t olen);

/* Merges the changes into the base's records, gives the RRsets they
 * touched the lowest TTL of their records, updates the digest, and calls
 * emit with the exact difference to the base (removals first, then
 * additions, as snap_diff would) for the IXFR journal. */
int snap_finish_derived(snap *s, snap_diff_fn emit, void *arg);

#endif
