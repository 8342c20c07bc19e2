/* h_secondary.c -- a zone's secondary DNS configuration: enable or
 * replace (PUT), edit (PATCH), show, delete, its history, and the provider
 * presets. A change adds and removes the secondaries' apex NS records,
 * replaces the transfer ACL, bumps the serial once and records an event,
 * all in one transaction. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_input.h"
#include "api_internal.h"
#include "api_zone.h"
#include "axfrd/edit.h"
#include "axfrd/log.h"
#include "axfrd/outbound.h"
#include "db/db_nsset.h"
#include "db/db_record.h"
#include "db/db_secondary.h"

/* A PUT or PATCH body, validated on its own (before the store is read). */
typedef struct sd_body {
	char provider[32];        /* lower case; "" when absent */
	bool has_set;             /* name_server_set_id given */
	int64_t set_id;
	bool has_ns, has_ips, has_notify, has_key;
	db_strv ns, ips, notify;
	bool notify_null;         /* "notify_targets": null: back to the default */
	bool has_default;         /* "notify_targets_default" given */
	bool default_on;          /* its value */
	char key[TSIG_NAME_MAX + 1]; /* "" with has_key: no key */
} sd_body;

static void sd_body_clear(sd_body *b)
{
	db_strv_free(&b->ns);
	db_strv_free(&b->ips);
	db_strv_free(&b->notify);
}

/* ---- JSON ------------------------------------------------------------------ */

/* Where the configuration came from; with current, the preset's version
 * now (left out of events, which record the configuration as it was). */
static json_t *source_json(const db_secondary *s, bool current)
{
	json_t *j;

	if (strcmp(s->source_type, "provider") == 0) {
		j = json_pack("{s:s, s:s, s:s, s:I}", "type", "provider", "id",
			      s->source_id, "name", s->source_name, "version",
			      (json_int_t)s->source_version);
		if (j != NULL && current)
			json_object_set_new(j, "current_version",
					    json_integer(s->preset_version));
		return j;
	}
	if (strcmp(s->source_type, "name_server_set") == 0)
		return json_pack("{s:s, s:I, s:s}", "type", "name_server_set", "id",
				 (json_int_t)strtoll(s->source_id, NULL, 10), "name",
				 s->source_name);
	return json_pack("{s:s}", "type", "custom");
}

/* The provider value a PUT of this configuration would give, or NULL. */
static const char *source_provider(const db_secondary *s)
{
	if (strcmp(s->source_type, "provider") == 0)
		return s->source_id;
	return strcmp(s->source_type, "custom") == 0 ? "custom" : NULL;
}

const char *api_notify_skip(const config *cfg, size_t i, const char *target)
{
	config_addr a;

	if (config_parse_addr(target, &a) != AX_OK)
		return OUTBOUND_REASON;
	return outbound_target_skip(&cfg->outbound, (size_t)cfg->notify_max_targets,
				    i, &a.ss);
}

/* The NOTIFY targets that will not be notified, and why. */
static json_t *skipped_json(const config *cfg, const db_strv *targets)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < targets->n; i++) {
		const char *why = api_notify_skip(cfg, i, targets->v[i]);
		if (why != NULL)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "target",
					      targets->v[i], "reason", why));
	}
	return arr;
}

/* The configuration's values (what an event records), and the NOTIFY
 * targets that the operator's policy or notify-max-targets leaves out. */
static json_t *config_json(const config *cfg, const db_secondary *s, bool current)
{
	const char *provider = source_provider(s);
	bool is_set = strcmp(s->source_type, "name_server_set") == 0;

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
			 "notify_skipped", skipped_json(cfg, &s->notify_targets),
			 "source", source_json(s, current),
			 "provider", provider ? json_string(provider) : json_null(),
			 "name_server_set_id", is_set ?
			 json_integer(strtoll(s->source_id, NULL, 10)) : json_null(),
			 "name_servers", api_strv_json(&s->name_servers),
			 "allowed_ips", api_strv_json(&s->allowed_ips),
			 "notify_targets", api_strv_json(&s->notify_targets),
			 "notify_targets_default", s->notify_default,
			 "tsig_key", s->tsig_key[0] ? json_string(s->tsig_key) :
			 json_null());
}

