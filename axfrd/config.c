/* config.c -- the typed table of settings, the config-file parser and the
 * helpers that apply a setting from a file or a flag. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "log.h"
#include "outbound.h"
#include "rr.h"

typedef enum opt_type { OPT_STR, OPT_INT, OPT_ADDR } opt_type;

/* Checks a string value; fills ei (field = key) and returns AX_EINVAL
 * when it is not acceptable. */
typedef int (*opt_check)(const char *key, const char *value, ax_errinfo *ei);

/* One setting: its key (file key and flag name), type, place in the
 * struct, range for integers, check for strings, embedded default and a
 * line of help. */
typedef struct opt_def {
	const char *key;
	opt_type type;
	size_t offset;
	int64_t min, max;
	const char *def;
	const char *help;
	opt_check check;
} opt_def;

static int check_nonempty(const char *key, const char *value, ax_errinfo *ei)
{
	if (value[0] == '\0')
		return ax_fail(ei, AX_EINVAL, key, "%s: must not be empty", key);
	return AX_OK;
}

static int check_log_level(const char *key, const char *value, ax_errinfo *ei)
{
	log_level lvl;

	if (!log_level_parse(value, &lvl))
		return ax_fail(ei, AX_EINVAL, key,
			       "%s: '%s' is not error, warn, info or debug", key, value);
	return AX_OK;
}

static int check_sync(const char *key, const char *value, ax_errinfo *ei)
{
	if (strcmp(value, "full") != 0 && strcmp(value, "normal") != 0)
		return ax_fail(ei, AX_EINVAL, key, "%s: '%s' is not full or normal",
			       key, value);
	return AX_OK;
}

static int check_policy(const char *key, const char *value, ax_errinfo *ei)
{
	serial_policy sp;

	if (!serial_policy_parse(value, &sp))
		return ax_fail(ei, AX_EINVAL, key,
			       "%s: '%s' is not increment, unixtime or dateserial",
			       key, value);
	return AX_OK;
}

/* One host name (or, for a mailbox, "local@domain" with no dot in local). */
static int check_one_host(const char *key, const char *value, bool mailbox,
			  ax_errinfo *ei)
{
	char buf[300], *norm = NULL;
	const char *at = mailbox ? strchr(value, '@') : NULL;
	int rc;

	/* A name is at most 253 characters: a longer value is refused whole,
	 * never cut to fit (or written past the buffer at the '@'). */
	if (strlen(value) >= sizeof(buf))
		return ax_fail(ei, AX_EINVAL, key, "%s: '%.64s...' is too long for a %s",
			       key, value, mailbox ? "mailbox" : "host name");
	snprintf(buf, sizeof(buf), "%s", value);
	if (at != NULL && memchr(value, '.', (size_t)(at - value)) == NULL)
		buf[at - value] = '.';
	rc = rr_zone_name_normalize(buf, key, &norm, ei);
	free(norm);
	if (rc != AX_OK)
		return ax_fail(ei, rc, key, "%s: '%s' is not a valid %s", key, value,
			       mailbox ? "mailbox (hostmaster.example.net)" : "host name");
	return AX_OK;
}

/* A list of addresses of one family (the URL redirector's A or AAAA). */
static int check_family_list(const char *key, const char *value, int family,
			     ax_errinfo *ei)
{
	char item[300];
	unsigned char buf[16];
	size_t n = 0;

	for (const char *p = value; config_list_next(&p, item, sizeof(item)); ) {
		if (inet_pton(family, item, buf) != 1)
			return ax_fail(ei, AX_EINVAL, key, "%s: '%.80s' is not an IPv%d address",
				       key, item, family == AF_INET ? 4 : 6);
		if (++n > CONFIG_MAX_REDIRECT)
			return ax_fail(ei, AX_EINVAL, key, "%s: at most %d addresses",
				       key, CONFIG_MAX_REDIRECT);
	}
	return AX_OK;
}

static int check_v4_list(const char *key, const char *value, ax_errinfo *ei)
{
	return check_family_list(key, value, AF_INET, ei);
}

static int check_v6_list(const char *key, const char *value, ax_errinfo *ei)
{
	return check_family_list(key, value, AF_INET6, ei);
}

