/* edit.c -- a change request on one zone: apply, check, bump, journal. */
#include "edit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db_record.h"
#include "db/db_secondary.h"
#include "log.h"
#include "rrlist.h"
#include "serial.h"
#include "strmap.h"
#include "wire.h"

struct edit {
	db *d;
	db_zone zone;        /* as loaded; zone.soa changes with edit_set_soa */
	time_t now;
	bool open;           /* transaction still open */
	bool soa_changed;    /* SOA fields other than the serial changed */
	bool bump;           /* the export changed without a record change */
	bool fixed_serial;   /* the commit sets new_serial, not the policy */
	uint32_t new_serial;
	bool managed_ok;     /* may change records managed by secondary DNS */
	uint32_t old_serial;
	zf_soa old_soa;      /* SOA before the edit, for the journal */
	rrlist dels;         /* removed records, indexed by identity */
	rrlist adds;         /* added records, indexed by store id */
	strmap *touched;     /* lower-case owner names to check the rules of */
};

static char *id_key(int64_t id, char buf[24])
{
	snprintf(buf, 24, "%lld", (long long)id);
	return buf;
}

static bool rr_equal(const rr_record *a, const rr_record *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->type, b->type) == 0 &&
	       a->ttl == b->ttl && strcmp(a->content, b->content) == 0;
}

static int touch(edit *e, const char *name)
{
	char lower[WIRE_NAME_MAX * 4 + 1];

	snprintf(lower, sizeof(lower), "%s", name);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (e->touched == NULL && (e->touched = strmap_new()) == NULL)
		return AX_ENOMEM;
	return strmap_put(e->touched, lower, 0) ? AX_OK : AX_ENOMEM;
}

static int soa_copy(zf_soa *dst, const zf_soa *src)
{
	*dst = *src;
	dst->mname = strdup(src->mname);
	dst->rname = strdup(src->rname);
	if (dst->mname == NULL || dst->rname == NULL) {
		zf_soa_clear(dst);
		return AX_ENOMEM;
	}
	return AX_OK;
}

int edit_begin(db *d, int64_t account_id, const char *zone_name, time_t now,
	       edit **out)
{
	edit *e;
	int rc;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return AX_ENOMEM;
	e->d = d;
	e->now = now;
	if ((rc = db_begin(d)) != AX_OK) {
		free(e);
		return rc;
	}
	e->open = true;
	if ((rc = db_zone_get(d, account_id, zone_name, &e->zone)) != AX_OK ||
	    (rc = soa_copy(&e->old_soa, &e->zone.soa)) != AX_OK) {
		edit_free(e);
		return rc;
	}
	e->old_serial = e->zone.soa.serial;
	*out = e;
	return AX_OK;
}

const db_zone *edit_zone(const edit *e)
{
	return &e->zone;
}

void edit_bump(edit *e)
{
	e->bump = true;
}

void edit_set_serial(edit *e, uint32_t serial)
{
	e->bump = true;
	e->fixed_serial = true;
	e->new_serial = serial;
}

int edit_set_serial_target(edit *e, bool lowering, uint32_t target)
{
	int rc = db_zone_set_serial_target(e->d, e->zone.id, lowering, target);

	if (rc == AX_OK) {
		e->zone.lowering = lowering;
		e->zone.serial_target = target;
	}
	return rc;
}

void edit_allow_managed(edit *e)
{
	e->managed_ok = true;
}

/* Records that the zone's secondary DNS configuration added belong to it:
 * only the configuration's own edit may change or remove them. */
static int refuse_managed(edit *e, int64_t id, ax_errinfo *ei)
{
	bool managed;
	int rc;

	if (e->managed_ok)
		return AX_OK;
	if ((rc = db_record_managed(e->d, e->zone.id, id, &managed)) != AX_OK ||
	    !managed)
		return rc;
	return ax_fail(ei, AX_ECONFLICT, "id",
		       "record %lld was added by the zone's secondary DNS "
		       "configuration; change it with PATCH or remove it with "
		       "DELETE /v1/zones/%s/secondary_dns", (long long)id,
		       e->zone.name);
}

