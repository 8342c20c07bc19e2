/* api_internal.h -- what the API's handlers share: the request and
 * response of one HTTP exchange, the route table and JSON helpers. */
#ifndef AXFRD_API_INTERNAL_H
#define AXFRD_API_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "axfrd/budget.h"
#include "axfrd/config.h"
#include "axfrd/error.h"
#include "axfrd/metrics.h"
#include "axfrd/psl.h"
#include "db/db.h"
#include "db/db_account.h"

#define API_MAX_PARAMS 3

/* State shared by all requests; used only on the API thread. */
typedef struct api_ctx {
	db *d;
	const config *cfg;
	budget *budget;       /* outbound-rate-per-account (shared, thread-safe) */
	const psl_list *psl;  /* public suffixes, which no zone may be */
	void (*on_change)(void *arg, const char *zone);
	void *change_arg;
} api_ctx;

/* One query-string argument, percent-decoded. */
typedef struct api_qarg {
	char *key;
	char *value; /* "" when the argument has no '=' */
} api_qarg;

#define API_MAX_QUERY 16

/* One request, as the handler sees it. Strings are borrowed from
 * libmicrohttpd or the request state and live until the response. */
typedef struct api_req {
	api_ctx *ctx;
	struct MHD_Connection *conn;
	const char *method;
	const char *params[API_MAX_PARAMS]; /* path captures, decoded */
	const api_qarg *query;               /* query arguments, decoded */
	size_t nquery;
	const char *body;                    /* NUL-terminated, may be NULL */
	size_t body_len;
	db_account account;                  /* the authenticated caller */
	time_t now;
} api_req;

/* The response a handler builds. */
typedef struct api_resp {
	unsigned status;
	json_t *json;        /* owned; sent as application/json */
	char *text;          /* owned; sent with ctype when json is NULL */
	const char *ctype;
	unsigned retry_after; /* seconds; > 0: sent as Retry-After */
} api_resp;

typedef void (*api_handler)(api_req *rq, api_resp *rs);

typedef enum api_auth { AUTH_NONE, AUTH_ACCOUNT, AUTH_ADMIN } api_auth;
typedef enum api_body { BODY_NONE, BODY_JSON, BODY_TEXT } api_body;

/* One route: method and path pattern ("{x}" captures a segment). Routes
 * are tried in order; the first whose pattern and method match wins. */
typedef struct api_route {
	const char *method;
	const char *pattern;
	api_handler handler;
	api_auth auth;
	api_body body;
} api_route;

extern const api_route api_routes[];
extern const size_t api_nroutes;

/* Sets a JSON error response {"error": {"code", "message"[, "field"]
 * [, "line"]}}. */