/* A list of ADDR:PORT / [V6ADDR]:PORT (port 0: the port of dns-listen). */
static int check_listen_list(const char *key, const char *value, ax_errinfo *ei)
{
	char item[300];
	config_addr a;
	size_t n = 0;

	for (const char *p = value; config_list_next(&p, item, sizeof(item)); ) {
		if (config_parse_addr(item, &a) != AX_OK)
			return ax_fail(ei, AX_EINVAL, key, "%s: '%.80s' is not ADDR:PORT "
				       "or [IPV6ADDR]:PORT", key, item);
		if (++n > CONFIG_MAX_LISTEN_ALSO)
			return ax_fail(ei, AX_EINVAL, key, "%s: at most %d addresses",
				       key, CONFIG_MAX_LISTEN_ALSO);
	}
	return AX_OK;
}

static int check_allow(const char *key, const char *value, ax_errinfo *ei)
{
	return outbound_check_list(key, value, true, ei);
}

static int check_deny(const char *key, const char *value, ax_errinfo *ei)
{
	return outbound_check_list(key, value, false, ei);
}

/* Up to one IPv4 and one IPv6 address, neither a wildcard. */
static int check_source(const char *key, const char *value, ax_errinfo *ei)
{
	char item[300];
	int seen[2] = {0, 0};
	struct sockaddr_storage ss;

	for (const char *p = value; config_list_next(&p, item, sizeof(item)); ) {
		if (!config_parse_host(item, &ss))
			return ax_fail(ei, AX_EINVAL, key, "%s: '%.80s' is not an IPv4 or "
				       "IPv6 address", key, item);
		if (addr_is_wildcard(&ss))
			return ax_fail(ei, AX_EINVAL, key, "%s: '%s' is a wildcard; give "
				       "the address the secondaries' ACLs allow", key, item);
		if (seen[ss.ss_family == AF_INET6]++)
			return ax_fail(ei, AX_EINVAL, key, "%s: at most one IPv4 and one "
				       "IPv6 address", key);
	}
	return AX_OK;
}

static int check_host(const char *key, const char *value, ax_errinfo *ei)
{
	return value[0] == '\0' ? AX_OK : check_one_host(key, value, false, ei);
}

static int check_mailbox(const char *key, const char *value, ax_errinfo *ei)
{
	return check_one_host(key, value, true, ei);
}

static int check_host_list(const char *key, const char *value, ax_errinfo *ei)
{
	char item[300];
	size_t n = 0;
	int rc;

	for (const char *p = value; config_list_next(&p, item, sizeof(item)); n++)
		if ((rc = check_one_host(key, item, false, ei)) != AX_OK)
			return rc;
	if (n == 0)
		return ax_fail(ei, AX_EINVAL, key, "%s: at least one host name is needed",
			       key);
	return AX_OK;
}

