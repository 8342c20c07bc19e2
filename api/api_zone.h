/* api_zone.h -- zone helpers shared by the zone, record and zone-file
 * handlers. */
#ifndef AXFRD_API_ZONE_H
#define AXFRD_API_ZONE_H

#include "api_internal.h"
#include "db/db_zone.h"

/* The zone JSON object. */
json_t *api_zone_json(const db_zone *z);

/* Loads the caller's zone named by the first path parameter; on failure
 * sets a 404 (unknown, another account's or a malformed name). */
bool api_zone_load(api_req *rq, api_resp *rs, db_zone *z);

/* Normalizes the zone name of the first path parameter (404 if it cannot
 * be a zone name). *name is malloc'd. */
bool api_zone_name(api_req *rq, api_resp *rs, char **name);

#endif
