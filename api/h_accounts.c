/* h_accounts.c -- health, accounts and API tokens. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "axfrd/log.h"
#include "axfrd/token.h"

void h_healthz(api_req *rq, api_resp *rs)
{
	api_json(rs, 200, json_pack("{s:s, s:i}", "status", "ok", "schema_version",
				    db_user_version(rq->ctx->d)));
}

static json_t *account_json(const db_account *a)
{
	return json_pack("{s:I, s:s, s:b, s:o}", "id", (json_int_t)a->id, "name",
			 a->name, "admin", a->is_admin, "created_at",
			 api_time(a->created_at));
}

static bool account_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return false;
	return true;
}

/* The members of an account: what a create reads, what GET adds. */
static const char *const account_known[] = {"name", NULL};
static const char *const account_ro[] = {"id", "admin", "created_at", NULL};
static const api_members_spec account_members = {account_known, account_ro, NULL};

void h_account_create(api_req *rq, api_resp *rs)
{
	json_t *body = api_body_object(rq, rs);
	const char *name = NULL;
	db_account a;
	int64_t id;
	int rc;

	if (body == NULL || !api_members_ok(body, &account_members, NULL, rs) ||
	    !api_req_string(body, "name", &name, rs))
		goto cleanup;
	if (!account_name_ok(name)) {
		api_error(rs, 422, "invalid_field", "name",
			  "name: 1 to 64 letters, digits, '.', '_' or '-'");
		goto cleanup;
	}
	rc = db_account_create(rq->ctx->d, name, false, rq->now, &id);
	if (rc == AX_EEXIST) {
		api_error(rs, 409, "conflict", "name", "an account named '%s' exists", name);
		goto cleanup;
	}
	if (rc != AX_OK || (rc = db_account_get(rq->ctx->d, id, &a)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	log_info("api", "account %lld '%s' created", (long long)id, name);
	api_json(rs, 201, account_json(&a));
cleanup:
	json_decref(body);
}

void h_account_list(api_req *rq, api_resp *rs)
{
	int64_t page, per_page, total;
	db_account *arr;
	size_t n;
	json_t *data;
	int rc;

	if (!api_page(rq, rs, &page, &per_page))
		return;
	rc = db_account_list(rq->ctx->d, (page - 1) * per_page, per_page, &arr, &n,
			     &total);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, account_json(&arr[i]));
	free(arr);
	api_json(rs, 200, api_paginated(data, page, per_page, total));
}

/* Resolves {account} to an account the caller may manage: the admin any,
 * others only their own. Others are a 404, so ids do not leak. */
static bool visible_account(api_req *rq, api_resp *rs, db_account *out)
{
	int64_t id;

	if (!api_parse_id(rq->params[0], &id) ||
	    (!rq->account.is_admin && id != rq->account.id) ||
	    db_account_get(rq->ctx->d, id, out) != AX_OK) {
		api_error(rs, 404, "not_found", NULL, "no such account");
		return false;
	}
	return true;
}

void h_account_get(api_req *rq, api_resp *rs)
{
	db_account a;

	if (visible_account(rq, rs, &a))
		api_json(rs, 200, account_json(&a));
}

void h_token_create(api_req *rq, api_resp *rs)
{
	char token[TOKEN_LEN + 1];
	db_account a;
	int64_t id;
	int rc;

	if (!visible_account(rq, rs, &a))
		return;
	if ((rc = token_issue(rq->ctx->d, a.id, NULL, rq->now, token, &id)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	log_info("api", "account %lld: token %lld issued", (long long)a.id,
		 (long long)id);
	api_json(rs, 201, json_pack("{s:I, s:I, s:s, s:s%, s:o}", "id", (json_int_t)id,
				    "account_id", (json_int_t)a.id, "token", token,
				    "prefix", token, (size_t)TOKEN_PREFIX_LEN,
				    "created_at", api_time(rq->now)));
	memset(token, 0, sizeof(token));
}

void h_token_list(api_req *rq, api_resp *rs)
{
	db_account a;
	db_token *arr;
	size_t n;
	json_t *data;
	int rc;

	if (!visible_account(rq, rs, &a))
		return;
	if ((rc = db_token_list(rq->ctx->d, a.id, &arr, &n)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	data = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, json_pack("{s:I, s:I, s:s, s:o}", "id",
			(json_int_t)arr[i].id, "account_id", (json_int_t)a.id,
			"prefix", arr[i].prefix, "created_at",
			api_time(arr[i].created_at)));
	free(arr);
	api_json(rs, 200, json_pack("{s:o}", "data", data));
}

void h_token_delete(api_req *rq, api_resp *rs)
{
	db_account a;
	int64_t id;

	if (!visible_account(rq, rs, &a))
		return;
	if (!api_parse_id(rq->params[1], &id) ||
	    db_token_delete(rq->ctx->d, a.id, id) != AX_OK) {
		api_error(rs, 404, "not_found", NULL, "no such token");
		return;
	}
	log_info("api", "account %lld: token %lld revoked", (long long)a.id,
		 (long long)id);
	rs->status = 204;
}
