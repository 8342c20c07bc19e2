/* h_status.c -- GET /v1/zones/{zone}/secondary_dns/status: the seed
 * page's three warnings as data. Each secondary name server is resolved
 * through the configured resolver and asked for the zone's SOA without
 * recursion; the parent zone's servers are asked for the delegation. The
 * checks run on the request, in three short steps of parallel queries. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"
#include "api_zone.h"
#include "axfrd/acl.h"
#include "axfrd/outbound.h"
#include "axfrd/probe.h"
#include "axfrd/serial.h"
#include "db/db_export.h"
#include "db/db_notify.h"
#include "db/db_secondary.h"

#define MAX_NS 16       /* secondary name servers looked at */
#define MAX_ADDRS 8     /* addresses per name server */
#define MAX_PARENT 8    /* parent zone servers asked */
#define MAX_ANCESTORS 8 /* ancestors tried as the parent zone */

#define ERR_LEN 600

/* One secondary name server and what the checks found. */
typedef struct sec_server {
	const char *name;
	struct sockaddr_storage addr[MAX_ADDRS];
	size_t naddr;
	bool lookup_failed;          /* the resolver could not give A or AAAA */
	char lookup_error[ERR_LEN];  /* the first such failure */
	uint32_t serial[MAX_ADDRS];
	bool answered[MAX_ADDRS];    /* an authoritative SOA: serial is set */
	bool checked[MAX_ADDRS];     /* the address answered the question */
	const char *reason[MAX_ADDRS]; /* !checked: probe_outcome_reason */
	char error[MAX_ADDRS][ERR_LEN]; /* "" or what went wrong */
} sec_server;

/* The state of one check. */
typedef struct check {
	api_req *rq;
	db_zone zone;
	db_secondary sec;
	sec_server ns[MAX_NS];
	size_t nns;
	char parent[300];
	char parent_ns[MAX_PARENT][300];
	size_t nparent_ns;
	struct sockaddr_storage parent_addr[MAX_PARENT];
	size_t parent_addr_ns[MAX_PARENT]; /* index in parent_ns */
	size_t nparent_addr;
	char deleg[MAX_NS * 2][300];    /* NS names the parent delegates to */
	size_t ndeleg;
	bool deleg_known;               /* some parent zone server answered */
	char deleg_error[ERR_LEN];
	json_t *unchecked;              /* warnings: questions a secondary
					 * could not be asked or answer */
	json_t *deleg_unchecked;        /* the same for the delegation */
	int timeout;
	uint64_t sent;                  /* packets sent, charged to the account */
} check;

