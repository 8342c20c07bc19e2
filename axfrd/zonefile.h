/* zonefile.h -- BIND master-file text: import (parse) and export (render). */
#ifndef AXFRD_ZONEFILE_H
#define AXFRD_ZONEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rr.h"

/* The SOA fields the store keeps per zone. Strings owned by the struct. */
typedef struct zf_soa {
	char *mname;   /* absolute, with trailing dot */
	char *rname;   /* absolute, with trailing dot */
	uint32_t serial, refresh, retry, expire, minimum;
	uint32_t ttl;  /* TTL of the SOA record itself */
} zf_soa;

void zf_soa_clear(zf_soa *soa);

/* A parsed zone file. */
typedef struct zf_result {
	rr_record *recs;   /* normalized records, in file order */
	size_t nrecs;
	bool has_soa;      /* the file had an SOA at the apex */
	zf_soa soa;
} zf_result;

void zf_result_clear(zf_result *res);

/*
 * Parses master-file text for zone (normalized name) all-or-nothing:
 * $ORIGIN, $TTL, $INCLUDE (refused: AX_EINVAL), relative and absolute
 * owner names, owner inheritance from the previous line, "@", optional TTL
 * and class in either order, parentheses spanning lines, comments, quoted
 * strings with escapes. Class must be IN. Every record goes through
 * rr_record_normalize (so the same rules as the API apply), including the
 * pseudo-types ALIAS and URL; an SOA at the apex fills res->soa (a second
 * SOA or an SOA elsewhere is an error); records outside the zone are
 * errors. default_ttl is used when neither $TTL nor a TTL is given.
 * text need not be NUL-terminated. On error ei->line is the 1-based line
 * where the offending record starts, and res is left empty.
 */
int zonefile_parse(const char *zone, const char *text, size_t len,
		   uint32_t default_ttl, zf_result *res, ax_errinfo *ei);

/*
 * Renders the zone as master-file text: a $ORIGIN line, the SOA first,
 * then the records with absolute owner names, one per line, tab
 * separated ("owner TTL IN TYPE content"). Returns a malloc'd NUL-
 * terminated string or NULL when out of memory.
 */
char *zonefile_render(const char *zone, const zf_soa *soa,
		      const rr_record *recs, size_t nrecs);

#endif