static json_t *records_json(const rr_record *r, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:s}",
			"id", (json_int_t)r[i].id, "name", r[i].name, "type",
			r[i].type, "ttl", (json_int_t)r[i].ttl, "content",
			r[i].content));
	return arr;
}

/* Answers with the stored configuration of zone (404 when none). */
static void respond_config(api_req *rq, api_resp *rs, unsigned status,
			   int64_t zone_id, const char *zone, uint32_t serial)
{
	db_secondary s;
	rr_record *recs = NULL;
	size_t n = 0;
	json_t *j;
	int rc = db_secondary_get(rq->ctx->d, zone_id, &s);

	if (rc == AX_ENOTFOUND) {
		api_error(rs, 404, "not_found", NULL, "zone %s has no secondary DNS "
			  "configuration", zone);
		return;
	}
	if (rc != AX_OK || (rc = db_record_managed_list(rq->ctx->d, zone_id, &recs,
							  &n)) != AX_OK) {
		db_secondary_clear(&s);
		api_error_ax(rs, rc, NULL);
		return;
	}
	j = config_json(rq->ctx->cfg, &s, true);
	json_object_set_new(j, "zone", json_string(zone));
	json_object_set_new(j, "serial", json_integer(serial));
	json_object_set_new(j, "preset_outdated", json_boolean(
		strcmp(s.source_type, "provider") == 0 &&
		s.source_version < s.preset_version));
	json_object_set_new(j, "ns_records", records_json(recs, n));
	json_object_set_new(j, "created_at", api_time(s.created_at));
	json_object_set_new(j, "updated_at", api_time(s.updated_at));
	api_json(rs, status, j);
	rr_record_array_free(recs, n);
	db_secondary_clear(&s);
}

/* ---- the body ---------------------------------------------------------------- */

static bool parse_set_id(json_t *o, sd_body *b, api_resp *rs)
{
	json_t *v = json_object_get(o, "name_server_set_id");

	if (v == NULL || json_is_null(v))
		return true;
	if (json_is_string(v) && strcmp(json_string_value(v), "system") == 0) {
		api_error(rs, 422, "invalid_field", "name_server_set_id",
			  "name_server_set_id: the system set lists this provider's "
			  "own name servers, which already serve the zone; choose a "
			  "set of your secondary provider's name servers");
		return false;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		api_error(rs, 422, "invalid_field", "name_server_set_id",
			  "name_server_set_id: must be the id of one of your name "
			  "server sets");
		return false;
	}
	b->has_set = true;
	b->set_id = json_integer_value(v);
	return true;
}