/* snprintf into a fixed buffer; a long text is cut (names are ASCII). */
static void textf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void host_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
			(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
			(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	inet_ntop(ss->ss_family, a, buf, (socklen_t)len);
}

/* The port to ask a secondary on: its NOTIFY target's, else check-port. */
static uint16_t secondary_port(check *c, const struct sockaddr_storage *addr)
{
	struct sockaddr_storage *t = NULL;
	size_t n = 0;
	uint16_t port = (uint16_t)c->rq->ctx->cfg->check_port;

	if (db_notify_targets(c->rq->ctx->d, c->zone.id, &t, &n) != AX_OK)
		return port;
	for (size_t i = 0; i < n; i++) {
		if (addr_same((struct sockaddr *)&t[i], (const struct sockaddr *)addr, false)) {
			port = ntohs(t[i].ss_family == AF_INET ?
				     ((struct sockaddr_in *)&t[i])->sin_port :
				     ((struct sockaddr_in6 *)&t[i])->sin6_port);
			break;
		}
	}
	free(t);
	return port;
}

/* A warning that p's question got no usable answer: the server asked,
 * the question, why (probe_outcome_reason) and a sentence, subject first
 * ("ns2.example.net. at 192.0.2.2 was not checked: ..."). code NULL: set
 * later. name_server: the name of the server asked, or NULL. */
static json_t *unchecked_json(const check *c, const char *code, const probe *p,
			      const char *who, const char *name_server,
			      const char *subject)
{
	char server[INET6_ADDRSTRLEN + 8], q[1100], what[1600], msg[2000];
	json_t *w;

	addr_text(&p->server, server, sizeof(server));
	probe_question_text(p, q, sizeof(q));
	probe_describe(p, who, c->timeout, what, sizeof(what));
	snprintf(msg, sizeof(msg), "%s: %s", subject, what);
	w = json_pack("{s:s?, s:s, s:s, s:s, s:s}", "code", code, "server", server,
		      "question", q, "reason", probe_outcome_reason(probe_result(p)),
		      "message", msg);
	if (w != NULL && name_server != NULL)
		json_object_set_new(w, "name_server", json_string(name_server));
	return w;
}

/* Collects A/AAAA answers into a server's address list. */
typedef struct addr_acc {
	struct sockaddr_storage *out;
	size_t *n, max;
} addr_acc;

static void take_addr(void *arg, const wreader *msg, size_t rdata, uint16_t rdlen)
{
	addr_acc *a = arg;
	struct sockaddr_storage ss;

	if (*a->n >= a->max)
		return;
	memset(&ss, 0, sizeof(ss));
	if (rdlen == 4) {
		ss.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, msg->msg + rdata, 4);
	} else if (rdlen == 16) {
		ss.ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, msg->msg + rdata, 16);
	} else {
		return;
	}
	a->out[(*a->n)++] = ss;
}

/* Collects NS names (presentation, lower case) from RDATA. */
typedef struct name_acc {
	char (*out)[300];
	size_t *n, max;
} name_acc;

static void take_name(void *arg, const wreader *msg, size_t rdata, uint16_t rdlen)
{
	name_acc *a = arg;
	uint8_t name[WIRE_NAME_MAX];
	size_t nl;
	wreader r = *msg;

	(void)rdlen;
	r.pos = rdata;
	if (*a->n >= a->max || !wr_name(&r, name, &nl))
		return;
	wire_name_to_text(name, a->out[*a->n], sizeof(a->out[0]));
	for (char *p = a->out[*a->n]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < *a->n; i++)   /* several servers, one list */
		if (strcmp(a->out[i], a->out[*a->n]) == 0)
			return;
	(*a->n)++;
}

/* The zone's ancestors, closest first ("b.test.", "test.", "."). */
static size_t ancestors(const char *zone, char (*out)[300], size_t max)
{
	size_t n = 0;

	for (const char *p = strchr(zone, '.'); p != NULL && n < max;
	     p = strchr(p + 1, '.'))
		snprintf(out[n++], sizeof(out[0]), "%s.", p + 1);
	if (n < max)
		snprintf(out[n++], sizeof(out[0]), ".");
	return n;
}

/* A secondary's A and AAAA lookups (a[0], a[1]): its addresses, or a
 * warning for each lookup the resolver did not answer. */
static void take_lookup(check *c, sec_server *s, const probe *a)
{
	addr_acc acc = {s->addr, &s->naddr, MAX_ADDRS};
	char subject[400];

	for (int t = 0; t < 2; t++) {
		if (probe_result(&a[t]) == PROBE_ANSWERED) {
			probe_records(&a[t], 0, t ? RR_AAAA : RR_A, false, take_addr, &acc);
			continue;
		}
		if (!s->lookup_failed)
			probe_describe(&a[t], "the resolver", c->timeout, s->lookup_error,
				       sizeof(s->lookup_error));
		s->lookup_failed = true;
		snprintf(subject, sizeof(subject), "%s was not checked: its addresses "
			 "could not be looked up", s->name);
		json_array_append_new(c->unchecked, unchecked_json(
			c, "secondary_not_checked", &a[t], "the resolver", s->name, subject));
	}
	for (size_t k = 0; k < s->naddr; k++)
		addr_set_port(&s->addr[k], secondary_port(c, &s->addr[k]));
}

