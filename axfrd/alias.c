/* alias.c -- ALIAS target resolution on the DNS event loop. */
#include "alias.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db/db_export.h"
#include "dns_internal.h"
#include "log.h"
#include "metrics.h"

#define ALIAS_TIMEOUT_MS 2000
#define ALIAS_TRIES 3

/* One (target, type) to keep resolved. */
typedef struct alias_job {
	struct alias_resolver *owner;
	char *target;                 /* lower case, trailing dot */
	uint8_t qname[WIRE_NAME_MAX];
	size_t qname_len;
	uint16_t rrtype;              /* RR_A or RR_AAAA */
	char **zones;                 /* zones whose ALIAS points here */
	int64_t *accounts;            /* their owners: one of them pays for
				       * each lookup (outbound-rate-per-account) */
	size_t nzones;
	uint16_t id;                  /* of the query in flight */
	bool waiting;
	bool deferred;                /* the timer sends once a budget allows */
	int tries;
	loop_timer *timer;            /* next query, or the timeout */
} alias_job;

struct alias_resolver {
	struct dns_server *srv;
	int fd;
	loop_handle *h;
	alias_job **jobs;
	size_t njobs;
};

static void schedule(alias_resolver *a, alias_job *j, uint64_t ms);

static void job_free(alias_job *j)
{
	for (size_t i = 0; i < j->nzones; i++)
		free(j->zones[i]);
	free(j->zones);
	free(j->accounts);
	free(j->target);
	free(j);
}

static bool send_query(alias_resolver *a, alias_job *j)
{
	uint8_t buf[512];
	wbuf b;

	if (getrandom(&j->id, sizeof(j->id), 0) != sizeof(j->id))
		j->id = (uint16_t)rand();
	wb_init(&b, buf, sizeof(buf), NULL);
	if (!wb_header(&b, j->id, WIRE_RD, 1, 0, 0, 0) ||
	    !wb_bytes(&b, j->qname, j->qname_len) || !wb_u16(&b, j->rrtype) ||
	    !wb_u16(&b, CLASS_IN))
		return false;
	return send(a->fd, buf, b.len, 0) == (ssize_t)b.len;
}

/* Records a failure: the last good addresses stay, the error is kept. */
static void record_failure(alias_resolver *a, alias_job *j, const char *why)
{
	dns_server *s = a->srv;
	db_alias c;

	metric_alias_resolution(false);
	if (db_alias_get(s->d, j->target, j->rrtype, &c) != AX_OK)
		memset(&c, 0, sizeof(c));
	if (c.last_error[0] == '\0')
		log_warn("alias", "%s %s: cannot resolve (%s); serving the last known "
			 "addresses '%s'", j->target, j->rrtype == RR_A ? "A" : "AAAA",
			 why, c.addresses);
	snprintf(c.last_error, sizeof(c.last_error), "%s", why);
	c.last_error_at = time(NULL);
	c.expires_at = time(NULL) + s->cfg->alias_retry;
	if (db_alias_put(s->d, j->target, j->rrtype, &c) != AX_OK)
		log_err("alias", "%s: cannot record the failure", j->target);
	schedule(a, j, (uint64_t)s->cfg->alias_retry * 1000u);
}

static void on_timer(loop *l, void *arg);

static void schedule(alias_resolver *a, alias_job *j, uint64_t ms)
{
	loop_cancel(a->srv->lp, j->timer);
	j->waiting = false;
	j->deferred = false;
	j->timer = loop_after(a->srv->lp, ms, on_timer, j);
}

/* A lookup is a packet sent for names a tenant supplied: one of the
 * accounts whose zones use the target pays for it. False when none has a
 * token left; *wait_ms: until the first will. */
static bool charge(alias_resolver *a, const alias_job *j, uint64_t *wait_ms)
{
	*wait_ms = UINT64_MAX;
	for (size_t i = 0; i < j->nzones; i++) {
		uint64_t w;
		if (budget_take(a->srv->budget, j->accounts[i], 1, &w))
			return true;
		*wait_ms = w < *wait_ms ? w : *wait_ms;
	}
	return j->nzones == 0;
}