bool edit_changed(const edit *e)
{
	return e->bump || e->soa_changed || e->dels.live > 0 || e->adds.live > 0;
}

/* The wire RDATA stored with a record, so the DNS side need not parse
 * its text; false for ALIAS and URL, which have none. */
static bool wire_rdata(const char *zone, const rr_record *r, uint8_t *out,
		       size_t outmax, size_t *len)
{
	return !rr_type_is_pseudo(r->type) &&
	       rr_rdata_wire(zone, r->name, r->type, r->content, out, outmax, len) == AX_OK;
}

/* Journals the addition of r, unless this edit removed the very same
 * record: re-adding it cancels out. */
static int journal_addition(edit *e, const rr_record *r)
{
	char buf[24], *key = rr_identity(r);
	bool cancelled;

	if (key == NULL)
		return AX_ENOMEM;
	cancelled = rrlist_take(&e->dels, key);
	free(key);
	return cancelled ? AX_OK : rrlist_push(&e->adds, r, id_key(r->id, buf));
}

int edit_add(edit *e, rr_record *r, ax_errinfo *ei)
{
	uint8_t rdata[65535];
	size_t rdlen = 0;
	bool wire = wire_rdata(e->zone.name, r, rdata, sizeof(rdata), &rdlen);
	int rc = db_record_insert_wire(e->d, e->zone.id, r, wire ? rdata : NULL, rdlen,
				       e->now);

	if (rc == AX_EEXIST)
		return ax_fail(ei, AX_EEXIST, "content",
			       "an identical %s record already exists at '%s'",
			       r->type, r->name[0] ? r->name : "@");
	if (rc != AX_OK)
		return rc;
	if ((rc = touch(e, r->name)) != AX_OK)
		return rc;
	return journal_addition(e, r);
}

/* Journals the removal of old, unless this edit added it: then the
 * addition is forgotten and the record never existed for IXFR. */
static int journal_removal(edit *e, const rr_record *old)
{
	char buf[24], *key;
	int rc;

	if (rrlist_take(&e->adds, id_key(old->id, buf)))
		return AX_OK;
	if ((key = rr_identity(old)) == NULL)
		return AX_ENOMEM;
	rc = rrlist_push(&e->dels, old, key);
	free(key);
	return rc;
}

int edit_delete(edit *e, int64_t id, rr_record *old, ax_errinfo *ei)
{
	rr_record cur;
	int rc;

	if (old != NULL)
		memset(old, 0, sizeof(*old));
	if ((rc = db_record_get(e->d, e->zone.id, id, &cur)) != AX_OK) {
		if (rc == AX_ENOTFOUND)
			ax_fail(ei, rc, "id", "zone %s has no record %lld",
				e->zone.name, (long long)id);
		return rc;
	}
	if ((rc = refuse_managed(e, id, ei)) == AX_OK &&
	    (rc = db_record_delete(e->d, e->zone.id, id)) == AX_OK &&
	    (rc = touch(e, cur.name)) == AX_OK)
		rc = journal_removal(e, &cur);
	if (rc == AX_OK && old != NULL)
		*old = cur;
	else
		rr_record_clear(&cur);
	return rc;
}