#define O(field) offsetof(config, field)
static const opt_def opts[] = {
	{"db", OPT_STR, O(db), 0, 0, "./var/axfrd.db", "SQLite database file",
	 check_nonempty},
	{"api-listen", OPT_ADDR, O(api_listen), 0, 0, "127.0.0.1:8053",
	 "REST API address:port (port 0 picks a free port)", NULL},
	{"dns-listen", OPT_ADDR, O(dns_listen), 0, 0, "127.0.0.1:5353",
	 "DNS address:port, UDP and TCP (port 0 picks a free port)", NULL},
	{"dns-listen-also", OPT_STR, O(dns_listen_also), 0, 0, "",
	 "more DNS addresses, comma-separated ADDR:PORT or [IPV6ADDR]:PORT (port 0: "
	 "the port of dns-listen), for example [::1]:0 to answer on both families",
	 check_listen_list},
	{"resolver", OPT_ADDR, O(resolver), 0, 0, "127.0.0.1:53",
	 "resolver address:port for ALIAS targets and sync checks", NULL},
	{"log-level", OPT_STR, O(log_level), 0, 0, "info",
	 "error, warn, info or debug", check_log_level},
	{"db-synchronous", OPT_STR, O(db_synchronous), 0, 0, "full",
	 "full (every acknowledged write survives power loss) or normal",
	 check_sync},
	{"db-busy-timeout", OPT_INT, O(db_busy_timeout), 0, 600000, "5000",
	 "milliseconds to wait for a locked database", NULL},
	{"api-max-body", OPT_INT, O(api_max_body), 1024, 1073741824, "8388608",
	 "largest accepted request body in bytes (larger: 413)", NULL},
	{"api-connection-limit", OPT_INT, O(api_connection_limit), 1, 100000,
	 "256", "open API connections in total", NULL},
	{"api-per-ip-limit", OPT_INT, O(api_per_ip_limit), 1, 100000, "64",
	 "open API connections per client address", NULL},
	{"api-connection-timeout", OPT_INT, O(api_connection_timeout), 1, 86400,
	 "30", "seconds an idle API connection is kept", NULL},
	{"default-ttl", OPT_INT, O(default_ttl), 0, 2147483647, "3600",
	 "TTL of records created without one", NULL},
	{"default-name-servers", OPT_STR, O(default_name_servers), 0, 0,
	 "ns1.example.net,ns2.example.net",
	 "comma-separated apex NS records of new zones", check_host_list},
	{"soa-mname", OPT_STR, O(soa_mname), 0, 0, "",
	 "SOA MNAME of new zones (empty: the first default name server)",
	 check_host},
	{"soa-rname", OPT_STR, O(soa_rname), 0, 0, "hostmaster.example.net",
	 "SOA RNAME (mailbox as a domain name) of new zones", check_mailbox},
	{"soa-ttl", OPT_INT, O(soa_ttl), 0, 2147483647, "3600",
	 "TTL of the SOA record of new zones", NULL},
	{"soa-refresh", OPT_INT, O(soa_refresh), 0, 2147483647, "3600",
	 "SOA refresh of new zones (seconds)", NULL},
	{"soa-retry", OPT_INT, O(soa_retry), 0, 2147483647, "600",
	 "SOA retry of new zones (seconds)", NULL},
	{"soa-expire", OPT_INT, O(soa_expire), 0, 2147483647, "1209600",
	 "SOA expire of new zones (seconds)", NULL},
	{"soa-minimum", OPT_INT, O(soa_minimum), 0, 2147483647, "300",
	 "SOA minimum (negative-caching TTL) of new zones", NULL},
	{"serial-policy", OPT_STR, O(serial_policy), 0, 0, "unixtime",
	 "serial policy of new zones: increment, unixtime or dateserial",
	 check_policy},
	{"url-redirect-ipv4", OPT_STR, O(url_redirect_ipv4), 0, 0, "",
	 "IPv4 addresses of the URL redirector (URL records become these A)",
	 check_v4_list},
	{"url-redirect-ipv6", OPT_STR, O(url_redirect_ipv6), 0, 0, "",
	 "IPv6 addresses of the URL redirector (URL records become these AAAA)",
	 check_v6_list},
	{"xfr-journal-keep", OPT_INT, O(xfr_journal_keep), 0, 100000, "100",
	 "IXFR journal steps kept per zone (older clients get AXFR)", NULL},
	{"xfr-message-size", OPT_INT, O(xfr_message_size), 1024, 65535, "16384",
	 "largest AXFR/IXFR message in bytes", NULL},
	{"tcp-idle-timeout", OPT_INT, O(tcp_idle_timeout), 1, 3600, "20",
	 "seconds a DNS TCP connection may make no progress", NULL},
	{"tcp-max-connections", OPT_INT, O(tcp_max_connections), 1, 100000, "512",
	 "open DNS TCP connections in total", NULL},
	{"tcp-max-per-ip", OPT_INT, O(tcp_max_per_ip), 1, 100000, "64",
	 "open DNS TCP connections per client address", NULL},
	{"alias-min-ttl", OPT_INT, O(alias_min_ttl), 1, 86400, "30",
	 "seconds an ALIAS answer is kept at least, whatever its TTL", NULL},
	{"alias-retry", OPT_INT, O(alias_retry), 1, 86400, "30",
	 "seconds before a failed ALIAS target is asked again", NULL},
	{"notify-retries", OPT_INT, O(notify_retries), 1, 100, "6",
	 "NOTIFY sends to a target before giving up (each wait doubles)", NULL},
	{"notify-timeout", OPT_INT, O(notify_timeout), 50, 60000, "1000",
	 "milliseconds before an unanswered NOTIFY is sent again", NULL},
	{"notify-rate", OPT_INT, O(notify_rate), 1, 1000000, "1000",
	 "NOTIFY messages sent per second at most, all zones together (more wait "
	 "their turn in order)", NULL},
	{"outbound-allow", OPT_STR, O(outbound_allow), 0, 0, "global",
	 "where NOTIFYs and sync probes may go: comma-separated prefixes and "
	 "'global' (every globally reachable address), e.g. global,10.20.0.0/16",
	 check_allow},
	{"outbound-deny", OPT_STR, O(outbound_deny), 0, 0, "",
	 "prefixes NOTIFYs and sync probes never go to (beats outbound-allow)",
	 check_deny},
	{"notify-max-targets", OPT_INT, O(notify_max_targets), 1, 1024, "32",
	 "NOTIFY targets per secondary DNS configuration (a longer explicit list "
	 "is refused, derived ones past it are skipped) and addresses probed per "
	 "status check", NULL},
	{"outbound-rate-per-account", OPT_INT, O(outbound_rate_per_account), 1,
	 1000000, "100",
	 "packets per second one account can make the server send (NOTIFYs, "
	 "status probes, lookups of its names); one second's worth may go at once",
	 NULL},
	{"notify-source", OPT_STR, O(notify_source), 0, 0, "",
	 "an IPv4 and an IPv6 address NOTIFYs and sync probes leave from (empty: "
	 "the address of dns-listen unless it is a wildcard)", check_source},
	{"check-port", OPT_INT, O(check_port), 1, 65535, "53",
	 "port the sync checks ask secondaries (unless their NOTIFY target "
	 "names one) and the parent zone's servers on", NULL},
	{"check-timeout", OPT_INT, O(check_timeout), 100, 10000, "1500",
	 "milliseconds each step of a sync check waits for answers", NULL},
	{"public-suffix-list", OPT_STR, O(public_suffix_list), 0, 0,
	 "/usr/share/publicsuffix/public_suffix_list.dat",
	 "the Public Suffix List (Debian's publicsuffix package), read at start; "
	 "zones that are a public suffix are refused", check_nonempty},
	{"rrl-rate", OPT_INT, O(rrl_rate), 0, 1000000, "200",
	 "UDP responses per second to one client prefix (response-rate limiting; "
	 "0 turns it off; TCP is never limited)", NULL},
	{"rrl-slip", OPT_INT, O(rrl_slip), 0, 100, "2",
	 "every n-th response over rrl-rate is sent truncated (TC=1) so that real "
	 "clients retry over TCP, the others are dropped (0: drop all, 1: truncate all)",
	 NULL},
	{"rrl-ipv4-prefix", OPT_INT, O(rrl_ipv4_prefix), 8, 32, "24",
	 "IPv4 clients that share this many leading bits share one rrl-rate", NULL},
	{"rrl-ipv6-prefix", OPT_INT, O(rrl_ipv6_prefix), 16, 128, "56",
	 "IPv6 clients that share this many leading bits share one rrl-rate", NULL},
	{"rrl-table-size", OPT_INT, O(rrl_table_size), 1024, 16777216, "65536",
	 "client prefixes the rate limiter tracks at once (a fixed table of about "
	 "48 bytes each, allocated at start; when full the least recently used are reused)",
	 NULL},
};
#undef O
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const opt_def *find_opt(const char *key)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].key, key) == 0)
			return &opts[i];
	return NULL;
}

