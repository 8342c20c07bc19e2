/* dns_zones.c -- the DNS side's table of zones: lookup by name, and
 * reloading a zone from the store (new snapshot, IXFR journal step, a new
 * serial when the export changed without one). */
#include <ctype.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db_export.h"
#include "db/db_notify.h"
#include "db/db_secondary.h"
#include "alias.h"
#include "dns_internal.h"
#include "notify.h"
#include "edit.h"
#include "log.h"
#include "serial.h"

static uint32_t name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)tolower(name[i])) * 16777619u;
	return h;
}

zone_entry *dns_zone_exact(dns_server *s, const uint8_t *name, size_t len)
{
	zone_entry *z;

	if (s->nbuckets == 0)
		return NULL;
	z = s->buckets[name_hash(name, len) & (s->nbuckets - 1)];
	for (; z != NULL; z = z->next)
		if (wire_name_equal(z->apex, z->apex_len, name, len))
			return z;
	return NULL;
}

zone_entry *dns_zone_closest(dns_server *s, const uint8_t *name, size_t len)
{
	/* Try the name, then each parent: the longest match wins. */
	for (size_t i = 0; i < len && name[i] != 0; i += (size_t)name[i] + 1) {
		zone_entry *z = dns_zone_exact(s, name + i, len - i);
		if (z != NULL)
			return z;
	}
	return NULL;
}

static int grow_table(dns_server *s)
{
	size_t n = s->nbuckets ? s->nbuckets * 2 : 1024;
	zone_entry **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return AX_ENOMEM;
	for (size_t i = 0; i < s->nbuckets; i++) {
		zone_entry *z = s->buckets[i];
		while (z != NULL) {
			zone_entry *next = z->next;
			size_t k = name_hash(z->apex, z->apex_len) & (n - 1);
			z->next = b[k];
			b[k] = z;
			z = next;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
	return AX_OK;
}

static zone_entry *zone_add(dns_server *s, const char *name)
{
	zone_entry *z;
	size_t k;

	uint8_t apex[WIRE_NAME_MAX];
	size_t apex_len;

	if (s->nzones >= s->nbuckets / 2 && grow_table(s) != AX_OK)
		return NULL;
	if (!wire_name_from_text(name, apex, &apex_len) ||
	    (z = calloc(1, sizeof(*z) + apex_len)) == NULL)
		return NULL;
	if ((z->name = strdup(name)) == NULL) {
		free(z);
		return NULL;
	}
	z->apex_len = apex_len;
	for (size_t i = 0; i < apex_len; i++)
		z->apex[i] = (uint8_t)tolower(apex[i]);
	k = name_hash(z->apex, z->apex_len) & (s->nbuckets - 1);
	z->next = s->buckets[k];
	s->buckets[k] = z;
	s->nzones++;
	return z;
}

static void zone_entry_free(zone_entry *z)
{
	snap_unref(z->snap);
	xfr_policy_clear(&z->policy);
	free(z->name);
	free(z);
}

static void zone_remove(dns_server *s, const uint8_t *apex, size_t len)
{
	zone_entry **pp;

	if (s->nbuckets == 0)
		return;
	pp = &s->buckets[name_hash(apex, len) & (s->nbuckets - 1)];
	for (; *pp != NULL; pp = &(*pp)->next) {
		zone_entry *z = *pp;
		if (!wire_name_equal(z->apex, z->apex_len, apex, len))
			continue;
		*pp = z->next;
		log_info("dns", "zone %s: no longer served", z->name);
		zone_entry_free(z);
		s->nzones--;
		return;
	}
}

void dns_zones_free(dns_server *s)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		while (s->buckets[i] != NULL) {
			zone_entry *z = s->buckets[i];
			s->buckets[i] = z->next;
			zone_entry_free(z);
		}
	}
	free(s->buckets);
	s->buckets = NULL;
	s->nbuckets = s->nzones = 0;
}

int diff_emit(void *arg, bool added, const snap *s, const snap_rr *rr)
{
	diff_acc *a = arg;

	if (added) {
		a->nadd++;
		return xfr_blob_append(&a->add, &a->alen, &a->acap,
				       snap_bytes(s, rr->owner), rr->owner_len, rr->type,
				       rr->ttl, snap_bytes(s, rr->rdata), rr->rdlen);
	}
	a->ndel++;
	return xfr_blob_append(&a->del, &a->dlen, &a->dcap, snap_bytes(s, rr->owner),
			       rr->owner_len, rr->type, rr->ttl,
			       snap_bytes(s, rr->rdata), rr->rdlen);
}

