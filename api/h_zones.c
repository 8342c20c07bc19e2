/* h_zones.c -- zones: create, list, get, update (SOA, policy), delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_zone.h"
#include "axfrd/edit.h"
#include "axfrd/log.h"
#include "axfrd/owner.h"
#include "axfrd/psl.h"
#include "axfrd/rr.h"
#include "db/db_secondary.h"
#include "db/db_zone.h"

json_t *api_zone_json(const db_zone *z)
{
	const zf_soa *s = &z->soa;
	json_t *j;

	j = json_pack("{s:I, s:s, s:I, s:I, s:s, s:{s:s, s:s, s:I, s:I, s:I, "
			 "s:I, s:I}, s:b, s:o, s:o}",
			 "id", (json_int_t)z->id, "name", z->name, "account_id",
			 (json_int_t)z->account_id, "serial", (json_int_t)s->serial,
			 "serial_policy", serial_policy_name(z->policy), "soa",
			 "mname", s->mname, "rname", s->rname, "ttl", (json_int_t)s->ttl,
			 "refresh", (json_int_t)s->refresh, "retry",
			 (json_int_t)s->retry, "expire", (json_int_t)s->expire,
			 "minimum", (json_int_t)s->minimum, "dnssec", z->dnssec,
			 "created_at", api_time(z->created_at), "updated_at",
			 api_time(z->updated_at));
	if (j != NULL)
		json_object_set_new(j, "serial_change", !z->lowering ? json_null() :
			json_pack("{s:I, s:I, s:s}", "target", (json_int_t)z->serial_target,
				  "intermediate", (json_int_t)s->serial, "state",
				  "waiting for every secondary to transfer the "
				  "intermediate serial"));
	return j;
}

bool api_zone_load(api_req *rq, api_resp *rs, db_zone *z)
{
	char *name = NULL;
	int rc = rr_zone_name_normalize(rq->params[0], "zone", &name, NULL);

	if (rc == AX_OK)
		rc = db_zone_get(rq->ctx->d, rq->account.id, name, z);
	if (rc != AX_OK) {
		if (rc == AX_EINVAL || rc == AX_ENOTFOUND)
			api_error(rs, 404, "not_found", NULL, "no such zone: %s",
				  rq->params[0]);
		else
			api_error_ax(rs, rc, NULL);
	}
	free(name);
	return rc == AX_OK;
}

bool api_zone_name(api_req *rq, api_resp *rs, char **name)
{
	if (rr_zone_name_normalize(rq->params[0], "zone", name, NULL) != AX_OK) {
		api_error(rs, 404, "not_found", NULL, "no such zone: %s", rq->params[0]);
		return false;
	}
	return true;
}

/* Normalizes a host name given in JSON (absolute, trailing dot optional)
 * into an absolute name with the dot. */
static int host_name(const char *in, const char *field, char **out,
		     ax_errinfo *ei)
{
	char *norm = NULL;
	int rc = rr_zone_name_normalize(in, field, &norm, ei);

	*out = NULL;
	if (rc != AX_OK)
		return rc;
	if (asprintf(out, "%s.", norm) < 0)
		rc = AX_ENOMEM;
	free(norm);
	return rc;
}

/* An RNAME may be given as a mail address: "hostmaster@example.net". */
static int mailbox_name(const char *in, char **out, ax_errinfo *ei)
{
	const char *at = strchr(in, '@');
	char *copy;
	int rc;

	if (at == NULL)
		return host_name(in, "soa.rname", out, ei);
	if (memchr(in, '.', (size_t)(at - in)) != NULL || at == in)
		return ax_fail(ei, AX_EINVAL, "soa.rname",
			       "soa.rname: give the mailbox as a domain name "
			       "(hostmaster.example.net) when its local part has dots");
	if ((copy = strdup(in)) == NULL)
		return AX_ENOMEM;
	copy[at - in] = '.';
	rc = host_name(copy, "soa.rname", out, ei);
	free(copy);
	return rc;
}

static bool soa_number(json_t *soa, const char *key, uint32_t *out,
		       api_resp *rs)
{
	json_t *v = json_object_get(soa, key);

	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 2147483647) {
		char field[48];
		snprintf(field, sizeof(field), "soa.%s", key);
		api_error(rs, 422, "invalid_field", field,
			  "%s: must be an integer from 0 to 2147483647", field);
		return false;
	}
	*out = (uint32_t)json_integer_value(v);
	return true;
}