bool config_has_key(const char *key)
{
	return find_opt(key) != NULL;
}

int config_parse_addr(const char *s, config_addr *result)
{
	config_addr parsed, *out = &parsed;
	char host[64];
	const char *colon, *hs = s;
	size_t hlen;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			return AX_EINVAL;
		hs = s + 1;
		hlen = (size_t)(rb - hs);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return AX_EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return AX_EINVAL;
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	if (colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return AX_EINVAL;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || port > 65535)
		return AX_EINVAL;
	/* An IPv6 address needs brackets, or its last group reads as a port. */
	if (s[0] != '[' && strchr(host, ':') != NULL)
		return AX_EINVAL;

	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*v6);
	} else {
		return AX_EINVAL;
	}
	snprintf(out->text, sizeof(out->text), "%s", s);
	*result = parsed;
	return AX_OK;
}

static int set_opt(config *cfg, const opt_def *o, const char *value,
		   ax_errinfo *ei)
{
	void *p = (char *)cfg + o->offset;

	switch (o->type) {
	case OPT_STR: {
		int rc = o->check ? o->check(o->key, value, ei) : AX_OK;
		if (rc != AX_OK)
			return rc;
		char *copy = strdup(value);
		if (copy == NULL)
			return AX_ENOMEM;
		free(*(char **)p);
		*(char **)p = copy;
		return AX_OK;
	}
	case OPT_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || v < o->min ||
		    v > o->max)
			return ax_fail(ei, AX_EINVAL, o->key,
				       "%s: '%s' is not an integer from %lld to %lld",
				       o->key, value, (long long)o->min,
				       (long long)o->max);
		*(int64_t *)p = v;
		return AX_OK;
	}
	case OPT_ADDR:
		if (config_parse_addr(value, p) != AX_OK)
			return ax_fail(ei, AX_EINVAL, o->key,
				       "%s: '%s' is not ADDR:PORT or [ADDR]:PORT",
				       o->key, value);
		return AX_OK;
	}
	return AX_EINVAL;
}