int edit_update(edit *e, const rr_record *r, ax_errinfo *ei)
{
	rr_record cur;
	int rc;

	if ((rc = db_record_get(e->d, e->zone.id, r->id, &cur)) != AX_OK) {
		if (rc == AX_ENOTFOUND)
			ax_fail(ei, rc, "id", "zone %s has no record %lld",
				e->zone.name, (long long)r->id);
		return rc;
	}
	if (rr_equal(&cur, r)) {
		rr_record_clear(&cur);
		return AX_OK;
	}
	if ((rc = refuse_managed(e, r->id, ei)) != AX_OK) {
		rr_record_clear(&cur);
		return rc;
	}
	uint8_t rdata[65535];
	size_t rdlen = 0;
	bool wire = wire_rdata(e->zone.name, r, rdata, sizeof(rdata), &rdlen);
	rc = db_record_update_wire(e->d, e->zone.id, r, wire ? rdata : NULL, rdlen, e->now);
	if (rc == AX_EEXIST)
		ax_fail(ei, rc, "content", "an identical %s record already exists at '%s'",
			r->type, r->name[0] ? r->name : "@");
	if (rc == AX_OK && (rc = touch(e, cur.name)) == AX_OK &&
	    (rc = touch(e, r->name)) == AX_OK &&
	    (rc = journal_removal(e, &cur)) == AX_OK)
		rc = journal_addition(e, r);
	rr_record_clear(&cur);
	return rc;
}

int edit_delete_all(edit *e, ax_errinfo *ei)
{
	rr_record *all;
	size_t n;
	int rc;

	if ((rc = db_record_all(e->d, e->zone.id, &all, &n)) != AX_OK)
		return rc;
	for (size_t i = 0; i < n && rc == AX_OK; i++)
		rc = edit_delete(e, all[i].id, NULL, ei);
	rr_record_array_free(all, n);
	return rc;
}

int edit_set_soa(edit *e, const zf_soa *soa)
{
	zf_soa *cur = &e->zone.soa;
	zf_soa next;

	if (strcasecmp(cur->mname, soa->mname) == 0 &&
	    strcasecmp(cur->rname, soa->rname) == 0 && cur->ttl == soa->ttl &&
	    cur->refresh == soa->refresh && cur->retry == soa->retry &&
	    cur->expire == soa->expire && cur->minimum == soa->minimum)
		return AX_OK;
	if (soa_copy(&next, soa) != AX_OK)
		return AX_ENOMEM;
	next.serial = cur->serial;
	zf_soa_clear(cur);
	*cur = next;
	e->soa_changed = true;
	return AX_OK;
}

/* Counts of the types at one owner name that the rules look at. */
typedef struct name_census {
	size_t total, cname, alias, url, addr, ns, ds;
	char other[16];     /* a type that is not CNAME, for messages */
} name_census;

static void census(const rr_record *recs, size_t n, name_census *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		const char *t = recs[i].type;
		c->total++;
		if (strcmp(t, "CNAME") == 0)
			c->cname++;
		else
			snprintf(c->other, sizeof(c->other), "%s", t);
		c->alias += strcmp(t, "ALIAS") == 0;
		c->url += strcmp(t, "URL") == 0;
		c->addr += strcmp(t, "A") == 0 || strcmp(t, "AAAA") == 0;
		c->ns += strcmp(t, "NS") == 0;
		c->ds += strcmp(t, "DS") == 0;
	}
}

static int check_name(edit *e, const char *name, ax_errinfo *ei)
{
	const char *shown = name[0] ? name : "@";
	bool apex = name[0] == '\0';
	name_census c;
	rr_record *recs;
	size_t n;
	int rc;

	if ((rc = db_record_at_name(e->d, e->zone.id, name, &recs, &n)) != AX_OK)
		return rc;
	census(recs, n, &c);
	rr_record_array_free(recs, n);
	if (c.cname > 0 && apex)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "a CNAME cannot be at the zone apex (the SOA and NS "
			       "records are there); use ALIAS instead");
	if (c.cname > 1)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "'%s' can have only one CNAME record", shown);
	if (c.cname > 0 && c.total > c.cname)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "a CNAME at '%s' cannot coexist with other records "
			       "at that name (%s)", shown, c.other);
	if (c.alias > 1 || c.url > 1)
		return ax_fail(ei, AX_ECONFLICT, "name", "'%s' can have only one %s record",
			       shown, c.alias > 1 ? "ALIAS" : "URL");
	if ((c.alias > 0 || c.url > 0) && c.addr > 0)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "an %s at '%s' cannot coexist with A or AAAA records "
			       "at that name: it provides them", c.alias ? "ALIAS" : "URL",
			       shown);
	if (c.alias > 0 && c.url > 0)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "an ALIAS and a URL record cannot share the name '%s'",
			       shown);
	if (apex && c.ns == 0)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "the zone apex must keep at least one NS record");
	if (apex && c.ds > 0)
		return ax_fail(ei, AX_ECONFLICT, "name",
			       "a DS record belongs to a delegation, not the zone apex "
			       "(the parent zone holds the apex's DS)");
	return AX_OK;
}

