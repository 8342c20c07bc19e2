/* acl.c -- address prefixes: parsing, printing, matching. */
#include "acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xfr_policy_clear(xfr_policy *p)
{
	if (p == NULL)
		return;
	free(p->acl);
	/* The secret must not linger in freed memory. */
	if (p->key != NULL) {
		explicit_bzero(p->key, sizeof(*p->key));
		free(p->key);
	}
	memset(p, 0, sizeof(*p));
}

int acl_parse(const char *text, const char *field, acl_entry *out,
	      ax_errinfo *ei)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	long prefix;
	int maxbits;

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		maxbits = 128;
	} else {
		goto bad;
	}
	prefix = maxbits;
	if (slash != NULL) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || prefix < 0 || prefix > maxbits)
			return ax_fail(ei, AX_EINVAL, field,
				       "%s: prefix length of '%s' must be 0 to %d",
				       field, text, maxbits);
	}
	out->prefix = (uint8_t)prefix;
	for (int bit = (int)prefix; bit < maxbits; bit++) {
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			return ax_fail(ei, AX_EINVAL, field,
				       "%s: '%s' has bits set beyond its /%ld prefix",
				       field, text, prefix);
	}
	return AX_OK;
bad:
	return ax_fail(ei, AX_EINVAL, field,
		       "%s: '%s' is not an IPv4 or IPv6 address or prefix (CIDR)",
		       field, text);
}

void acl_format(const acl_entry *e, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int full = e->family == AF_INET ? 32 : 128;

	inet_ntop(e->family, e->addr, host, sizeof(host));
	if (e->prefix == full)
		snprintf(buf, len, "%s", host);
	else
		snprintf(buf, len, "%s/%u", host, e->prefix);
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

bool acl_match(const acl_entry *acl, size_t n, const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *addr;
	int family = sa->sa_family;

	if (family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
			family = AF_INET;
			addr += 12;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (acl[i].family == family && prefix_match(acl[i].addr, addr, acl[i].prefix))
			return true;
	return false;
}

uint16_t addr_get_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ?
		     ((const struct sockaddr_in *)ss)->sin_port :
		     ((const struct sockaddr_in6 *)ss)->sin6_port);
}

void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(v4->sin_port));
	} else {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(v6->sin6_port));
	}
}

bool addr_same(const struct sockaddr *a, const struct sockaddr *b, bool port)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_addr.s_addr == y->sin_addr.s_addr &&
		       (!port || x->sin_port == y->sin_port);
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 &&
		       (!port || x->sin6_port == y->sin6_port);
	}
	return false;
}

bool addr_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}