static bool parse_key(json_t *o, sd_body *b, api_resp *rs)
{
	json_t *v = json_object_get(o, "tsig_key");
	ax_errinfo ei;
	int rc;

	b->has_key = v != NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		api_error(rs, 422, "invalid_field", "tsig_key", "tsig_key: must be "
			  "the name of one of your TSIG keys, or null");
		return false;
	}
	ax_errinfo_clear(&ei);
	if ((rc = api_tsig_name(json_string_value(v), "tsig_key", b->key, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		return false;
	}
	return true;
}

static bool parse_provider(json_t *o, sd_body *b, api_resp *rs)
{
	const char *p = NULL;
	size_t i;

	if (!api_opt_string(o, "provider", &p, rs))
		return false;
	for (i = 0; p != NULL && p[i] != '\0' && i + 1 < sizeof(b->provider); i++)
		b->provider[i] = (char)tolower((unsigned char)p[i]);
	b->provider[i] = '\0';
	if (p != NULL && (p[0] == '\0' || p[i] != '\0')) {
		api_error(rs, 422, "invalid_field", "provider", "provider: unknown "
			  "provider '%.40s'; see GET /v1/providers", p);
		return false;
	}
	return true;
}

/* The members of a PUT or PATCH body, and the read-only ones GET shows
 * (accepted unchanged, so that a GET-then-PUT round trip works). */
static const char *const sd_known[] = {"provider", "name_server_set_id",
	"name_servers", "allowed_ips", "notify_targets", "notify_targets_default",
	"tsig_key", NULL};
static const char *const sd_ro[] = {"source", "notify_skipped", "zone", "serial",
	"preset_outdated", "ns_records", "created_at", "updated_at", NULL};
static const api_members_spec sd_members = {sd_known, sd_ro, NULL};

static bool parse_body(json_t *o, sd_body *b, api_resp *rs)
{
	json_t *def = json_object_get(o, "notify_targets_default");

	b->has_default = def != NULL && !json_is_null(def);
	if (!api_opt_bool(o, "notify_targets_default", &b->default_on, rs))
		return false;
	if (!parse_provider(o, b, rs) || !parse_set_id(o, b, rs) ||
	    !api_host_list(o, "name_servers", &b->has_ns, &b->ns, rs) ||
	    !api_addr_list(o, "allowed_ips", &b->has_ips, &b->ips, rs) ||
	    !api_target_list(o, "notify_targets", &b->has_notify, &b->notify, rs) ||
	    !parse_key(o, b, rs))
		return false;
	b->notify_null = b->has_notify && json_is_null(json_object_get(o, "notify_targets"));
	if (b->provider[0] != '\0' && b->has_set) {
		api_error(rs, 422, "invalid_field", "name_server_set_id",
			  "give either provider or name_server_set_id, not both");
		return false;
	}
	return true;
}

/* ---- building a configuration -------------------------------------------- */

/* Appends the entries of add that dst lacks. */
static int merge(db_strv *dst, const db_strv *add)
{
	int rc = AX_OK;

	for (size_t i = 0; i < add->n && rc == AX_OK; i++)
		if (!db_strv_has(dst, add->v[i]))
			rc = db_strv_push(dst, add->v[i]);
	return rc;
}

static void unknown_provider(api_req *rq, api_resp *rs, const char *id)
{
	char known[160] = "";
	db_preset *p;
	size_t n;

	if (db_preset_list(rq->ctx->d, &p, &n) == AX_OK) {
		for (size_t i = 0; i < n; i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known),
				 "%s%s", i ? ", " : "", p[i].id);
		db_preset_array_free(p, n);
	}
	api_error(rs, 422, "invalid_field", "provider", "provider: unknown "
		  "provider '%s'; one of: %s", id, known);
}

/* A preset's values, plus the name servers and addresses of the body. */
static bool from_preset(api_req *rq, api_resp *rs, const sd_body *b,
			const char *id, db_secondary *cfg)
{
	db_preset p;
	int rc = db_preset_get(rq->ctx->d, id, &p);

	if (rc == AX_ENOTFOUND) {
		unknown_provider(rq, rs, id);
		return false;
	}
	if (rc == AX_OK && p.requires_allowed_ips && b->ips.n == 0 &&
	    strcmp(id, "custom") != 0) {
		api_error(rs, 422, "invalid_field", "allowed_ips", "allowed_ips: %s "
			  "does not publish the addresses its servers transfer from; "
			  "give the ones %s assigned to your account", p.name, p.name);
		db_preset_clear(&p);
		return false;
	}
	if (rc == AX_OK) {
		bool custom = strcmp(id, "custom") == 0;
		snprintf(cfg->source_type, sizeof(cfg->source_type), "%s",
			 custom ? "custom" : "provider");
		snprintf(cfg->source_id, sizeof(cfg->source_id), "%s", custom ? "" : id);
		snprintf(cfg->source_name, sizeof(cfg->source_name), "%s", p.name);
		cfg->source_version = custom ? 0 : p.version;
		if ((rc = merge(&cfg->name_servers, &p.name_servers)) == AX_OK)
			rc = merge(&cfg->allowed_ips, &p.transfer_ips);
	}
	db_preset_clear(&p);
	if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	return rc == AX_OK;
}