/* Step 1: the secondaries' addresses, and the NS of every ancestor: the
 * closest one that has NS records is the parent zone (the next label up
 * need not be a zone cut). */
static void step_resolve(check *c)
{
	const struct sockaddr_storage *res = &c->rq->ctx->cfg->resolver.ss;
	char anc[MAX_ANCESTORS][300];
	size_t nanc = ancestors(c->zone.name, anc, MAX_ANCESTORS);
	probe *p = calloc(2 * MAX_NS + MAX_ANCESTORS, sizeof(*p));
	size_t n = 0, first_anc;

	if (p == NULL) {
		snprintf(c->deleg_error, sizeof(c->deleg_error), "out of memory");
		for (size_t i = 0; i < c->nns; i++) {
			c->ns[i].lookup_failed = true;
			snprintf(c->ns[i].lookup_error, ERR_LEN, "out of memory");
		}
		return;
	}
	for (size_t i = 0; i < c->nns; i++) {
		probe_init(&p[n++], res, c->ns[i].name, RR_A, true);
		probe_init(&p[n++], res, c->ns[i].name, RR_AAAA, true);
	}
	first_anc = n;
	for (size_t i = 0; i < nanc; i++)
		probe_init(&p[n++], res, anc[i], RR_NS, true);
	c->sent += probe_run(c->rq->ctx->cfg, p, n, c->timeout);
	for (size_t i = 0; i < c->nns; i++)
		take_lookup(c, &c->ns[i], &p[2 * i]);
	for (size_t i = 0; i < nanc; i++) {
		name_acc na = {c->parent_ns, &c->nparent_ns, MAX_PARENT};
		const probe *q = &p[first_anc + i];
		char subject[400], what[1600];
		/* An ancestor that could not be asked may be the parent: the
		 * ones above it are not tried. */
		if (probe_result(q) != PROBE_ANSWERED) {
			snprintf(subject, sizeof(subject), "the delegation of %s was not "
				 "checked: its parent zone is not known", c->zone.name);
			json_array_append_new(c->deleg_unchecked, unchecked_json(
				c, NULL, q, "the resolver", NULL, subject));
			probe_describe(q, "the resolver", c->timeout, what, sizeof(what));
			textf(c->deleg_error, sizeof(c->deleg_error), "the parent zone "
			      "could not be found: %s", what);
			break;
		}
		if (probe_records(q, 0, RR_NS, true, take_name, &na) > 0) {
			snprintf(c->parent, sizeof(c->parent), "%s", anc[i]);
			break;
		}
	}
	free(p);
}

/* One secondary address's SOA answer: its serial, or why there is none
 * (and a warning when it could not be asked or did not answer). */
static void take_soa(check *c, sec_server *s, size_t k, const probe *q)
{
	probe_outcome o = probe_result(q);
	char subject[400], addr[INET6_ADDRSTRLEN], what[1600];

	s->checked[k] = o == PROBE_ANSWERED;
	s->answered[k] = s->checked[k] && probe_soa_serial(q, &s->serial[k]);
	if (s->answered[k])
		return;
	if (s->checked[k]) {
		snprintf(s->error[k], ERR_LEN, "does not serve the zone (%s)",
			 q->rcode == RCODE_NXDOMAIN ? "it answered NXDOMAIN" :
			 !(q->flags & WIRE_AA) ? "its answer is not authoritative" :
			 "no SOA of the zone in its answer");
		return;
	}
	s->reason[k] = probe_outcome_reason(o);
	if (o == PROBE_SKIPPED) {
		snprintf(s->error[k], ERR_LEN, "not checked: the address is outside "
			 "the operator's outbound policy");
	} else {
		probe_describe(q, "", c->timeout, what, sizeof(what));
		textf(s->error[k], ERR_LEN, "not checked: %s", what);
	}
	host_text(&s->addr[k], addr, sizeof(addr));
	snprintf(subject, sizeof(subject), "%s at %s was not checked", s->name, addr);
	json_array_append_new(c->unchecked, unchecked_json(
		c, "secondary_not_checked", q, "", s->name, subject));
}