void api_error(api_resp *rs, unsigned status, const char *code,
	       const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Maps an ax_err and its details to the right status and error body:
 * EINVAL 422, ENOTFOUND 404, EEXIST/ECONFLICT 409, ETOOBIG 413, EBUSY 503,
 * EDENIED 403, anything else 500 (details logged, not shown). */
void api_error_ax(api_resp *rs, int err, const ax_errinfo *ei);

/* The 429 of a request whose packets the account's outbound budget
 * (outbound-rate-per-account) cannot pay for now: the error body, and
 * Retry-After with the seconds until it can (wait_ms rounded up). */
void api_error_budget(api_resp *rs, uint64_t wait_ms, const char *what);

/* Takes the tokens of n packets (of kind, for the metric) from account's
 * outbound budget, for what (a status check, "notify now"); false: the
 * 429 is set, logged and counted. */
bool api_budget_take(api_req *rq, api_resp *rs, int64_t account, uint64_t n,
		     metric_budget_kind kind, const char *what);

/* Sets a JSON response; steals j. */
void api_json(api_resp *rs, unsigned status, json_t *j);

/* Parses the body as a JSON object; on failure sets a 400 and returns
 * NULL. The caller owns the result. */
json_t *api_body_object(api_req *rq, api_resp *rs);

/* The member names a JSON body may have (NULL-terminated lists; NULL for
 * none). */
typedef struct api_members_spec {
	const char *const *known;     /* what the request reads */
	const char *const *read_only; /* what GET shows beside them: ids, times */
	const char *const *derived;   /* what GET shows and the server refreshes
				       * on its own (an ALIAS's resolution):
				       * accepted with any value, ignored */
} api_members_spec;

/*
 * Checks the member names of a JSON body object against spec. A read-only
 * member is accepted only when current (the resource as GET shows it;
 * NULL when it does not exist yet) holds the same value, so that a
 * GET-then-PUT round trip works. Anything else is AX_EINVAL naming the
 * member ("serial_polcy", prefixed "soa.serial_polcy" when prefix is
 * "soa").
 */
int api_members(json_t *obj, const char *prefix, const api_members_spec *spec,
		json_t *current, ax_errinfo *ei);

/* api_members for a whole body; sets the 422 and returns false. */
bool api_members_ok(json_t *obj, const api_members_spec *spec, json_t *current,
		    api_resp *rs);

/* Reads optional member key of obj. Absent or null: returns true and
 * leaves *out as it was. Wrong type: sets a 422 naming the field and
 * returns false. */
bool api_opt_string(json_t *obj, const char *key, const char **out,
		    api_resp *rs);
bool api_opt_int(json_t *obj, const char *key, long long *out, api_resp *rs);
bool api_opt_bool(json_t *obj, const char *key, bool *out, api_resp *rs);

/* Like api_opt_string, but absent is a 422 "is required". */
bool api_req_string(json_t *obj, const char *key, const char **out,
		    api_resp *rs);

/* Reads a (decoded) query-string argument, or NULL; the first wins when
 * one is given twice. */
const char *api_query(api_req *rq, const char *key);

/* Reads ?page=&per_page= (defaults 1 and 30, per_page at most 100). On a
 * bad value sets a 422 and returns false. */
bool api_page(api_req *rq, api_resp *rs, int64_t *page, int64_t *per_page);

/* {"data": data, "pagination": {...}}; steals data. */
json_t *api_paginated(json_t *data, int64_t page, int64_t per_page,
		      int64_t total);

/* ISO 8601 UTC text of a Unix time, as a JSON string. */
json_t *api_time(int64_t t);

/* Tells the DNS side that zone (normalized name) changed; call after the
 * change committed. */
void api_zone_changed(api_req *rq, const char *zone);

/* Parses a positive decimal id from a path segment; false if not one. */
bool api_parse_id(const char *s, int64_t *out);

/* Handlers (one group per file). */
/* Why the NOTIFY target ("ADDR:PORT") at index i of a configuration's
 * list gets no NOTIFY (OUTBOUND_REASON: outside the outbound policy;
 * OUTBOUND_REASON_MAX_TARGETS: past notify-max-targets), or NULL when it
 * gets one. */
const char *api_notify_skip(const config *cfg, size_t i, const char *target);

void h_healthz(api_req *rq, api_resp *rs);
void h_metrics(api_req *rq, api_resp *rs);
void h_zone_notify(api_req *rq, api_resp *rs);
void h_secondary_status(api_req *rq, api_resp *rs);
void h_account_create(api_req *rq, api_resp *rs);
void h_account_list(api_req *rq, api_resp *rs);
void h_account_get(api_req *rq, api_resp *rs);
void h_token_create(api_req *rq, api_resp *rs);
void h_token_list(api_req *rq, api_resp *rs);
void h_token_delete(api_req *rq, api_resp *rs);
void h_zone_create(api_req *rq, api_resp *rs);
void h_zone_list(api_req *rq, api_resp *rs);
void h_zone_get(api_req *rq, api_resp *rs);
void h_zone_update(api_req *rq, api_resp *rs);
void h_zone_delete(api_req *rq, api_resp *rs);
void h_zone_serial(api_req *rq, api_resp *rs);
void h_zone_move(api_req *rq, api_resp *rs);
void h_zone_events(api_req *rq, api_resp *rs);
void h_record_list(api_req *rq, api_resp *rs);
void h_record_create(api_req *rq, api_resp *rs);
void h_record_batch(api_req *rq, api_resp *rs);
void h_record_get(api_req *rq, api_resp *rs);
void h_record_update(api_req *rq, api_resp *rs);
void h_record_delete(api_req *rq, api_resp *rs);
void h_zone_import(api_req *rq, api_resp *rs);
void h_zone_export(api_req *rq, api_resp *rs);
void h_provider_list(api_req *rq, api_resp *rs);
void h_nsset_list(api_req *rq, api_resp *rs);
void h_nsset_create(api_req *rq, api_resp *rs);
void h_nsset_get(api_req *rq, api_resp *rs);
void h_nsset_update(api_req *rq, api_resp *rs);
void h_nsset_delete(api_req *rq, api_resp *rs);
void h_secondary_get(api_req *rq, api_resp *rs);
void h_secondary_put(api_req *rq, api_resp *rs);
void h_secondary_patch(api_req *rq, api_resp *rs);
void h_secondary_delete(api_req *rq, api_resp *rs);
void h_secondary_events(api_req *rq, api_resp *rs);
void h_tsig_list(api_req *rq, api_resp *rs);
void h_tsig_create(api_req *rq, api_resp *rs);
void h_tsig_get(api_req *rq, api_resp *rs);
void h_tsig_delete(api_req *rq, api_resp *rs);

#endif