/* Appends raw bytes to a growing buffer. */
static int blob_cat(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p,
		    size_t n)
{
	if (*cap - *len < n) {
		size_t c = *cap ? *cap : 1024;
		while (c - *len < n)
			c *= 2;
		uint8_t *grown = realloc(*buf, c);
		if (grown == NULL)
			return AX_ENOMEM;
		*buf = grown;
		*cap = c;
	}
	if (n > 0)
		memcpy(*buf + *len, p, n);
	*len += n;
	return AX_OK;
}

static int append_soa(uint8_t **buf, size_t *len, size_t *cap, const snap *s)
{
	const snap_rr *soa = snap_soa(s);

	return xfr_blob_append(buf, len, cap, snap_bytes(s, soa->owner),
			       soa->owner_len, soa->type, soa->ttl,
			       snap_bytes(s, soa->rdata), soa->rdlen);
}

/* Writes the IXFR step from old to new: old SOA, removals, new SOA,
 * additions (RFC 1995 order). pre holds the difference when the new
 * version was derived (which computed it); else it is found here. */
static int journal_step(dns_server *s, int64_t zone_id, const snap *old,
			const snap *cur, const diff_acc *pre)
{
	diff_acc own = {0};
	const diff_acc *a = pre ? pre : &own;
	uint8_t *blob = NULL;
	size_t len = 0, cap = 0;
	int rc = pre ? AX_OK : snap_diff(old, cur, diff_emit, &own);

	if (rc == AX_OK &&
	    (rc = append_soa(&blob, &len, &cap, old)) == AX_OK &&
	    (rc = blob_cat(&blob, &len, &cap, a->del, a->dlen)) == AX_OK &&
	    (rc = append_soa(&blob, &len, &cap, cur)) == AX_OK &&
	    (rc = blob_cat(&blob, &len, &cap, a->add, a->alen)) == AX_OK)
		rc = db_xfr_journal_add(s->d, zone_id, snap_serial(old), snap_serial(cur),
					a->ndel, a->nadd, blob, len, time(NULL),
					(int)s->cfg->xfr_journal_keep);
	free(own.del);
	free(own.add);
	free(blob);
	return rc;
}

/* Gives the zone a new serial because its export changed while its
 * records did not (an ALIAS target's addresses, the URL redirector). */
static int bump_serial(dns_server *s, const char *name)
{
	ax_errinfo ei;
	uint32_t serial;
	edit *e;
	int rc;

	ax_errinfo_clear(&ei);
	if ((rc = edit_begin(s->d, -1, name, time(NULL), &e)) != AX_OK)
		return rc;
	edit_bump(e);
	rc = edit_commit(e, &serial, &ei);
	edit_free(e);
	if (rc == AX_OK)
		log_info("dns", "zone %s: export changed without a record change; "
			 "serial now %u", name, serial);
	return rc;
}

/* Builds the current export; bumps the serial first if the export
 * changed under the serial that was exported last. */
static int build_export(dns_server *s, const char *name, export_result *ex)
{
	uint8_t digest[EXPORT_DIGEST_LEN];
	ax_errinfo ei;
	uint32_t serial;
	bool has;
	int rc;

	for (int attempt = 0; attempt < 3; attempt++) {
		ax_errinfo_clear(&ei);
		if ((rc = export_build(s->d, name, &s->eo, ex, &ei)) != AX_OK)
			return rc;
		rc = db_export_get(s->d, ex->zone_id, &has, &serial, digest);
		if (rc != AX_OK || !has || serial != snap_serial(ex->snap) ||
		    memcmp(digest, snap_digest(ex->snap), EXPORT_DIGEST_LEN) == 0)
			return rc;
		export_result_clear(ex);
		if ((rc = bump_serial(s, name)) != AX_OK)
			return rc;
	}
	return AX_EBUSY;
}

/* Records the new export in the store: its serial and digest, and the
 * journal step from the previous snapshot when there is one. */
static int record_export(dns_server *s, int64_t zone_id, const snap *old,
			 const snap *cur, const diff_acc *pre)
{
	uint8_t digest[EXPORT_DIGEST_LEN];
	uint32_t serial;
	bool has;
	int rc;

	/* At start-up most zones are exported as they were last time: no
	 * write (100,000 zones would otherwise mean 100,000 commits). */
	if (old == NULL && db_export_get(s->d, zone_id, &has, &serial, digest) == AX_OK &&
	    has && serial == snap_serial(cur) &&
	    memcmp(digest, snap_digest(cur), EXPORT_DIGEST_LEN) == 0)
		return AX_OK;
	if ((rc = db_begin(s->d)) != AX_OK)
		return rc;
	if (old != NULL && serial_gt(snap_serial(cur), snap_serial(old)))
		rc = journal_step(s, zone_id, old, cur, pre);
	if (rc == AX_OK)
		rc = db_export_set(s->d, zone_id, snap_serial(cur), snap_digest(cur));
	if (rc == AX_OK)
		rc = db_commit(s->d);
	if (rc != AX_OK)
		db_rollback(s->d);
	return rc;
}

