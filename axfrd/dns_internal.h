/* dns_internal.h -- what the DNS server's files share. */
#ifndef AXFRD_DNS_INTERNAL_H
#define AXFRD_DNS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "budget.h"
#include "config.h"
#include "db/db.h"
#include "db/db_zone.h"
#include "dns.h"
#include "export.h"
#include "loop.h"
#include "query.h"
#include "rrl.h"
#include "snap.h"
#include "tsig.h"
#include "wire.h"
#include "xfr.h"

/* A zone as the DNS side serves it. */
typedef struct zone_entry {
	char *name;                   /* normalized, no trailing dot */
	size_t apex_len;
	int64_t id;
	int64_t account_id;           /* the owner, whose budget its NOTIFYs spend */
	snap *snap;                   /* current export */
	xfr_policy policy;            /* who may transfer */
	struct zone_entry *next;      /* hash chain */
	uint8_t apex[];               /* lower-case wire form (the hash key) */
} zone_entry;

typedef struct tcp_conn tcp_conn;

struct dns_server {
	const config *cfg;
	loop *lp;
	db *d;                        /* this thread's own store connection */
	export_opts eo;
	zone_entry **buckets;
	size_t nbuckets, nzones;
	int udp_fd, tcp_fd, sig_fd, ev_fd;
	loop_handle *udp_h, *tcp_h, *sig_h, *ev_h;
	uint16_t port;
	/* dns-listen-also: more addresses, each with UDP and TCP */
	struct dns_listener {
		config_addr addr;
		uint16_t port;
		int udp_fd, tcp_fd;
		loop_handle *udp_h, *tcp_h;
	} also[CONFIG_MAX_LISTEN_ALSO];
	size_t nalso;
	int signal;                   /* the signal that stopped the loop */
	bool loading;                 /* in dns_zones_load_all */
	/* Zones to reload, handed over under the mutex. */
	pthread_mutex_t mu;
	struct pending_zone {
		char *name;
		bool full;
	} *pending;
	size_t npending, cappending;
	/* TCP connections */
	tcp_conn *conns;
	size_t nconns;
	loop_timer *sweep;
	struct alias_resolver *alias;  /* ALIAS target resolution */
	struct notifier *notify;       /* outgoing NOTIFY */
	rrl_table *rrl;                /* UDP response-rate limiting */
	budget *budget;                /* outbound-rate-per-account (shared) */
	uint8_t *scratch;              /* 64 KiB for answers before copying */
	uint8_t *xfr_batch;            /* transfer messages written ahead, sent */
	size_t xfr_batch_cap;          /* with one send() (dns_tcp.c) */
};

/* The outcome of one request. */
typedef struct dns_reply {
	size_t len;          /* response bytes in the buffer; 0 = send nothing */
	xfr_cursor *xfr;     /* a transfer to continue (TCP only), owned */
	bool tsig_on;        /* sign every message with tsig */
	tsig_ctx tsig;
	char zone[256];      /* for logs and the transfer log */
	int64_t zone_id;
	uint32_t serial;
} dns_reply;

/* Records a transfer (or a refused one) in the store's transfer log. */
void dns_xfr_log(dns_server *s, int64_t zone_id, const struct sockaddr *peer,
		 uint32_t serial, bool ixfr, size_t messages, size_t records,
		 size_t bytes, const char *result);

/* Room kept above xfr-message-size for a transfer message's TSIG. */
#define XFR_TSIG_ROOM 512

/* Handles one request from peer: parses, verifies TSIG, checks the
 * transfer ACL, answers or starts a transfer. The response (or the first
 * message of a transfer) is written to out (max bytes). */
void dns_handle(dns_server *s, const uint8_t *msg, size_t len,
		const struct sockaddr *peer, bool tcp, uint8_t *out, size_t max,
		dns_reply *rep);

/* Writes the next message of a transfer into out; signs it when the
 * transfer is signed. Returns its length, 0 when done, -1 on error. */
long dns_xfr_next(dns_server *s, dns_reply *rep, uint8_t *out, size_t max);

/* A journal step's removals and additions, as journal blobs. */
typedef struct diff_acc {
	uint8_t *del, *add;
	size_t dlen, dcap, alen, acap;
	size_t ndel, nadd;
} diff_acc;

/* snap_diff_fn that appends to a diff_acc. */
int diff_emit(void *arg, bool added, const snap *s, const snap_rr *rr);

/* Builds z's next version, up to the serial of row (the zone as read from
 * the store), from its current snapshot and the store's change journal
 * (dns_derive.c), when the change is small and touches no ALIAS record.
 * On AX_OK *out is finished and acc holds the difference; any other
 * result means: do a full build. */
int dns_derive(dns_server *s, zone_entry *z, const db_zone *row, snap **out,
	       diff_acc *acc);

/* Zone table (dns_zones.c). */
zone_entry *dns_zone_exact(dns_server *s, const uint8_t *name, size_t len);
zone_entry *dns_zone_closest(dns_server *s, const uint8_t *name, size_t len);
/* Reloads a zone: derived from its current version when it can be (see
 * dns_derive), else rebuilt; full forces a rebuild (the export changed
 * without a record change: ALIAS answers). */
int dns_zone_reload(dns_server *s, const char *name, bool full);
/* Thread-safe: queues a reload of zone; full as for dns_zone_reload. */
void dns_zone_queue(dns_server *s, const char *zone, bool full);
int dns_zones_load_all(dns_server *s);
/* After a transfer of zone: if a serial lowering waits for every
 * secondary to have the current serial and they all do, takes the next
 * step. */
void dns_serial_progress(dns_server *s, const char *zone);
/* The same, a second after a transfer ended: a NOTIFY for the next step
 * sent while the secondary is still finishing its transfer can be
 * acknowledged and then forgotten (seen with BIND). */
void dns_serial_progress_later(dns_server *s, const char *zone);
void dns_zones_free(dns_server *s);

/* TCP (dns_tcp.c). */
void dns_tcp_accept(loop *l, int fd, uint32_t events, void *arg);
void dns_tcp_sweep(loop *l, void *arg);
void dns_tcp_close_all(dns_server *s);

/* "ADDR#PORT" of a socket address, for logs. */
void dns_peer_text(const struct sockaddr *sa, char *buf, size_t len);

#endif