static void soa_as_record(const zf_soa *soa, char *content, size_t len,
			  rr_record *out)
{
	snprintf(content, len, "%s %s %u %u %u %u %u", soa->mname, soa->rname,
		 soa->serial, soa->refresh, soa->retry, soa->expire, soa->minimum);
	out->id = 0;
	out->name = (char *)"";
	out->type = (char *)"SOA";
	out->ttl = soa->ttl;
	out->content = content;
}

static int write_journal(edit *e)
{
	char old_c[600], new_c[600];
	rr_record old_soa, new_soa;
	size_t n = e->dels.live + e->adds.live + 2, k = 0;
	db_journal_rr *rows = calloc(n, sizeof(*rows));
	int rc;

	if (rows == NULL)
		return AX_ENOMEM;
	/* RFC 1995 order: old SOA, removals, new SOA, additions. */
	soa_as_record(&e->old_soa, old_c, sizeof(old_c), &old_soa);
	soa_as_record(&e->zone.soa, new_c, sizeof(new_c), &new_soa);
	rows[k++] = (db_journal_rr){"del", &old_soa};
	for (size_t i = 0; i < e->dels.n; i++)
		if (e->dels.v[i].name != NULL)
			rows[k++] = (db_journal_rr){"del", &e->dels.v[i]};
	rows[k++] = (db_journal_rr){"add", &new_soa};
	for (size_t i = 0; i < e->adds.n; i++)
		if (e->adds.v[i].name != NULL)
			rows[k++] = (db_journal_rr){"add", &e->adds.v[i]};
	rc = db_journal_add(e->d, e->zone.id, e->old_serial, e->zone.soa.serial,
			    rows, k, e->now);
	free(rows);
	return rc;
}

/* strmap_each callback: checks one touched name, stops at a failure. */
typedef struct check_ctx {
	edit *e;
	ax_errinfo *ei;
	int rc;
} check_ctx;

static bool check_one(void *arg, const char *name, size_t value)
{
	check_ctx *c = arg;

	(void)value;
	c->rc = check_name(c->e, name, c->ei);
	return c->rc == AX_OK;
}

int edit_commit(edit *e, uint32_t *serial, ax_errinfo *ei)
{
	check_ctx cc = {e, ei, AX_OK};
	int rc;

	if (e->touched != NULL)
		strmap_each(e->touched, check_one, &cc);
	rc = cc.rc;
	if (rc == AX_OK && edit_changed(e)) {
		e->zone.soa.serial = e->fixed_serial ? e->new_serial :
				     serial_next(e->zone.policy, e->old_serial, e->now);
		if ((rc = db_zone_update_soa(e->d, e->zone.id, &e->zone.soa,
					     e->now)) == AX_OK)
			rc = write_journal(e);
	}
	if (rc == AX_OK)
		rc = db_commit(e->d);
	if (rc != AX_OK) {
		db_rollback(e->d);
		e->open = false;
		e->zone.soa.serial = e->old_serial;
		return rc;
	}
	e->open = false;
	if (edit_changed(e))
		log_info("edit", "zone %s: serial %u -> %u (%zu removed, %zu added)",
			 e->zone.name, e->old_serial, e->zone.soa.serial, e->dels.live,
			 e->adds.live);
	*serial = e->zone.soa.serial;
	return AX_OK;
}