/* Step 2: each secondary's SOA (no recursion) and the parent servers'
 * addresses. */
static void step_ask(check *c)
{
	const struct sockaddr_storage *res = &c->rq->ctx->cfg->resolver.ss;
	const config *cfg = c->rq->ctx->cfg;
	probe *p = calloc(MAX_NS * MAX_ADDRS + MAX_PARENT + 1, sizeof(*p));
	size_t n = 0;
	char subject[400];

	if (p == NULL) {
		for (size_t i = 0; i < c->nns; i++)
			for (size_t k = 0; k < c->ns[i].naddr; k++) {
				c->ns[i].reason[k] = probe_outcome_reason(PROBE_NOT_SENT);
				snprintf(c->ns[i].error[k], ERR_LEN, "not checked: out of memory");
			}
		return;
	}
	/* The first notify-max-targets addresses, in order, are asked. */
	for (size_t i = 0; i < c->nns; i++) {
		for (size_t k = 0; k < c->ns[i].naddr; k++, n++) {
			probe_init(&p[n], &c->ns[i].addr[k], c->zone.name, RR_SOA, false);
			p[n].over_max = n >= (size_t)cfg->notify_max_targets &&
					outbound_allowed(&cfg->outbound, &p[n].server);
		}
	}
	size_t first_parent = n;
	for (size_t i = 0; i < c->nparent_ns; i++)
		probe_init(&p[n++], res, c->parent_ns[i], RR_A, true);
	c->sent += probe_run(cfg, p, n, c->timeout);
	n = 0;
	for (size_t i = 0; i < c->nns; i++)
		for (size_t k = 0; k < c->ns[i].naddr; k++, n++)
			take_soa(c, &c->ns[i], k, &p[n]);
	for (size_t i = 0; i < c->nparent_ns; i++) {
		const probe *q = &p[first_parent + i];
		size_t before = c->nparent_addr;
		addr_acc a = {c->parent_addr, &c->nparent_addr, MAX_PARENT};
		if (probe_result(q) != PROBE_ANSWERED) {
			snprintf(subject, sizeof(subject), "the delegation of %s was not "
				 "asked at %s: its address could not be looked up",
				 c->zone.name, c->parent_ns[i]);
			json_array_append_new(c->deleg_unchecked, unchecked_json(
				c, NULL, q, "the resolver", c->parent_ns[i], subject));
			continue;
		}
		probe_records(q, 0, RR_A, false, take_addr, &a);
		for (size_t k = before; k < c->nparent_addr; k++)
			c->parent_addr_ns[k] = i;
	}
	for (size_t i = 0; i < c->nparent_addr; i++)
		addr_set_port(&c->parent_addr[i], (uint16_t)c->rq->ctx->cfg->check_port);
	free(p);
}

/* The delegation warnings' code: the delegation was not checked at all,
 * or at the parent zone servers that answered only. */
static void finish_deleg_warnings(check *c)
{
	const char *code = c->deleg_known ? "delegation_partly_checked" :
			   "delegation_not_checked";
	size_t i;
	json_t *w;

	if (!c->deleg_known && json_array_size(c->deleg_unchecked) == 0) {
		char res[INET6_ADDRSTRLEN + 8];
		addr_text(&c->rq->ctx->cfg->resolver.ss, res, sizeof(res));
		json_array_append_new(c->deleg_unchecked, json_pack(
			"{s:n, s:s, s:s}", "code", "server", res, "message",
			c->deleg_error));
	}
	json_array_foreach(c->deleg_unchecked, i, w)
		json_object_set_new(w, "code", json_string(code));
}

/* Step 3: the delegation, as the parent's servers give it (the NS of
 * the zone in the referral's authority section, or in the answer). */
