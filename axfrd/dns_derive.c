/* dns_derive.c -- a zone's next version derived from the version it
 * serves and the store's change journal. A small change then costs a
 * merge of the record index, not a rebuild from every row, so the NOTIFY
 * follows a write within milliseconds even for a million-record zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_record.h"
#include "db/db_zone.h"
#include "dns_internal.h"
#include "log.h"
#include "rr.h"
#include "rrlist.h"

/* Beyond these a rebuild is as cheap and simpler. */
#define DERIVE_MAX_STEPS 64
#define DERIVE_MAX_ROWS 20000

/* One journal row: an addition cancels a removal of the same record and
 * the other way round. ALIAS rows make the change unfit for deriving (the
 * zone's set of ALIAS targets would change). */
static int net_apply(rrlist *dels, rrlist *adds, const char *op,
		     const rr_record *r)
{
	char *key;
	int rc = AX_OK;

	if (strcmp(r->type, "SOA") == 0)
		return AX_OK;  /* the new SOA comes from the zone itself */
	if (strcmp(r->type, "ALIAS") == 0)
		return AX_EINVAL;
	if ((key = rr_identity(r)) == NULL)
		return AX_ENOMEM;
	if (strcmp(op, "add") == 0) {
		if (!rrlist_take(dels, key))
			rc = rrlist_push(adds, r, key);
	} else if (!rrlist_take(adds, key)) {
		rc = rrlist_push(dels, r, key);
	}
	free(key);
	return rc;
}

/* Reads the journal steps from serial from up to the zone's serial and
 * nets them; inside a read transaction. */
static int read_steps(dns_server *s, const db_zone *zone, uint32_t from,
		      rrlist *dels, rrlist *adds)
{
	size_t rows = 0;
	int rc = AX_OK;

	for (int step = 0; from != zone->soa.serial && rc == AX_OK; step++) {
		rr_record *rrs;
		const char **ops;
		uint32_t to;
		size_t n;
		if (step == DERIVE_MAX_STEPS)
			return AX_ETOOBIG;
		if ((rc = db_journal_get(s->d, zone->id, from, &to, &rrs, &ops, &n)) != AX_OK)
			return rc;
		rows += n;
		for (size_t i = 0; i < n && rc == AX_OK; i++)
			rc = rows > DERIVE_MAX_ROWS ? AX_ETOOBIG :
			     net_apply(dels, adds, ops[i], &rrs[i]);
		rr_record_array_free(rrs, n);
		free(ops);
		from = to;
	}
	return rc;
}

/* Applies one net removal or addition to the derived snapshot. */
static int apply(dns_server *s, snap *d, const char *zone, const rr_record *r,
		 bool add)
{
	uint8_t owner[WIRE_NAME_MAX], rdata[65535];
	size_t olen, rdlen;
	int rc;

	if ((rc = export_owner_wire(zone, r->name, owner, &olen)) != AX_OK)
		return rc;
	if (strcmp(r->type, "URL") == 0) {
		if (!add)
			return snap_del_addresses(d, owner, olen);
		for (size_t i = 0; i < s->eo.n_url_v4 && rc == AX_OK; i++)
			rc = snap_add(d, owner, olen, RR_A, r->ttl, s->eo.url_v4[i], 4);
		for (size_t i = 0; i < s->eo.n_url_v6 && rc == AX_OK; i++)
			rc = snap_add(d, owner, olen, RR_AAAA, r->ttl, s->eo.url_v6[i], 16);
		return rc;
	}
	if ((rc = rr_rdata_wire(zone, r->name, r->type, r->content, rdata,
				sizeof(rdata), &rdlen)) != AX_OK)
		return rc;
	return add ? snap_add(d, owner, olen, rr_type_code(r->type), r->ttl, rdata, rdlen) :
	       snap_del(d, owner, olen, rr_type_code(r->type), rdata, rdlen);
}

static int build(dns_server *s, zone_entry *z, const db_zone *zone,
		 rrlist *dels, rrlist *adds, snap **out, diff_acc *acc)
{
	snap *d = snap_derive(z->snap);
	int rc = d ? AX_OK : AX_ETOOBIG;

	for (size_t i = 0; i < dels->n && rc == AX_OK; i++)
		if (dels->v[i].name != NULL)
			rc = apply(s, d, zone->name, &dels->v[i], false);
	for (size_t i = 0; i < adds->n && rc == AX_OK; i++)
		if (adds->v[i].name != NULL)
			rc = apply(s, d, zone->name, &adds->v[i], true);
	if (rc == AX_OK && (rc = snap_set_soa(d, &zone->soa)) == AX_OK)
		rc = snap_finish_derived(d, diff_emit, acc);
	if (rc != AX_OK) {
		snap_unref(d);
		return rc;
	}
	*out = d;
	return AX_OK;
}

int dns_derive(dns_server *s, zone_entry *z, const db_zone *row, snap **out,
	       diff_acc *acc)
{
	rrlist dels = {0}, adds = {0};
	int rc;

	*out = NULL;
	if (row->id != z->id)
		return AX_ENOTFOUND;  /* deleted and created again: rebuild */
	if ((rc = db_begin_read(s->d)) != AX_OK)
		return rc;
	rc = read_steps(s, row, snap_serial(z->snap), &dels, &adds);
	db_rollback(s->d);
	if (rc == AX_OK)
		rc = build(s, z, row, &dels, &adds, out, acc);
	if (rc != AX_OK && rc != AX_ENOTFOUND)
		log_debug("dns", "zone %s: rebuilding instead of deriving: %s", z->name,
			  ax_strerror(rc));
	rrlist_free(&dels);
	rrlist_free(&adds);
	return rc;
}
