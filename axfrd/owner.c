/* owner.c -- moving zones between accounts and creating a zone over
 * other accounts' zones, each one transaction of many zones. */
#include "owner.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_account.h"
#include "edit.h"
#include "log.h"

void owner_result_clear(owner_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nmoved; i++)
		free(r->moved[i].name);
	free(r->moved);
	free(r->enclosing.name);
	memset(r, 0, sizeof(*r));
}

static int push_moved(owner_result *res, const char *name, int64_t from,
		      bool cleared)
{
	owner_moved *na = realloc(res->moved, (res->nmoved + 1) * sizeof(*na));

	if (na == NULL)
		return AX_ENOMEM;
	res->moved = na;
	na[res->nmoved] = (owner_moved){strdup(name), from, cleared};
	if (na[res->nmoved].name == NULL)
		return AX_ENOMEM;
	res->nmoved++;
	return AX_OK;
}

/* The zone in over that encloses the name (at most one), copied into
 * res->enclosing. */
static int keep_enclosing(const db_zone_ref *over, size_t n, owner_result *res)
{
	for (size_t i = 0; i < n; i++) {
		if (over[i].relation != DB_ENCLOSES)
			continue;
		res->enclosing = over[i];
		if ((res->enclosing.name = strdup(over[i].name)) == NULL)
			return AX_ENOMEM;
		return AX_OK;
	}
	return AX_OK;
}

/*
 * Moves one zone to account to: clears its secondary DNS, changes the
 * owner, records the event (cause: the zone whose move or create brought
 * it along; along: the zones that went with it) and commits its edit (a
 * savepoint of the caller's batch).
 */
static int move_one(db *d, const char *name, int64_t to, int64_t actor,
		    time_t now, const char *cause, const db_strv *along,
		    const db_zone_ref *enclosing, owner_result *res,
		    ax_errinfo *ei)
{
	db_zone_event ev = {0};
	uint32_t serial;
	edit *e = NULL;
	bool had = false;
	int64_t from;
	int rc;

	if ((rc = edit_begin(d, -1, name, now, &e)) != AX_OK)
		return rc;
	from = edit_zone(e)->account_id;
	if ((rc = edit_forget_secondaries(e, &had, ei)) == AX_OK &&
	    (rc = edit_set_account(e, to)) == AX_OK) {
		ev.zone_id = edit_zone(e)->id;
		ev.account_id = actor;
		strcpy(ev.action, "move");
		ev.from_account_id = from;
		ev.to_account_id = to;
		ev.secondary_dns_cleared = had;
		ev.cause = (char *)cause;
		if (along != NULL)
			ev.moved_zones = *along;
		if (enclosing != NULL && enclosing->name != NULL) {
			ev.enclosing_zone = enclosing->name;
			ev.enclosing_account_id = enclosing->account_id;
		}
		ev.created_at = now;
		rc = db_zone_event_add(d, &ev);
	}
	if (rc == AX_OK)
		rc = edit_commit(e, &serial, ei);
	if (rc == AX_OK)
		rc = push_moved(res, name, from, had);
	if (rc == AX_OK)
		log_info("owner", "zone %s moved from account %lld to %lld by account "
			 "%lld%s%s%s", name, (long long)from, (long long)to,
			 (long long)actor, had ? "; its secondary DNS was cleared" : "",
			 cause ? ", along with " : "", cause ? cause : "");
	edit_free(e);
	return rc;
}

/* Moves the zones of over that are inside the name to account to. */
static int move_inside(db *d, const db_zone_ref *over, size_t n, int64_t to,
		       int64_t actor, time_t now, const char *cause,
		       db_strv *names, owner_result *res, ax_errinfo *ei)
{
	int rc = AX_OK;

	for (size_t i = 0; i < n && rc == AX_OK; i++) {
		if (over[i].relation != DB_INSIDE)
			continue;
		rc = move_one(d, over[i].name, to, actor, now, cause, NULL, NULL, res, ei);
		if (rc == AX_OK)
			rc = db_strv_push(names, over[i].name);
	}
	return rc;
}