static void step_delegation(check *c)
{
	char subject[400];
	size_t skipped = 0;
	probe *p;

	if (c->nparent_addr == 0) {
		if (c->deleg_error[0] == '\0')
			snprintf(c->deleg_error, sizeof(c->deleg_error), "%s",
				 c->nparent_ns == 0 ? "the parent zone's name servers "
				 "could not be found" : json_array_size(c->deleg_unchecked) ?
				 "the parent zone's name servers' addresses could not be "
				 "looked up" : "the parent zone's name servers have no address");
		return;
	}
	if ((p = calloc(c->nparent_addr, sizeof(*p))) == NULL) {
		snprintf(c->deleg_error, sizeof(c->deleg_error), "out of memory");
		return;
	}
	for (size_t i = 0; i < c->nparent_addr; i++)
		probe_init(&p[i], &c->parent_addr[i], c->zone.name, RR_NS, false);
	c->sent += probe_run(c->rq->ctx->cfg, p, c->nparent_addr, c->timeout);
	for (size_t i = 0; i < c->nparent_addr; i++) {
		name_acc na = {c->deleg, &c->ndeleg, MAX_NS * 2};
		probe_outcome o = probe_result(&p[i]);
		if (o != PROBE_ANSWERED) {
			skipped += o == PROBE_SKIPPED;
			snprintf(subject, sizeof(subject), "the delegation of %s was not "
				 "checked at %s", c->zone.name,
				 c->parent_ns[c->parent_addr_ns[i]]);
			json_array_append_new(c->deleg_unchecked, unchecked_json(
				c, NULL, &p[i], "", c->parent_ns[c->parent_addr_ns[i]],
				subject));
			continue;
		}
		c->deleg_known = true;
		probe_records(&p[i], 1, RR_NS, true, take_name, &na);
		probe_records(&p[i], 0, RR_NS, true, take_name, &na);
	}
	if (!c->deleg_known)
		snprintf(c->deleg_error, sizeof(c->deleg_error), "%s",
			 skipped == c->nparent_addr ? "not checked: the parent "
			 "zone's name servers are outside the operator's outbound "
			 "policy" : "not checked: no parent zone server gave an answer");
	free(p);
}

static bool delegated(const check *c, const char *name)
{
	for (size_t i = 0; i < c->ndeleg; i++)
		if (strcasecmp(c->deleg[i], name) == 0)
			return true;
	return false;
}

static json_t *xfr_json(const db_xfr_log *l)
{
	return json_pack("{s:o, s:I, s:s, s:I, s:I, s:s}", "time", api_time(l->at),
			 "serial", (json_int_t)l->serial, "kind", l->kind, "bytes",
			 (json_int_t)l->bytes, "records", (json_int_t)l->records,
			 "result", l->result);
}

/* The host part of a target ("[2001:db8::1]:53" -> "2001:db8::1"). */
static void target_host(const char *target, char *host, size_t len)
{
	snprintf(host, len, "%s", target[0] == '[' ? target + 1 : target);
	host[strcspn(host, target[0] == '[' ? "]" : ":")] = '\0';
}

/* A NOTIFY target that gets no NOTIFY, and why. */
static json_t *skipped_notify_json(const char *target, const char *why)
{
	return json_pack("{s:s, s:b, s:s}", "target", target, "sent", false,
			 "reason", why);
}

/* The last NOTIFY to the configured target whose host is addr (any
 * target with addr NULL), from the stored state. */