void edit_free(edit *e)
{
	if (e == NULL)
		return;
	if (e->open)
		db_rollback(e->d);
	db_zone_clear(&e->zone);
	zf_soa_clear(&e->old_soa);
	rrlist_free(&e->dels);
	rrlist_free(&e->adds);
	strmap_free(e->touched);
	free(e);
}

int edit_set_dnssec(edit *e, bool on)
{
	int rc = db_zone_set_dnssec(e->d, e->zone.id, on);

	if (rc == AX_OK)
		e->zone.dnssec = on;
	return rc;
}

int edit_set_policy(edit *e, serial_policy policy)
{
	int rc = db_zone_set_policy(e->d, e->zone.id, policy);

	if (rc == AX_OK)
		e->zone.policy = policy;
	return rc;
}

/* Orders records by owner (case-insensitive), type and content: the
 * identity of a record in the store. */
static int rr_key_cmp(const rr_record *a, const rr_record *b)
{
	int c = strcasecmp(a->name, b->name);

	if (c == 0)
		c = strcmp(a->type, b->type);
	if (c == 0)
		c = strcmp(a->content, b->content);
	return c;
}

static int rr_ptr_cmp(const void *a, const void *b)
{
	return rr_key_cmp(*(rr_record *const *)a, *(rr_record *const *)b);
}

/* Whether record id belongs to the secondary DNS configuration: an import
 * leaves such records as they are (a store error counts as managed, so
 * that the record is left alone). */
static bool is_managed(edit *e, int64_t id)
{
	bool managed;

	return db_record_managed(e->d, e->zone.id, id, &managed) != AX_OK || managed;
}

/* Applies one file record against the sorted current records. */
static int import_one(edit *e, rr_record *f, rr_record **sorted, size_t ncur,
		      bool *keep, rr_record *cur, edit_import_counts *counts,
		      ax_errinfo *ei)
{
	rr_record **hit = bsearch(&f, sorted, ncur, sizeof(*sorted), rr_ptr_cmp);
	int rc;

	if (hit == NULL) {
		rc = edit_add(e, f, ei);
		if (rc == AX_EEXIST) {  /* the file repeats a record */
			ax_errinfo_clear(ei);
			return AX_OK;
		}
		if (rc == AX_OK)
			counts->added++;
		return rc;
	}
	size_t j = (size_t)(*hit - cur);
	if (keep[j])
		return AX_OK;
	keep[j] = true;
	if ((*hit)->ttl == f->ttl || is_managed(e, (*hit)->id)) {
		counts->unchanged++;
		return AX_OK;
	}
	rr_record upd = **hit;
	upd.ttl = f->ttl;
	if ((rc = edit_update(e, &upd, ei)) == AX_OK)
		counts->updated++;
	return rc;
}

int edit_import(edit *e, rr_record *recs, size_t n, bool replace,
		edit_import_counts *counts, ax_errinfo *ei)
{
	rr_record *cur = NULL, **sorted = NULL;
	size_t ncur = 0;
	bool *keep = NULL;
	int rc;

	memset(counts, 0, sizeof(*counts));
	if ((rc = db_record_all(e->d, e->zone.id, &cur, &ncur)) != AX_OK)
		return rc;
	sorted = calloc(ncur + 1, sizeof(*sorted));
	keep = calloc(ncur + 1, sizeof(*keep));
	if (sorted == NULL || keep == NULL) {
		rc = AX_ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < ncur; i++)
		sorted[i] = &cur[i];
	qsort(sorted, ncur, sizeof(*sorted), rr_ptr_cmp);
	for (size_t i = 0; i < n && rc == AX_OK; i++)
		rc = import_one(e, &recs[i], sorted, ncur, keep, cur, counts, ei);
	for (size_t j = 0; replace && j < ncur && rc == AX_OK; j++) {
		if (keep[j] || is_managed(e, cur[j].id))
			continue;
		if ((rc = edit_delete(e, cur[j].id, NULL, ei)) == AX_OK)
			counts->deleted++;
	}
cleanup:
	free(sorted);
	free(keep);
	rr_record_array_free(cur, ncur);
	return rc;
}

