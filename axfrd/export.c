/* export.c -- builds a zone's export snapshot from the store. */
#include "export.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db_export.h"
#include "db/db_record.h"
#include "db/db_zone.h"
#include "log.h"
#include "rr.h"
#include "wire.h"

/* Parses a comma-separated address list of one family into out. */
static int parse_redirects(const char *key, const char *list, int family,
			   uint8_t *out, size_t size, size_t *n, ax_errinfo *ei)
{
	char item[64];

	*n = 0;
	for (const char *p = list; config_list_next(&p, item, sizeof(item)); (*n)++) {
		if (*n == EXPORT_MAX_REDIRECT)
			return ax_fail(ei, AX_EINVAL, key, "%s: at most %d addresses",
				       key, EXPORT_MAX_REDIRECT);
		if (inet_pton(family, item, out + *n * size) != 1)
			return ax_fail(ei, AX_EINVAL, key,
				       "%s: '%s' is not an IPv%d address", key, item,
				       family == AF_INET ? 4 : 6);
	}
	return AX_OK;
}

int export_opts_from_config(const config *cfg, export_opts *o, ax_errinfo *ei)
{
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = parse_redirects("url-redirect-ipv4", cfg->url_redirect_ipv4, AF_INET,
				  &o->url_v4[0][0], 4, &o->n_url_v4, ei)) != AX_OK)
		return rc;
	return parse_redirects("url-redirect-ipv6", cfg->url_redirect_ipv6, AF_INET6,
			       &o->url_v6[0][0], 16, &o->n_url_v6, ei);
}

void export_result_clear(export_result *r)
{
	if (r == NULL)
		return;
	snap_unref(r->snap);
	for (size_t i = 0; i < r->nalias; i++)
		free(r->alias_targets[i]);
	free(r->alias_targets);
	memset(r, 0, sizeof(*r));
}

int export_owner_wire(const char *zone, const char *name, uint8_t *out,
		      size_t *len)
{
	char fqdn[WIRE_NAME_MAX * 4 + 2];

	snprintf(fqdn, sizeof(fqdn), "%s%s%s.", name, name[0] ? "." : "", zone);
	return wire_name_from_text(fqdn, out, len) ? AX_OK : AX_EINVAL;
}

/* Records target (lower-cased) among the zone's ALIAS targets; *stored
 * is the recorded copy. */
