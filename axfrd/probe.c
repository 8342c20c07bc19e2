/* probe.c -- batches of blocking UDP DNS queries for the sync checks. */
#include "probe.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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

	wb_init(&b, buf, sizeof(buf), NULL);
	if (wb_header(&b, id, p->rd ? WIRE_RD : 0, 1, 0, 0, 0) &&
	    wb_bytes(&b, p->qname, p->qname_len) && wb_u16(&b, p->qtype) &&
	    wb_u16(&b, CLASS_IN))
		sendto(fd, buf, b.len, 0, (struct sockaddr *)&p->server,
		       addr_len(&p->server));
}

/* Matches a reply to the query it answers (id, server, question). */
static void take_reply(probe *p, size_t n, const uint16_t *ids,
		       const uint8_t *msg, size_t len,
		       const struct sockaddr_storage *from)
{
	uint16_t id, flags;
	wreader r;

	wr_init(&r, msg, len);
	if (len > PROBE_MSG_MAX || !wr_u16(&r, &id) || !wr_u16(&r, &flags) ||
	    !(flags & WIRE_QR))
		return;
	for (size_t i = 0; i < n; i++) {
		if (p[i].answered || p[i].skipped || ids[i] != id || !addr_same((const struct sockaddr *)&p[i].server, (const struct sockaddr *)from, true))
			continue;
		p[i].answered = true;
		p[i].rcode = WIRE_RCODE(flags);
		memcpy(p[i].reply, msg, len);
		p[i].reply_len = len;
		return;
	}
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

void probe_run(const config *cfg, probe *p, size_t n, int timeout_ms)
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
		if (p[i].policed && !outbound_allowed(&cfg->outbound, &p[i].server)) {
			p[i].skipped = true;
			metric_outbound_suppressed(true);
			continue;
		}
		if (getrandom(&ids[i], sizeof(ids[i]), 0) != sizeof(ids[i]))
			ids[i] = (uint16_t)(rand() ^ (int)i);
		if (fd >= 0)
			send_one(fd, &p[i], ids[i]);
	}
	left = 0;
	for (size_t i = 0; i < n; i++)
		left += !p[i].skipped;
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
			left += !p[i].answered && !p[i].skipped;
	}
	free(ids);
	for (int k = 0; k < 4; k++)
		if (fds[k] >= 0)
			close(fds[k]);
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

int probe_records(const probe *p, int section, uint16_t rtype, probe_rr_fn fn,
		  void *arg)
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
			if (s == section && type == rtype) {
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
	return p->rcode == RCODE_NOERROR &&
	       probe_records(p, 0, RR_SOA, soa_serial_of, serial) > 0;
}
