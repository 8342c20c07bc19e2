/* h_nsset.c -- name server sets: an account's own (create, list, get,
 * update, delete) and the read-only system set, which describes the
 * provider's own name servers (the default-name-servers setting). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_input.h"
#include "api_internal.h"
#include "db/db_nsset.h"

#define SET_NAME_MAX 100

static json_t *nsset_json(const db_nsset *s)
{
	return json_pack("{s:I, s:s, s:b, s:o, s:o, s:o, s:o}", "id",
			 (json_int_t)s->id, "name", s->name, "system", 0,
			 "name_servers", api_strv_json(&s->name_servers),
			 "addresses", api_strv_json(&s->addresses),
			 "created_at", api_time(s->created_at),
			 "updated_at", api_time(s->updated_at));
}

/* The system set, from the configuration (validated at start-up, so an
 * entry that does not normalize cannot occur and is skipped). */
static json_t *system_json(const config *cfg)
{
	db_strv ns = {0};
	const char *p = cfg->default_name_servers;
	char item[256], *norm;
	json_t *j;

	while (config_list_next(&p, item, sizeof(item))) {
		if (api_host_name(item, "default-name-servers", &norm, NULL) == AX_OK) {
			if (!db_strv_has(&ns, norm))
				db_strv_push(&ns, norm);
			free(norm);
		}
	}
	j = json_pack("{s:s, s:s, s:b, s:o, s:[]}", "id", "system", "name",
		      "system", "system", 1, "name_servers", api_strv_json(&ns),
		      "addresses");
	db_strv_free(&ns);
	return j;
}

/* The {set} path segment: "system" or a set id; false (and a 404) when
 * it is neither. */
static bool set_param(api_req *rq, api_resp *rs, bool *system, int64_t *id)
{
	*system = strcmp(rq->params[0], "system") == 0;
	if (*system || api_parse_id(rq->params[0], id))
		return true;
	api_error(rs, 404, "not_found", NULL, "no such name server set: %s",
		  rq->params[0]);
	return false;
}

static bool read_only(api_resp *rs)
{
	api_error(rs, 409, "conflict", NULL, "the system name server set describes "
		  "this provider's own name servers; it comes from the "
		  "configuration (default-name-servers) and cannot be changed "
		  "or deleted through the API");
	return false;
}

/* Characters (code points) of the valid UTF-8 text s: what the OpenAPI
 * document's maxLength counts. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The members of a set: what a create or PATCH reads, what GET adds. */
static const char *const set_known[] = {"name", "name_servers", "addresses", NULL};
static const char *const set_ro[] = {"id", "system", "created_at", "updated_at", NULL};
static const api_members_spec set_members = {set_known, set_ro, NULL};

/* Reads name, name_servers and addresses of a body into s; members absent
 * from a PATCH (patch true) keep their values. */
static bool nsset_from_json(json_t *o, bool patch, db_nsset *s, api_resp *rs)
{
	const char *name = NULL;
	db_strv ns = {0}, addrs = {0};
	bool has_ns, has_addrs;

	if (!(patch ? api_opt_string(o, "name", &name, rs) :
		      api_req_string(o, "name", &name, rs)) ||
	    !api_host_list(o, "name_servers", &has_ns, &ns, rs) ||
	    !api_addr_list(o, "addresses", &has_addrs, &addrs, rs))
		goto fail;
	if (name != NULL && (name[0] == '\0' || utf8_chars(name) > SET_NAME_MAX)) {
		api_error(rs, 422, "invalid_field", "name", "name: must be 1 to %d "
			  "characters", SET_NAME_MAX);
		goto fail;
	}
	if ((has_ns && ns.n == 0) || (!patch && !has_ns)) {
		api_error(rs, 422, "invalid_field", "name_servers", "name_servers: "
			  "at least one name server is required");
		goto fail;
	}
	if (name != NULL) {
		free(s->name);
		if ((s->name = strdup(name)) == NULL)
			goto fail;
	}
	if (has_ns) {
		db_strv_free(&s->name_servers);
		s->name_servers = ns;
	}
	if (has_addrs) {
		db_strv_free(&s->addresses);
		s->addresses = addrs;
	}
	return true;
fail:
	db_strv_free(&ns);
	db_strv_free(&addrs);
	return false;
}

