/* edit.h -- one change request on one zone: record additions, deletions
 * and updates, and SOA field changes, applied in one write transaction
 * that checks the zone's rules, bumps the serial once by the zone's policy
 * and writes the change journal. */
#ifndef AXFRD_EDIT_H
#define AXFRD_EDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "db/db_zone.h"
#include "error.h"
#include "rr.h"

typedef struct edit edit;

/* Starts a write transaction and loads the zone named zone_name of
 * account_id (< 0: any). AX_ENOTFOUND when there is no such zone. */
int edit_begin(db *d, int64_t account_id, const char *zone_name, time_t now,
	       edit **out);

/* The zone as loaded at edit_begin (serial before this change). */
const db_zone *edit_zone(const edit *e);

/* Adds a normalized record; sets r->id. AX_EEXIST for an identical one. */
int edit_add(edit *e, rr_record *r, ax_errinfo *ei);

/* Deletes record id; if old is not NULL it receives the record (caller
 * clears it). AX_ENOTFOUND when the zone has no such record. */
int edit_delete(edit *e, int64_t id, rr_record *old, ax_errinfo *ei);

/* Replaces record r->id with r (normalized). Nothing happens when r equals
 * the stored record. */
int edit_update(edit *e, const rr_record *r, ax_errinfo *ei);

/* Deletes every record of the zone (zone-file import with replace). */
int edit_delete_all(edit *e, ax_errinfo *ei);

/* Sets the SOA fields other than the serial (mname, rname, ttl, timers). */
int edit_set_soa(edit *e, const zf_soa *soa);

/* Sets the zone's serial policy (it does not change the exported zone,
 * so on its own it does not bump the serial). */
int edit_set_policy(edit *e, serial_policy policy);

/* What edit_import did. */
typedef struct edit_import_counts {
	size_t added, updated, deleted, unchanged;
} edit_import_counts;

/*
 * Merges the n normalized records of a zone file into the zone: a record
 * already there (same name, type and content) is kept, or its TTL
 * updated; duplicates within recs are ignored; new ones are added. With
 * replace, records the file does not have are deleted.
 */
int edit_import(edit *e, rr_record *recs, size_t n, bool replace,
		edit_import_counts *counts, ax_errinfo *ei);

/* Marks the zone as changed although no stored record changed: its
 * export did (an ALIAS target's addresses, the URL redirector). The commit
 * bumps the serial and journals only the SOA change. */
void edit_bump(edit *e);

/* Lets this edit delete and update the records that the zone's secondary
 * DNS configuration manages. Without it edit_delete and edit_update
 * refuse them with AX_ECONFLICT, and edit_import leaves them alone. */
void edit_allow_managed(edit *e);

/* Sets the zone's DNSSEC flag (axfrd does not sign: the flag says the
 * provider's platform serves the zone signed; it does not change the
 * export, so on its own it does not bump the serial). */
int edit_set_dnssec(edit *e, bool on);

/* The commit gives the zone exactly this serial instead of the policy's
 * next one (raising it, or one RFC 1982 step of lowering it). */
void edit_set_serial(edit *e, uint32_t serial);

/* Starts (lowering true) or ends a serial lowering towards target. */
int edit_set_serial_target(edit *e, bool lowering, uint32_t target);

/* True when the edit changed something so far. */
bool edit_changed(const edit *e);

/*
 * Checks the rules of every owner name the edit touched (CNAME alone at
 * its name and never at the apex; one ALIAS or URL per name and neither
 * next to A/AAAA or each other; the apex keeps an NS; no DS at the apex),
 * then, if anything changed, bumps the serial, writes the journal and
 * commits. *serial receives the zone's serial after the edit. On failure
 * everything is rolled back. Rule violations are AX_ECONFLICT.
 */
int edit_commit(edit *e, uint32_t *serial, ax_errinfo *ei);

/* Rolls back an uncommitted edit and frees it (accepts NULL). */
void edit_free(edit *e);

/*
 * Creates zone z (normalized name, SOA with its initial serial, policy,
 * account) with apex NS records for the host names ns[0..nns) with TTL
 * ns_ttl, in one transaction. Sets z->id. AX_EEXIST when the name is
 * taken.
 */
int edit_create_zone(db *d, db_zone *z, char *const *ns, size_t nns,
		     uint32_t ns_ttl, ax_errinfo *ei);

/*
 * Like edit_create_zone, with the ownership check (db_zone_claim) in the
 * same transaction: a zone of another account that encloses z's name, or
 * is inside it, is AX_ECONFLICT (with a message that does not name it),
 * unless override. The zones in the way are returned in *over either way
 * (free with db_zone_ref_array_free). Inside a db_batch, the transaction
 * is a savepoint of the batch's.
 */
int edit_claim_zone(db *d, db_zone *z, char *const *ns, size_t nns,
		    uint32_t ns_ttl, bool override, db_zone_ref **over,
		    size_t *nover, ax_errinfo *ei);

/* Gives the edited zone to account_id (it does not change the export). */
int edit_set_account(edit *e, int64_t account_id);

/*
 * Clears the zone's secondary DNS, for a zone that changes owner: removes
 * the apex NS records its configuration manages (journaled), then the
 * configuration, its events, the NOTIFY state and the transfer log
 * (db_secondary_forget), and makes the commit bump the serial when
 * anything was there. *had says whether there was a configuration.
 */
int edit_forget_secondaries(edit *e, bool *had, ax_errinfo *ei);

#endif
