/* h_records.c -- records: list, create, get, update, delete, batch. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_zone.h"
#include "axfrd/edit.h"
#include "axfrd/rr.h"
#include "db/db_export.h"
#include "db/db_record.h"

/* What an ALIAS target last resolved to, and its last failure: what
 * the DNS side serves for the record. */
static json_t *alias_json(db *d, const char *target)
{
	static const struct { uint16_t type; const char *key; } t[2] = {
		{1, "a"}, {28, "aaaa"}};
	json_t *j = json_object();
	char lower[300];

	snprintf(lower, sizeof(lower), "%s", target);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (int i = 0; i < 2; i++) {
		db_alias a;
		json_t *one;
		if (db_alias_get(d, lower, t[i].type, &a) != AX_OK) {
			json_object_set_new(j, t[i].key, json_null());
			continue;
		}
		one = json_pack("{s:o, s:o, s:o}", "addresses", json_array(),
				"resolved_at", a.resolved_at ? api_time(a.resolved_at) :
				json_null(), "error", a.last_error[0] ?
				json_string(a.last_error) : json_null());
		for (char *save = NULL, *w = strtok_r(a.addresses, " ", &save); w;
		     w = strtok_r(NULL, " ", &save))
			json_array_append_new(json_object_get(one, "addresses"),
					      json_string(w));
		if (a.last_error[0])
			json_object_set_new(one, "error_at", api_time(a.last_error_at));
		json_object_set_new(j, t[i].key, one);
	}
	return j;
}

/* The record JSON; an ALIAS's carries its resolution. */
static json_t *record_json(api_req *rq, const rr_record *r)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)r->id,
			      "name", r->name, "type", r->type, "ttl",
			      (json_int_t)r->ttl, "content", r->content);

	if (j != NULL && strcmp(r->type, "ALIAS") == 0)
		json_object_set_new(j, "resolution", alias_json(rq->ctx->d, r->content));
	return j;
}

/* Reads a string member for a record; absent keeps *out. */
static int member_string(json_t *o, const char *key, const char **out,
			 ax_errinfo *ei)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return AX_OK;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return ax_fail(ei, AX_EINVAL, key, "%s: must be a string", key);
	*out = json_string_value(v);
	return AX_OK;
}

/* The members of a record: what a create or PATCH reads, and the
 * read-only ones GET shows (accepted unchanged). */
static const char *const record_known[] = {"name", "type", "ttl", "content", NULL};
static const char *const record_ro[] = {"id", NULL};
static const char *const record_derived[] = {"resolution", NULL};
static const api_members_spec record_members = {record_known, record_ro,
						record_derived};
static const char *const batch_known[] = {"delete", "add", NULL};
static const api_members_spec batch_members = {batch_known, NULL, NULL};

/*
 * Builds a normalized record from a JSON object. Members missing from o
 * are taken from base (a PATCH) or, without base, are required (ttl takes
 * the default). current is base as GET shows it (NULL without base).
 */
static int record_from_json(json_t *o, const char *zone, const rr_record *base,
			    json_t *current, uint32_t default_ttl, rr_record *out,
			    ax_errinfo *ei)
{
	const char *name = base ? base->name : NULL;
	const char *type = base ? base->type : NULL;
	const char *content = base ? base->content : NULL;
	long long ttl = base ? (long long)base->ttl : -1;
	json_t *jt;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o))
		return ax_fail(ei, AX_EINVAL, "", "a record must be a JSON object");
	if ((rc = api_members(o, NULL, &record_members, current, ei)) != AX_OK)
		return rc;
	if ((rc = member_string(o, "name", &name, ei)) != AX_OK ||
	    (rc = member_string(o, "type", &type, ei)) != AX_OK ||
	    (rc = member_string(o, "content", &content, ei)) != AX_OK)
		return rc;
	jt = json_object_get(o, "ttl");
	if (jt != NULL && !json_is_null(jt)) {
		if (!json_is_integer(jt))
			return ax_fail(ei, AX_EINVAL, "ttl", "ttl: must be an integer");
		ttl = json_integer_value(jt);
		if (ttl < 0)  /* -1 would mean "default" below */
			return rr_ttl_check(ttl, ei);
	}
	if (name == NULL)
		return ax_fail(ei, AX_EINVAL, "name", "name: is required (\"\" is the apex)");
	if (type == NULL)
		return ax_fail(ei, AX_EINVAL, "type", "type: is required");
	if (content == NULL)
		return ax_fail(ei, AX_EINVAL, "content", "content: is required");
	return rr_record_normalize(zone, name, type, ttl, content, default_ttl, out, ei);
}