static void on_timer(loop *l, void *arg)
{
	alias_job *j = arg;
	alias_resolver *a = j->owner;
	uint64_t wait;

	j->timer = NULL;
	if (j->deferred) {
		j->deferred = false;   /* a put-off send is not another try */
	} else {
		if (j->waiting && ++j->tries >= ALIAS_TRIES) {
			record_failure(a, j, "timeout");
			return;
		}
		if (!j->waiting)
			j->tries = 0;
	}
	if (!charge(a, j, &wait)) {
		metric_outbound_throttled(MB_RESOLVE, 1);
		log_debug("alias", "%s: lookup put off %llu ms: its accounts' "
			  "outbound-rate-per-account is spent", j->target,
			  (unsigned long long)wait);
		j->deferred = true;
		j->timer = loop_after(l, wait, on_timer, j);
		return;
	}
	if (!send_query(a, j)) {
		record_failure(a, j, strerror(errno));
		return;
	}
	j->waiting = true;
	j->timer = loop_after(l, ALIAS_TIMEOUT_MS, on_timer, j);
}

/* Sorted, space-separated addresses of type rrtype in the answer
 * section; *ttl is the lowest TTL seen along the way (CNAMEs included). */
static bool parse_answer(wreader *r, uint16_t ancount, uint16_t rrtype,
			 char *out, size_t outlen, uint32_t *ttl)
{
	char addrs[64][INET6_ADDRSTRLEN];
	size_t n = 0, o = 0;

	*ttl = UINT32_MAX;
	for (uint16_t i = 0; i < ancount; i++) {
		uint8_t name[WIRE_NAME_MAX];
		size_t nl;
		uint16_t type, cls, rdlen;
		uint32_t t;
		if (!wr_name(r, name, &nl) || !wr_u16(r, &type) || !wr_u16(r, &cls) ||
		    !wr_u32(r, &t) || !wr_u16(r, &rdlen) || r->len - r->pos < rdlen)
			return false;
		if (type == rrtype || type == RR_CNAME)
			*ttl = t < *ttl ? t : *ttl;
		if (type == rrtype && n < 64 &&
		    rdlen == (rrtype == RR_A ? 4 : 16))
			inet_ntop(rrtype == RR_A ? AF_INET : AF_INET6, r->msg + r->pos,
				  addrs[n++], INET6_ADDRSTRLEN);
		r->pos += rdlen;
	}
	qsort(addrs, n, sizeof(addrs[0]), (int (*)(const void *, const void *))strcmp);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(addrs[i], addrs[i - 1]) == 0)
			continue;
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " " : "", addrs[i]);
		if (o >= outlen)
			return false;
	}
	if (*ttl == UINT32_MAX)
		*ttl = 0;
	return true;
}

/* Stores a good answer; reloads the zones when the addresses changed. */
static void record_answer(alias_resolver *a, alias_job *j, const char *addrs,
			  uint32_t ttl)
{
	dns_server *s = a->srv;
	uint32_t keep = ttl < (uint32_t)s->cfg->alias_min_ttl ?
			(uint32_t)s->cfg->alias_min_ttl : ttl;
	db_alias c, old;
	bool changed;

	metric_alias_resolution(true);
	if (db_alias_get(s->d, j->target, j->rrtype, &old) != AX_OK)
		memset(&old, 0, sizeof(old));
	changed = old.resolved_at == 0 || strcmp(old.addresses, addrs) != 0;
	memset(&c, 0, sizeof(c));
	snprintf(c.addresses, sizeof(c.addresses), "%s", addrs);
	c.ttl = ttl;
	c.resolved_at = time(NULL);
	c.expires_at = c.resolved_at + keep;
	if (db_alias_put(s->d, j->target, j->rrtype, &c) != AX_OK) {
		log_err("alias", "%s: cannot store the answer", j->target);
		changed = false;
	}
	if (old.last_error[0] != '\0')
		log_info("alias", "%s %s: resolves again", j->target,
			 j->rrtype == RR_A ? "A" : "AAAA");
	schedule(a, j, (uint64_t)keep * 1000u);
	if (!changed)
		return;
	log_info("alias", "%s %s: now '%s' (was '%s')", j->target,
		 j->rrtype == RR_A ? "A" : "AAAA", addrs, old.addresses);
	/* A reload calls alias_watch, which may change this job's zone list:
	 * queue the zones instead of reloading them from inside the loop. */
	for (size_t i = 0; i < j->nzones; i++)
		dns_zone_queue(s, j->zones[i], true);
}

