/* outbound.h -- where axfrd may send packets on a tenant's behalf
 * (NOTIFY, the sync and status probes): the operator's outbound-allow
 * and outbound-deny lists, and "global", every address that IANA's IPv4
 * and IPv6 special-purpose registries do not mark as not globally
 * reachable. Pure functions, no I/O but outbound_socket. */
#ifndef AXFRD_OUTBOUND_H
#define AXFRD_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "acl.h"
#include "error.h"

/* Most prefixes one list may hold. */
#define OUTBOUND_MAX_PREFIXES 64

/* The reason a skipped packet names (API "reason", events, logs). */
#define OUTBOUND_REASON "outbound-policy"
/* The reason of a target past notify-max-targets. */
#define OUTBOUND_REASON_MAX_TARGETS "notify-max-targets"

/* A parsed policy. A deny always beats an allow. */
typedef struct outbound_policy {
	bool global;                                /* "global" is allowed */
	acl_entry allow[OUTBOUND_MAX_PREFIXES];     /* more allowed prefixes */
	size_t nallow;
	acl_entry deny[OUTBOUND_MAX_PREFIXES];      /* never allowed */
	size_t ndeny;
} outbound_policy;

/* Checks one list's syntax (comma-separated prefixes; "global" too when
 * allow_global). AX_EINVAL with ei->field = key and a message naming the
 * bad item. */
int outbound_check_list(const char *key, const char *value, bool allow_global,
			ax_errinfo *ei);

/* Parses outbound-allow and outbound-deny into *out (zeroed first). */
int outbound_parse(const char *allow, const char *deny, outbound_policy *out,
		   ax_errinfo *ei);

/* True when IANA's registries do not mark the address as not globally
 * reachable. An address that carries an IPv4 address (IPv4-mapped,
 * NAT64, 6to4, Teredo) is global only when that IPv4 address is too;
 * other families never are. */
bool outbound_is_global(const struct sockaddr_storage *a);

/* True when the policy lets axfrd send to a. An IPv4-mapped address is
 * its IPv4 address; a deny matching the IPv4 address another address
 * carries denies it too. An explicit allow matches the address itself
 * only (allowing 127.0.0.0/8 does not allow 64:ff9b::127.0.0.1). */
bool outbound_allowed(const outbound_policy *p, const struct sockaddr_storage *a);

/* Why the NOTIFY target at index i of a configuration's list gets no
 * NOTIFY: OUTBOUND_REASON outside the policy, else
 * OUTBOUND_REASON_MAX_TARGETS when i >= max_targets (the first
 * max_targets, in the order given, are notified); NULL: it gets one. */
const char *outbound_target_skip(const outbound_policy *p, size_t max_targets,
				 size_t i, const struct sockaddr_storage *a);

/* One line saying what the policy allows, for --check-config and logs. */
void outbound_describe(const outbound_policy *p, char *buf, size_t len);

/* A non-blocking UDP socket of family (AF_INET or AF_INET6), bound to
 * src when src is not NULL (port 0); -1 with errno on failure. */
int outbound_socket(int family, const struct sockaddr_storage *src);

#endif