/* Keeps cfg->outbound in step with the two lists (both checked). */
static void derive(config *cfg)
{
	if (cfg->outbound_allow != NULL && cfg->outbound_deny != NULL)
		outbound_parse(cfg->outbound_allow, cfg->outbound_deny,
			       &cfg->outbound, NULL);
}

int config_set(config *cfg, const char *key, const char *value,
	       ax_errinfo *ei)
{
	const opt_def *o = find_opt(key);
	int rc;

	if (o == NULL)
		return ax_fail(ei, AX_EINVAL, key, "unknown setting '%s'", key);
	if ((rc = set_opt(cfg, o, value, ei)) == AX_OK)
		derive(cfg);
	return rc;
}

int config_defaults(config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NOPTS; i++) {
		int rc = set_opt(cfg, &opts[i], opts[i].def, NULL);
		if (rc != AX_OK)
			return rc;
	}
	derive(cfg);
	return AX_OK;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load_file(config *cfg, const char *path, ax_errinfo *ei)
{
	char buf[4096];
	unsigned lineno = 0;
	int rc = AX_OK;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return ax_fail(ei, AX_EIO, "config", "%s: %s", path,
			       strerror(errno));
	while (rc == AX_OK && fgets(buf, sizeof(buf), f) != NULL) {
		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			rc = ax_fail(ei, AX_EINVAL, "config",
				     "%s:%u: line too long", path, lineno);
			break;
		}
		char *hash = strchr(buf, '#');
		if (hash != NULL)
			*hash = '\0';
		char *line = trim(buf);
		if (*line == '\0')
			continue;
		char *eq = strchr(line, '=');
		if (eq == NULL) {
			rc = ax_fail(ei, AX_EINVAL, "config",
				     "%s:%u: expected 'key = value'", path, lineno);
			break;
		}
		*eq = '\0';
		char *key = trim(line), *value = trim(eq + 1);
		ax_errinfo sub;
		ax_errinfo_clear(&sub);
		rc = config_set(cfg, key, value, &sub);
		if (rc != AX_OK)
			ax_fail(ei, rc, key, "%s:%u: %s", path, lineno, sub.msg);
	}
	if (rc == AX_OK && ferror(f))
		rc = ax_fail(ei, AX_EIO, "config", "%s: read error", path);
	fclose(f);
	return rc;
}

/* Two TCP listeners on one port collide when their addresses are of one
 * family and equal, or one is a wildcard (SO_REUSEADDR does not help a
 * listening socket). Port 0 is the kernel's pick: no collision, except
 * that dns-listen-also's port 0 is dns-listen's port. */
static bool listeners_collide(const struct sockaddr_storage *a, uint16_t pa,
			      const struct sockaddr_storage *b, uint16_t pb)
{
	if (a->ss_family != b->ss_family || pa != pb)
		return false;
	return addr_is_wildcard(a) || addr_is_wildcard(b) ||
	       addr_same((const struct sockaddr *)a, (const struct sockaddr *)b, false);
}

/* dns-listen-also entries against dns-listen, each other and api-listen;
 * api-listen against dns-listen. */