/* A name server set's values. */
static bool from_set(api_req *rq, api_resp *rs, const sd_body *b,
		     db_secondary *cfg)
{
	db_nsset s;
	int rc = db_nsset_get(rq->ctx->d, rq->account.id, b->set_id, &s);

	if (rc == AX_ENOTFOUND) {
		api_error(rs, 422, "invalid_field", "name_server_set_id",
			  "name_server_set_id: you have no name server set %lld",
			  (long long)b->set_id);
		return false;
	}
	if (rc == AX_OK) {
		snprintf(cfg->source_type, sizeof(cfg->source_type), "name_server_set");
		snprintf(cfg->source_id, sizeof(cfg->source_id), "%lld",
			 (long long)s.id);
		snprintf(cfg->source_name, sizeof(cfg->source_name), "%s", s.name);
		if ((rc = merge(&cfg->name_servers, &s.name_servers)) == AX_OK)
			rc = merge(&cfg->allowed_ips, &s.addresses);
	}
	db_nsset_clear(&s);
	if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	return rc == AX_OK;
}

/* PUT: the source's values copied, the body's name servers and addresses
 * added. Neither provider nor set: custom. */
static bool from_source(api_req *rq, api_resp *rs, const sd_body *b,
			db_secondary *cfg)
{
	bool ok = b->has_set ? from_set(rq, rs, b, cfg) :
		  from_preset(rq, rs, b, b->provider[0] ? b->provider : "custom", cfg);
	int rc = AX_OK;

	if (ok && (rc = merge(&cfg->name_servers, &b->ns)) == AX_OK)
		rc = merge(&cfg->allowed_ips, &b->ips);
	if (ok && rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	return ok && rc == AX_OK;
}

/* PATCH: the stored configuration with the body's fields replaced. Its
 * source cannot change (that is a PUT). */
static bool patch_config(api_resp *rs, const sd_body *b, const db_secondary *old,
			 db_secondary *cfg)
{
	const char *prov = source_provider(old);
	int rc = AX_OK;

	if ((b->provider[0] && (prov == NULL || strcmp(prov, b->provider) != 0)) ||
	    (b->has_set && (strcmp(old->source_type, "name_server_set") != 0 ||
			    strtoll(old->source_id, NULL, 10) != b->set_id))) {
		api_error(rs, 422, "invalid_field", b->has_set ? "name_server_set_id" :
			  "provider", "PATCH edits the configuration's values; use PUT "
			  "to apply another provider or name server set");
		return false;
	}
	*cfg = *old;  /* then the lists are replaced by copies */
	cfg->name_servers = (db_strv){0};
	cfg->allowed_ips = (db_strv){0};
	cfg->notify_targets = (db_strv){0};
	if ((rc = db_strv_copy(&cfg->name_servers, b->has_ns ? &b->ns :
			       &old->name_servers)) == AX_OK &&
	    (rc = db_strv_copy(&cfg->allowed_ips, b->has_ips ? &b->ips :
			       &old->allowed_ips)) == AX_OK)
		rc = db_strv_copy(&cfg->notify_targets, &old->notify_targets);
	if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	return rc == AX_OK;
}

/* NOTIFY targets: given, or (by default, and on PUT) derived from the
 * allowed addresses, which they then follow. "notify_targets_default"
 * says which, as GET shows it: true with a list is accepted when the list
 * is the derived one (a GET-then-PUT), false needs the list. */
static int set_notify(const sd_body *b, bool put, db_secondary *cfg,
		      ax_errinfo *ei)
{
	bool listed = b->has_notify && !b->notify_null;
	int rc = AX_OK;

	if (b->has_default && !b->default_on && !listed)
		return ax_fail(ei, AX_EINVAL, "notify_targets", "notify_targets: "
			       "give the list when notify_targets_default is false");
	if (b->has_default ? !b->default_on : listed) {
		cfg->notify_default = false;
		rc = db_strv_copy(&cfg->notify_targets, &b->notify);
	} else if (b->has_notify || b->has_default || put) {
		cfg->notify_default = true;
	}
	if (rc == AX_OK && cfg->notify_default) {
		db_strv_free(&cfg->notify_targets);
		rc = api_default_targets(&cfg->allowed_ips, &cfg->notify_targets);
	}
	if (rc == AX_OK && cfg->notify_default && listed &&
	    !db_strv_equal(&b->notify, &cfg->notify_targets))
		return ax_fail(ei, AX_EINVAL, "notify_targets", "notify_targets: "
			       "differs from the default targets (every single "
			       "address of allowed_ips, port 53) that "
			       "notify_targets_default: true stands for; give one "
			       "or the other");
	return rc;
}

/* Explicit NOTIFY targets must be ones the operator lets axfrd send to,
 * and at most notify-max-targets: a 422 naming the list, or the first
 * that is not allowed. Derived ones are shown skipped. */
static bool check_notify(api_req *rq, api_resp *rs, const db_secondary *cfg)
{
	size_t max = (size_t)rq->ctx->cfg->notify_max_targets;

	if (cfg->notify_default)
		return true;
	if (cfg->notify_targets.n > max) {
		api_error(rs, 422, "invalid_field", "notify_targets", "notify_targets: "
			  "at most %zu targets (the operator's notify-max-targets); "
			  "%zu given", max, cfg->notify_targets.n);
		return false;
	}
	for (size_t i = 0; i < cfg->notify_targets.n; i++) {
		char field[48];
		if (api_notify_skip(rq->ctx->cfg, i, cfg->notify_targets.v[i]) == NULL)
			continue;
		snprintf(field, sizeof(field), "notify_targets[%zu]", i);
		api_error(rs, 422, "invalid_field", field, "%s: %s is outside the "
			  "operator's outbound policy (outbound-allow, outbound-deny): "
			  "axfrd does not send NOTIFY there", field,
			  cfg->notify_targets.v[i]);
		return false;
	}
	return true;
}

/* The key the body names (one of the caller's), or none. */
static bool set_key(api_req *rq, api_resp *rs, const sd_body *b,
		    db_secondary *cfg)
{
	db_tsig_info k;
	int rc;

	if (!b->has_key)
		return true;
	cfg->tsig_key_id = 0;
	if (b->key[0] == '\0')
		return true;
	rc = db_tsig_key_get(rq->ctx->d, rq->account.id, b->key, &k);
	if (rc == AX_ENOTFOUND)
		api_error(rs, 422, "invalid_field", "tsig_key", "tsig_key: you have "
			  "no TSIG key named %s (create it with POST /v1/tsig_keys)",
			  b->key);
	else if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	else
		cfg->tsig_key_id = k.id;
	return rc == AX_OK;
}

/* NOTIFY targets, the key and the completeness checks, common to PUT and
 * PATCH. */
static bool finish_config(api_req *rq, api_resp *rs, const sd_body *b,
			  bool put, db_secondary *cfg)
{
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if ((rc = set_notify(b, put, cfg, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		return false;
	}
	if (!check_notify(rq, rs, cfg) || !set_key(rq, rs, b, cfg))
		return false;
	if (cfg->name_servers.n == 0) {
		api_error(rs, 422, "invalid_field", "name_servers", "name_servers: "
			  "at least one secondary name server is required");
		return false;
	}
	if (cfg->allowed_ips.n == 0) {
		api_error(rs, 422, "invalid_field", "allowed_ips", "allowed_ips: at "
			  "least one transfer address is required (the addresses "
			  "your secondary provider transfers the zone from)");
		return false;
	}
	return true;
}

/* Whether two configurations hold the same values (timestamps aside). */
static bool same_config(const db_secondary *a, const db_secondary *b)
{
	return strcmp(a->source_type, b->source_type) == 0 &&
	       strcmp(a->source_id, b->source_id) == 0 &&
	       strcmp(a->source_name, b->source_name) == 0 &&
	       a->source_version == b->source_version &&
	       db_strv_equal(&a->name_servers, &b->name_servers) &&
	       db_strv_equal(&a->allowed_ips, &b->allowed_ips) &&
	       db_strv_equal(&a->notify_targets, &b->notify_targets) &&
	       a->notify_default == b->notify_default &&
	       a->tsig_key_id == b->tsig_key_id;
}

/* ---- applying a change ----------------------------------------------------- */

/* The TTL for added NS records: that of the apex NS records already there,
 * since the records of one RRset must share a TTL (RFC 2181 5.2). */
static uint32_t ns_ttl(const rr_record *apex, size_t n, const config *cfg)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(apex[i].type, "NS") == 0)
			return apex[i].ttl;
	return (uint32_t)cfg->default_ttl;
}

/* An apex NS record with this content exists (the user's or managed). */
static bool apex_has_ns(const rr_record *apex, size_t n, const char *host)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(apex[i].type, "NS") == 0 &&
		    strcasecmp(apex[i].content, host) == 0)
			return true;
	return false;
}