static json_t *notify_json(check *c, const char *addr, const char *target)
{
	db_notify *st = NULL;
	size_t n = 0;
	json_t *j = json_null();

	for (size_t i = 0; i < c->sec.notify_targets.n; i++) {
		const char *t = c->sec.notify_targets.v[i], *why;
		char host[64];
		target_host(t, host, sizeof(host));
		if ((addr == NULL ? strcmp(t, target) == 0 : strcmp(host, addr) == 0) &&
		    (why = api_notify_skip(c->rq->ctx->cfg, i, t)) != NULL)
			return skipped_notify_json(t, why);
	}
	if (db_notify_list(c->rq->ctx->d, c->zone.id, &st, &n) != AX_OK)
		return j;
	for (size_t i = 0; i < n; i++) {
		char host[64];
		target_host(st[i].target, host, sizeof(host));
		if (addr == NULL ? strcmp(st[i].target, target) != 0 : strcmp(host, addr) != 0)
			continue;
		json_decref(j);
		j = json_pack("{s:s, s:b, s:I, s:s?, s:o}", "target", st[i].target,
			      "sent", true,
			      "serial", (json_int_t)st[i].serial, "result",
			      st[i].last_result[0] ? st[i].last_result : NULL, "time",
			      st[i].last_result_at ? api_time(st[i].last_result_at) :
			      json_null());
		if (st[i].last_message[0] != '\0')
			json_object_set_new(j, "message", json_string(st[i].last_message));
		if (st[i].acked)
			json_object_set_new(j, "acknowledged_serial",
					    json_integer(st[i].acked_serial));
		/* The serial to announce is not acknowledged yet: in flight,
		 * being retried, or given up ("no reply") until the next change. */
		json_object_set_new(j, "pending", json_boolean(
			!st[i].acked || st[i].acked_serial != st[i].serial));
		json_object_set_new(j, "tries", json_integer(st[i].tries));
		break;
	}
	free(st);
	return j;
}

/* One secondary address: serial, sync, last transfer, last NOTIFY. */
static json_t *address_json(check *c, sec_server *s, size_t k, bool *in_sync)
{
	char addr[INET6_ADDRSTRLEN];
	db_xfr_log l;
	json_t *j;

	host_text(&s->addr[k], addr, sizeof(addr));
	*in_sync = s->answered[k] && serial_cmp(s->serial[k], c->zone.soa.serial) == 0;
	j = json_pack("{s:s, s:b}", "address", addr, "in_sync", *in_sync);
	json_object_set_new(j, "serial", s->answered[k] ?
			    json_integer(s->serial[k]) : json_null());
	json_object_set_new(j, "error", s->error[k][0] ? json_string(s->error[k]) :
			    json_null());
	json_object_set_new(j, "last_transfer",
			    db_xfr_log_last(c->rq->ctx->d, c->zone.id, addr, false, &l) ==
			    AX_OK ? xfr_json(&l) : json_null());
	json_object_set_new(j, "last_notify", notify_json(c, addr, NULL));
	json_object_set_new(j, "checked", json_boolean(s->checked[k]));
	if (!s->checked[k])
		json_object_set_new(j, "reason", json_string(s->reason[k]));
	return j;
}

/* The secondaries; out_of_sync: one is not known to serve our serial;
 * all_checked: every question about them was answered. */
static json_t *secondaries_json(check *c, bool *out_of_sync, bool *all_checked,
				json_t *missing)
{
	json_t *arr = json_array();

	*out_of_sync = false;
	*all_checked = true;
	for (size_t i = 0; i < c->nns; i++) {
		sec_server *s = &c->ns[i];
		json_t *addrs = json_array(), *one;
		/* in sync only when every address is, and there may be no
		 * address the lookup did not give */
		bool all = s->naddr > 0 && !s->lookup_failed, checked = !s->lookup_failed;
		char err[ERR_LEN + 64];
		for (size_t k = 0; k < s->naddr; k++) {
			bool ok;
			json_array_append_new(addrs, address_json(c, s, k, &ok));
			all = all && ok;
			checked = checked && s->checked[k];
		}
		*out_of_sync = *out_of_sync || !all;
		*all_checked = *all_checked && checked;
		bool deleg = delegated(c, s->name);
		if (c->deleg_known && !deleg)
			json_array_append_new(missing, json_string(s->name));
		one = json_pack("{s:s, s:b, s:o, s:o, s:b}", "name", s->name, "in_sync",
				all, "delegated", c->deleg_known ? json_boolean(deleg) :
				json_null(), "addresses", addrs, "checked", checked);
		if (!checked)
			json_object_set_new(one, "reason", json_string(
				s->lookup_failed ? "lookup-failed" : "address-not-checked"));
		if (s->lookup_failed)
			snprintf(err, sizeof(err), "%s: %s", s->naddr == 0 ? "not checked" :
				 "its addresses may be incomplete", s->lookup_error);
		else if (s->naddr == 0)
			snprintf(err, sizeof(err), "name does not resolve");
		if (s->lookup_failed || s->naddr == 0)
			json_object_set_new(one, "error", json_string(err));
		json_array_append_new(arr, one);
	}
	return arr;
}

