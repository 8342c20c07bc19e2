/* db_zone.h -- zones and their SOA fields. */
#ifndef AXFRD_DB_ZONE_H
#define AXFRD_DB_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axfrd/serial.h"
#include "axfrd/zonefile.h"
#include "db.h"

/* A stored zone. name and the SOA strings are owned (db_zone_clear). */
typedef struct db_zone {
	int64_t id;
	int64_t account_id;
	char *name;             /* normalized, no trailing dot */
	serial_policy policy;
	zf_soa soa;             /* serial included */
	bool dnssec;
	bool lowering;          /* a serial lowering is under way ... */
	uint32_t serial_target; /* ... towards this serial */
	int64_t created_at, updated_at;
} db_zone;

void db_zone_clear(db_zone *z);
void db_zone_array_free(db_zone *zones, size_t n);

/* Inserts z (its id is set); AX_EEXIST when the name is taken (by any
 * account: a zone has one owner). */
int db_zone_insert(db *d, db_zone *z);

/* The zone named name owned by account_id; AX_ENOTFOUND when there is no
 * such zone or another account owns it. account_id < 0: any owner. */
int db_zone_get(db *d, int64_t account_id, const char *name, db_zone *out);

/* An account's zones ordered by name, one page; *total counts all. */
int db_zone_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		 db_zone **out, size_t *n, int64_t *total);

/* Deletes a zone and everything under it (records, journal). */
int db_zone_delete(db *d, int64_t zone_id);

/* Stores the SOA fields (serial included) and updated_at. */
int db_zone_update_soa(db *d, int64_t zone_id, const zf_soa *soa, int64_t now);

/* Sets (lowering true) or clears the target of a serial lowering. */
int db_zone_set_serial_target(db *d, int64_t zone_id, bool lowering,
			      uint32_t target);

/* Stores the zone's serial policy. */
int db_zone_set_policy(db *d, int64_t zone_id, serial_policy policy);

/* Stores the zone's DNSSEC flag. */
int db_zone_set_dnssec(db *d, int64_t zone_id, bool on);

#endif
