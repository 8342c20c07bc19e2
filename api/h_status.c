/* h_status.c -- GET /v1/zones/{zone}/secondary_dns/status: the seed
 * page's three warnings as data. Each secondary name server is resolved
 * through the configured resolver and asked for the zone's SOA without
 * recursion; the parent zone's servers are asked for the delegation. The
 * checks run on the request, in three short steps of parallel queries. */
#include <arpa/inet.h>
#include <ctype.h>
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

/* One secondary name server and what the checks found. */
typedef struct sec_server {
	const char *name;
	struct sockaddr_storage addr[MAX_ADDRS];
	size_t naddr;
	uint32_t serial[MAX_ADDRS];
	bool answered[MAX_ADDRS];
	bool skipped[MAX_ADDRS];     /* not asked: outside the outbound policy */
	const char *error[MAX_ADDRS];
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
	size_t nparent_addr;
	char deleg[MAX_NS * 2][300];    /* NS names the parent delegates to */
	size_t ndeleg;
	bool deleg_known;
	const char *deleg_error;
	int timeout;
} check;

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

	if (p == NULL)
		return;
	for (size_t i = 0; i < c->nns; i++) {
		probe_init(&p[n++], res, c->ns[i].name, RR_A, true);
		probe_init(&p[n++], res, c->ns[i].name, RR_AAAA, true);
	}
	first_anc = n;
	for (size_t i = 0; i < nanc; i++)
		probe_init(&p[n++], res, anc[i], RR_NS, true);
	probe_run(c->rq->ctx->cfg, p, n, c->timeout);
	for (size_t i = 0; i < c->nns; i++) {
		addr_acc a = {c->ns[i].addr, &c->ns[i].naddr, MAX_ADDRS};
		probe_records(&p[2 * i], 0, RR_A, take_addr, &a);
		probe_records(&p[2 * i + 1], 0, RR_AAAA, take_addr, &a);
		for (size_t k = 0; k < c->ns[i].naddr; k++)
			addr_set_port(&c->ns[i].addr[k], secondary_port(c, &c->ns[i].addr[k]));
	}
	for (size_t i = 0; i < nanc; i++) {
		name_acc na = {c->parent_ns, &c->nparent_ns, MAX_PARENT};
		if (probe_records(&p[first_anc + i], 0, RR_NS, take_name, &na) > 0) {
			snprintf(c->parent, sizeof(c->parent), "%s", anc[i]);
			break;
		}
	}
	free(p);
}

/* Step 2: each secondary's SOA (no recursion) and the parent servers'
 * addresses. */
static void step_ask(check *c)
{
	const struct sockaddr_storage *res = &c->rq->ctx->cfg->resolver.ss;
	probe *p = calloc(MAX_NS * MAX_ADDRS + MAX_PARENT + 1, sizeof(*p));
	size_t n = 0;

	if (p == NULL)
		return;
	for (size_t i = 0; i < c->nns; i++)
		for (size_t k = 0; k < c->ns[i].naddr; k++)
			probe_init(&p[n++], &c->ns[i].addr[k], c->zone.name, RR_SOA, false);
	size_t first_parent = n;
	for (size_t i = 0; i < c->nparent_ns; i++)
		probe_init(&p[n++], res, c->parent_ns[i], RR_A, true);
	probe_run(c->rq->ctx->cfg, p, n, c->timeout);
	n = 0;
	for (size_t i = 0; i < c->nns; i++) {
		for (size_t k = 0; k < c->ns[i].naddr; k++, n++) {
			sec_server *s = &c->ns[i];
			s->answered[k] = probe_soa_serial(&p[n], &s->serial[k]);
			s->skipped[k] = p[n].skipped;
			s->error[k] = p[n].skipped ? "not checked: the address is outside "
				      "the operator's outbound policy" :
				      !p[n].answered ? "no answer" :
				      s->answered[k] ? NULL :
				      p[n].rcode == RCODE_REFUSED ? "refused" :
				      "does not serve the zone";
		}
	}
	addr_acc a = {c->parent_addr, &c->nparent_addr, MAX_PARENT};
	for (size_t i = first_parent; i < first_parent + c->nparent_ns; i++)
		probe_records(&p[i], 0, RR_A, take_addr, &a);
	for (size_t i = 0; i < c->nparent_addr; i++)
		addr_set_port(&c->parent_addr[i], (uint16_t)c->rq->ctx->cfg->check_port);
	free(p);
}

/* Step 3: the delegation, as the parent's servers give it (the NS in
 * the referral's authority section, or in the answer). */
