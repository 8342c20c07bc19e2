/* outbound.c -- the outbound policy: which addresses axfrd may send
 * NOTIFYs and probes to for a tenant. Every address is judged in one
 * form: 16 bytes, an IPv4 address as ::ffff:a.b.c.d. */
#include "outbound.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* IPv4 space that IANA's special-purpose registry marks as not globally
 * reachable, with multicast and the class E space. 192.0.0.0/24 is left
 * out whole: its two anycast /32s are no target for a tenant either. */
static const char *const v4_not_global[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
	"192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
	"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
};

/* IPv6 space marked as not globally reachable (and multicast, the
 * deprecated site-local space and the IPv4-compatible form). */
static const char *const v6_not_global[] = {
	"::/96", "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64",
	"2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7",
	"fe80::/10", "fec0::/10", "ff00::/8",
};

/* Inside 2001::/23, the blocks the registry marks globally reachable (or,
 * for Teredo, judged by the IPv4 address it carries). */
static const char *const v6_global_in_2001[] = {
	"2001::/32", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128",
	"2001:3::/32", "2001:4:112::/48", "2001:20::/28", "2001:30::/28",
};

/* Outside these, IPv6 has no global unicast (IANA's address space). */
static const char *const v6_unicast[] = {"2000::/3", "64:ff9b::/96"};