/* The 409 of a name that another account's zone stands in the way of. The
 * other zone is not named: the conflict implies that it exists, nothing
 * more is another tenant's to tell. */
static int overlap_error(const db_zone *z, const db_zone_ref *first,
			 ax_errinfo *ei)
{
	return ax_fail(ei, AX_ECONFLICT, "name", "%s overlaps a zone of another "
		       "account (%s): one account cannot answer for another "
		       "account's names. If the domain is yours, ask the operator "
		       "to move the zone to your account", z->name,
		       first->relation == DB_ENCLOSES ? "it is inside that zone" :
		       "that zone is inside it");
}

int edit_claim_zone(db *d, db_zone *z, char *const *ns, size_t nns,
		    uint32_t ns_ttl, bool override, db_zone_ref **over,
		    size_t *nover, ax_errinfo *ei)
{
	int rc;

	*over = NULL;
	*nover = 0;
	/* db_begin is BEGIN IMMEDIATE: the check and the insert happen under
	 * the write lock, so two creates of overlapping names from two
	 * connections cannot both pass the check. */
	if ((rc = db_begin(d)) != AX_OK)
		return rc;
	rc = db_zone_claim(d, z, override, over, nover);
	if (rc == AX_EEXIST)
		ax_fail(ei, rc, "name", "zone %s already exists", z->name);
	else if (rc == AX_ECONFLICT)
		overlap_error(z, &(*over)[0], ei);
	for (size_t i = 0; i < nns && rc == AX_OK; i++) {
		rr_record r = {0, (char *)"", (char *)"NS", ns_ttl, ns[i]};
		uint8_t rdata[WIRE_NAME_MAX];
		size_t rdlen = 0;
		bool wire = wire_rdata(z->name, &r, rdata, sizeof(rdata), &rdlen);
		rc = db_record_insert_wire(d, z->id, &r, wire ? rdata : NULL, rdlen,
					   z->created_at);
		if (rc == AX_EEXIST)  /* the same name server given twice */
			rc = AX_OK;
	}
	if (rc == AX_OK)
		rc = db_commit(d);
	if (rc != AX_OK) {
		db_rollback(d);
		return rc;
	}
	log_info("edit", "zone %s created, serial %u", z->name, z->soa.serial);
	return AX_OK;
}

int edit_create_zone(db *d, db_zone *z, char *const *ns, size_t nns,
		     uint32_t ns_ttl, ax_errinfo *ei)
{
	db_zone_ref *over;
	size_t nover;
	int rc = edit_claim_zone(d, z, ns, nns, ns_ttl, false, &over, &nover, ei);

	db_zone_ref_array_free(over, nover);
	return rc;
}

int edit_set_account(edit *e, int64_t account_id)
{
	int rc = db_zone_set_account(e->d, e->zone.id, account_id, e->now);

	if (rc == AX_OK)
		e->zone.account_id = account_id;
	return rc;
}

int edit_forget_secondaries(edit *e, bool *had, ax_errinfo *ei)
{
	rr_record *managed = NULL;
	size_t n = 0;
	bool saved = e->managed_ok;
	int rc;

	*had = false;
	if ((rc = db_record_managed_list(e->d, e->zone.id, &managed, &n)) != AX_OK)
		return rc;
	e->managed_ok = true;
	for (size_t i = 0; i < n && rc == AX_OK; i++)
		rc = edit_delete(e, managed[i].id, NULL, ei);
	e->managed_ok = saved;
	rr_record_array_free(managed, n);
	if (rc == AX_OK)
		rc = db_secondary_forget(e->d, e->zone.id, had);
	/* The transfer ACL and the NOTIFY targets changed: secondaries hear
	 * of it by a new serial, as after DELETE secondary_dns. */
	if (rc == AX_OK && (*had || n > 0))
		e->bump = true;
	return rc;
}
