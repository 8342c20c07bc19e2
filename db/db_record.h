/* db_record.h -- the records of a zone, and the change journal. */
#ifndef AXFRD_DB_RECORD_H
#define AXFRD_DB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axfrd/rr.h"
#include "db.h"

/* Filter and page for db_record_list; NULL filters match everything. */
typedef struct db_record_query {
	const char *name;   /* relative owner, compared case-insensitively */
	const char *type;   /* mnemonic */
	int64_t offset, limit;
} db_record_query;

/* One page of a zone's records ordered by id; *total counts every match.
 * *out is freed with rr_record_array_free. */
int db_record_list(db *d, int64_t zone_id, const db_record_query *q,
		   rr_record **out, size_t *n, int64_t *total);

/* Every record of a zone ordered by name, type and id. */
int db_record_all(db *d, int64_t zone_id, rr_record **out, size_t *n);

/* Every record at one owner name (case-insensitive), ordered by id. */
int db_record_at_name(db *d, int64_t zone_id, const char *name,
		      rr_record **out, size_t *n);

/* One record of a zone; AX_ENOTFOUND if absent or in another zone. */
int db_record_get(db *d, int64_t zone_id, int64_t id, rr_record *out);

/* Inserts r and sets r->id; AX_EEXIST for an identical record. */
int db_record_insert(db *d, int64_t zone_id, rr_record *r, int64_t now);

/* Replaces name, type, ttl and content of record r->id. */
int db_record_update(db *d, int64_t zone_id, const rr_record *r, int64_t now);

/* The same, storing the record's wire RDATA too (NULL: none, for ALIAS
 * and URL). */
int db_record_insert_wire(db *d, int64_t zone_id, rr_record *r,
			  const uint8_t *rdata, size_t rdlen, int64_t now);
int db_record_update_wire(db *d, int64_t zone_id, const rr_record *r,
			  const uint8_t *rdata, size_t rdlen, int64_t now);

/* Calls fn for every record of a zone (in no particular order) with its
 * stored wire RDATA (NULL when there is none). The strings are borrowed
 * for the call. A non-zero return of fn stops and is returned. */
typedef int (*db_record_fn)(void *arg, const rr_record *r,
			    const uint8_t *rdata, size_t rdlen);
int db_record_each(db *d, int64_t zone_id, db_record_fn fn, void *arg);

/* Stores the wire RDATA of record id (filling in rows from before it was
 * kept). */
int db_record_set_rdata(db *d, int64_t id, const uint8_t *rdata, size_t rdlen);

/* Deletes one record; AX_ENOTFOUND if absent. */
int db_record_delete(db *d, int64_t zone_id, int64_t id);

/* Records added by a zone's secondary DNS configuration are marked as
 * managed: the records API may not change them, and the configuration
 * removes exactly them. */

/* Whether record id of zone_id is managed; AX_ENOTFOUND if absent. */
int db_record_managed(db *d, int64_t zone_id, int64_t id, bool *managed);

/* Marks record id of zone_id as managed by the secondary DNS
 * configuration. */
int db_record_set_managed(db *d, int64_t zone_id, int64_t id);

/* The managed records of a zone, ordered by id. */
int db_record_managed_list(db *d, int64_t zone_id, rr_record **out, size_t *n);

/* One removed ("del") or added ("add") record of a journal entry. */
typedef struct db_journal_rr {
	const char *op;         /* "del" or "add" */
	const rr_record *rr;    /* borrowed */
} db_journal_rr;

/* Records that zone went from serial_from to serial_to, removing and
 * adding rrs (in the order given; the SOA rows included by the caller). */
int db_journal_add(db *d, int64_t zone_id, uint32_t serial_from,
		   uint32_t serial_to, const db_journal_rr *rrs, size_t n,
		   int64_t now);

/* The change that leaves serial_from, as its target serial and rows; for
 * tests and IXFR. *ops holds "del"/"add" per record (static strings).
 * AX_ENOTFOUND when the journal has no such change. */
int db_journal_get(db *d, int64_t zone_id, uint32_t serial_from,
		   uint32_t *serial_to, rr_record **rrs, const char ***ops,
		   size_t *n);

#endif
