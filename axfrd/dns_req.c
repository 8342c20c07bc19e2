/* dns_req.c -- one DNS request: parse, verify TSIG before acting, pick
 * the zone, enforce the transfer ACL, answer or start a transfer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/db_export.h"
#include "db/db_notify.h"
#include "db/db_secondary.h"
#include "dns_internal.h"
#include "log.h"
#include "metrics.h"
#include "serial.h"

void dns_peer_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		port = ntohs(v4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		port = ntohs(v6->sin6_port);
	}
	snprintf(buf, len, "%s#%u", host, port);
}

void dns_xfr_log(dns_server *s, int64_t zone_id, const struct sockaddr *peer,
		 uint32_t serial, bool ixfr, size_t messages, size_t records,
		 size_t bytes, const char *result)
{
	db_xfr_log l;
	char *hash;

	memset(&l, 0, sizeof(l));
	dns_peer_text(peer, l.peer, sizeof(l.peer));
	if ((hash = strrchr(l.peer, '#')) != NULL)
		*hash = '\0';
	l.at = time(NULL);
	l.serial = serial;
	snprintf(l.kind, sizeof(l.kind), "%s", ixfr ? "IXFR" : "AXFR");
	l.messages = (int64_t)messages;
	l.records = (int64_t)records;
	l.bytes = (int64_t)bytes;
	snprintf(l.result, sizeof(l.result), "%s", result);
	metric_xfr(ixfr, strcmp(result, "ok") == 0 ? MX_OK :
		   strcmp(result, "refused") == 0 ? MX_REFUSED : MX_ABORTED, bytes);
	if (db_xfr_log_add(s->d, zone_id, &l) != AX_OK)
		log_err("dns", "cannot record a transfer in the log");
}

static bool lookup_key(void *arg, const char *name, tsig_key *out)
{
	dns_server *s = arg;

	return db_tsig_key_find(s->d, name, out) == AX_OK;
}

/* Finishes an answer: signs it when the request was signed. */
static void finish(dns_reply *rep, uint8_t *out, size_t max)
{
	if (rep->len > 0 && rep->tsig_on &&
	    !tsig_sign(&rep->tsig, out, &rep->len, max, time(NULL)))
		rep->len = 0;
}

static void refuse(const dns_query *q, int rcode, uint8_t *out, size_t max,
		   dns_reply *rep)
{
	rep->len = query_error(q, rcode, out, max - (rep->tsig_on ? tsig_space(&rep->tsig) : 0));
	finish(rep, out, max);
}

/* May this peer transfer this zone? Logs refusals with peer and zone. */
static bool xfr_allowed(const zone_entry *z, const dns_query *q,
			const struct sockaddr *peer, const dns_reply *rep)
{
	const char *why = NULL;
	char who[80];

	if (!acl_match(z->policy.acl, z->policy.nacl, peer))
		why = "address not allowed";
	else if (z->policy.require_tsig &&
		 (!rep->tsig_on || strcasecmp(rep->tsig.key.name, z->policy.key->name) != 0))
		why = "the zone requires its TSIG key";
	if (why == NULL)
		return true;
	dns_peer_text(peer, who, sizeof(who));
	log_warn("dns", "zone %s: %s from %s refused: %s", z->name,
		 q->qtype == RR_AXFR ? "AXFR" : "IXFR", who, why);
	return false;
}

/* The cursor answering an IXFR: the journal steps from the client's
 * serial, a single SOA when the client is current, else a full AXFR. */
static xfr_cursor *ixfr_cursor(dns_server *s, const zone_entry *z,
			       const dns_query *q)
{
	uint32_t cur = snap_serial(z->snap);
	xfr_step *steps;
	size_t n;

	if (serial_cmp(q->ixfr_serial, cur) == 0 || serial_gt(q->ixfr_serial, cur))
		return xfr_ixfr_current(q, z->snap);
	if (db_xfr_journal_chain(s->d, z->id, q->ixfr_serial, cur, &steps, &n) == AX_OK)
		return xfr_ixfr_new(q, z->snap, steps, n);
	log_info("dns", "zone %s: journal does not reach serial %u; IXFR answered "
		 "with a full transfer", z->name, q->ixfr_serial);
	return xfr_axfr_new(q, z->snap);
}

static void handle_xfr(dns_server *s, const dns_query *q,
		       const struct sockaddr *peer, bool tcp, uint8_t *out,
		       size_t max, dns_reply *rep)
{
	zone_entry *z = dns_zone_exact(s, q->qname, q->qname_len);

	if (z == NULL || z->snap == NULL) {
		refuse(q, RCODE_NOTAUTH, out, max, rep);
		return;
	}
	if (q->qtype == RR_AXFR && !tcp) {
		refuse(q, RCODE_REFUSED, out, max, rep);
		return;
	}
	if (!xfr_allowed(z, q, peer, rep)) {
		dns_xfr_log(s, z->id, peer, snap_serial(z->snap), q->qtype == RR_IXFR,
			    0, 0, 0, "refused");
		refuse(q, RCODE_REFUSED, out, max, rep);
		return;
	}
	snprintf(rep->zone, sizeof(rep->zone), "%s", z->name);
	rep->zone_id = z->id;
	rep->serial = snap_serial(z->snap);
	/* Over UDP an IXFR gets the current SOA only, which tells the
	 * client to come back over TCP (RFC 1995 section 2). */
	rep->xfr = q->qtype == RR_AXFR ? xfr_axfr_new(q, z->snap) :
		   tcp ? ixfr_cursor(s, z, q) : xfr_ixfr_current(q, z->snap);
	if (rep->xfr == NULL) {
		refuse(q, RCODE_SERVFAIL, out, max, rep);
		return;
	}
	if (rep->tsig_on)
		xfr_set_reserve(rep->xfr, tsig_space(&rep->tsig));
	long n = dns_xfr_next(s, rep, out, max);
	rep->len = n > 0 ? (size_t)n : 0;
	if (n <= 0 || !tcp) {
		xfr_free(rep->xfr);
		rep->xfr = NULL;
	}
}