/*
 * Serves next as zone z's new version: swaps it in, announces it, then
 * records it in the store (its IXFR step from the previous version, its
 * serial and digest). The NOTIFY need not wait for that write: this
 * thread answers the secondary's IXFR only after it is done. Takes next.
 */
static void install(dns_server *s, zone_entry *z, snap *next, const diff_acc *pre)
{
	snap *old = z->snap;
	/* A large zone's old version and the build's temporaries are freed
	 * below; give the memory back rather than keep the peak. */
	bool large = snap_memory(next) > (8u << 20) && pre == NULL;
	int rc;

	z->snap = next;
	/* At start-up one line sums up all zones (dns_zones_load_all). */
	if (old == NULL || snap_serial(old) != snap_serial(next))
		log_msg(s->loading ? LOG_LVL_DEBUG : LOG_LVL_INFO, "dns",
		       "zone %s: serving serial %u (%zu records%s)", z->name,
		       snap_serial(next), snap_count(next) + 1,
		       pre ? ", derived from the previous version" : "");
	notify_zone(s->notify, z);
	if ((rc = record_export(s, z->id, old, next, pre)) != AX_OK)
		log_err("dns", "zone %s: cannot record export of serial %u: %s", z->name,
			snap_serial(next), ax_strerror(rc));
	snap_unref(old);
	if (large)
		malloc_trim(0);
}

static int reload_policy(dns_server *s, zone_entry *z)
{
	xfr_policy pol = {0};
	int rc = db_xfr_policy(s->d, z->id, &pol);

	if (rc != AX_OK)
		return rc;
	xfr_policy_clear(&z->policy);
	z->policy = pol;
	return AX_OK;
}

/* The quick path: the next version, up to row's serial, derived from the
 * current one. */
static bool reload_derived(dns_server *s, zone_entry *z, const db_zone *row)
{
	diff_acc acc = {0};
	snap *next = NULL;
	int rc = dns_derive(s, z, row, &next, &acc);

	if (rc == AX_OK && (rc = reload_policy(s, z)) == AX_OK) {
		install(s, z, next, &acc);
		next = NULL;
	}
	snap_unref(next);
	free(acc.del);
	free(acc.add);
	return rc == AX_OK;
}

/* Sends the NOTIFY of the zone's new serial (row: the zone as the store
 * has it now) before the (for a large zone, many milliseconds of) work to
 * serve it; see notify_zone_early. True when one went out. */
static bool announce_early(dns_server *s, zone_entry *z, const db_zone *row)
{
	snap *soa = NULL;
	bool sent = false;

	if (row->id == z->id && row->soa.serial != snap_serial(z->snap) &&
	    (soa = snap_new(z->name)) != NULL && snap_set_soa(soa, &row->soa) == AX_OK &&
	    snap_finish(soa) == AX_OK) {
		notify_zone_early(s->notify, z, soa);
		sent = true;
	}
	snap_unref(soa);
	return sent;
}

int dns_zone_reload(dns_server *s, const char *name, bool full)
{
	uint8_t apex[WIRE_NAME_MAX];
	size_t apex_len;
	export_result ex;
	zone_entry *z;
	int rc;

	if (!wire_name_from_text(name, apex, &apex_len))
		return AX_EINVAL;
	z = dns_zone_exact(s, apex, apex_len);
	/* A zone already served: its row, read once, gives the serial to
	 * announce and the end of the journal to derive up to. */
	db_zone row = {0};
	bool served = z != NULL && z->snap != NULL &&
		      db_zone_get(s->d, -1, z->name, &row) == AX_OK;
	/* A zone the operator moved to another account: its NOTIFYs and
	 * ALIAS lookups spend the new owner's budget from now on, and the
	 * ALIAS targets are watched for it (a full build says which). */
	bool moved = served && row.id == z->id && row.account_id != z->account_id;
	if (moved)
		z->account_id = row.account_id;
	bool early = served && announce_early(s, z, &row);
	bool derived = served && !full && !moved && reload_derived(s, z, &row);
	db_zone_clear(&row);
	if (derived)
		return AX_OK;
	rc = build_export(s, name, &ex);
	if (rc == AX_ENOTFOUND) {
		alias_watch(s->alias, name, 0, NULL, 0);
		if (z != NULL)
			notify_forget(s->notify, z->id);
		zone_remove(s, apex, apex_len);
		return AX_OK;
	}
	if (rc == AX_OK && z == NULL && (z = zone_add(s, name)) == NULL)
		rc = AX_ENOMEM;
	if (rc == AX_OK) {
		z->id = ex.zone_id;
		z->account_id = ex.account_id;
		rc = reload_policy(s, z);
	}
	if (rc != AX_OK) {
		log_err("dns", "zone %s: cannot load: %s; still serving the previous "
			"version", name, ax_strerror(rc));
		export_result_clear(&ex);
		/* The serial announced early is not served: the targets are
		 * told the one that is, so the new one counts as news later. */
		if (early)
			notify_zone(s->notify, z);
		return rc;
	}
	install(s, z, ex.snap, NULL);
	ex.snap = NULL;
	alias_watch(s->alias, name, z->account_id, ex.alias_targets, ex.nalias);
	export_result_clear(&ex);
	return AX_OK;
}

