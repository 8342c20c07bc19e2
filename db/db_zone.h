/* db_zone.h -- zones and their SOA fields. */
#ifndef AXFRD_DB_ZONE_H
#define AXFRD_DB_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axfrd/serial.h"
#include "axfrd/zonefile.h"
#include "db.h"
#include "db_strv.h"

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

/* ---- who owns which names ------------------------------------------------ */

/* How a zone stands to a name: it encloses the name, or is inside it
 * (compared label by label on the normalized names). */
typedef enum db_relation { DB_ENCLOSES = 1, DB_INSIDE = 2 } db_relation;

/* A zone as the ownership checks see it. name is owned. */
typedef struct db_zone_ref {
	int64_t id;
	int64_t account_id;
	char *name;
	db_relation relation;
} db_zone_ref;

void db_zone_ref_array_free(db_zone_ref *refs, size_t n);

/*
 * The zones of other accounts than account_id that stand in the way of
 * account_id answering for name (normalized):
 *  - the closest zone that encloses name, when another account owns it
 *    (a zone of account_id's own in between makes name its delegation);
 *  - every zone inside name that another account owns and that is not
 *    inside one of account_id's own zones inside name (those were placed
 *    there by the operator).
 * name itself is not looked at (the UNIQUE name is). *out is malloc'd
 * (db_zone_ref_array_free), the enclosing zone first.
 */
int db_zone_overlaps(db *d, int64_t account_id, const char *name,
		     db_zone_ref **out, size_t *n);

/*
 * Inserts z (like db_zone_insert) after checking db_zone_overlaps for
 * z->account_id, as one step: it must run inside the write transaction
 * of db_begin (BEGIN IMMEDIATE takes the write lock before the check, so
 * no other connection can insert between the check and the insert);
 * otherwise AX_EINVAL and nothing happens. When zones stand in the way,
 * AX_ECONFLICT and nothing is inserted, unless override; either way they
 * are returned in *over (malloc'd, may be NULL). AX_EEXIST when the name
 * is taken.
 */
int db_zone_claim(db *d, db_zone *z, bool override, db_zone_ref **over,
		  size_t *nover);

/* Gives zone_id to account_id (updated_at = now); AX_ENOTFOUND. */
int db_zone_set_account(db *d, int64_t zone_id, int64_t account_id,
			int64_t now);

/* One ownership event of a zone (a move, a create over other zones).
 * Strings are owned (db_zone_event_clear). */
typedef struct db_zone_event {
	int64_t id;
	int64_t zone_id;
	int64_t account_id;        /* who; 0 when the account is gone */
	char action[16];           /* "move" or "override_create" */
	int64_t from_account_id;   /* 0: none (a create), or gone */
	int64_t to_account_id;
	bool secondary_dns_cleared;
	char *cause;               /* the zone whose move or create brought
				    * this one along; NULL: none */
	db_strv moved_zones;       /* zones that went along with this one */
	char *enclosing_zone;      /* another account's zone around this one
				    * that stayed; NULL: none */
	int64_t enclosing_account_id;
	int64_t created_at;
} db_zone_event;

void db_zone_event_clear(db_zone_event *ev);
void db_zone_event_array_free(db_zone_event *ev, size_t n);

/* Records an event (ids 0 are stored as NULL). */
int db_zone_event_add(db *d, const db_zone_event *ev);

/* A zone's events, newest first, one page; *total counts all. */
int db_zone_event_list(db *d, int64_t zone_id, int64_t offset, int64_t limit,
		       db_zone_event **out, size_t *n, int64_t *total);

#endif