static bool in_prefix(const uint8_t a[16], const uint8_t p[16], unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, p, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static void mapped(const uint8_t v4[4], uint8_t out[16])
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/* An acl_entry in the 16-byte form. */
static bool entry_match(const acl_entry *e, const uint8_t a[16])
{
	uint8_t p[16];

	if (e->family == AF_INET) {
		mapped(e->addr, p);
		return in_prefix(a, p, 96u + e->prefix);
	}
	return in_prefix(a, e->addr, e->prefix);
}

/* Whether a lies in one of the prefixes of a table of text. */
static bool in_table(const char *const *t, size_t n, const uint8_t a[16])
{
	for (size_t i = 0; i < n; i++) {
		acl_entry e;
		if (acl_parse(t[i], "table", &e, NULL) == AX_OK && entry_match(&e, a))
			return true;
	}
	return false;
}
#define IN_TABLE(t, a) in_table((t), sizeof(t) / sizeof((t)[0]), (a))

static bool to16(const struct sockaddr_storage *ss, uint8_t out[16])
{
	if (ss->ss_family == AF_INET) {
		mapped((const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr, out);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* The IPv4 address that a (not IPv4-mapped) IPv6 address carries: NAT64
 * (RFC 6052, 8215: the last 32 bits), 6to4 (RFC 3056: bits 16-48) and
 * Teredo (RFC 4380: the client's address, inverted, in the last 32). */
static bool carried_v4(const uint8_t a[16], uint8_t v4[4])
{
	static const uint8_t nat64[16] = {0, 0x64, 0xff, 0x9b};
	static const uint8_t nat64l[16] = {0, 0x64, 0xff, 0x9b, 0, 1};
	static const uint8_t six2four[16] = {0x20, 0x02};
	static const uint8_t teredo[16] = {0x20, 0x01};

	if (in_prefix(a, nat64, 96) || in_prefix(a, nat64l, 48)) {
		memcpy(v4, a + 12, 4);
		return true;
	}
	if (in_prefix(a, six2four, 16)) {
		memcpy(v4, a + 2, 4);
		return true;
	}
	if (in_prefix(a, teredo, 32)) {
		for (int i = 0; i < 4; i++)
			v4[i] = (uint8_t)~a[12 + i];
		return true;
	}
	return false;
}

static bool is_mapped(const uint8_t a[16])
{
	static const uint8_t m[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return in_prefix(a, m, 96);
}

static bool global16(const uint8_t a[16])
{
	uint8_t v4[4], m[16];

	if (is_mapped(a))
		return !IN_TABLE(v4_not_global, a);
	if (IN_TABLE(v6_not_global, a) && !IN_TABLE(v6_global_in_2001, a))
		return false;
	if (!IN_TABLE(v6_unicast, a))
		return false;
	if (carried_v4(a, v4)) {
		mapped(v4, m);
		return !IN_TABLE(v4_not_global, m);
	}
	return true;
}

bool outbound_is_global(const struct sockaddr_storage *ss)
{
	uint8_t a[16];

	return to16(ss, a) && global16(a);
}

static bool list_match(const acl_entry *l, size_t n, const uint8_t a[16])
{
	for (size_t i = 0; i < n; i++)
		if (entry_match(&l[i], a))
			return true;
	return false;
}

bool outbound_allowed(const outbound_policy *p, const struct sockaddr_storage *ss)
{
	uint8_t a[16], v4[4], m[16];

	if (!to16(ss, a))
		return false;
	if (list_match(p->deny, p->ndeny, a))
		return false;
	if (!is_mapped(a) && carried_v4(a, v4)) {
		mapped(v4, m);
		if (list_match(p->deny, p->ndeny, m))
			return false;
	}
	return list_match(p->allow, p->nallow, a) || (p->global && global16(a));
}

/* Parses one list into entries (NULL entries: syntax check only). */
static int parse_list(const char *key, const char *value, bool allow_global,
		      bool *global, acl_entry *entries, size_t *n, ax_errinfo *ei)
{
	char item[128];
	size_t count = 0;

	for (const char *p = value; config_list_next(&p, item, sizeof(item)); ) {
		acl_entry e;
		int rc;
		if (strcmp(item, "global") == 0) {
			if (!allow_global)
				return ax_fail(ei, AX_EINVAL, key, "%s: 'global' is only "
					       "for outbound-allow", key);
			if (global != NULL)
				*global = true;
			continue;
		}
		if ((rc = acl_parse(item, key, &e, ei)) != AX_OK) {
			/* acl_parse says what is wrong with a prefix; for what is no
			 * address at all, say what the list takes. */
			if (ei == NULL || strstr(ei->msg, "is not an") != NULL)
				ax_fail(ei, rc, key, "%s: '%.80s' is not %san IPv4 or IPv6 "
					"prefix (CIDR)", key, item,
					allow_global ? "'global' or " : "");
			return rc;
		}
		if (count == OUTBOUND_MAX_PREFIXES)
			return ax_fail(ei, AX_EINVAL, key, "%s: at most %d prefixes", key,
				       OUTBOUND_MAX_PREFIXES);
		if (entries != NULL)
			entries[count] = e;
		count++;
	}
	if (n != NULL)
		*n = count;
	return AX_OK;
}

int outbound_check_list(const char *key, const char *value, bool allow_global,
			ax_errinfo *ei)
{
	return parse_list(key, value, allow_global, NULL, NULL, NULL, ei);
}

int outbound_parse(const char *allow, const char *deny, outbound_policy *out,
		   ax_errinfo *ei)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_list("outbound-allow", allow, true, &out->global, out->allow,
			&out->nallow, ei);
	if (rc == AX_OK)
		rc = parse_list("outbound-deny", deny, false, NULL, out->deny,
				&out->ndeny, ei);
	if (rc != AX_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

static void append_list(const acl_entry *l, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		char one[64];
		size_t used = strlen(buf);
		acl_format(&l[i], one, sizeof(one));
		snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
}

const char *outbound_target_skip(const outbound_policy *p, size_t max_targets,
				 size_t i, const struct sockaddr_storage *a)
{
	if (!outbound_allowed(p, a))
		return OUTBOUND_REASON;
	return i >= max_targets ? OUTBOUND_REASON_MAX_TARGETS : NULL;
}

void outbound_describe(const outbound_policy *p, char *buf, size_t len)
{
	size_t used;

	snprintf(buf, len, "outbound: allow %s", p->global ? "global" : "");
	used = strlen(buf);
	if (p->global && p->nallow > 0)
		snprintf(buf + used, len - used, ",");
	append_list(p->allow, p->nallow, buf, len);
	used = strlen(buf);
	if (!p->global && p->nallow == 0)
		snprintf(buf + used, len - used, "nothing");
	used = strlen(buf);
	snprintf(buf + used, len - used, "; deny %s", p->ndeny ? "" : "nothing");
	append_list(p->deny, p->ndeny, buf, len);
}

int outbound_socket(int family, const struct sockaddr_storage *src)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	socklen_t sl = family == AF_INET ? sizeof(struct sockaddr_in) :
		       sizeof(struct sockaddr_in6);
	struct sockaddr_storage b;

	if (fd < 0 || src == NULL)
		return fd;
	b = *src;
	addr_set_port(&b, 0);
	if (bind(fd, (struct sockaddr *)&b, sl) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
