/* dns.h -- the DNS server: UDP and TCP listeners on one event loop,
 * answering queries, AXFR and IXFR from zone snapshots, reloading a zone
 * when the API changes it. */
#ifndef AXFRD_DNS_H
#define AXFRD_DNS_H

#include <stdint.h>

#include "budget.h"
#include "config.h"
#include "error.h"

typedef struct dns_server dns_server;

/* Opens its own store connection, loads every zone, binds UDP and TCP on
 * cfg->dns_listen (port 0: a free port, the same for both; *port gets
 * it) and on each of cfg->dns_listen_also. cfg and bud (the accounts' outbound budgets, which
 * NOTIFYs and ALIAS lookups spend) must outlive the server. SIGTERM and SIGINT must already be
 * blocked in every thread: the server takes them through a signalfd. */
int dns_start(const config *cfg, budget *bud, dns_server **out, uint16_t *port,
	      ax_errinfo *ei);

/* Logs the dns-listen-also addresses with the ports bound ("also
 * listening on dns://ADDR:PORT"), after the caller's dns-listen line. */
void dns_log_listeners(const dns_server *s);

/* Thread-safe: asks the DNS thread to reload zone (normalized name).
 * Has the signature of api_change_fn; arg is the server. */
void dns_zone_changed(void *arg, const char *zone);

/* Runs the event loop until SIGTERM or SIGINT; returns the signal. */
int dns_run(dns_server *s);

/* Closes every socket, ends transfers, frees (accepts NULL). */
void dns_free(dns_server *s);

#endif
