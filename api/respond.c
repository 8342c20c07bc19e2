/* respond.c -- JSON responses, errors, request-field and query helpers
 * shared by the API handlers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "axfrd/log.h"
#include "axfrd/utf8.h"

void api_json(api_resp *rs, unsigned status, json_t *j)
{
	json_decref(rs->json);
	rs->status = status;
	rs->json = j;
}

/* A copy of text made valid UTF-8: a message or field that a precision
 * or a buffer cut inside a character would make json_pack refuse, and
 * the reply would lose its error. */
static json_t *repaired_string(const char *text)
{
	char buf[1024];
	size_t n = strlen(text);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, text, n);
	utf8_repair(buf, n);
	return json_string(buf);
}

static void error_body(api_resp *rs, unsigned status, const char *code,
		       const char *field, unsigned line, const char *msg)
{
	json_t *err = json_pack("{s:s, s:o}", "code", code, "message",
				repaired_string(msg[0] ? msg : code));

	if (err != NULL && field != NULL && field[0] != '\0')
		json_object_set_new(err, "field", repaired_string(field));
	if (err != NULL && line > 0)
		json_object_set_new(err, "line", json_integer(line));
	api_json(rs, status, json_pack("{s:o*}", "error", err));
}

void api_error_budget(api_resp *rs, uint64_t wait_ms, const char *what)
{
	uint64_t secs = (wait_ms + 999) / 1000;

	rs->retry_after = secs < 1 ? 1 : secs > 3600 ? 3600 : (unsigned)secs;
	error_body(rs, 429, "rate_limited", NULL, 0, what);
}

bool api_budget_take(api_req *rq, api_resp *rs, int64_t account, uint64_t n,
		     metric_budget_kind kind, const char *what)
{
	char msg[320];
	uint64_t wait;

	if (budget_take(rq->ctx->budget, account, n, &wait))
		return true;
	metric_outbound_throttled(kind, n);
	log_info("api", "account %lld: %s (%llu packets) refused for %llu ms: "
		 "outbound-rate-per-account spent", (long long)account, what,
		 (unsigned long long)n, (unsigned long long)wait);
	snprintf(msg, sizeof(msg), "%s would send %llu packets; this account may "
		 "make the server send %lld per second (outbound-rate-per-account) "
		 "and has spent that: retry after %llu s", what,
		 (unsigned long long)n, (long long)rq->ctx->cfg->outbound_rate_per_account,
		 (unsigned long long)((wait + 999) / 1000));
	api_error_budget(rs, wait, msg);
	return false;
}

void api_error(api_resp *rs, unsigned status, const char *code,
	       const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_body(rs, status, code, field, 0, msg);
}

void api_error_ax(api_resp *rs, int err, const ax_errinfo *ei)
{
	const char *msg = ei != NULL && ei->msg[0] ? ei->msg : ax_strerror(err);
	const char *field = ei != NULL ? ei->field : NULL;
	unsigned line = ei != NULL ? ei->line : 0;

	switch (err) {
	case AX_EINVAL:
		error_body(rs, 422, "invalid_field", field, line, msg);
		return;
	case AX_ENOTFOUND:
		error_body(rs, 404, "not_found", NULL, 0, msg);
		return;
	case AX_EEXIST:
	case AX_ECONFLICT:
		error_body(rs, 409, "conflict", field, line, msg);
		return;
	case AX_ETOOBIG:
		error_body(rs, 413, "payload_too_large", NULL, 0, msg);
		return;
	case AX_EBUSY:
		error_body(rs, 503, "busy", NULL, 0, "the store is busy; retry");
		return;
	case AX_EDENIED:
		error_body(rs, 403, "forbidden", NULL, 0, msg);
		return;
	default:
		log_err("api", "internal error: %s (%s)", ax_strerror(err), msg);
		error_body(rs, 500, "internal", NULL, 0, "internal error");
	}
}

