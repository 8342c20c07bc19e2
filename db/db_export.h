/* db_export.h -- the DNS side's state in the store: what was exported
 * last, the IXFR journal of the exported zone, and ALIAS answers. */
#ifndef AXFRD_DB_EXPORT_H
#define AXFRD_DB_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axfrd/xfr.h"
#include "db.h"

#define EXPORT_DIGEST_LEN 32

/* Names of every zone, ordered by name; *names is an array of malloc'd
 * strings (free each, then the array). */
int db_zone_names(db *d, char ***names, size_t *n);

/* The last exported serial and digest of a zone; *has is false when the
 * zone was never exported. */
int db_export_get(db *d, int64_t zone_id, bool *has, uint32_t *serial,
		  uint8_t digest[EXPORT_DIGEST_LEN]);
int db_export_set(db *d, int64_t zone_id, uint32_t serial,
		  const uint8_t digest[EXPORT_DIGEST_LEN]);

/* Adds one step of the exported zone's IXFR journal, then keeps only the
 * newest keep steps of the zone. */
int db_xfr_journal_add(db *d, int64_t zone_id, uint32_t serial_from,
		       uint32_t serial_to, size_t nremoved, size_t nadded,
		       const uint8_t *diff, size_t len, int64_t now, int keep);

/* The chain of steps leading from serial from to serial to, in order
 * (*steps malloc'd, each diff malloc'd). AX_ENOTFOUND when the journal
 * does not reach back to from. */
int db_xfr_journal_chain(db *d, int64_t zone_id, uint32_t from, uint32_t to,
			 xfr_step **steps, size_t *n);

/* Frees steps from db_xfr_journal_chain (accepts NULL). */
void xfr_steps_free(xfr_step *steps, size_t n);

/* The cached answer for an ALIAS target (rrtype 1 or 28). */
typedef struct db_alias {
	char addresses[1024];   /* sorted, space separated; "" = none */
	uint32_t ttl;
	int64_t resolved_at;    /* 0 = never resolved */
	int64_t expires_at;
	char last_error[128];   /* "" after a success */
	int64_t last_error_at;
} db_alias;

/* AX_ENOTFOUND when the target was never looked up. */
int db_alias_get(db *d, const char *target, uint16_t rrtype, db_alias *out);
int db_alias_put(db *d, const char *target, uint16_t rrtype,
		 const db_alias *a);

#endif