/* The members of a zone: what a create and a PATCH read, and the
 * read-only ones GET shows (accepted unchanged). */
static const char *const create_known[] = {"name", "serial_policy", "ttl",
	"name_servers", "soa", "dnssec", "override", "account_id", NULL};
static const char *const create_ro[] = {"id", "serial",
	"created_at", "updated_at", "serial_change", NULL};
static const char *const patch_known[] = {"serial_policy", "soa", "dnssec", NULL};
static const char *const patch_ro[] = {"id", "name", "account_id", "serial",
	"created_at", "updated_at", "serial_change", NULL};
static const char *const soa_known[] = {"mname", "rname", "ttl", "refresh",
	"retry", "expire", "minimum", NULL};
static const char *const serial_known[] = {"serial", NULL};
static const char *const move_known[] = {"account_id", NULL};
static const api_members_spec move_members = {move_known, NULL, NULL};
static const api_members_spec create_members = {create_known, create_ro, NULL};
static const api_members_spec patch_members = {patch_known, patch_ro, NULL};
static const api_members_spec soa_members = {soa_known, NULL, NULL};
static const api_members_spec serial_members = {serial_known, NULL, NULL};

/* Applies the members of a JSON "soa" object onto soa (all optional). */
static bool soa_from_json(json_t *obj, zf_soa *soa, api_resp *rs)
{
	json_t *j = json_object_get(obj, "soa");
	const char *mname = NULL, *rname = NULL;
	ax_errinfo ei;
	char *norm;
	int rc;

	if (j == NULL || json_is_null(j))
		return true;
	if (!json_is_object(j)) {
		api_error(rs, 422, "invalid_field", "soa", "soa: must be an object");
		return false;
	}
	ax_errinfo_clear(&ei);
	if ((rc = api_members(j, "soa", &soa_members, NULL, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		return false;
	}
	if (!api_opt_string(j, "mname", &mname, rs) ||
	    !api_opt_string(j, "rname", &rname, rs))
		return false;
	ax_errinfo_clear(&ei);
	if (mname != NULL) {
		if (host_name(mname, "soa.mname", &norm, &ei) != AX_OK) {
			api_error_ax(rs, AX_EINVAL, &ei);
			return false;
		}
		free(soa->mname);
		soa->mname = norm;
	}
	if (rname != NULL) {
		if (mailbox_name(rname, &norm, &ei) != AX_OK) {
			api_error_ax(rs, AX_EINVAL, &ei);
			return false;
		}
		free(soa->rname);
		soa->rname = norm;
	}
	return soa_number(j, "ttl", &soa->ttl, rs) &&
	       soa_number(j, "refresh", &soa->refresh, rs) &&
	       soa_number(j, "retry", &soa->retry, rs) &&
	       soa_number(j, "expire", &soa->expire, rs) &&
	       soa_number(j, "minimum", &soa->minimum, rs);
}

static bool policy_from_json(json_t *obj, serial_policy *p, api_resp *rs)
{
	const char *s = NULL;

	if (!api_opt_string(obj, "serial_policy", &s, rs))
		return false;
	if (s != NULL && !serial_policy_parse(s, p)) {
		api_error(rs, 422, "invalid_field", "serial_policy",
			  "serial_policy: must be increment, unixtime or dateserial");
		return false;
	}
	return true;
}

/* The apex name servers of a new zone: the "name_servers" array, or the
 * configured defaults. */
static bool name_servers(api_req *rq, json_t *obj, char ***out, size_t *n,
			 api_resp *rs)
{
	json_t *arr = json_object_get(obj, "name_servers");
	char *defaults = NULL;
	const char *items[64];
	size_t cnt = 0;
	bool ok = true;

	if (arr != NULL && !json_is_null(arr)) {
		if (!json_is_array(arr) || json_array_size(arr) == 0 ||
		    json_array_size(arr) > 64) {
			api_error(rs, 422, "invalid_field", "name_servers",
				  "name_servers: must be an array of 1 to 64 host names");
			return false;
		}
		for (size_t i = 0; i < json_array_size(arr); i++) {
			const char *s = json_string_value(json_array_get(arr, i));
			if (s == NULL) {
				char field[48];
				snprintf(field, sizeof(field), "name_servers[%zu]", i);
				api_error(rs, 422, "invalid_field", field,
					  "%s: must be a host name", field);
				return false;
			}
			items[cnt++] = s;
		}
	} else {
		/* Checked at start-up by the configuration. */
		const char *p = rq->ctx->cfg->default_name_servers;
		if ((defaults = calloc(64, 256)) == NULL)
			return false;
		while (cnt < 64 && config_list_next(&p, defaults + cnt * 256, 256)) {
			items[cnt] = defaults + cnt * 256;
			cnt++;
		}
	}
	*out = calloc(cnt + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; ok && *out != NULL && i < cnt; i++) {
		ax_errinfo ei;
		char field[48];
		ax_errinfo_clear(&ei);
		snprintf(field, sizeof(field), "name_servers[%zu]", i);
		if (host_name(items[i], field, &(*out)[i], &ei) != AX_OK) {
			api_error_ax(rs, AX_EINVAL, &ei);
			ok = false;
		}
		*n = i + 1;
	}
	free(defaults);
	return ok && *out != NULL;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* The SOA of a new zone from the configured defaults. */
static int default_soa(const config *cfg, char *const *ns, zf_soa *soa)
{
	ax_errinfo ei;
	int rc = AX_OK;

	memset(soa, 0, sizeof(*soa));
	if (cfg->soa_mname[0] != '\0')
		rc = host_name(cfg->soa_mname, "soa-mname", &soa->mname, &ei);
	else
		soa->mname = strdup(ns[0]);
	if (rc == AX_OK)
		rc = mailbox_name(cfg->soa_rname, &soa->rname, &ei);
	if (rc == AX_OK && (soa->mname == NULL || soa->rname == NULL))
		rc = AX_ENOMEM;
	soa->ttl = (uint32_t)cfg->soa_ttl;
	soa->refresh = (uint32_t)cfg->soa_refresh;
	soa->retry = (uint32_t)cfg->soa_retry;
	soa->expire = (uint32_t)cfg->soa_expire;
	soa->minimum = (uint32_t)cfg->soa_minimum;
	return rc;
}

/* A zone must be a registered domain: neither a TLD (any single label,
 * listed or not) nor a public suffix (co.uk, *.ck but www.ck), which the
 * public registers domains under and no tenant may answer for. */
static bool not_public_suffix(api_req *rq, const char *name, api_resp *rs)
{
	const char *tld = strrchr(name, '.');

	if (!psl_is_public_suffix(rq->ctx->psl, name))
		return true;
	if (tld == NULL)
		api_error(rs, 422, "invalid_field", "name", "name: %s is a top-level "
			  "domain; a zone is a domain registered under one, such as "
			  "example.%s", name, name);
	else
		api_error(rs, 422, "invalid_field", "name", "name: %s is a public "
			  "suffix (the public registers domains under it, see "
			  "publicsuffix.org); a zone is a domain registered under one, "
			  "such as example.%s", name, name);
	return false;
}

/* The create's ownership members, the operator's alone: "override"
 * (create over other accounts' zones) and "account_id" (for whom). */
static bool owner_members(api_req *rq, json_t *body, bool *override,
			  int64_t *account, api_resp *rs)
{
	long long acct = rq->account.id;

	*override = false;
	if (!api_opt_bool(body, "override", override, rs) ||
	    !api_opt_int(body, "account_id", &acct, rs))
		return false;
	if (!rq->account.is_admin && (*override || acct != rq->account.id)) {
		api_error(rs, 403, "forbidden", *override ? "override" : "account_id",
			  "%s: only the operator (the admin token) may %s",
			  *override ? "override" : "account_id", *override ?
			  "create a zone over other accounts' zones" :
			  "create a zone for another account");
		return false;
	}
	if (acct != rq->account.id) {
		db_account a;
		int rc = acct > 0 ? db_account_get(rq->ctx->d, acct, &a) : AX_ENOTFOUND;
		if (rc == AX_ENOTFOUND) {
			api_error(rs, 422, "invalid_field", "account_id",
				  "account_id: there is no account %lld", acct);
			return false;
		}
		if (rc != AX_OK) {
			api_error_ax(rs, rc, NULL);
			return false;
		}
	}
	*account = acct;
	return true;
}

/* What a move or an override create did, as members of the answer. */
static void owner_json(json_t *j, const owner_result *res)
{
	json_t *moved = json_array();

	for (size_t i = 0; i < res->nmoved; i++)
		json_array_append_new(moved, json_pack("{s:s, s:I, s:b}", "name",
			res->moved[i].name, "from_account_id",
			(json_int_t)res->moved[i].from_account, "secondary_dns_cleared",
			res->moved[i].secondary_cleared));
	json_object_set_new(j, "moved_zones", moved);
	json_object_set_new(j, "enclosing_zone", res->enclosing.name == NULL ?
		json_null() : json_pack("{s:s, s:I}", "name", res->enclosing.name,
					"account_id",
					(json_int_t)res->enclosing.account_id));
}

/* Tells the DNS side of every zone that changed owner (their transfer
 * ACLs and NOTIFY targets are gone). */
static void moved_changed(api_req *rq, const owner_result *res)
{
	for (size_t i = 0; i < res->nmoved; i++)
		api_zone_changed(rq, res->moved[i].name);
}

void h_zone_create(api_req *rq, api_resp *rs)
{
	const config *cfg = rq->ctx->cfg;
	json_t *body = api_body_object(rq, rs);
	const char *name = NULL;
	long long ttl = cfg->default_ttl;
	char **ns = NULL;
	size_t nns = 0;
	db_zone z = {0};
	owner_result res = {0};
	bool override = false;
	int64_t account = 0;
	ax_errinfo ei;
	json_t *j;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || !api_members_ok(body, &create_members, NULL, rs) ||
	    !api_req_string(body, "name", &name, rs) ||
	    !api_opt_bool(body, "dnssec", &z.dnssec, rs) ||
	    !owner_members(rq, body, &override, &account, rs))
		goto cleanup;
	if ((rc = rr_zone_name_normalize(name, "name", &z.name, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	if (!not_public_suffix(rq, z.name, rs))
		goto cleanup;
	serial_policy_parse(cfg->serial_policy, &z.policy);
	if (!policy_from_json(body, &z.policy, rs) ||
	    !api_opt_int(body, "ttl", &ttl, rs) ||
	    !name_servers(rq, body, &ns, &nns, rs))
		goto cleanup;
	if ((rc = rr_ttl_check(ttl, &ei)) != AX_OK ||
	    (rc = default_soa(cfg, ns, &z.soa)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	if (!soa_from_json(body, &z.soa, rs))
		goto cleanup;
	z.account_id = account;
	z.soa.serial = serial_initial(z.policy, rq->now);
	z.created_at = z.updated_at = rq->now;
	if ((rc = owner_create_zone(rq->ctx->d, &z, ns, nns, (uint32_t)ttl, override,
				    rq->account.id, &res, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	api_zone_changed(rq, z.name);
	moved_changed(rq, &res);
	j = api_zone_json(&z);
	if (j != NULL && override)
		owner_json(j, &res);
	api_json(rs, 201, j);
cleanup:
	owner_result_clear(&res);
	free_strv(ns, nns);
	db_zone_clear(&z);
	json_decref(body);
}

void h_zone_move(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs), *v, *j;
	owner_result res = {0};
	char *name = NULL;
	db_zone z = {0};
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || !api_members_ok(body, &move_members, NULL, rs) ||
	    !api_zone_name(rq, rs, &name))
		goto cleanup;
	v = json_object_get(body, "account_id");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		api_error(rs, 422, "invalid_field", "account_id", "account_id: the id "
			  "of the account to move the zone to is required");
		goto cleanup;
	}
	rc = owner_move_zone(rq->ctx->d, name, json_integer_value(v), rq->account.id,
			     rq->now, &res, &ei);
	if (rc == AX_OK)
		rc = db_zone_get(rq->ctx->d, -1, name, &z);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	moved_changed(rq, &res);
	if ((j = api_zone_json(&z)) != NULL)
		owner_json(j, &res);
	api_json(rs, 200, j);
cleanup:
	owner_result_clear(&res);
	db_zone_clear(&z);
	free(name);
	json_decref(body);
}

static json_t *zone_event_json(api_req *rq, const db_zone_event *ev)
{
	bool admin = rq->account.is_admin;
	/* Whether the zone went to the reader: a zone that left the reader
	 * (and came back later) went to another account, with other zones. */
	bool to_reader = admin || ev->to_account_id == rq->account.id;
	json_t *moved = json_array(), *j;

	for (size_t i = 0; to_reader && i < ev->moved_zones.n; i++)
		json_array_append_new(moved, json_string(ev->moved_zones.v[i]));
	/* A tenant sees its own zone's history, not who else held it, which
	 * zones went to them with it, or which of another tenant's zones is
	 * around it. */
	j = json_pack("{s:I, s:o, s:o, s:s, s:o, s:o, s:b, s:o, s:o, s:o}",
		"id", (json_int_t)ev->id, "time", api_time(ev->created_at),
		"account_id", ev->account_id ? json_integer(ev->account_id) : json_null(),
		"action", ev->action,
		"from_account_id", ev->from_account_id &&
			(admin || ev->from_account_id == rq->account.id) ?
			json_integer(ev->from_account_id) : json_null(),
		"to_account_id", ev->to_account_id && to_reader ?
			json_integer(ev->to_account_id) : json_null(),
		"secondary_dns_cleared", ev->secondary_dns_cleared,
		"cause", ev->cause && to_reader ? json_string(ev->cause) : json_null(),
		"moved_zones", moved,
		"enclosing_zone", ev->enclosing_zone && admin ?
			json_pack("{s:s, s:o}", "name", ev->enclosing_zone, "account_id",
				  ev->enclosing_account_id ?
				  json_integer(ev->enclosing_account_id) : json_null()) :
			json_null());
	return j;
}

void h_zone_events(api_req *rq, api_resp *rs)
{
	int64_t page, per_page, total;
	db_zone_event *ev = NULL;
	char *name = NULL;
	size_t n = 0;
	db_zone z = {0};
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page) || !api_zone_name(rq, rs, &name))
		return;
	/* The operator reads any zone's history, a tenant its own. */
	rc = db_zone_get(rq->ctx->d, rq->account.is_admin ? -1 : rq->account.id,
			 name, &z);
	if (rc == AX_OK)
		rc = db_zone_event_list(rq->ctx->d, z.id, (page - 1) * per_page,
					per_page, &ev, &n, &total);
	if (rc == AX_ENOTFOUND)
		api_error(rs, 404, "not_found", NULL, "no such zone: %s", rq->params[0]);
	else if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	db_zone_clear(&z);
	free(name);
	if (rc != AX_OK)
		return;
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, zone_event_json(rq, &ev[i]));
	db_zone_event_array_free(ev, n);
	api_json(rs, 200, api_paginated(data, page, per_page, total));
}

void h_zone_list(api_req *rq, api_resp *rs)
{
	int64_t page, per_page, total;
	db_zone *zones;
	size_t n;
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page))
		return;
	rc = db_zone_list(rq->ctx->d, rq->account.id, (page - 1) * per_page,
			  per_page, &zones, &n, &total);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, api_zone_json(&zones[i]));
	db_zone_array_free(zones, n);
	api_json(rs, 200, api_paginated(data, page, per_page, total));
}

void h_zone_get(api_req *rq, api_resp *rs)
{
	db_zone z;

	if (!api_zone_load(rq, rs, &z))
		return;
	api_json(rs, 200, api_zone_json(&z));
	db_zone_clear(&z);
}

/* Applies "dnssec" of the body. axfrd does not sign zones: the flag says
 * that the provider's platform serves the zone signed, and secondary DNS
 * is refused while it is set (and the reverse). */
static bool dnssec_from_json(api_req *rq, json_t *obj, edit *e, api_resp *rs)
{
	const db_zone *z = edit_zone(e);
	bool on = z->dnssec, secondary = false;
	int rc;

	if (!api_opt_bool(obj, "dnssec", &on, rs))
		return false;
	if (on == z->dnssec)
		return true;
	if (on && (rc = db_secondary_exists(rq->ctx->d, z->id, &secondary)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return false;
	}
	if (secondary) {
		api_error(rs, 409, "conflict", "dnssec", "DNSSEC cannot be enabled on "
			  "zone %s while secondary DNS is on: the zone is transferred "
			  "without the signatures the signing platform adds, so the "
			  "secondaries would serve it unsigned or with stale signatures "
			  "and validating resolvers would reject their answers. Delete "
			  "the secondary DNS configuration first", z->name);
		return false;
	}
	if ((rc = edit_set_dnssec(e, on)) != AX_OK)
		api_error_ax(rs, rc, NULL);
	return rc == AX_OK;
}

void h_zone_update(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs), *cur = NULL;
	char *name = NULL;
	edit *e = NULL;
	serial_policy policy;
	zf_soa soa = {0};
	uint32_t serial;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || !api_zone_name(rq, rs, &name))
		goto cleanup;
	if ((rc = edit_begin(rq->ctx->d, rq->account.id, name, rq->now, &e)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	cur = api_zone_json(edit_zone(e));
	if (!api_members_ok(body, &patch_members, cur, rs))
		goto cleanup;
	policy = edit_zone(e)->policy;
	soa = edit_zone(e)->soa;
	soa.mname = strdup(soa.mname);
	soa.rname = strdup(soa.rname);
	if (soa.mname == NULL || soa.rname == NULL) {
		api_error_ax(rs, AX_ENOMEM, NULL);
		goto cleanup;
	}
	if (!policy_from_json(body, &policy, rs) || !soa_from_json(body, &soa, rs) ||
	    !dnssec_from_json(rq, body, e, rs))
		goto cleanup;
	if ((rc = edit_set_policy(e, policy)) != AX_OK ||
	    (rc = edit_set_soa(e, &soa)) != AX_OK ||
	    (rc = edit_commit(e, &serial, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	api_zone_changed(rq, edit_zone(e)->name);
	api_json(rs, 200, api_zone_json(edit_zone(e)));
cleanup:
	zf_soa_clear(&soa);
	edit_free(e);
	free(name);
	json_decref(cur);
	json_decref(body);
}

void h_zone_delete(api_req *rq, api_resp *rs)
{
	db_zone z;
	int rc;

	if (!api_zone_load(rq, rs, &z))
		return;
	if ((rc = db_zone_delete(rq->ctx->d, z.id)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
	} else {
		log_info("api", "zone %s deleted (serial was %u)", z.name, z.soa.serial);
		api_zone_changed(rq, z.name);
		rs->status = 204;
	}
	db_zone_clear(&z);
}

/* Reads the "serial" member: 0 to 4294967295. */
static bool serial_member(json_t *body, uint32_t *out, api_resp *rs)
{
	json_t *v = json_object_get(body, "serial");

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 4294967295LL) {
		api_error(rs, 422, "invalid_field", "serial",
			  "serial: an integer from 0 to 4294967295 is required");
		return false;
	}
	*out = (uint32_t)json_integer_value(v);
	return true;
}

/* Whether the zone has secondaries that cache its serial. */
static bool has_secondaries(api_req *rq, int64_t zone_id)
{
	struct sockaddr_storage *t = NULL;
	size_t n = 0;

	db_notify_targets(rq->ctx->d, zone_id, &t, &n);
	free(t);
	return n > 0;
}

void h_zone_serial(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	char *name = NULL;
	edit *e = NULL;
	uint32_t target, cur, serial;
	bool final = true;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || !api_members_ok(body, &serial_members, NULL, rs) ||
	    !serial_member(body, &target, rs) ||
	    !api_zone_name(rq, rs, &name))
		goto cleanup;
	if ((rc = edit_begin(rq->ctx->d, rq->account.id, name, rq->now, &e)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	cur = edit_zone(e)->soa.serial;
	/* Raising, or a zone no secondary caches: one change. Lowering: the
	 * first RFC 1982 step; the DNS side takes the next ones once every
	 * secondary has transferred the intermediate serial. */
	if (target != cur)
		edit_set_serial(e, has_secondaries(rq, edit_zone(e)->id) ?
				serial_lowering_step(cur, target, &final) : target);
	if ((rc = edit_set_serial_target(e, !final, target)) != AX_OK ||
	    (rc = edit_commit(e, &serial, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	if (target != cur)
		api_zone_changed(rq, edit_zone(e)->name);
	api_json(rs, final ? 200 : 202, api_zone_json(edit_zone(e)));
cleanup:
	edit_free(e);
	free(name);
	json_decref(body);
}
