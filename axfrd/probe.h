/* probe.h -- a small blocking DNS client for the sync checks: batches of
 * UDP queries sent at once and answered within one deadline. */
#ifndef AXFRD_PROBE_H
#define AXFRD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "wire.h"

#define PROBE_MSG_MAX 4096

/* One query of a batch and, after probe_run, its answer. */
typedef struct probe {
	struct sockaddr_storage server;
	uint8_t qname[WIRE_NAME_MAX];
	size_t qname_len;
	uint16_t qtype;
	bool rd;                     /* recursion desired (resolver) or not */
	bool policed;                /* the server is a tenant's (not the
				      * operator's resolver): the outbound
				      * policy and notify-source apply */
	/* results */
	bool skipped;                /* not sent: outside the outbound policy */
	bool answered;
	int rcode;
	uint8_t reply[PROBE_MSG_MAX];
	size_t reply_len;
} probe;

/* Prepares p for name (presentation) and type; false if name is bad.
 * rd: a query to the operator's resolver; otherwise the server came from
 * a tenant (a secondary, a parent zone's server) and is policed. */
bool probe_init(probe *p, const struct sockaddr_storage *server,
		const char *name, uint16_t qtype, bool rd);

/* Sends every query and waits until all are answered or timeout_ms
 * passed. A query that gets no answer has answered == false; a policed
 * one outside cfg's outbound policy is not sent (skipped, counted), the
 * others leave from notify-source. */
void probe_run(const config *cfg, probe *p, size_t n, int timeout_ms);

/* The records of type rtype in the answer (section 0) or authority
 * (section 1) of a reply: calls fn with each one's RDATA. */
typedef void (*probe_rr_fn)(void *arg, const wreader *msg, size_t rdata,
			    uint16_t rdlen);
int probe_records(const probe *p, int section, uint16_t rtype, probe_rr_fn fn,
		  void *arg);

/* The SOA serial in the answer; false when there is none. */
bool probe_soa_serial(const probe *p, uint32_t *serial);

#endif