/* Makes the managed apex NS records exactly want: removes the managed ones
 * not wanted, adds the wanted ones the apex lacks. An NS record the user
 * already had is neither duplicated nor marked, so it stays theirs. */
static int sync_ns(api_req *rq, edit *e, const db_strv *want, ax_errinfo *ei)
{
	int64_t zid = edit_zone(e)->id;
	rr_record *managed = NULL, *apex = NULL;
	size_t nm = 0, na = 0;
	int rc;

	edit_allow_managed(e);
	if ((rc = db_record_managed_list(rq->ctx->d, zid, &managed, &nm)) != AX_OK ||
	    (rc = db_record_at_name(rq->ctx->d, zid, "", &apex, &na)) != AX_OK)
		goto cleanup;
	for (size_t i = 0; i < nm && rc == AX_OK; i++)
		if (!db_strv_has(want, managed[i].content))
			rc = edit_delete(e, managed[i].id, NULL, ei);
	for (size_t i = 0; i < want->n && rc == AX_OK; i++) {
		rr_record r = {0, (char *)"", (char *)"NS",
			       ns_ttl(apex, na, rq->ctx->cfg), want->v[i]};
		if (apex_has_ns(apex, na, want->v[i]))
			continue;
		if ((rc = edit_add(e, &r, ei)) == AX_OK)
			rc = db_record_set_managed(rq->ctx->d, zid, r.id);
	}
cleanup:
	rr_record_array_free(managed, nm);
	rr_record_array_free(apex, na);
	return rc;
}