static int add_target(export_result *r, const char *target, const char **stored)
{
	char **grown, *copy;

	for (size_t i = 0; i < r->nalias; i++) {
		if (strcasecmp(r->alias_targets[i], target) == 0) {
			*stored = r->alias_targets[i];
			return AX_OK;
		}
	}
	if ((copy = strdup(target)) == NULL)
		return AX_ENOMEM;
	for (char *p = copy; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	grown = realloc(r->alias_targets, (r->nalias + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(copy);
		return AX_ENOMEM;
	}
	r->alias_targets = grown;
	r->alias_targets[r->nalias++] = copy;
	*stored = copy;
	return AX_OK;
}

/* Adds the A or AAAA records an ALIAS at owner stands for: the target's
 * last known addresses. A target never resolved exports nothing yet. */
static int add_alias(db *d, snap *s, const uint8_t *owner, size_t olen,
		     const char *target, uint16_t rrtype, uint32_t ttl)
{
	int family = rrtype == RR_A ? AF_INET : AF_INET6;
	size_t alen = rrtype == RR_A ? 4 : 16;
	db_alias a;
	char *save = NULL;
	uint8_t addr[16];
	int rc = db_alias_get(d, target, rrtype, &a);

	if (rc == AX_ENOTFOUND)
		return AX_OK;
	if (rc != AX_OK)
		return rc;
	for (char *t = strtok_r(a.addresses, " ", &save); t != NULL && rc == AX_OK;
	     t = strtok_r(NULL, " ", &save)) {
		if (inet_pton(family, t, addr) == 1)
			rc = snap_add(s, owner, olen, rrtype, ttl, addr, alen);
	}
	return rc;
}

/* What building one export needs while the records stream by. */
typedef struct build_ctx {
	db *d;
	const char *zone;
	const export_opts *o;
	export_result *res;
	ax_errinfo *ei;
	/* records stored before their wire RDATA was kept: filled in later */
	int64_t *fill_ids;
	uint8_t **fill_rdata;
	size_t *fill_len;
	size_t nfill, capfill;
} build_ctx;

/* Remembers a computed RDATA so the store keeps it from now on. */
static void remember_rdata(build_ctx *c, int64_t id, const uint8_t *rd, size_t len)
{
	if (c->nfill == c->capfill) {
		size_t cap = c->capfill ? c->capfill * 2 : 64;
		int64_t *ids = realloc(c->fill_ids, cap * sizeof(*ids));
		if (ids != NULL)
			c->fill_ids = ids;
		uint8_t **rds = realloc(c->fill_rdata, cap * sizeof(*rds));
		if (rds != NULL)
			c->fill_rdata = rds;
		size_t *lens = realloc(c->fill_len, cap * sizeof(*lens));
		if (lens != NULL)
			c->fill_len = lens;
		if (ids == NULL || rds == NULL || lens == NULL)
			return;  /* only an optimisation: skip it */
		c->capfill = cap;
	}
	if ((c->fill_rdata[c->nfill] = malloc(len + 1)) == NULL)
		return;
	memcpy(c->fill_rdata[c->nfill], rd, len);
	c->fill_len[c->nfill] = len;
	c->fill_ids[c->nfill++] = id;
}

static int add_pseudo(build_ctx *c, const rr_record *r, const uint8_t *owner,
		      size_t olen)
{
	export_result *res = c->res;
	int rc = AX_OK;

	if (strcmp(r->type, "ALIAS") == 0) {
		const char *target;
		if ((rc = add_target(res, r->content, &target)) != AX_OK ||
		    (rc = add_alias(c->d, res->snap, owner, olen, target, RR_A,
				    r->ttl)) != AX_OK)
			return rc;
		return add_alias(c->d, res->snap, owner, olen, target, RR_AAAA, r->ttl);
	}
	res->nurl++;
	for (size_t i = 0; i < c->o->n_url_v4 && rc == AX_OK; i++)
		rc = snap_add(res->snap, owner, olen, RR_A, r->ttl, c->o->url_v4[i], 4);
	for (size_t i = 0; i < c->o->n_url_v6 && rc == AX_OK; i++)
		rc = snap_add(res->snap, owner, olen, RR_AAAA, r->ttl, c->o->url_v6[i], 16);
	return rc;
}

/* Stored content this version cannot encode: serve the rest of the zone,
 * and say so. */
static int skip_record(build_ctx *c, const rr_record *r, const char *why)
{
	log_err("export", "zone %s: record %lld (%s %s) skipped: %s", c->zone,
		(long long)r->id, r->name, r->type, why);
	return AX_OK;
}

/* db_record_each callback: adds one stored record to the snapshot. */
static int add_record(void *arg, const rr_record *r, const uint8_t *rdata,
		      size_t rdlen)
{
	build_ctx *c = arg;
	uint8_t owner[WIRE_NAME_MAX], computed[65535];
	size_t olen;
	uint16_t code = rr_type_code(r->type);
	int rc;

	if (export_owner_wire(c->zone, r->name, owner, &olen) != AX_OK)
		return skip_record(c, r, "the owner name cannot be encoded");
	if (rr_type_is_pseudo(r->type))
		return add_pseudo(c, r, owner, olen);
	if (rdata == NULL) {
		rc = rr_rdata_wire(c->zone, r->name, r->type, r->content, computed,
				   sizeof(computed), &rdlen);
		if (rc != AX_OK)
			return skip_record(c, r, "its content cannot be encoded");
		rdata = computed;
		remember_rdata(c, r->id, rdata, rdlen);
	}
	if (code == 0)
		return skip_record(c, r, "its type is unknown");
	return snap_add(c->res->snap, owner, olen, code, r->ttl, rdata, rdlen);
}

/* Fills c->res from the store; runs inside the read transaction. */
static int build(build_ctx *c)
{
	db_zone z = {0};
	int rc;

	if ((rc = db_zone_get(c->d, -1, c->zone, &z)) != AX_OK)
		goto cleanup;
	c->res->zone_id = z.id;
	c->res->account_id = z.account_id;
	if ((c->res->snap = snap_new(z.name)) == NULL) {
		rc = AX_ENOMEM;
		goto cleanup;
	}
	if ((rc = db_record_each(c->d, z.id, add_record, c)) == AX_OK)
		rc = snap_set_soa(c->res->snap, &z.soa);
cleanup:
	db_zone_clear(&z);
	return rc;
}

/* Stores the RDATA of records written before it was kept (once). */
static void fill_in(build_ctx *c)
{
	if (c->nfill > 0 && db_begin(c->d) == AX_OK) {
		int rc = AX_OK;
		for (size_t i = 0; i < c->nfill && rc == AX_OK; i++)
			rc = db_record_set_rdata(c->d, c->fill_ids[i], c->fill_rdata[i],
						 c->fill_len[i]);
		if (rc == AX_OK && db_commit(c->d) == AX_OK)
			log_info("export", "zone %s: stored the wire form of %zu older "
				 "records", c->zone, c->nfill);
		else
			db_rollback(c->d);
	}
	for (size_t i = 0; i < c->nfill; i++)
		free(c->fill_rdata[i]);
	free(c->fill_rdata);
	free(c->fill_ids);
	free(c->fill_len);
}

int export_build(db *d, const char *zone, const export_opts *o,
		 export_result *out, ax_errinfo *ei)
{
	build_ctx c = {.d = d, .zone = zone, .o = o, .res = out, .ei = ei};
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin_read(d)) != AX_OK)
		return rc;
	rc = build(&c);
	db_rollback(d);  /* read-only: ends the transaction */
	fill_in(&c);
	if (rc == AX_OK)
		rc = snap_finish(out->snap);
	if (rc != AX_OK) {
		export_result_clear(out);
		return rc;
	}
	if (out->nurl > 0 && o->n_url_v4 + o->n_url_v6 == 0)
		log_warn("export", "zone %s: %zu URL records exported as nothing: no "
			 "url-redirect-ipv4/ipv6 configured", zone, out->nurl);
	return AX_OK;
}

