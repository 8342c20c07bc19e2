/* export.h -- the zone as secondaries receive it, built from the store:
 * ALIAS records become the A/AAAA their target last resolved to (from
 * the alias cache in the store), URL records become the redirector's
 * addresses, every other record is served as stored. */
#ifndef AXFRD_EXPORT_H
#define AXFRD_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db/db.h"
#include "error.h"
#include "snap.h"

#define EXPORT_MAX_REDIRECT CONFIG_MAX_REDIRECT

/* What the export needs from the configuration. */
typedef struct export_opts {
	uint8_t url_v4[EXPORT_MAX_REDIRECT][4];
	size_t n_url_v4;
	uint8_t url_v6[EXPORT_MAX_REDIRECT][16];
	size_t n_url_v6;
} export_opts;

/* An export: the snapshot and what it depends on. */
typedef struct export_result {
	snap *snap;              /* one reference, owned */
	int64_t zone_id;
	int64_t account_id;      /* the zone's owner */
	char **alias_targets;    /* distinct targets, lower case, trailing dot */
	size_t nalias;
	size_t nurl;             /* URL records (exported only with redirectors) */
} export_result;

int export_opts_from_config(const config *cfg, export_opts *o, ax_errinfo *ei);

/* Builds the export of zone (normalized name) from one read transaction.
 * AX_ENOTFOUND when the zone does not exist. */
int export_build(db *d, const char *zone, const export_opts *o,
		 export_result *out, ax_errinfo *ei);

void export_result_clear(export_result *r);

/* The wire form of owner name (relative, "" the apex) in zone. */
int export_owner_wire(const char *zone, const char *name, uint8_t *out,
		      size_t *len);

/* The snapshot as master-file text: $ORIGIN, the SOA, then every record
 * with its absolute owner, in canonical order. malloc'd, NULL when out
 * of memory. */
char *export_render(const snap *s);

#endif
