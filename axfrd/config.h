/* config.h -- the daemon's settings: one typed table, read from an
 * embedded default, an optional config file, then command-line flags. */
#ifndef AXFRD_CONFIG_H
#define AXFRD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "outbound.h"
#include "serial.h"

/* An address to listen on or talk to, parsed from "ADDR:PORT" or
 * "[V6ADDR]:PORT". */
typedef struct config_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];  /* as configured, for logs */
} config_addr;

/* Every setting. Strings are owned by the struct (config_free). */
typedef struct config {
	char *db;                      /* SQLite database path */
	config_addr api_listen;        /* REST API */
	config_addr dns_listen;        /* DNS (UDP and TCP) */
	char *dns_listen_also;         /* more DNS addresses, comma-separated */
	config_addr resolver;          /* upstream resolver for ALIAS/checks */
	char *log_level;               /* error, warn, info, debug */
	char *db_synchronous;          /* full or normal */
	int64_t db_busy_timeout;       /* milliseconds */
	int64_t api_max_body;          /* bytes; larger bodies get 413 */
	int64_t api_connection_limit;  /* total open API connections */
	int64_t api_per_ip_limit;      /* open API connections per client IP */
	int64_t api_connection_timeout;/* seconds of inactivity */
	int64_t default_ttl;           /* TTL of records that give none */
	char *default_name_servers;    /* comma-separated apex NS of new zones */
	char *soa_mname;               /* SOA MNAME of new zones; "" = first NS */
	char *soa_rname;               /* SOA RNAME of new zones */
	int64_t soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum;
	char *serial_policy;           /* default policy of new zones */
	char *url_redirect_ipv4;       /* comma-separated A of URL records */
	char *url_redirect_ipv6;       /* comma-separated AAAA of URL records */
	int64_t xfr_journal_keep;      /* IXFR steps kept per zone */
	int64_t xfr_message_size;      /* bytes per AXFR/IXFR message */
	int64_t tcp_idle_timeout;      /* seconds without progress on DNS TCP */
	int64_t tcp_max_connections;   /* open DNS TCP connections in total */
	int64_t tcp_max_per_ip;        /* open DNS TCP connections per address */
	int64_t alias_min_ttl;         /* re-resolve ALIAS targets at most this often */
	int64_t alias_retry;           /* seconds before retrying a failed target */
	int64_t notify_retries;        /* NOTIFY sends before giving up */
	int64_t notify_timeout;        /* ms before the first NOTIFY is resent */
	int64_t notify_rate;           /* NOTIFYs sent per second at most */
	char *outbound_allow;          /* prefixes and "global" tenants may reach */
	char *outbound_deny;           /* prefixes never reached */
	int64_t notify_max_targets;    /* NOTIFY targets per configuration and
					* addresses probed per status check */
	int64_t outbound_rate_per_account; /* packets/s one account can make
					    * the server send */
	char *notify_source;           /* NOTIFY/probe source addresses */
	outbound_policy outbound;      /* the two lists, parsed (kept in step
					* by config_defaults and config_set) */
	int64_t check_port;            /* port of secondaries and parents in checks */
	int64_t check_timeout;         /* ms a sync check waits per step */
	char *public_suffix_list;      /* path of the Public Suffix List */
	int64_t rrl_rate;              /* UDP responses/s per client prefix; 0 = off */
	int64_t rrl_slip;              /* every n-th limited response is TC=1 */
	int64_t rrl_ipv4_prefix;       /* bits of an IPv4 client that form its prefix */
	int64_t rrl_ipv6_prefix;       /* bits of an IPv6 client that form its prefix */
	int64_t rrl_table_size;        /* buckets in the rate-limit table */
} config;

/* Fills cfg with the embedded defaults. */
int config_defaults(config *cfg);

/* Applies a config file ("key = value" lines, '#' comments). Unknown keys
 * and bad values are errors naming the file, line and key in ei. */
int config_load_file(config *cfg, const char *path, ax_errinfo *ei);

/* Applies one setting by key (the config-file key, which is also the
 * flag name without "--"). */
int config_set(config *cfg, const char *key, const char *value,
	       ax_errinfo *ei);

/* Checks cross-field rules after everything is applied (listeners that
 * collide, for one). Pure: touches nothing outside cfg. */
int config_validate(const config *cfg, ax_errinfo *ei);

/* Checks what only this host can tell, without keeping anything: each
 * listen address and notify-source address can be bound here (a port in
 * use is not an error: the running daemon may hold it), the resolver can
 * be used. */
int config_check_host(const config *cfg, ax_errinfo *ei);

/* True when key names a setting. */
bool config_has_key(const char *key);

/* Writes "  --key VALUE  description (default: ...)" lines to stdout. */
void config_print_help(void);

void config_free(config *cfg);

/* Walks a comma-separated list: copies its next non-empty item, without
 * surrounding white space, into out and moves *cursor past it; false at
 * the end of the list. Start with *cursor at the list's first byte. */
bool config_list_next(const char **cursor, char *out, size_t outlen);

/* Parses "ADDR:PORT" / "[ADDR]:PORT" (port 0 allowed). */
int config_parse_addr(const char *s, config_addr *out);

/* Parses a bare IPv4 or IPv6 address (port 0). */
bool config_parse_host(const char *s, struct sockaddr_storage *out);

/* The address NOTIFYs and probes of family leave from: notify-source's
 * address of that family; when notify-source is empty, dns-listen's
 * address if it has that family and is not a wildcard. False: unbound. */
bool config_notify_source(const config *cfg, int family,
			  struct sockaddr_storage *out);

/* Prints the outbound policy, the NOTIFY source and the per-account
 * budgets (--check-config). */
void config_print_outbound(const config *cfg);

/* Most addresses dns-listen-also may name. */
#define CONFIG_MAX_LISTEN_ALSO 8

/* Most addresses url-redirect-ipv4 and url-redirect-ipv6 may each name. */
#define CONFIG_MAX_REDIRECT 8

#endif