static int check_collisions(const config *cfg, ax_errinfo *ei)
{
	config_addr also[CONFIG_MAX_LISTEN_ALSO];
	uint16_t port[CONFIG_MAX_LISTEN_ALSO];
	uint16_t dns_port = addr_get_port(&cfg->dns_listen.ss);
	uint16_t api_port = addr_get_port(&cfg->api_listen.ss);
	char item[300];
	size_t n = 0;

	if (api_port != 0 && listeners_collide(&cfg->api_listen.ss, api_port,
					       &cfg->dns_listen.ss, dns_port))
		return ax_fail(ei, AX_EINVAL, "api-listen", "api-listen: '%s' collides with "
			       "dns-listen '%s' (both listen on TCP port %u)",
			       cfg->api_listen.text, cfg->dns_listen.text, api_port);
	for (const char *p = cfg->dns_listen_also;
	     n < CONFIG_MAX_LISTEN_ALSO && config_list_next(&p, item, sizeof(item)); n++) {
		if (config_parse_addr(item, &also[n]) != AX_OK)
			return ax_fail(ei, AX_EINVAL, "dns-listen-also", "dns-listen-also: "
				       "'%.80s' is not ADDR:PORT or [IPV6ADDR]:PORT", item);
		port[n] = addr_get_port(&also[n].ss) ? addr_get_port(&also[n].ss) : dns_port;
		if (port[n] != 0 && listeners_collide(&also[n].ss, port[n],
						      &cfg->dns_listen.ss, dns_port))
			return ax_fail(ei, AX_EINVAL, "dns-listen-also", "dns-listen-also: "
				       "'%s' collides with dns-listen '%s' (both on port %u)",
				       item, cfg->dns_listen.text, port[n]);
		if (port[n] == 0 && addr_get_port(&also[n].ss) == 0 &&
		    listeners_collide(&also[n].ss, 0, &cfg->dns_listen.ss, 0))
			return ax_fail(ei, AX_EINVAL, "dns-listen-also", "dns-listen-also: "
				       "'%s' collides with dns-listen '%s' (both on the port "
				       "dns-listen picks)", item, cfg->dns_listen.text);
		for (size_t k = 0; k < n; k++)
			if (listeners_collide(&also[n].ss, port[n], &also[k].ss, port[k]))
				return ax_fail(ei, AX_EINVAL, "dns-listen-also",
					       "dns-listen-also: '%s' collides with '%s' (the "
					       "same port on an overlapping address)", item,
					       also[k].text);
		if (api_port != 0 && listeners_collide(&cfg->api_listen.ss, api_port,
						       &also[n].ss, port[n]))
			return ax_fail(ei, AX_EINVAL, "api-listen", "api-listen: '%s' "
				       "collides with dns-listen-also '%s' (both listen on TCP "
				       "port %u)", cfg->api_listen.text, item, api_port);
	}
	return AX_OK;
}

int config_validate(const config *cfg, ax_errinfo *ei)
{
	/* Values set through config_set were checked then; this checks again
	 * whatever was put into the struct directly. */
	for (size_t i = 0; i < NOPTS; i++) {
		const char *v;
		if (opts[i].type != OPT_STR || opts[i].check == NULL)
			continue;
		v = *(char *const *)((const char *)cfg + opts[i].offset);
		if (v == NULL)
			return ax_fail(ei, AX_EINVAL, opts[i].key, "%s: not set",
				       opts[i].key);
		int rc = opts[i].check(opts[i].key, v, ei);
		if (rc != AX_OK)
			return rc;
	}
	return check_collisions(cfg, ei);
}

/* Tries what start-up will do with an address, without keeping it: binds
 * a socket of type to it (port included; a port in use, perhaps by the
 * running daemon, is start-up's problem, not the configuration's). */