long dns_xfr_next(dns_server *s, dns_reply *rep, uint8_t *out, size_t max)
{
	size_t lim = max < (size_t)s->cfg->xfr_message_size ? max :
		     (size_t)s->cfg->xfr_message_size;
	long n = xfr_next(rep->xfr, out, lim);
	size_t len;

	if (n <= 0 || !rep->tsig_on)
		return n;
	len = (size_t)n;
	if (!tsig_sign(&rep->tsig, out, &len, max, time(NULL)))
		return -1;
	return (long)len;
}

/* Verifies the request's TSIG; false when the answer is already made. */
static bool check_tsig(dns_server *s, const dns_query *q, uint8_t *out,
		       size_t max, dns_reply *rep)
{
	if (!q->has_tsig)
		return true;
	switch (tsig_verify(q, lookup_key, s, time(NULL), &rep->tsig)) {
	case TSIG_OK:
		rep->tsig_on = true;
		return true;
	case TSIG_UNSIGNED:
		return true;
	case TSIG_FORMERR:
		rep->len = query_error(q, RCODE_FORMERR, out, max);
		return false;
	case TSIG_FAIL:
		break;
	}
	/* RFC 8945 5.2: the error answer carries a TSIG so the client learns
	 * why (with an empty MAC for BADKEY and BADSIG; tsig_sign knows). */
	rep->len = query_error(q, RCODE_NOTAUTH, out, max - tsig_space(&rep->tsig));
	if (rep->len > 0 && !tsig_sign(&rep->tsig, out, &rep->len, max, time(NULL)))
		rep->len = 0;
	return false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Response-rate limiting of UDP answers (before the TSIG check, which
 * costs an HMAC): false when the answer is already decided, dropped
 * (rep->len 0) or slipped (a TC=1 reply without records, unsigned). */
static bool rate_allowed(dns_server *s, const dns_query *q,
			 const struct sockaddr *peer, uint8_t *out, size_t max,
			 dns_reply *rep)
{
	switch (rrl_check(s->rrl, peer, now_ms())) {
	case RRL_PASS:
		return true;
	case RRL_SLIP:
		metric_rrl(true);
		rep->len = query_slip(q, out, max);
		return false;
	case RRL_DROP:
		break;
	}
	metric_rrl(false);
	return false;
}

void dns_handle(dns_server *s, const uint8_t *msg, size_t len,
		const struct sockaddr *peer, bool tcp, uint8_t *out, size_t max,
		dns_reply *rep)
{
	dns_query q;
	zone_entry *z;

	memset(rep, 0, sizeof(*rep));
	metric_query(tcp);
	switch (query_parse(msg, len, &q)) {
	case QP_DROP:
		return;
	case QP_FORMERR:
		/* An error answer is rate-limited too: otherwise malformed
		 * queries would make the port a reflector without a limit. */
		if (!tcp && !rate_allowed(s, &q, peer, out, max, rep))
			return;
		rep->len = query_error(&q, RCODE_FORMERR, out, max);
		return;
	case QP_OK:
		break;
	}
	if (!tcp && !rate_allowed(s, &q, peer, out, max, rep))
		return;
	/* RFC 8482: over UDP, where spoofed sources are possible, ANY gets
	 * one RRset; over TCP the full answer (for debugging with dig). */
	q.minimal_any = !tcp;
	if (!check_tsig(s, &q, out, max, rep))
		return;
	if (q.opcode != OP_QUERY) {
		refuse(&q, RCODE_NOTIMP, out, max, rep);
		return;
	}
	if (q.qclass != CLASS_IN && q.qclass != CLASS_ANY) {
		refuse(&q, RCODE_REFUSED, out, max, rep);
		return;
	}
	if (q.qtype == RR_AXFR || q.qtype == RR_IXFR) {
		handle_xfr(s, &q, peer, tcp, out, max, rep);
		return;
	}
	if ((z = dns_zone_closest(s, q.qname, q.qname_len)) == NULL || z->snap == NULL) {
		refuse(&q, RCODE_REFUSED, out, max, rep);
		return;
	}
	size_t lim = tcp ? max : query_udp_limit(&q);
	if (lim > max)
		lim = max;
	rep->len = query_answer(&q, z->snap, out,
				lim - (rep->tsig_on ? tsig_space(&rep->tsig) : 0));
	finish(rep, out, max);
}