/* Appends the text of one record (from snapshot wire data) to buf. */
static bool render_rr(ldns_buffer *buf, const snap *s, const snap_rr *r)
{
	uint8_t wire[WIRE_NAME_MAX + 10 + 65535];
	size_t pos = 0, len = 0;
	ldns_rr *rr = NULL;
	char *text;
	wbuf b;

	wb_init(&b, wire, sizeof(wire), NULL);
	if (!wb_rr(&b, snap_bytes(s, r->owner), r->owner_len, r->type, CLASS_IN,
		   r->ttl, snap_bytes(s, r->rdata), r->rdlen))
		return false;
	len = b.len;
	if (ldns_wire2rr(&rr, wire, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return false;
	text = ldns_rr2str(rr);
	ldns_rr_free(rr);
	if (text == NULL)
		return false;
	ldns_buffer_printf(buf, "%s", text);
	free(text);
	return ldns_buffer_status_ok(buf);
}

char *export_render(const snap *s)
{
	ldns_buffer *buf = ldns_buffer_new(4096);
	bool ok;

	if (buf == NULL)
		return NULL;
	ldns_buffer_printf(buf, "$ORIGIN %s.\n", snap_zone(s));
	ok = render_rr(buf, s, snap_soa(s));
	for (size_t i = 0; ok && i < snap_count(s); i++)
		ok = render_rr(buf, s, snap_at(s, i));
	if (!ok) {
		ldns_buffer_free(buf);
		return NULL;
	}
	/* ldns_buffer_export2str hands over the data; the husk is freed. */
	char *text = ldns_buffer_export2str(buf);
	ldns_buffer_free(buf);
	return text;
}