/* Propagating: the DNS side does not serve the stored serial yet, or no
 * secondary has transferred it. */
static bool propagating(check *c, json_t *why)
{
	uint8_t digest[EXPORT_DIGEST_LEN];
	uint32_t served = 0;
	bool has = false;
	db_xfr_log l;

	db_export_get(c->rq->ctx->d, c->zone.id, &has, &served, digest);
	if (!has || served != c->zone.soa.serial) {
		json_array_append_new(why, json_string("the DNS side does not serve the "
						       "current serial yet"));
		return true;
	}
	if (db_xfr_log_last_any(c->rq->ctx->d, c->zone.id, &l) != AX_OK ||
	    serial_cmp(l.serial, c->zone.soa.serial) != 0) {
		json_array_append_new(why, json_string("no secondary has transferred "
						       "the current serial yet"));
		return true;
	}
	return false;
}

/* The NOTIFY targets whose last NOTIFY was not acknowledged (refused,
 * not verified, no reply), with the likely cause: a warning. */
static void notify_warning(check *c, json_t *warn)
{
	db_notify *st = NULL;
	size_t n = 0;
	json_t *targets = json_array();

	if (db_notify_list(c->rq->ctx->d, c->zone.id, &st, &n) == AX_OK)
		for (size_t i = 0; i < n; i++)
			if (st[i].last_result[0] != '\0' &&
			    strcmp(st[i].last_result, "acknowledged") != 0)
				json_array_append_new(targets, json_pack("{s:s, s:s, s:s}",
					"target", st[i].target, "result", st[i].last_result,
					"message", st[i].last_message));
	free(st);
	if (json_array_size(targets) == 0) {
		json_decref(targets);
		return;
	}
	json_array_append_new(warn, json_pack("{s:s, s:s, s:o}", "code",
		"notify_not_acknowledged", "message", "some NOTIFY targets did not "
		"acknowledge the last NOTIFY; they get changes only at refresh time",
		"targets", targets));
}

/* Every NOTIFY target of the configuration: sent (and its last result)
 * or skipped, with the reason. */
static json_t *notify_all_json(check *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < c->sec.notify_targets.n; i++) {
		const char *t = c->sec.notify_targets.v[i];
		json_t *one = notify_json(c, NULL, t);
		if (json_is_null(one)) {
			json_decref(one);
			one = json_pack("{s:s, s:b, s:o, s:b}", "target", t, "sent", false,
					"result", json_null(), "pending", true);
		}
		json_array_append_new(arr, one);
	}
	return arr;
}