json_t *api_body_object(api_req *rq, api_resp *rs)
{
	json_error_t jerr;
	json_t *j;

	if (rq->body == NULL || rq->body_len == 0) {
		api_error(rs, 400, "invalid_json", NULL, "a JSON object body is required");
		return NULL;
	}
	j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		api_error(rs, 400, "invalid_json", NULL, "malformed JSON at line %d: %s",
			  jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_error(rs, 400, "invalid_json", NULL, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

static bool listed(const char *const *names, const char *key)
{
	for (size_t i = 0; names != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], key) == 0)
			return true;
	return false;
}

/* "a, b, c" of names into buf. */
static const char *joined(const char *const *names, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; names != NULL && names[i] != NULL && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

int api_members(json_t *obj, const char *prefix, const api_members_spec *spec,
		json_t *current, ax_errinfo *ei)
{
	const char *key;
	json_t *v;

	/* jansson refuses a NUL in a member name, so key is the whole name. */
	json_object_foreach(obj, key, v) {
		char field[sizeof(ei->field)], names[200];
		json_t *now = current != NULL ? json_object_get(current, key) : NULL;

		if (listed(spec->known, key) || listed(spec->derived, key))
			continue;
		snprintf(field, sizeof(field), "%s%s%.*s", prefix ? prefix : "",
			 prefix && prefix[0] ? "." : "", 40, key);
		if (!listed(spec->read_only, key))
			return ax_fail(ei, AX_EINVAL, field, "%s: unknown member; "
				       "this request reads %s", field,
				       joined(spec->known, names, sizeof(names)));
		if (now == NULL)
			return ax_fail(ei, AX_EINVAL, field, "%s: is read-only (the "
				       "server sets it); leave it out", field);
		if (!json_equal(v, now))
			return ax_fail(ei, AX_EINVAL, field, "%s: is read-only and "
				       "differs from the stored value; leave it out or "
				       "send it unchanged", field);
	}
	return AX_OK;
}

bool api_members_ok(json_t *obj, const api_members_spec *spec, json_t *current,
		    api_resp *rs)
{
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if ((rc = api_members(obj, NULL, spec, current, &ei)) != AX_OK)
		api_error_ax(rs, rc, &ei);
	return rc == AX_OK;
}

bool api_opt_string(json_t *obj, const char *key, const char **out,
		    api_resp *rs)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		api_error(rs, 422, "invalid_field", key, "%s: must be a string", key);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		api_error(rs, 422, "invalid_field", key, "%s: must not contain NUL", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

bool api_req_string(json_t *obj, const char *key, const char **out,
		    api_resp *rs)
{
	const char *v = NULL;

	if (!api_opt_string(obj, key, &v, rs))
		return false;
	if (v == NULL) {
		api_error(rs, 422, "invalid_field", key, "%s: is required", key);
		return false;
	}
	*out = v;
	return true;
}

bool api_opt_int(json_t *obj, const char *key, long long *out, api_resp *rs)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_integer(v)) {
		api_error(rs, 422, "invalid_field", key, "%s: must be an integer", key);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

bool api_opt_bool(json_t *obj, const char *key, bool *out, api_resp *rs)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_boolean(v)) {
		api_error(rs, 422, "invalid_field", key, "%s: must be true or false", key);
		return false;
	}
	*out = json_is_true(v);
	return true;
}

const char *api_query(api_req *rq, const char *key)
{
	for (size_t i = 0; i < rq->nquery; i++)
		if (strcmp(rq->query[i].key, key) == 0)
			return rq->query[i].value;
	return NULL;
}

/* Parses a query integer in [min, max]; absent keeps *out. */
static bool query_int(api_req *rq, api_resp *rs, const char *key, int64_t min,
		      int64_t max, int64_t *out)
{
	const char *s = api_query(rq, key);
	char *end;
	long long v;

	if (s == NULL)
		return true;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		api_error(rs, 422, "invalid_field", key,
			  "%s: must be an integer from %lld to %lld", key,
			  (long long)min, (long long)max);
		return false;
	}
	*out = v;
	return true;
}

bool api_page(api_req *rq, api_resp *rs, int64_t *page, int64_t *per_page)
{
	*page = 1;
	*per_page = 30;
	return query_int(rq, rs, "page", 1, 1000000000, page) &&
	       query_int(rq, rs, "per_page", 1, 100, per_page);
}

json_t *api_paginated(json_t *data, int64_t page, int64_t per_page,
		      int64_t total)
{
	return json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "data", data,
			 "pagination", "page", (json_int_t)page, "per_page",
			 (json_int_t)per_page, "total_entries", (json_int_t)total,
			 "total_pages", (json_int_t)((total + per_page - 1) / per_page));
}

json_t *api_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

void api_zone_changed(api_req *rq, const char *zone)
{
	if (rq->ctx->on_change != NULL)
		rq->ctx->on_change(rq->ctx->change_arg, zone);
}

bool api_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return false;
	*out = v;
	return true;
}
