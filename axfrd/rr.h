/* rr.h -- record model, and validation/normalization of user input
 * (zone names, owner names, types, TTLs and RDATA) with ldns. */
#ifndef AXFRD_RR_H
#define AXFRD_RR_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define RR_TTL_MAX 2147483647u /* RFC 2181 section 8 */

/*
 * One stored record. name is relative to the zone ("" is the apex) with
 * its case preserved; type is the upper-case mnemonic ("MX", "ALIAS");
 * content is the normalized presentation form of the RDATA (for ALIAS an
 * absolute host name with a trailing dot, for URL the URL).
 * The strings are owned by the struct; free with rr_record_clear().
 */
typedef struct rr_record {
	int64_t id;      /* store id, 0 when not stored */
	char *name;
	char *type;
	uint32_t ttl;
	char *content;
} rr_record;

/* Frees the strings of r (accepts NULL) and zeroes it. */
void rr_record_clear(rr_record *r);

/* Frees an array of n records made by this module or the store. */
void rr_record_array_free(rr_record *recs, size_t n);

/* Pseudo-types that never leave the server as such. */
bool rr_type_is_pseudo(const char *type);

/*
 * Normalizes a zone name: IDN labels to A-labels (IDNA2008), lower case,
 * no trailing dot; validates label and total lengths and the characters
 * (letters, digits, '-', '_'). The root zone is refused. On success *out
 * is a malloc'd string the caller frees. Errors: AX_EINVAL (ei->field =
 * field argument), AX_ENOMEM.
 */
int rr_zone_name_normalize(const char *in, const char *field, char **out,
			   ax_errinfo *ei);

/*
 * Normalizes an owner name given relative to zone (already normalized):
 * "" or "@" is the apex; a name ending in '.' is absolute and must be the
 * zone or below it; a leading "*." label is a wildcard. Non-ASCII labels
 * become A-labels; the case of ASCII labels is preserved. *out is
 * malloc'd, relative, without trailing dot ("" for the apex).
 * Errors: AX_EINVAL with ei->field = "name".
 */
int rr_name_normalize(const char *zone, const char *in, char **out,
		      ax_errinfo *ei);

/*
 * Normalizes a type mnemonic (case-insensitive) to upper case and checks
 * that it is supported (A, AAAA, CNAME, MX, TXT, NS, SRV, CAA, PTR, NAPTR,
 * SSHFP, TLSA, DS, HTTPS, SVCB, ALIAS, URL). SOA is refused
 * with a message saying the SOA is managed through the zone. *out is a
 * static string. Errors: AX_EINVAL with ei->field = "type".
 */
int rr_type_normalize(const char *in, const char **out, ax_errinfo *ei);

/* Checks a TTL (0..RR_TTL_MAX). ttl is given as a long long so that
 * negative JSON values can be checked. Errors: AX_EINVAL, field "ttl". */
int rr_ttl_check(long long ttl, ax_errinfo *ei);

/*
 * Validates and normalizes RDATA in presentation format for a record of
 * type (normalized) named name (normalized, relative) in zone. Standard
 * types are parsed with ldns relative to the zone origin and printed back
 * (relative names become absolute, case preserved); ALIAS takes a host
 * name (always absolute, trailing dot optional, stored with the dot, must
 * not be the owner itself); URL takes an http or https URL. *out is
 * malloc'd. Errors: AX_EINVAL with ei->field = "content".
 */
int rr_content_normalize(const char *zone, const char *name, const char *type,
			 const char *content, char **out, ax_errinfo *ei);

/*
 * Validates a whole record given by the user and fills out (owned by the
 * caller, clear with rr_record_clear) with the normalized values. ttl < 0
 * means "not given" and takes default_ttl.
 */
int rr_record_normalize(const char *zone, const char *name, const char *type,
			long long ttl, const char *content,
			uint32_t default_ttl, rr_record *out, ax_errinfo *ei);

/*
 * rr_record_normalize() for zone files: relative names in the RDATA (and an
 * ALIAS target without a trailing dot) are relative to origin, the current
 * $ORIGIN (absolute, the zone or a name below it, trailing dot optional),
 * instead of the zone. origin NULL is the zone, as in rr_record_normalize().
 */
int rr_record_normalize_at(const char *zone, const char *origin,
			   const char *name, const char *type, long long ttl,
			   const char *content, uint32_t default_ttl,
			   rr_record *out, ax_errinfo *ei);

/* The RR type number of a normalized mnemonic; 0 for ALIAS, URL and
 * unknown types. */
uint16_t rr_type_code(const char *type);

/* Wire form of the RDATA of a normalized standard record (not ALIAS or
 * URL: AX_EINVAL) into out (outmax bytes); *len is its length. */
int rr_rdata_wire(const char *zone, const char *name, const char *type,
		  const char *content, uint8_t *out, size_t outmax, size_t *len);

/* Absolute owner name with trailing dot of a relative name in zone, written
 * into buf (size len). Returns false when it does not fit. */
bool rr_owner_fqdn(const char *zone, const char *name, char *buf, size_t len);

#endif