static json_t *status_json(check *c)
{
	json_t *missing = json_array(), *why = json_array(), *warn = json_array();
	bool oos, all_checked, prop = propagating(c, why);
	json_t *secs = secondaries_json(c, &oos, &all_checked, missing);

	if (prop)
		json_array_append_new(warn, json_pack("{s:s, s:s, s:O}", "code",
			"propagating", "message", "the configuration is still propagating",
			"reasons", why));
	if (oos)
		json_array_append_new(warn, json_pack("{s:s, s:s}", "code", "out_of_sync",
			"message", "some secondaries do not serve the primary's serial, "
			"or could not be checked"));
	if (json_array_size(missing) > 0)
		json_array_append_new(warn, json_pack("{s:s, s:s, s:O}", "code",
			"delegation_missing", "message", "the delegation does not list "
			"every secondary name server", "name_servers", missing));
	finish_deleg_warnings(c);
	json_array_extend(warn, c->unchecked);
	json_array_extend(warn, c->deleg_unchecked);
	notify_warning(c, warn);
	/* What could not be checked is never reported as nothing missing. */
	json_t *deleg = json_pack("{s:s, s:b, s:o, s:O}", "parent", c->parent,
				  "checked", c->deleg_known, "name_servers", json_array(),
				  "missing", c->deleg_known ? missing : json_null());
	for (size_t i = 0; i < c->ndeleg; i++)
		json_array_append_new(json_object_get(deleg, "name_servers"),
				      json_string(c->deleg[i]));
	if (!c->deleg_known && c->deleg_error[0] != '\0')
		json_object_set_new(deleg, "error", json_string(c->deleg_error));
	json_t *j = json_pack("{s:s, s:I, s:b, s:b, s:o, s:b, s:o, s:o, s:o, s:o}",
		"zone", c->zone.name, "serial", (json_int_t)c->zone.soa.serial,
		"propagating", prop, "out_of_sync", oos, "delegation_missing",
		c->deleg_known ? json_boolean(json_array_size(missing) > 0) : json_null(),
		"checked", all_checked && c->deleg_known &&
		json_array_size(c->deleg_unchecked) == 0, "warnings", warn,
		"secondaries", secs, "delegation", deleg, "notify", notify_all_json(c));
	json_decref(why);
	json_decref(missing);
	return j;
}

/* The most packets a check of c's secondaries can send (each spends a
 * token of the account's outbound-rate-per-account): the lookups of their
 * names and of the zone's ancestors, the SOA queries (at most
 * notify-max-targets), the lookups of the parent's servers and the
 * delegation queries to them. */
static uint64_t check_cost(const check *c)
{
	char anc[MAX_ANCESTORS][300];
	uint64_t addrs = (uint64_t)c->nns * MAX_ADDRS;
	uint64_t max = (uint64_t)c->rq->ctx->cfg->notify_max_targets;

	return 2 * (uint64_t)c->nns + ancestors(c->zone.name, anc, MAX_ANCESTORS) +
	       (addrs < max ? addrs : max) + 2 * MAX_PARENT;
}

void h_secondary_status(api_req *rq, api_resp *rs)
{
	check *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		api_error_ax(rs, AX_ENOMEM, NULL);
		return;
	}
	c->rq = rq;
	c->timeout = (int)rq->ctx->cfg->check_timeout;
	c->unchecked = json_array();
	c->deleg_unchecked = json_array();
	if (!api_zone_load(rq, rs, &c->zone))
		goto cleanup;
	if ((rc = db_secondary_get(rq->ctx->d, c->zone.id, &c->sec)) != AX_OK) {
		if (rc == AX_ENOTFOUND)
			api_error(rs, 404, "not_found", NULL, "zone %s has no secondary DNS "
				  "configuration", c->zone.name);
		else
			api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	for (size_t i = 0; i < c->sec.name_servers.n && c->nns < MAX_NS; i++)
		c->ns[c->nns++].name = c->sec.name_servers.v[i];
	/* Paid for up front, at the most it can send; what it did not send
	 * is given back. */
	uint64_t cost = check_cost(c);
	if (!api_budget_take(rq, rs, c->zone.account_id, cost, MB_PROBE,
			     "a status check"))
		goto cleanup;
	step_resolve(c);
	step_ask(c);
	step_delegation(c);
	budget_refund(rq->ctx->budget, c->zone.account_id,
		      cost > c->sent ? cost - c->sent : 0);
	api_json(rs, 200, status_json(c));
cleanup:
	json_decref(c->unchecked);
	json_decref(c->deleg_unchecked);
	db_secondary_clear(&c->sec);
	db_zone_clear(&c->zone);
	free(c);
}