/* JSON text of a configuration for an event, or NULL for none. */
static char *event_text(const config *cfg, const db_secondary *s)
{
	json_t *j;
	char *text;

	if (s == NULL)
		return NULL;
	j = config_json(cfg, s, false);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

static int record_event(api_req *rq, int64_t zone_id, const char *action,
			const db_secondary *before, const db_secondary *after)
{
	char *b = event_text(rq->ctx->cfg, before), *a = event_text(rq->ctx->cfg, after);
	int rc = AX_ENOMEM;

	if ((before == NULL || b != NULL) && (after == NULL || a != NULL))
		rc = db_secondary_event_add(rq->ctx->d, zone_id, rq->account.id,
					    action, b, a, rq->now);
	free(b);
	free(a);
	return rc;
}

/*
 * Moves zone e from configuration old to cfg (either may be NULL: create,
 * delete) and answers: NS records, the configuration, the event, one
 * serial bump, commit, then the DNS side is told. A change that changes
 * nothing commits nothing and answers with the configuration.
 */
static void apply(api_req *rq, api_resp *rs, edit *e, const db_secondary *old,
		  const db_secondary *cfg, unsigned status)
{
	static const db_strv none = {0};
	const db_zone *z = edit_zone(e);
	const char *action = old == NULL ? "create" : cfg == NULL ? "delete" : "update";
	uint32_t serial;
	ax_errinfo ei;
	int rc = AX_OK;

	ax_errinfo_clear(&ei);
	if (old == NULL || cfg == NULL || !same_config(old, cfg)) {
		if ((rc = sync_ns(rq, e, cfg ? &cfg->name_servers : &none, &ei)) == AX_OK)
			rc = cfg ? db_secondary_put(rq->ctx->d, cfg) :
			     db_secondary_delete(rq->ctx->d, z->id);
		if (rc == AX_OK)
			rc = record_event(rq, z->id, action, old, cfg);
		/* The ACL may be all that changed: secondaries still need a new
		 * serial to hear of it. */
		edit_bump(e);
	}
	if (rc == AX_OK)
		rc = edit_commit(e, &serial, &ei);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, &ei);
		return;
	}
	if (edit_changed(e)) {
		api_zone_changed(rq, z->name);
		log_info("api", "zone %s: secondary DNS configuration %sd, serial %u",
			 z->name, action, serial);
	}
	if (cfg == NULL)
		rs->status = 204;
	else
		respond_config(rq, rs, status, z->id, z->name, serial);
}