static void step_delegation(check *c)
{
	probe *p;

	if (c->nparent_addr == 0) {
		c->deleg_error = c->nparent_ns == 0 ? "the parent zone's name servers "
				 "could not be found" : "the parent zone's name servers "
				 "have no address";
		return;
	}
	if ((p = calloc(c->nparent_addr, sizeof(*p))) == NULL)
		return;
	for (size_t i = 0; i < c->nparent_addr; i++)
		probe_init(&p[i], &c->parent_addr[i], c->zone.name, RR_NS, false);
	probe_run(c->rq->ctx->cfg, p, c->nparent_addr, c->timeout);
	size_t skipped = 0;
	for (size_t i = 0; i < c->nparent_addr; i++) {
		name_acc na = {c->deleg, &c->ndeleg, MAX_NS * 2};
		skipped += p[i].skipped;
		if (!p[i].answered)
			continue;
		c->deleg_known = true;
		probe_records(&p[i], 1, RR_NS, take_name, &na);
		probe_records(&p[i], 0, RR_NS, take_name, &na);
	}
	if (!c->deleg_known)
		c->deleg_error = skipped == c->nparent_addr ? "not checked: the parent "
				 "zone's name servers are outside the operator's outbound "
				 "policy" : "the parent zone's name servers did not answer";
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
		    (why = api_notify_skip(c->rq->ctx->cfg, t)) != NULL)
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
	json_object_set_new(j, "error", s->error[k] ? json_string(s->error[k]) :
			    json_null());
	json_object_set_new(j, "last_transfer",
			    db_xfr_log_last(c->rq->ctx->d, c->zone.id, addr, false, &l) ==
			    AX_OK ? xfr_json(&l) : json_null());
	json_object_set_new(j, "last_notify", notify_json(c, addr, NULL));
	if (s->skipped[k]) {
		json_object_set_new(j, "checked", json_false());
		json_object_set_new(j, "reason", json_string(OUTBOUND_REASON));
	} else {
		json_object_set_new(j, "checked", json_true());
	}
	return j;
}

static json_t *secondaries_json(check *c, bool *out_of_sync, json_t *missing)
{
	json_t *arr = json_array();

	*out_of_sync = false;
	for (size_t i = 0; i < c->nns; i++) {
		sec_server *s = &c->ns[i];
		json_t *addrs = json_array();
		bool all = s->naddr > 0;
		for (size_t k = 0; k < s->naddr; k++) {
			bool ok;
			json_array_append_new(addrs, address_json(c, s, k, &ok));
			all = all && ok;
		}
		*out_of_sync = *out_of_sync || !all;
		bool deleg = delegated(c, s->name);
		if (c->deleg_known && !deleg)
			json_array_append_new(missing, json_string(s->name));
		json_array_append_new(arr, json_pack("{s:s, s:b, s:o, s:o}", "name",
			s->name, "in_sync", all, "delegated",
			c->deleg_known ? json_boolean(deleg) : json_null(),
			"addresses", addrs));
		if (s->naddr == 0)
			json_object_set_new(json_array_get(arr, json_array_size(arr) - 1),
					    "error", json_string("name does not resolve"));
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
	bool oos, prop = propagating(c, why);
	json_t *secs = secondaries_json(c, &oos, missing);

	if (prop)
		json_array_append_new(warn, json_pack("{s:s, s:s, s:O}", "code",
			"propagating", "message", "the configuration is still propagating",
			"reasons", why));
	if (oos)
		json_array_append_new(warn, json_pack("{s:s, s:s}", "code", "out_of_sync",
			"message", "some secondaries do not serve the primary's serial"));
	if (json_array_size(missing) > 0)
		json_array_append_new(warn, json_pack("{s:s, s:s, s:O}", "code",
			"delegation_missing", "message", "the delegation does not list "
			"every secondary name server", "name_servers", missing));
	notify_warning(c, warn);
	json_t *deleg = json_pack("{s:s, s:b, s:o, s:O}", "parent", c->parent,
				  "checked", c->deleg_known, "name_servers", json_array(),
				  "missing", missing);
	for (size_t i = 0; i < c->ndeleg; i++)
		json_array_append_new(json_object_get(deleg, "name_servers"),
				      json_string(c->deleg[i]));
	if (c->deleg_error != NULL)
		json_object_set_new(deleg, "error", json_string(c->deleg_error));
	json_t *j = json_pack("{s:s, s:I, s:b, s:b, s:b, s:o, s:o, s:o, s:o}", "zone",
		c->zone.name, "serial", (json_int_t)c->zone.soa.serial, "propagating",
		prop, "out_of_sync", oos, "delegation_missing",
		json_array_size(missing) > 0, "warnings", warn, "secondaries", secs,
		"delegation", deleg, "notify", notify_all_json(c));
	json_decref(why);
	json_decref(missing);
	return j;
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
	step_resolve(c);
	step_ask(c);
	step_delegation(c);
	api_json(rs, 200, status_json(c));
cleanup:
	db_secondary_clear(&c->sec);
	db_zone_clear(&c->zone);
	free(c);
}
