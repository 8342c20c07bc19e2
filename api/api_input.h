/* api_input.h -- reading the secondary DNS inputs from JSON: lists of
 * host names, transfer addresses and NOTIFY targets, and TSIG key names,
 * each normalized the way the store keeps them. */
#ifndef AXFRD_API_INPUT_H
#define AXFRD_API_INPUT_H

#include <stdbool.h>

#include "api_internal.h"
#include "axfrd/acl.h"
#include "db/db_strv.h"

/* Most entries a list member may have. */
#define API_LIST_MAX 64

/*
 * Reads member key of obj as a list into out (emptied first), dropping
 * duplicates. Absent: *present = false. null: *present = true and an empty
 * list. A wrong type or a bad entry sets a 422 naming the member or the
 * entry ("allowed_ips[1]") and returns false.
 * - api_host_list: host names, stored absolute and lower case with the
 *   trailing dot ("ns1.example.net.");
 * - api_addr_list: IPv4/IPv6 addresses or CIDR prefixes, normalized
 *   ("192.0.2.0/24", "2001:db8::1");
 * - api_target_list: "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" or a bare IPv6
 *   address, stored as "ADDR:PORT" / "[V6ADDR]:PORT" (port 53 if none).
 */
bool api_host_list(json_t *obj, const char *key, bool *present, db_strv *out,
		   api_resp *rs);
bool api_addr_list(json_t *obj, const char *key, bool *present, db_strv *out,
		   api_resp *rs);
bool api_target_list(json_t *obj, const char *key, bool *present,
		     db_strv *out, api_resp *rs);

/* The NOTIFY target ("ADDR:53") of every single address (not a prefix) of
 * allowed, appended to out. */
int api_default_targets(const db_strv *allowed, db_strv *out);

/* Normalizes a host name: absolute, lower case (A-labels), trailing dot;
 * *out is malloc'd. AX_EINVAL with ei->field = field. */
int api_host_name(const char *in, const char *field, char **out,
		  ax_errinfo *ei);

/* Normalizes a TSIG key name: lower case, absolute, trailing dot.
 * AX_EINVAL with ei->field = field. */
int api_tsig_name(const char *in, const char *field,
		  char out[TSIG_NAME_MAX + 1], ax_errinfo *ei);

/* A JSON array of the strings of s. */
json_t *api_strv_json(const db_strv *s);

#endif
