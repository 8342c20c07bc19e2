/* roundtrip.h -- the property the record and zone-file harnesses check:
 * what the stored-view export writes (zonefile_render) imports again
 * (zonefile_parse) to the same records. */
#ifndef AXFRD_FUZZ_ROUNDTRIP_H
#define AXFRD_FUZZ_ROUNDTRIP_H

#include <stddef.h>

#include "axfrd/rr.h"
#include "axfrd/zonefile.h"

/* Renders recs (normalized, of zone) with soa, parses the text again and
 * abort()s, printing both sides, when the records differ in number,
 * order, name, type, TTL or content. */
void fuzz_roundtrip(const char *zone, const zf_soa *soa, const rr_record *recs,
		    size_t n);

#endif