static void handle_response(alias_resolver *a, const uint8_t *msg, size_t len)
{
	uint16_t id, flags, qd, an, ns, ar, qtype, qclass;
	uint8_t qname[WIRE_NAME_MAX];
	size_t ql;
	char addrs[1024];
	uint32_t ttl;
	wreader r;

	wr_init(&r, msg, len);
	if (!wr_u16(&r, &id) || !wr_u16(&r, &flags) || !wr_u16(&r, &qd) ||
	    !wr_u16(&r, &an) || !wr_u16(&r, &ns) || !wr_u16(&r, &ar) || qd != 1 ||
	    !(flags & WIRE_QR) || !wr_name(&r, qname, &ql) || !wr_u16(&r, &qtype) ||
	    !wr_u16(&r, &qclass))
		return;
	for (size_t i = 0; i < a->njobs; i++) {
		alias_job *j = a->jobs[i];
		if (!j->waiting || j->id != id || j->rrtype != qtype ||
		    !wire_name_equal(qname, ql, j->qname, j->qname_len))
			continue;
		int rcode = WIRE_RCODE(flags);
		if (flags & WIRE_TC)
			record_failure(a, j, "truncated answer");
		else if (rcode != RCODE_NOERROR)
			record_failure(a, j, rcode == RCODE_NXDOMAIN ? "NXDOMAIN" :
				       rcode == RCODE_SERVFAIL ? "SERVFAIL" : "error answer");
		else if (!parse_answer(&r, an, qtype, addrs, sizeof(addrs), &ttl))
			record_failure(a, j, "malformed answer");
		else
			record_answer(a, j, addrs, ttl);
		return;
	}
}

static void on_readable(loop *l, int fd, uint32_t events, void *arg)
{
	uint8_t buf[4096];

	(void)l;
	(void)events;
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return;
		handle_response(arg, buf, (size_t)n);
	}
}

int alias_new(struct dns_server *s, alias_resolver **out, ax_errinfo *ei)
{
	const config_addr *r = &s->cfg->resolver;
	alias_resolver *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (a == NULL)
		return AX_ENOMEM;
	a->srv = s;
	a->fd = socket(r->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0 || connect(a->fd, (const struct sockaddr *)&r->ss, r->len) != 0 ||
	    (a->h = loop_add(s->lp, a->fd, EPOLLIN, on_readable, a)) == NULL) {
		int err = errno;
		if (a->fd >= 0)
			close(a->fd);
		free(a);
		return ax_fail(ei, AX_EIO, "resolver", "resolver %s: %s", r->text,
			       strerror(err));
	}
	*out = a;
	return AX_OK;
}

void alias_free(alias_resolver *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->njobs; i++) {
		loop_cancel(a->srv->lp, a->jobs[i]->timer);
		job_free(a->jobs[i]);
	}
	free(a->jobs);
	loop_del(a->srv->lp, a->h);
	close(a->fd);
	free(a);
}

/* Whether zone uses j's target; its owner is then account (the zone may
 * have moved to another account since it was added). */
