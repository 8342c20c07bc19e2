/* acl.h -- who may transfer a zone: address prefixes and a TSIG key. */
#ifndef AXFRD_ACL_H
#define AXFRD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

/* One allowed address or prefix. */
typedef struct acl_entry {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network order; IPv4 in the first 4 bytes */
	uint8_t prefix;    /* prefix length in bits */
} acl_entry;

#define TSIG_NAME_MAX 255
#define TSIG_SECRET_MAX 128

/* A TSIG key (RFC 8945). Algorithms: hmac-sha256 and hmac-sha512. */
typedef struct tsig_key {
	char name[TSIG_NAME_MAX + 1];  /* lower case, absolute, trailing dot */
	char algorithm[16];            /* "hmac-sha256" or "hmac-sha512" */
	uint8_t secret[TSIG_SECRET_MAX];
	size_t secret_len;
} tsig_key;

/* What the DNS side enforces for zone transfers of one zone. A zone with
 * no entries refuses everybody. */
typedef struct xfr_policy {
	acl_entry *acl;    /* malloc'd; xfr_policy_clear frees */
	size_t nacl;
	bool require_tsig; /* transfers must be signed with key */
	tsig_key *key;     /* malloc'd when require_tsig (100,000 zones need
			    * no 400 bytes each for a key they do not have) */
} xfr_policy;

void xfr_policy_clear(xfr_policy *p);

/* Parses "192.0.2.1", "192.0.2.0/24", "2001:db8::1" or "2001:db8::/32".
 * Host bits beyond the prefix must be zero. Errors: AX_EINVAL with
 * ei->field = field and a message saying what is wrong. */
int acl_parse(const char *text, const char *field, acl_entry *out,
	      ax_errinfo *ei);

/* Presentation form of an entry ("192.0.2.0/24"; a full-length prefix
 * is written without "/N"). */
void acl_format(const acl_entry *e, char *buf, size_t len);

/* The port of an AF_INET or AF_INET6 address, in host order; and set. */
uint16_t addr_get_port(const struct sockaddr_storage *ss);
void addr_set_port(struct sockaddr_storage *ss, uint16_t port);

/* "ADDR:PORT" or "[V6ADDR]:PORT" (NOTIFY targets, listen addresses). */
void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len);

/* True when a and b hold the same address (and, with port, the same
 * port). Families other than AF_INET and AF_INET6 never match. */
bool addr_same(const struct sockaddr *a, const struct sockaddr *b, bool port);

/* True for 0.0.0.0 and ::. */
bool addr_is_wildcard(const struct sockaddr_storage *ss);

/* True when sa (AF_INET or AF_INET6; IPv4-mapped IPv6 counts as IPv4)
 * falls in one of the n entries. */
bool acl_match(const acl_entry *acl, size_t n, const struct sockaddr *sa);

#endif