/* Starts the change on the caller's zone and loads its configuration
 * (*had false when there is none). */
static bool begin(api_req *rq, api_resp *rs, edit **e, db_secondary *old,
		  bool *had)
{
	char *name = NULL;
	int rc;

	*e = NULL;
	*had = false;
	if (!api_zone_name(rq, rs, &name))
		return false;
	rc = edit_begin(rq->ctx->d, rq->account.id, name, rq->now, e);
	if (rc == AX_ENOTFOUND)
		api_error(rs, 404, "not_found", NULL, "no such zone: %s", rq->params[0]);
	if (rc == AX_OK) {
		rc = db_secondary_get(rq->ctx->d, edit_zone(*e)->id, old);
		*had = rc == AX_OK;
		if (rc == AX_ENOTFOUND)
			rc = AX_OK;
	}
	if (rc != AX_OK && rc != AX_ENOTFOUND)
		api_error_ax(rs, rc, NULL);
	free(name);
	return rc == AX_OK;
}

static bool dnssec_off(edit *e, api_resp *rs)
{
	const db_zone *z = edit_zone(e);

	if (!z->dnssec)
		return true;
	api_error(rs, 409, "conflict", "dnssec", "zone %s has DNSSEC enabled, and "
		  "secondary DNS cannot be used with it: the zone is transferred "
		  "without the signatures the signing platform adds, so the "
		  "secondaries would serve it unsigned or with stale signatures "
		  "and validating resolvers would reject their answers. Disable "
		  "DNSSEC first (PATCH /v1/zones/%s {\"dnssec\": false})",
		  z->name, z->name);
	return false;
}

/* The body's member names, checked against the stored configuration as
 * GET shows it (none yet: read-only members are refused). */
static bool members_ok(api_req *rq, api_resp *rs, json_t *body, edit *e, bool had)
{
	api_resp shown = {0};
	bool ok;

	if (had)
		respond_config(rq, &shown, 200, edit_zone(e)->id, edit_zone(e)->name,
			       edit_zone(e)->soa.serial);
	if (had && shown.status != 200) {
		api_json(rs, shown.status, shown.json);
		return false;
	}
	ok = api_members_ok(body, &sd_members, shown.json, rs);
	json_decref(shown.json);
	return ok;
}

/* ---- handlers ---------------------------------------------------------------- */

void h_secondary_put(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	db_secondary old = {0}, cfg = {0};
	sd_body b = {0};
	edit *e = NULL;
	bool had;

	if (body == NULL || !parse_body(body, &b, rs) || !begin(rq, rs, &e, &old, &had) ||
	    !members_ok(rq, rs, body, e, had) ||
	    !dnssec_off(e, rs) || !from_source(rq, rs, &b, &cfg) ||
	    !finish_config(rq, rs, &b, true, &cfg))
		goto cleanup;
	cfg.zone_id = edit_zone(e)->id;
	cfg.created_at = had ? old.created_at : rq->now;
	cfg.updated_at = rq->now;
	apply(rq, rs, e, had ? &old : NULL, &cfg, had ? 200 : 201);
cleanup:
	edit_free(e);
	db_secondary_clear(&old);
	db_secondary_clear(&cfg);
	sd_body_clear(&b);
	json_decref(body);
}

