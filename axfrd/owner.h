/* owner.h -- who answers for which names: the operator's way past a
 * squatter. Moving a zone to another account, and creating a zone over
 * zones of other accounts; both clear the secondary DNS of every zone
 * that changes owner and are recorded as zone events. */
#ifndef AXFRD_OWNER_H
#define AXFRD_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "db/db_zone.h"
#include "error.h"

/* A zone that changed owner. name is owned. */
typedef struct owner_moved {
	char *name;
	int64_t from_account;
	bool secondary_cleared;   /* it had a secondary DNS configuration */
} owner_moved;

/* What a move or an override create did. Free with owner_result_clear. */
typedef struct owner_result {
	owner_moved *moved;       /* every zone that changed owner */
	size_t nmoved;
	db_zone_ref enclosing;    /* another account's zone around the zone,
				   * which stayed its owner's (name NULL: none) */
} owner_result;

void owner_result_clear(owner_result *r);

/*
 * Creates zone z (as edit_claim_zone). Without override, a zone of
 * another account in the way is AX_ECONFLICT. With override (the admin,
 * actor), the other accounts' zones inside z's name (all but those
 * inside z's owner's own zones there) are moved to z's owner, each with
 * its secondary DNS cleared and a "move" event; another account's zone
 * that encloses z stays its owner's and is reported in res->enclosing;
 * z gets an "override_create" event. All in one transaction.
 */
int owner_create_zone(db *d, db_zone *z, char *const *ns, size_t nns,
		      uint32_t ns_ttl, bool override, int64_t actor,
		      owner_result *res, ax_errinfo *ei);

/*
 * Moves the zone named name (any owner) to account to, with the zones
 * inside it that are not to's (nor inside to's own zones there): each
 * gets its secondary DNS cleared and a "move" event, all in one
 * transaction. A zone that already is to's is left alone (res->nmoved
 * is 0). AX_ENOTFOUND for no such zone or account.
 */
int owner_move_zone(db *d, const char *name, int64_t to, int64_t actor,
		    time_t now, owner_result *res, ax_errinfo *ei);

#endif
