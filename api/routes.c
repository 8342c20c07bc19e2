/* routes.c -- the API's route table. api/openapi.json describes exactly
 * these routes; tests/unit/test_openapi.c fails when the two differ. */
#include "api_internal.h"

const api_route api_routes[] = {
	{"GET", "/healthz", h_healthz, AUTH_NONE, BODY_NONE},
	{"POST", "/v1/accounts", h_account_create, AUTH_ADMIN, BODY_JSON},
	{"GET", "/v1/accounts", h_account_list, AUTH_ADMIN, BODY_NONE},
	{"GET", "/v1/accounts/{account}", h_account_get, AUTH_ACCOUNT, BODY_NONE},
	{"POST", "/v1/accounts/{account}/tokens", h_token_create, AUTH_ACCOUNT, BODY_NONE},
	{"GET", "/v1/accounts/{account}/tokens", h_token_list, AUTH_ACCOUNT, BODY_NONE},
	{"DELETE", "/v1/accounts/{account}/tokens/{token}", h_token_delete,
	 AUTH_ACCOUNT, BODY_NONE},
	{"POST", "/v1/zones", h_zone_create, AUTH_ACCOUNT, BODY_JSON},
	{"GET", "/v1/zones", h_zone_list, AUTH_ACCOUNT, BODY_NONE},
	{"GET", "/v1/zones/{zone}", h_zone_get, AUTH_ACCOUNT, BODY_NONE},
	{"PATCH", "/v1/zones/{zone}", h_zone_update, AUTH_ACCOUNT, BODY_JSON},
	{"DELETE", "/v1/zones/{zone}", h_zone_delete, AUTH_ACCOUNT, BODY_NONE},
	{"GET", "/v1/zones/{zone}/records", h_record_list, AUTH_ACCOUNT, BODY_NONE},
	{"POST", "/v1/zones/{zone}/records", h_record_create, AUTH_ACCOUNT, BODY_JSON},
	{"POST", "/v1/zones/{zone}/records/batch", h_record_batch, AUTH_ACCOUNT,
	 BODY_JSON},
	{"GET", "/v1/zones/{zone}/records/{id}", h_record_get, AUTH_ACCOUNT, BODY_NONE},
	{"PATCH", "/v1/zones/{zone}/records/{id}", h_record_update, AUTH_ACCOUNT,
	 BODY_JSON},
	{"DELETE", "/v1/zones/{zone}/records/{id}", h_record_delete, AUTH_ACCOUNT,
	 BODY_NONE},
	{"POST", "/v1/zones/{zone}/import", h_zone_import, AUTH_ACCOUNT, BODY_TEXT},
	{"GET", "/v1/zones/{zone}/export", h_zone_export, AUTH_ACCOUNT, BODY_NONE},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
