/* probe.c -- batches of blocking UDP DNS queries for the sync checks. */
#include "probe.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "metrics.h"
#include "outbound.h"

bool probe_init(probe *p, const struct sockaddr_storage *server,
		const char *name, uint16_t qtype, bool rd)
{
	memset(p, 0, sizeof(*p));
	p->server = *server;
	p->qtype = qtype;
	p->rd = rd;
	p->policed = !rd;
	return wire_name_from_text(name, p->qname, &p->qname_len);
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	       sizeof(struct sockaddr_in6);
}

static void send_one(int fd, probe *p, uint16_t id)
{
	uint8_t buf[WIRE_NAME_MAX + 32];
	wbuf b;

	if (fd < 0) {
		p->send_errno = EAFNOSUPPORT;
		return;
	}
	wb_init(&b, buf, sizeof(buf), NULL);
	if (!wb_header(&b, id, p->rd ? WIRE_RD : 0, 1, 0, 0, 0) ||
	    !wb_bytes(&b, p->qname, p->qname_len) || !wb_u16(&b, p->qtype) ||
	    !wb_u16(&b, CLASS_IN)) {
		p->send_errno = EMSGSIZE;
		return;
	}
	if (sendto(fd, buf, b.len, 0, (struct sockaddr *)&p->server,
		   addr_len(&p->server)) < 0)
		p->send_errno = errno ? errno : EIO;
}

/* Checks a reply to p whose id matched: the opcode and question are p's
 * (an error reply may leave the question out) and every record of every
 * section is within the message. p NULL: the form only. */
static probe_fault check_reply(const probe *p, const uint8_t *msg, size_t len)
{
	uint8_t name[WIRE_NAME_MAX];
	uint16_t id, flags, counts[4], type, cls, rdlen;
	uint32_t ttl;
	size_t nl;
	wreader r;
	int rc;

	wr_init(&r, msg, len);
	if (!wr_u16(&r, &id) || !wr_u16(&r, &flags))
		return PROBE_FAULT_MALFORMED;
	for (int i = 0; i < 4; i++)
		if (!wr_u16(&r, &counts[i]))
			return PROBE_FAULT_MALFORMED;
	rc = WIRE_RCODE(flags);
	if (counts[0] > 1)
		return PROBE_FAULT_MALFORMED;
	if (p != NULL && (WIRE_OPCODE(flags) != OP_QUERY ||
			  (counts[0] == 0 && (rc == RCODE_NOERROR || rc == RCODE_NXDOMAIN))))
		return PROBE_FAULT_MISMATCHED;
	if (counts[0] == 1) {
		if (!wr_name(&r, name, &nl) || !wr_u16(&r, &type) || !wr_u16(&r, &cls))
			return PROBE_FAULT_MALFORMED;
		if (p != NULL && (!wire_name_equal(name, nl, p->qname, p->qname_len) ||
				  type != p->qtype || cls != CLASS_IN))
			return PROBE_FAULT_MISMATCHED;
	}
	for (int s = 1; s < 4; s++)
		for (uint16_t i = 0; i < counts[s]; i++)
			if (!wr_name(&r, name, &nl) || !wr_u16(&r, &type) ||
			    !wr_u16(&r, &cls) || !wr_u32(&r, &ttl) ||
			    !wr_u16(&r, &rdlen) || !wr_skip(&r, rdlen))
				return PROBE_FAULT_MALFORMED;
	return PROBE_FAULT_NONE;
}

/* Takes a reply from `from` as the answer of the pending query to that
 * address and port with its id, if it is a well-formed reply to that
 * question; otherwise every pending query to that server remembers why
 * the reply was not taken, and waits on. */