static void nsset_error(api_resp *rs, int rc, const db_nsset *s)
{
	if (rc == AX_EEXIST)
		api_error(rs, 409, "conflict", "name", "name: you already have a "
			  "name server set named '%s'", s->name);
	else
		api_error_ax(rs, rc, NULL);
}

void h_nsset_create(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	db_nsset s = {0};
	int rc;

	if (body == NULL || !api_members_ok(body, &set_members, NULL, rs) ||
	    !nsset_from_json(body, false, &s, rs))
		goto cleanup;
	s.account_id = rq->account.id;
	s.created_at = s.updated_at = rq->now;
	if ((rc = db_nsset_insert(rq->ctx->d, &s)) != AX_OK) {
		nsset_error(rs, rc, &s);
		goto cleanup;
	}
	api_json(rs, 201, nsset_json(&s));
cleanup:
	db_nsset_clear(&s);
	json_decref(body);
}

void h_nsset_list(api_req *rq, api_resp *rs)
{
	int64_t page, per_page, total, start, offset, limit;
	db_nsset *sets = NULL;
	size_t n = 0;
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page))
		return;
	/* The system set is the first entry of the list. */
	start = (page - 1) * per_page;
	offset = start > 0 ? start - 1 : 0;
	limit = start > 0 ? per_page : per_page - 1;
	rc = db_nsset_list(rq->ctx->d, rq->account.id, offset, limit, &sets, &n,
			   &total);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	if (start == 0)
		json_array_append_new(data, system_json(rq->ctx->cfg));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, nsset_json(&sets[i]));
	db_nsset_array_free(sets, n);
	api_json(rs, 200, api_paginated(data, page, per_page, total + 1));
}

/* Loads the caller's set id; on failure sets a 404 (or 500). */
static bool load_set(api_req *rq, api_resp *rs, int64_t id, db_nsset *s)
{
	int rc = db_nsset_get(rq->ctx->d, rq->account.id, id, s);

	if (rc == AX_ENOTFOUND)
		api_error(rs, 404, "not_found", NULL, "no such name server set: %s",
			  rq->params[0]);
	else if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	return rc == AX_OK;
}

void h_nsset_get(api_req *rq, api_resp *rs)
{
	db_nsset s;
	bool system;
	int64_t id;

	if (!set_param(rq, rs, &system, &id))
		return;
	if (system) {
		api_json(rs, 200, system_json(rq->ctx->cfg));
	} else if (load_set(rq, rs, id, &s)) {
		api_json(rs, 200, nsset_json(&s));
		db_nsset_clear(&s);
	}
}

void h_nsset_update(api_req *rq, api_resp *rs)
{
	json_t *body = NULL, *cur = NULL;
	db_nsset s = {0};
	bool system;
	int64_t id;
	int rc;

	if (!set_param(rq, rs, &system, &id) || (system && !read_only(rs)) ||
	    (body = api_body_object(rq, rs)) == NULL || !load_set(rq, rs, id, &s))
		goto cleanup;
	cur = nsset_json(&s);
	if (!api_members_ok(body, &set_members, cur, rs) ||
	    !nsset_from_json(body, true, &s, rs))
		goto cleanup;
	s.updated_at = rq->now;
	if ((rc = db_nsset_update(rq->ctx->d, &s)) != AX_OK) {
		nsset_error(rs, rc, &s);
		goto cleanup;
	}
	api_json(rs, 200, nsset_json(&s));
cleanup:
	db_nsset_clear(&s);
	json_decref(cur);
	json_decref(body);
}

void h_nsset_delete(api_req *rq, api_resp *rs)
{
	bool system;
	int64_t id;
	int rc;

	if (!set_param(rq, rs, &system, &id) || (system && !read_only(rs)))
		return;
	rc = db_nsset_delete(rq->ctx->d, rq->account.id, id);
	if (rc == AX_ENOTFOUND)
		api_error(rs, 404, "not_found", NULL, "no such name server set: %s",
			  rq->params[0]);
	else if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	else
		rs->status = 204;
}