int dns_zones_load_all(dns_server *s)
{
	struct timespec t0, t1;
	char **names;
	size_t n, records = 0;
	/* One transaction for all zones rather than several per zone: each
	 * zone's reads and writes are a savepoint inside it. */
	bool batch = db_batch_begin(s->d) == AX_OK;
	int rc = db_zone_names(s->d, &names, &n);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rc != AX_OK) {
		if (batch)
			db_batch_end(s->d);
		return rc;
	}
	s->loading = true;
	for (size_t i = 0; i < n; i++) {
		dns_zone_reload(s, names[i], true);
		free(names[i]);
	}
	s->loading = false;
	free(names);
	if (batch && (rc = db_batch_end(s->d)) != AX_OK)
		log_err("dns", "cannot commit the start-up load's bookkeeping: %s",
			ax_strerror(rc));
	for (size_t i = 0; i < s->nbuckets; i++)
		for (zone_entry *z = s->buckets[i]; z != NULL; z = z->next)
			records += snap_count(z->snap) + 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("dns", "%zu zones loaded (%zu records) in %.0f ms", s->nzones, records,
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return AX_OK;
}

/* True when every NOTIFY target's address has transferred serial. */
static bool all_have(dns_server *s, int64_t zone_id, uint32_t serial)
{
	struct sockaddr_storage *t = NULL;
	size_t n = 0;
	bool all = true;

	if (db_notify_targets(s->d, zone_id, &t, &n) != AX_OK)
		return false;
	for (size_t i = 0; i < n && all; i++) {
		char peer[80], *hash;
		db_xfr_log l;
		dns_peer_text((struct sockaddr *)&t[i], peer, sizeof(peer));
		if ((hash = strrchr(peer, '#')) != NULL)
			*hash = '\0';
		all = db_xfr_log_last(s->d, zone_id, peer, true, &l) == AX_OK &&
		      l.serial == serial;
	}
	free(t);
	return all;
}

void dns_serial_progress(dns_server *s, const char *zone)
{
	ax_errinfo ei;
	uint32_t serial, next;
	bool final;
	edit *e;

	/* Most transfers find no lowering under way: find out with a read
	 * before taking the write lock. */
	db_zone peek;
	bool lowering = db_zone_get(s->d, -1, zone, &peek) == AX_OK && peek.lowering;
	db_zone_clear(&peek);
	if (!lowering)
		return;
	ax_errinfo_clear(&ei);
	if (edit_begin(s->d, -1, zone, time(NULL), &e) != AX_OK)
		return;
	const db_zone *z = edit_zone(e);
	if (!z->lowering || !all_have(s, z->id, z->soa.serial)) {
		edit_free(e);
		return;
	}
	next = serial_lowering_step(z->soa.serial, z->serial_target, &final);
	edit_set_serial(e, next);
	if ((final && edit_set_serial_target(e, false, 0) != AX_OK) ||
	    edit_commit(e, &serial, &ei) != AX_OK) {
		log_err("dns", "zone %s: cannot take the next step of lowering the "
			"serial: %s", zone, ei.msg);
		edit_free(e);
		return;
	}
	log_info("dns", "zone %s: every secondary has the intermediate serial; "
		 "serial now %u%s", zone, serial, final ? " (lowering done)" :
		 " (another step needed)");
	edit_free(e);
	dns_zone_changed(s, zone);
}

/* A pending dns_serial_progress. */
typedef struct progress_later {
	dns_server *s;
	char zone[256];
} progress_later;

static void on_progress_timer(loop *l, void *arg)
{
	progress_later *p = arg;

	(void)l;
	dns_serial_progress(p->s, p->zone);
	free(p);
}

void dns_serial_progress_later(dns_server *s, const char *zone)
{
	progress_later *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return;
	p->s = s;
	snprintf(p->zone, sizeof(p->zone), "%s", zone);
	if (loop_after_owned(s->lp, 1000, on_progress_timer, p, free) == NULL)
		free(p);
}