static int account_exists(db *d, int64_t id, ax_errinfo *ei)
{
	db_account a;
	int rc = db_account_get(d, id, &a);

	if (rc == AX_ENOTFOUND)
		return ax_fail(ei, AX_EINVAL, "account_id", "account_id: there is no "
			       "account %lld", (long long)id);
	return rc;
}

int owner_create_zone(db *d, db_zone *z, char *const *ns, size_t nns,
		      uint32_t ns_ttl, bool override, int64_t actor,
		      owner_result *res, ax_errinfo *ei)
{
	db_zone_ref *over = NULL;
	db_strv names = {0};
	size_t nover = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!override)
		return edit_create_zone(d, z, ns, nns, ns_ttl, ei);
	if ((rc = db_batch_begin(d)) != AX_OK)
		return rc;
	rc = account_exists(d, z->account_id, ei);
	if (rc == AX_OK)
		rc = edit_claim_zone(d, z, ns, nns, ns_ttl, true, &over, &nover, ei);
	if (rc == AX_OK)
		rc = move_inside(d, over, nover, z->account_id, actor, z->created_at,
				 z->name, &names, res, ei);
	if (rc == AX_OK)
		rc = keep_enclosing(over, nover, res);
	if (rc == AX_OK && nover > 0) {
		db_zone_event ev = {0};
		ev.zone_id = z->id;
		ev.account_id = actor;
		strcpy(ev.action, "override_create");
		ev.to_account_id = z->account_id;
		ev.moved_zones = names;
		ev.enclosing_zone = res->enclosing.name;
		ev.enclosing_account_id = res->enclosing.account_id;
		ev.created_at = z->created_at;
		rc = db_zone_event_add(d, &ev);
	}
	if (rc == AX_OK)
		rc = db_batch_end(d);
	else
		db_batch_abort(d);
	if (rc == AX_OK && nover > 0)
		log_info("owner", "zone %s created over %zu zone(s) of other accounts "
			 "by account %lld for account %lld", z->name, nover,
			 (long long)actor, (long long)z->account_id);
	if (rc != AX_OK)
		owner_result_clear(res);
	db_zone_ref_array_free(over, nover);
	db_strv_free(&names);
	return rc;
}

int owner_move_zone(db *d, const char *name, int64_t to, int64_t actor,
		    time_t now, owner_result *res, ax_errinfo *ei)
{
	db_zone_ref *over = NULL;
	db_strv names = {0};
	size_t nover = 0;
	db_zone z = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = db_batch_begin(d)) != AX_OK)
		return rc;
	rc = account_exists(d, to, ei);
	if (rc == AX_OK && (rc = db_zone_get(d, -1, name, &z)) == AX_ENOTFOUND)
		ax_fail(ei, rc, NULL, "no such zone: %s", name);
	if (rc == AX_OK && z.account_id == to) {
		db_batch_end(d);
		db_zone_clear(&z);
		return AX_OK;
	}
	/* Computed before anything moves: the zones inside name that are
	 * not to's, and the zone around it. */
	if (rc == AX_OK)
		rc = db_zone_overlaps(d, to, name, &over, &nover);
	if (rc == AX_OK)
		rc = move_inside(d, over, nover, to, actor, now, name, &names, res, ei);
	if (rc == AX_OK)
		rc = keep_enclosing(over, nover, res);
	if (rc == AX_OK)
		rc = move_one(d, name, to, actor, now, NULL, &names, &res->enclosing,
			      res, ei);
	if (rc == AX_OK)
		rc = db_batch_end(d);
	else
		db_batch_abort(d);
	if (rc != AX_OK)
		owner_result_clear(res);
	db_zone_clear(&z);
	db_zone_ref_array_free(over, nover);
	db_strv_free(&names);
	return rc;
}