static bool has_zone(alias_job *j, const char *zone, int64_t account)
{
	for (size_t i = 0; i < j->nzones; i++)
		if (strcmp(j->zones[i], zone) == 0) {
			j->accounts[i] = account;
			return true;
		}
	return false;
}

static void drop_zone(alias_job *j, const char *zone)
{
	for (size_t i = 0; i < j->nzones; i++) {
		if (strcmp(j->zones[i], zone) != 0)
			continue;
		free(j->zones[i]);
		j->nzones--;
		j->zones[i] = j->zones[j->nzones];
		j->accounts[i] = j->accounts[j->nzones];
		return;
	}
}

static int add_zone(alias_job *j, const char *zone, int64_t account)
{
	char **grown;
	int64_t *accts;
	char *copy;

	if (has_zone(j, zone, account))
		return AX_OK;
	if ((copy = strdup(zone)) == NULL)
		return AX_ENOMEM;
	if ((accts = realloc(j->accounts, (j->nzones + 1) * sizeof(*accts))) != NULL)
		j->accounts = accts;
	if (accts == NULL ||
	    (grown = realloc(j->zones, (j->nzones + 1) * sizeof(*grown))) == NULL) {
		free(copy);
		return AX_ENOMEM;
	}
	j->zones = grown;
	j->accounts[j->nzones] = account;
	j->zones[j->nzones++] = copy;
	return AX_OK;
}

/* A new job: resolved at once, or when the stored answer expires. */
static alias_job *job_new(alias_resolver *a, const char *target, uint16_t rrtype)
{
	alias_job *j = calloc(1, sizeof(*j));
	alias_job **grown;
	db_alias c;
	int64_t now = time(NULL);

	if (j == NULL || (j->target = strdup(target)) == NULL ||
	    !wire_name_from_text(target, j->qname, &j->qname_len) ||
	    (grown = realloc(a->jobs, (a->njobs + 1) * sizeof(*grown))) == NULL) {
		if (j != NULL)
			free(j->target);
		free(j);
		return NULL;
	}
	j->owner = a;
	j->rrtype = rrtype;
	a->jobs = grown;
	a->jobs[a->njobs++] = j;
	if (db_alias_get(a->srv->d, target, rrtype, &c) == AX_OK && c.expires_at > now)
		schedule(a, j, (uint64_t)(c.expires_at - now) * 1000u);
	else
		schedule(a, j, 0);
	return j;
}

static alias_job *job_find(alias_resolver *a, const char *target, uint16_t rrtype)
{
	for (size_t i = 0; i < a->njobs; i++)
		if (a->jobs[i]->rrtype == rrtype && strcmp(a->jobs[i]->target, target) == 0)
			return a->jobs[i];
	return NULL;
}

static bool listed(char *const *targets, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(targets[i], t) == 0)
			return true;
	return false;
}

void alias_watch(alias_resolver *a, const char *zone, int64_t account,
		 char *const *targets, size_t n)
{
	static const uint16_t types[2] = {RR_A, RR_AAAA};

	if (a == NULL)
		return;
	/* Forget this zone where it no longer points; drop unused jobs. */
	for (size_t i = 0; i < a->njobs; ) {
		alias_job *j = a->jobs[i];
		if (!listed(targets, n, j->target))
			drop_zone(j, zone);
		if (j->nzones == 0 && !listed(targets, n, j->target)) {
			loop_cancel(a->srv->lp, j->timer);
			job_free(j);
			a->jobs[i] = a->jobs[--a->njobs];
			continue;
		}
		i++;
	}
	for (size_t i = 0; i < n; i++) {
		for (int t = 0; t < 2; t++) {
			alias_job *j = job_find(a, targets[i], types[t]);
			if (j == NULL && (j = job_new(a, targets[i], types[t])) == NULL) {
				log_err("alias", "%s: out of memory", targets[i]);
				continue;
			}
			if (add_zone(j, zone, account) != AX_OK)
				log_err("alias", "%s: out of memory", targets[i]);
		}
	}
}