static int try_bind(const char *key, const config_addr *a, int type, const char *verb,
		    ax_errinfo *ei)
{
	bool connect_it = strcmp(verb, "use") == 0;
	int fd = socket(a->ss.ss_family, type | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		err = errno;
	else if (connect_it ? connect(fd, (const struct sockaddr *)&a->ss, a->len) != 0 :
		 bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err == 0 || err == EADDRINUSE)
		return AX_OK;
	return ax_fail(ei, AX_EINVAL, key, "%s: cannot %s %s: %s", key, verb, a->text,
		       strerror(err));
}

int config_check_host(const config *cfg, ax_errinfo *ei)
{
	char item[300];
	config_addr a;
	int rc;

	if ((rc = try_bind("api-listen", &cfg->api_listen, SOCK_STREAM, "listen on", ei)) != AX_OK ||
	    (rc = try_bind("dns-listen", &cfg->dns_listen, SOCK_STREAM, "listen on", ei)) != AX_OK ||
	    (rc = try_bind("resolver", &cfg->resolver, SOCK_DGRAM, "use", ei)) != AX_OK)
		return rc;
	for (const char *p = cfg->dns_listen_also; config_list_next(&p, item, sizeof(item)); )
		if (config_parse_addr(item, &a) == AX_OK &&
		    (rc = try_bind("dns-listen-also", &a, SOCK_STREAM, "listen on", ei)) != AX_OK)
			return rc;
	for (const char *p = cfg->notify_source; config_list_next(&p, item, sizeof(item)); ) {
		memset(&a, 0, sizeof(a));
		if (!config_parse_host(item, &a.ss))
			continue;
		a.len = a.ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
			sizeof(struct sockaddr_in6);
		snprintf(a.text, sizeof(a.text), "%.63s", item);
		if ((rc = try_bind("notify-source", &a, SOCK_DGRAM, "bind to", ei)) != AX_OK)
			return rc;
	}
	return AX_OK;
}

bool config_parse_host(const char *s, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)out)->sin_addr) == 1) {
		out->ss_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)out)->sin6_addr) == 1) {
		out->ss_family = AF_INET6;
		return true;
	}
	return false;
}

bool config_notify_source(const config *cfg, int family,
			  struct sockaddr_storage *out)
{
	char item[300];

	for (const char *p = cfg->notify_source; p != NULL &&
	     config_list_next(&p, item, sizeof(item)); )
		if (config_parse_host(item, out) && out->ss_family == family)
			return true;
	if (cfg->notify_source != NULL && cfg->notify_source[0] != '\0')
		return false;  /* given, without this family: unbound */
	if (cfg->dns_listen.ss.ss_family != family ||
	    addr_is_wildcard(&cfg->dns_listen.ss))
		return false;
	*out = cfg->dns_listen.ss;
	addr_set_port(out, 0);
	return true;
}

void config_print_outbound(const config *cfg)
{
	char buf[4096];
	struct sockaddr_storage ss;

	outbound_describe(&cfg->outbound, buf, sizeof(buf));
	printf("%s\n", buf);
	for (int k = 0; k < 2; k++) {
		int fam = k ? AF_INET6 : AF_INET;
		if (config_notify_source(cfg, fam, &ss)) {
			inet_ntop(fam, fam == AF_INET ?
				  (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
				  (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
				  buf, sizeof(buf));
			printf("notify-source %s: %s\n", k ? "IPv6" : "IPv4", buf);
		} else {
			printf("notify-source %s: any (not bound)\n", k ? "IPv6" : "IPv4");
		}
	}
	printf("budgets per account: notify-max-targets %lld, "
	       "outbound-rate-per-account %lld packets/s\n",
	       (long long)cfg->notify_max_targets,
	       (long long)cfg->outbound_rate_per_account);
}

bool config_list_next(const char **cursor, char *out, size_t outlen)
{
	const char *p = *cursor;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		const char *item = p;
		p += len + (p[len] == ',');
		while (len > 0 && isspace((unsigned char)*item)) {
			item++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)item[len - 1]))
			len--;
		if (len > 0) {
			snprintf(out, outlen, "%.*s", (int)len, item);
			*cursor = p;
			return true;
		}
	}
	*cursor = p;
	return false;
}

void config_print_help(void)
{
	printf("usage: axfrd [--config FILE] [--check-config] [--KEY VALUE]...\n\n");
	printf("  --config FILE          read settings from FILE (key = value lines)\n");
	printf("  --check-config         validate the settings and exit\n");
	printf("  --help                 show this text\n\n");
	printf("Settings (the same keys in the config file):\n");
	for (size_t i = 0; i < NOPTS; i++)
		printf("  --%-24s %s (default: %s)\n", opts[i].key, opts[i].help,
		       opts[i].def[0] ? opts[i].def : "empty");
}

void config_free(config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].type == OPT_STR) {
			char **p = (char **)((char *)cfg + opts[i].offset);
			free(*p);
			*p = NULL;
		}
	}
}