void h_secondary_patch(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	db_secondary old = {0}, cfg = {0};
	sd_body b = {0};
	edit *e = NULL;
	bool had;

	if (body == NULL || !parse_body(body, &b, rs) || !begin(rq, rs, &e, &old, &had))
		goto cleanup;
	if (!had) {
		api_error(rs, 404, "not_found", NULL, "zone %s has no secondary DNS "
			  "configuration; enable it with PUT", edit_zone(e)->name);
		goto cleanup;
	}
	if (!members_ok(rq, rs, body, e, had) || !dnssec_off(e, rs) || !patch_config(rs, &b, &old, &cfg) ||
	    !finish_config(rq, rs, &b, false, &cfg))
		goto cleanup;
	cfg.updated_at = rq->now;
	apply(rq, rs, e, &old, &cfg, 200);
cleanup:
	edit_free(e);
	db_secondary_clear(&old);
	db_secondary_clear(&cfg);
	sd_body_clear(&b);
	json_decref(body);
}

void h_secondary_delete(api_req *rq, api_resp *rs)
{
	db_secondary old = {0};
	edit *e = NULL;
	bool had;

	if (!begin(rq, rs, &e, &old, &had))
		goto cleanup;
	if (!had) {
		api_error(rs, 404, "not_found", NULL, "zone %s has no secondary DNS "
			  "configuration", edit_zone(e)->name);
		goto cleanup;
	}
	apply(rq, rs, e, &old, NULL, 204);
cleanup:
	edit_free(e);
	db_secondary_clear(&old);
}

void h_secondary_get(api_req *rq, api_resp *rs)
{
	db_zone z;

	if (!api_zone_load(rq, rs, &z))
		return;
	respond_config(rq, rs, 200, z.id, z.name, z.soa.serial);
	db_zone_clear(&z);
}

static json_t *event_json(const db_secondary_event *ev)
{
	json_t *before = ev->before ? json_loads(ev->before, 0, NULL) : NULL;
	json_t *after = ev->after ? json_loads(ev->after, 0, NULL) : NULL;

	return json_pack("{s:I, s:o, s:o, s:s, s:o, s:o}", "id", (json_int_t)ev->id,
			 "time", api_time(ev->created_at), "account_id",
			 ev->account_id ? json_integer(ev->account_id) : json_null(),
			 "action", ev->action, "before", before ? before : json_null(),
			 "after", after ? after : json_null());
}

void h_secondary_events(api_req *rq, api_resp *rs)
{
	int64_t page, per_page, total;
	db_secondary_event *ev = NULL;
	size_t n = 0;
	db_zone z;
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page) || !api_zone_load(rq, rs, &z))
		return;
	rc = db_secondary_event_list(rq->ctx->d, z.id, (page - 1) * per_page,
				     per_page, &ev, &n, &total);
	db_zone_clear(&z);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, event_json(&ev[i]));
	db_secondary_event_array_free(ev, n);
	api_json(rs, 200, api_paginated(data, page, per_page, total));
}

static json_t *preset_json(const db_preset *p)
{
	return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:b, s:b}", "id", p->id,
			 "name", p->name, "version", (json_int_t)p->version,
			 "name_servers", api_strv_json(&p->name_servers),
			 "transfer_addresses", api_strv_json(&p->transfer_ips),
			 "transfer_hosts", api_strv_json(&p->transfer_hosts),
			 "requires_allowed_ips", p->requires_allowed_ips,
			 "requires_name_servers", p->requires_name_servers);
}

void h_provider_list(api_req *rq, api_resp *rs)
{
	int64_t page, per_page;
	db_preset *p;
	size_t n;
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page))
		return;
	if ((rc = db_preset_list(rq->ctx->d, &p, &n)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	for (size_t i = (size_t)((page - 1) * per_page);
	     i < n && i < (size_t)(page * per_page); i++)
		json_array_append_new(data, preset_json(&p[i]));
	db_preset_array_free(p, n);
	api_json(rs, 200, api_paginated(data, page, per_page, (int64_t)n));
}