static void take_reply(probe *p, size_t n, const uint16_t *ids,
		       const uint8_t *msg, size_t len,
		       const struct sockaddr_storage *from)
{
	probe_fault fault = PROBE_FAULT_MALFORMED;
	uint16_t id = 0, flags = 0;
	bool matched = false;
	wreader r;

	wr_init(&r, msg, len);
	bool head = len >= WIRE_HEADER_LEN && len <= PROBE_MSG_MAX &&
		    wr_u16(&r, &id) && wr_u16(&r, &flags) && (flags & WIRE_QR);
	for (size_t i = 0; head && !matched && i < n; i++) {
		if (p[i].answered || p[i].skipped || ids[i] != id ||
		    !addr_same((const struct sockaddr *)&p[i].server,
			       (const struct sockaddr *)from, true))
			continue;
		matched = true;
		if ((fault = check_reply(&p[i], msg, len)) != PROBE_FAULT_NONE)
			continue;
		p[i].answered = true;
		p[i].rcode = WIRE_RCODE(flags);
		p[i].flags = flags;
		memcpy(p[i].reply, msg, len);
		p[i].reply_len = len;
		return;
	}
	if (head && !matched)   /* nobody's id: well formed, or not */
		fault = check_reply(NULL, msg, len) == PROBE_FAULT_NONE ?
			PROBE_FAULT_MISMATCHED : PROBE_FAULT_MALFORMED;
	for (size_t i = 0; i < n; i++)
		if (!p[i].answered && !p[i].skipped &&
		    addr_same((const struct sockaddr *)&p[i].server,
			      (const struct sockaddr *)from, true))
			p[i].fault = fault;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Sockets: [0] IPv4 and [1] IPv6 for the resolver, [2] and [3] for the
 * tenants' servers, bound to notify-source. */
static void open_fds(const config *cfg, int fds[4])
{
	struct sockaddr_storage src;

	for (int k = 0; k < 4; k++) {
		int fam = k % 2 ? AF_INET6 : AF_INET;
		fds[k] = outbound_socket(fam, k >= 2 && config_notify_source(cfg, fam, &src) ?
					 &src : NULL);
	}
}

static int fd_of(const int fds[4], const probe *p)
{
	return fds[(p->policed ? 2 : 0) + (p->server.ss_family == AF_INET ? 0 : 1)];
}

size_t probe_run(const config *cfg, probe *p, size_t n, int timeout_ms)
{
	int fds[4];
	uint16_t *ids = calloc(n + 1, sizeof(*ids));
	size_t left = n;
	struct timespec t0;
	uint8_t buf[PROBE_MSG_MAX + 1];

	open_fds(cfg, fds);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; ids != NULL && i < n; i++) {
		int fd = fd_of(fds, &p[i]);
		if (p[i].over_max) {
			p[i].skipped = true;
			continue;
		}
		if (p[i].policed && !outbound_allowed(&cfg->outbound, &p[i].server)) {
			p[i].skipped = true;
			metric_outbound_suppressed(true);
			continue;
		}
		if (getrandom(&ids[i], sizeof(ids[i]), 0) != sizeof(ids[i]))
			ids[i] = (uint16_t)(rand() ^ (int)i);
		send_one(fd, &p[i], ids[i]);
	}
	left = 0;
	for (size_t i = 0; i < n; i++)
		left += !p[i].skipped && p[i].send_errno == 0;
	size_t sent = ids != NULL ? left : 0;
	while (ids != NULL && left > 0 && ms_since(&t0) < timeout_ms) {
		struct pollfd pf[4];
		for (int k = 0; k < 4; k++)
			pf[k] = (struct pollfd){fds[k], POLLIN, 0};
		if (poll(pf, 4, (int)(timeout_ms - ms_since(&t0))) <= 0)
			break;
		for (int k = 0; k < 4; k++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t len;
			if (!(pf[k].revents & POLLIN) ||
			    (len = recvfrom(fds[k], buf, sizeof(buf), 0,
					    (struct sockaddr *)&from, &fl)) <= 0)
				continue;
			take_reply(p, n, ids, buf, (size_t)len, &from);
		}
		left = 0;
		for (size_t i = 0; i < n; i++)
			left += !p[i].answered && !p[i].skipped && p[i].send_errno == 0;
	}
	free(ids);
	for (int k = 0; k < 4; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	return sent;
}

/* Skips the header and question of a reply. */
static bool skip_question(wreader *r, uint16_t counts[4])
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nl;
	uint16_t id, flags;

	if (!wr_u16(r, &id) || !wr_u16(r, &flags))
		return false;
	for (int i = 0; i < 4; i++)
		if (!wr_u16(r, &counts[i]))
			return false;
	for (uint16_t i = 0; i < counts[0]; i++)
		if (!wr_name(r, name, &nl) || !wr_skip(r, 4))
			return false;
	return true;
}

int probe_records(const probe *p, int section, uint16_t rtype, bool at_qname,
		  probe_rr_fn fn, void *arg)
{
	uint16_t counts[4];
	int found = 0;
	wreader r;

	if (!p->answered)
		return 0;
	wr_init(&r, p->reply, p->reply_len);
	if (!skip_question(&r, counts))
		return 0;
	for (int s = 0; s <= section; s++) {
		for (uint16_t i = 0; i < counts[1 + s]; i++) {
			uint8_t name[WIRE_NAME_MAX];
			size_t nl;
			uint16_t type, cls, rdlen;
			uint32_t ttl;
			if (!wr_name(&r, name, &nl) || !wr_u16(&r, &type) ||
			    !wr_u16(&r, &cls) || !wr_u32(&r, &ttl) || !wr_u16(&r, &rdlen) ||
			    r.len - r.pos < rdlen)
				return found;
			if (s == section && type == rtype && cls == CLASS_IN &&
			    (!at_qname || wire_name_equal(name, nl, p->qname, p->qname_len))) {
				fn(arg, &r, r.pos, rdlen);
				found++;
			}
			r.pos += rdlen;
		}
	}
	return found;
}