/* Prefixes the field of an error detail, e.g. "content" -> "add[2].content".
 * Overlong results are cut to the detail's buffers. */
static void prefix_field(ax_errinfo *ei, const char *fmt, size_t i)
{
	char prefix[32], buf[sizeof(ei->field) + sizeof(ei->msg) + 64];

	snprintf(prefix, sizeof(prefix), fmt, i);
	snprintf(buf, sizeof(buf), "%s%s%s", prefix, ei->field[0] ? "." : "",
		 ei->field);
	snprintf(ei->field, sizeof(ei->field), "%.*s", (int)sizeof(ei->field) - 1, buf);
	snprintf(buf, sizeof(buf), "%s: %s", prefix, ei->msg);
	snprintf(ei->msg, sizeof(ei->msg), "%.*s", (int)sizeof(ei->msg) - 1, buf);
}

void h_record_list(api_req *rq, api_resp *rs)
{
	db_record_query q = {0};
	int64_t page, per_page, total;
	const char *name = api_query(rq, "name"), *type = api_query(rq, "type");
	char *norm_name = NULL;
	rr_record *recs = NULL;
	size_t n = 0;
	db_zone z = {0};
	ax_errinfo ei;
	json_t *data;
	int rc;

	ax_errinfo_clear(&ei);
	if (!api_page(rq, rs, &page, &per_page) || !api_zone_load(rq, rs, &z))
		goto cleanup;
	if ((name != NULL &&
	     (rc = rr_name_normalize(z.name, name, &norm_name, &ei)) != AX_OK) ||
	    (type != NULL && (rc = rr_type_normalize(type, &q.type, &ei)) != AX_OK)) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	q.name = norm_name;
	q.offset = (page - 1) * per_page;
	q.limit = per_page;
	if ((rc = db_record_list(rq->ctx->d, z.id, &q, &recs, &n, &total)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, record_json(rq, &recs[i]));
	api_json(rs, 200, api_paginated(data, page, per_page, total));
cleanup:
	rr_record_array_free(recs, n);
	free(norm_name);
	db_zone_clear(&z);
}

/* Starts an edit of the zone named by the first path parameter. */
static edit *begin(api_req *rq, api_resp *rs)
{
	char *name = NULL;
	edit *e = NULL;
	int rc;

	if (!api_zone_name(rq, rs, &name))
		return NULL;
	rc = edit_begin(rq->ctx->d, rq->account.id, name, rq->now, &e);
	if (rc == AX_ENOTFOUND)
		api_error(rs, 404, "not_found", NULL, "no such zone: %s", name);
	else if (rc != AX_OK)
		api_error_ax(rs, rc, NULL);
	free(name);
	return e;
}

void h_record_create(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	rr_record r = {0};
	edit *e = NULL;
	uint32_t serial;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || (e = begin(rq, rs)) == NULL)
		goto cleanup;
	if ((rc = record_from_json(body, edit_zone(e)->name, NULL, NULL,
				   (uint32_t)rq->ctx->cfg->default_ttl, &r, &ei)) != AX_OK ||
	    (rc = edit_add(e, &r, &ei)) != AX_OK ||
	    (rc = edit_commit(e, &serial, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	api_zone_changed(rq, edit_zone(e)->name);
	api_json(rs, 201, record_json(rq, &r));
cleanup:
	rr_record_clear(&r);
	edit_free(e);
	json_decref(body);
}

void h_record_get(api_req *rq, api_resp *rs)
{
	db_zone z = {0};
	rr_record r = {0};
	int64_t id;

	if (!api_zone_load(rq, rs, &z))
		return;
	if (!api_parse_id(rq->params[1], &id) ||
	    db_record_get(rq->ctx->d, z.id, id, &r) != AX_OK)
		api_error(rs, 404, "not_found", NULL, "zone %s has no record %s", z.name,
			  rq->params[1]);
	else
		api_json(rs, 200, record_json(rq, &r));
	rr_record_clear(&r);
	db_zone_clear(&z);
}

void h_record_update(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs), *shown = NULL;
	rr_record cur = {0}, r = {0};
	edit *e = NULL;
	uint32_t serial;
	int64_t id;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || (e = begin(rq, rs)) == NULL)
		goto cleanup;
	if (!api_parse_id(rq->params[1], &id) ||
	    db_record_get(rq->ctx->d, edit_zone(e)->id, id, &cur) != AX_OK) {
		api_error(rs, 404, "not_found", NULL, "zone %s has no record %s",
			  edit_zone(e)->name, rq->params[1]);
		goto cleanup;
	}
	shown = record_json(rq, &cur);
	if ((rc = record_from_json(body, edit_zone(e)->name, &cur, shown, 0, &r,
				   &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	r.id = id;
	if ((rc = edit_update(e, &r, &ei)) != AX_OK ||
	    (rc = edit_commit(e, &serial, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	api_zone_changed(rq, edit_zone(e)->name);
	api_json(rs, 200, record_json(rq, &r));
cleanup:
	rr_record_clear(&cur);
	rr_record_clear(&r);
	edit_free(e);
	json_decref(shown);
	json_decref(body);
}

void h_record_delete(api_req *rq, api_resp *rs)
{
	edit *e = begin(rq, rs);
	uint32_t serial;
	int64_t id;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (e == NULL)
		return;
	if (!api_parse_id(rq->params[1], &id)) {
		api_error(rs, 404, "not_found", NULL, "zone %s has no record %s",
			  edit_zone(e)->name, rq->params[1]);
	} else if ((rc = edit_delete(e, id, NULL, &ei)) != AX_OK ||
		   (rc = edit_commit(e, &serial, &ei)) != AX_OK) {
		api_error_ax(rs, rc, &ei);
	} else {
		api_zone_changed(rq, edit_zone(e)->name);
		rs->status = 204;
	}
	edit_free(e);
}

/* Parses the "add" array into normalized records (*recs, *n). */
static int batch_adds(json_t *arr, const char *zone, uint32_t default_ttl,
		      rr_record **recs, size_t *n, ax_errinfo *ei)
{
	size_t cnt = json_array_size(arr);
	int rc = AX_OK;

	*n = 0;
	if ((*recs = calloc(cnt + 1, sizeof(**recs))) == NULL)
		return AX_ENOMEM;
	for (size_t i = 0; i < cnt && rc == AX_OK; i++) {
		rc = record_from_json(json_array_get(arr, i), zone, NULL, NULL,
				      default_ttl, &(*recs)[i], ei);
		if (rc == AX_OK)
			*n = i + 1;
		else
			prefix_field(ei, "add[%zu]", i);
	}
	return rc;
}

static bool batch_arrays(json_t *body, json_t **dels, json_t **adds,
			 api_resp *rs)
{
	if (!api_members_ok(body, &batch_members, NULL, rs))
		return false;
	*dels = json_object_get(body, "delete");
	*adds = json_object_get(body, "add");
	if (*dels != NULL && !json_is_array(*dels)) {
		api_error(rs, 422, "invalid_field", "delete",
			  "delete: must be an array of record ids");
		return false;
	}
	if (*adds != NULL && !json_is_array(*adds)) {
		api_error(rs, 422, "invalid_field", "add",
			  "add: must be an array of records");
		return false;
	}
	if (json_array_size(*dels) + json_array_size(*adds) == 0) {
		api_error(rs, 422, "invalid_field", "add",
			  "add, delete: at least one change is needed");
		return false;
	}
	return true;
}

typedef struct id_at {
	json_int_t id;
	size_t i;  /* index in "delete" */
} id_at;

static int id_at_cmp(const void *a, const void *b)
{
	const id_at *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A record id given twice in "delete" is a mistake the caller should see
 * (a retried or merged list), not a silent no-op: a 422 naming the later
 * place. Sorted, so that a long list costs n log n. */
static int batch_repeats(json_t *dels, ax_errinfo *ei)
{
	size_t n = json_array_size(dels), k = 0, bad = SIZE_MAX, first = 0;
	id_at *v;

	if (n < 2)
		return AX_OK;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return AX_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_is_integer(json_array_get(dels, i)))
			v[k++] = (id_at){json_integer_value(json_array_get(dels, i)), i};
	qsort(v, k, sizeof(*v), id_at_cmp);
	for (size_t j = 1; j < k; j++) {
		if (v[j].id == v[j - 1].id && v[j].i < bad) {
			bad = v[j].i;
			first = v[j - 1].i;
		}
	}
	free(v);
	if (bad == SIZE_MAX)
		return AX_OK;
	ax_fail(ei, AX_EINVAL, "", "record id %lld is repeated (also delete[%zu])",
		(long long)json_integer_value(json_array_get(dels, bad)), first);
	prefix_field(ei, "delete[%zu]", bad);
	return AX_EINVAL;
}

static int batch_deletes(edit *e, json_t *dels, json_t *deleted, ax_errinfo *ei)
{
	int rc = batch_repeats(dels, ei);

	for (size_t i = 0; i < json_array_size(dels) && rc == AX_OK; i++) {
		json_t *v = json_array_get(dels, i);
		json_int_t id = json_is_integer(v) ? json_integer_value(v) : 0;
		if (id <= 0) {
			rc = ax_fail(ei, AX_EINVAL, "", "must be a record id");
		} else {
			rc = edit_delete(e, id, NULL, ei);
			if (rc == AX_ENOTFOUND)
				rc = ax_fail(ei, AX_EINVAL, "", "zone %s has no record %lld",
					     edit_zone(e)->name, (long long)id);
		}
		if (rc != AX_OK)
			prefix_field(ei, "delete[%zu]", i);
		else
			json_array_append_new(deleted, json_integer(id));
	}
	return rc;
}

void h_record_batch(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs), *dels, *adds, *deleted = NULL, *added;
	rr_record *recs = NULL;
	size_t n = 0;
	edit *e = NULL;
	uint32_t serial;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (body == NULL || !batch_arrays(body, &dels, &adds, rs) ||
	    (e = begin(rq, rs)) == NULL)
		goto cleanup;
	deleted = json_array();
	if ((rc = batch_adds(adds, edit_zone(e)->name,
			     (uint32_t)rq->ctx->cfg->default_ttl, &recs, &n, &ei)) != AX_OK ||
	    (rc = batch_deletes(e, dels, deleted, &ei)) != AX_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if ((rc = edit_add(e, &recs[i], &ei)) != AX_OK) {
			prefix_field(&ei, "add[%zu]", i);
			goto fail;
		}
	}
	if ((rc = edit_commit(e, &serial, &ei)) != AX_OK)
		goto fail;
	api_zone_changed(rq, edit_zone(e)->name);
	added = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(added, record_json(rq, &recs[i]));
	api_json(rs, 200, json_pack("{s:I, s:O, s:o}", "serial", (json_int_t)serial,
				    "deleted", deleted, "added", added));
	goto cleanup;
fail:
	api_error_ax(rs, rc, &ei);
cleanup:
	json_decref(deleted);
	rr_record_array_free(recs, n);
	edit_free(e);
	json_decref(body);
}