static void soa_serial_of(void *arg, const wreader *msg, size_t rdata,
			  uint16_t rdlen)
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nl;
	wreader r = *msg;

	(void)rdlen;
	r.pos = rdata;
	if (wr_name(&r, name, &nl) && wr_name(&r, name, &nl))
		wr_u32(&r, arg);
}

bool probe_soa_serial(const probe *p, uint32_t *serial)
{
	return p->answered && p->rcode == RCODE_NOERROR && (p->flags & WIRE_AA) &&
	       probe_records(p, 0, RR_SOA, true, soa_serial_of, serial) > 0;
}

probe_outcome probe_result(const probe *p)
{
	if (p->over_max)
		return PROBE_MAX_TARGETS;
	if (p->skipped)
		return PROBE_SKIPPED;
	if (p->send_errno != 0)
		return PROBE_NOT_SENT;
	if (!p->answered)
		return p->fault == PROBE_FAULT_MALFORMED ? PROBE_MALFORMED :
		       p->fault == PROBE_FAULT_MISMATCHED ? PROBE_MISMATCHED :
		       PROBE_NO_ANSWER;
	switch (p->rcode) {
	case RCODE_NOERROR:
	case RCODE_NXDOMAIN:
		return p->flags & WIRE_TC ? PROBE_TRUNCATED : PROBE_ANSWERED;
	case RCODE_SERVFAIL:
		return PROBE_SERVFAIL;
	case RCODE_REFUSED:
		return PROBE_REFUSED;
	default:
		return PROBE_ERROR_RCODE;
	}
}

const char *probe_outcome_reason(probe_outcome o)
{
	switch (o) {
	case PROBE_ANSWERED: return "answered";
	case PROBE_SKIPPED: return OUTBOUND_REASON;
	case PROBE_MAX_TARGETS: return OUTBOUND_REASON_MAX_TARGETS;
	case PROBE_NOT_SENT: return "not-sent";
	case PROBE_NO_ANSWER: return "no-answer";
	case PROBE_MALFORMED: return "malformed-reply";
	case PROBE_MISMATCHED: return "mismatched-reply";
	case PROBE_SERVFAIL: return "servfail";
	case PROBE_REFUSED: return "refused";
	case PROBE_ERROR_RCODE: return "error-reply";
	case PROBE_TRUNCATED: return "truncated-reply";
	}
	return "error-reply";
}

static const char *type_text(uint16_t t)
{
	switch (t) {
	case RR_A: return "A";
	case RR_AAAA: return "AAAA";
	case RR_NS: return "NS";
	case RR_SOA: return "SOA";
	default: return "?";
	}
}

static const char *rcode_text(int rc)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
				      "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
				      "NXRRSET", "NOTAUTH", "NOTZONE"};
	return rc >= 0 && rc < (int)(sizeof(names) / sizeof(names[0])) ? names[rc] :
	       "an unassigned RCODE";
}

void probe_question_text(const probe *p, char *buf, size_t len)
{
	char name[1024];

	wire_name_to_text(p->qname, name, sizeof(name));
	snprintf(buf, len, "%s %s", name, type_text(p->qtype));
}

void probe_describe(const probe *p, const char *who, int timeout_ms, char *buf,
		    size_t len)
{
	char q[1100], addr[INET6_ADDRSTRLEN + 8], srv[INET6_ADDRSTRLEN + 300];

	probe_question_text(p, q, sizeof(q));
	addr_text(&p->server, addr, sizeof(addr));
	snprintf(srv, sizeof(srv), "%s%s%s", who, *who ? " " : "", addr);
	switch (probe_result(p)) {
	case PROBE_SKIPPED:
		snprintf(buf, len, "%s was not asked %s: the address is outside the "
			 "operator's outbound policy", srv, q);
		break;
	case PROBE_MAX_TARGETS:
		snprintf(buf, len, "%s was not asked %s: a status check asks at most "
			 "the first notify-max-targets addresses", srv, q);
		break;
	case PROBE_NOT_SENT:
		snprintf(buf, len, "%s could not be sent to %s: %s", q, srv,
			 strerror(p->send_errno));
		break;
	case PROBE_NO_ANSWER:
		snprintf(buf, len, "%s did not answer %s within %d ms", srv, q, timeout_ms);
		break;
	case PROBE_MALFORMED:
		snprintf(buf, len, "%s sent only a malformed reply to %s (within %d ms)",
			 srv, q, timeout_ms);
		break;
	case PROBE_MISMATCHED:
		snprintf(buf, len, "%s sent only replies with another id or question "
			 "than %s (within %d ms)", srv, q, timeout_ms);
		break;
	case PROBE_TRUNCATED:
		snprintf(buf, len, "%s sent a truncated reply (TC) to %s", srv, q);
		break;
	case PROBE_ANSWERED:
	case PROBE_SERVFAIL:
	case PROBE_REFUSED:
	case PROBE_ERROR_RCODE:
		snprintf(buf, len, "%s answered %s with %s", srv, q, rcode_text(p->rcode));
		break;
	}
}
