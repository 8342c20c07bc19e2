/* test_openapi.c -- keeps api/openapi.json in sync with the route table
 * api_routes[] of api/routes.c: the same paths and methods on both sides,
 * x-axfrd-auth and x-axfrd-body mirroring each route's auth and body kind,
 * and every {param} of a pattern declared as a path parameter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api/api_internal.h"

#define OPENAPI_FILE AXFRD_SOURCE_DIR "/api/openapi.json"

/* The HTTP methods an OpenAPI 3 path item can hold. */
static const char *const oa_methods[] = {
	"get", "put", "post", "delete", "options", "head", "patch", "trace",
};
#define N_OA_METHODS (sizeof(oa_methods) / sizeof(oa_methods[0]))

static json_t *doc;

static int load_doc(void **state)
{
	json_error_t err;

	(void)state;
	doc = json_load_file(OPENAPI_FILE, 0, &err);
	if (!doc) {
		print_error("cannot parse %s: line %d column %d: %s\n",
			    OPENAPI_FILE, err.line, err.column, err.text);
		return -1;
	}
	if (!json_is_object(json_object_get(doc, "paths"))) {
		print_error("%s has no \"paths\" object\n", OPENAPI_FILE);
		json_decref(doc);
		doc = NULL;
		return -1;
	}
	return 0;
}

static int free_doc(void **state)
{
	(void)state;
	json_decref(doc);
	doc = NULL;
	return 0;
}

static const char *auth_name(api_auth a)
{
	switch (a) {
	case AUTH_NONE:
		return "none";
	case AUTH_ACCOUNT:
		return "account";
	case AUTH_ADMIN:
		return "admin";
	}
	return "?";
}

static const char *body_name(api_body b)
{
	switch (b) {
	case BODY_NONE:
		return "none";
	case BODY_JSON:
		return "json";
	case BODY_TEXT:
		return "text";
	}
	return "?";
}

/* Lower-case copy of an HTTP method, as OpenAPI spells it. */
static void lower(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
}

static json_t *path_item(const char *pattern)
{
	return json_object_get(json_object_get(doc, "paths"), pattern);
}

/* The operation object for pattern and method (any case), or NULL. */
static json_t *find_op(const char *pattern, const char *method)
{
	char m[16];
	json_t *op;

	lower(method, m, sizeof(m));
	op = json_object_get(path_item(pattern), m);
	return json_is_object(op) ? op : NULL;
}

static const api_route *find_route(const char *pattern, const char *method)
{
	size_t i;

	for (i = 0; i < api_nroutes; i++)
		if (strcmp(api_routes[i].pattern, pattern) == 0 &&
		    strcasecmp(api_routes[i].method, method) == 0)
			return &api_routes[i];
	return NULL;
}

/* Follows a local "$ref": "#/a/b" (RFC 6901 escapes) within the
 * document; returns node itself when it is not a reference, NULL when the
 * reference leads nowhere. */
static json_t *resolve(json_t *node)
{
	const char *ref, *p;
	json_t *cur;
	int hops;

	for (hops = 0; hops < 8; hops++) {
		ref = json_string_value(json_object_get(node, "$ref"));
		if (!ref)
			return node;
		if (strncmp(ref, "#/", 2) != 0)
			return NULL;
		cur = doc;
		p = ref + 2;
		while (*p && cur) {
			char key[256];
			size_t k = 0;

			while (*p && *p != '/' && k + 1 < sizeof(key)) {
				if (p[0] == '~' && p[1] == '1') {
					key[k++] = '/';
					p += 2;
				} else if (p[0] == '~' && p[1] == '0') {
					key[k++] = '~';
					p += 2;
				} else {
					key[k++] = *p++;
				}
			}
			key[k] = '\0';
			if (*p == '/')
				p++;
			cur = json_object_get(cur, key);
		}
		if (!cur)
			return NULL;
		node = cur;
	}
	return NULL;
}

/* Whether the parameter list params (of an operation or a path item)
 * declares name as a required path parameter. */
static bool declares_path_param(json_t *params, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(params, i, p) {
		p = resolve(p);
		if (!p)
			continue;
		if (json_is_string(json_object_get(p, "in")) &&
		    strcmp(json_string_value(json_object_get(p, "in")), "path") == 0 &&
		    json_is_string(json_object_get(p, "name")) &&
		    strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
		    json_is_true(json_object_get(p, "required")))
			return true;
	}
	return false;
}

/* Whether pattern has a "{name}" segment. */
static bool pattern_has_param(const char *pattern, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = strchr(pattern, '{'); p; p = strchr(p + 1, '{'))
		if (strncmp(p + 1, name, n) == 0 && p[1 + n] == '}')
			return true;
	return false;
}

/* Counts the declared path parameters of params that pattern lacks. */
static int extra_path_params(json_t *params, const char *pattern,
			     const char *method)
{
	size_t i;
	json_t *p;
	int bad = 0;

	json_array_foreach(params, i, p) {
		const char *in, *name;

		p = resolve(p);
		if (!p) {
			print_error("%s %s: a parameter $ref leads nowhere\n",
				    method, pattern);
			bad++;
			continue;
		}
		in = json_string_value(json_object_get(p, "in"));
		name = json_string_value(json_object_get(p, "name"));
		if (!in || strcmp(in, "path") != 0)
			continue;
		if (!name || !pattern_has_param(pattern, name)) {
			print_error("%s %s: declares path parameter \"%s\" that "
				    "the pattern does not have\n",
				    method, pattern, name ? name : "(no name)");
			bad++;
		}
	}
	return bad;
}

static void test_document_basics(void **state)
{
	const char *version, *path, *other_path;
	json_t *item, *other_item, *op, *other_op;
	int bad = 0;
	size_t i, j;

	(void)state;
	version = json_string_value(json_object_get(doc, "openapi"));
	if (!version || strcmp(version, "3.0.3") != 0) {
		print_error("openapi is \"%s\", want \"3.0.3\"\n",
			    version ? version : "(missing)");
		bad++;
	}

	/* Every operation has an operationId, unique in the document. */
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		for (i = 0; i < N_OA_METHODS; i++) {
			const char *id;

			op = json_object_get(item, oa_methods[i]);
			if (!op)
				continue;
			id = json_string_value(json_object_get(op, "operationId"));
			if (!id) {
				print_error("%s %s: no operationId\n",
					    oa_methods[i], path);
				bad++;
				continue;
			}
			json_object_foreach(json_object_get(doc, "paths"),
					    other_path, other_item) {
				for (j = 0; j < N_OA_METHODS; j++) {
					const char *oid;

					other_op = json_object_get(other_item,
								   oa_methods[j]);
					oid = json_string_value(json_object_get(
						other_op, "operationId"));
					if (other_op != op && oid &&
					    strcmp(oid, id) == 0) {
						print_error("%s %s: operationId "
							    "\"%s\" is not unique\n",
							    oa_methods[i], path, id);
						bad++;
					}
				}
			}
		}
	}
	if (bad)
		fail_msg("%d problem(s) in %s", bad, OPENAPI_FILE);
}

/* Every route of api_routes[] is in the document. */
static void test_routes_are_documented(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < api_nroutes; i++) {
		const api_route *r = &api_routes[i];

		if (!find_op(r->pattern, r->method)) {
			print_error("route %s %s is in api_routes[] but not in "
				    "api/openapi.json\n",
				    r->method, r->pattern);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d route(s) missing from api/openapi.json", bad);
}

/* Every operation of the document is a route of api_routes[]. */
static void test_documented_operations_are_routed(void **state)
{
	const char *path;
	json_t *item;
	size_t i;
	int bad = 0;

	(void)state;
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		bool any = false;

		for (i = 0; i < N_OA_METHODS; i++) {
			if (!json_object_get(item, oa_methods[i]))
				continue;
			any = true;
			if (!find_route(path, oa_methods[i])) {
				print_error("operation %s %s is in "
					    "api/openapi.json but not in "
					    "api_routes[]\n",
					    oa_methods[i], path);
				bad++;
			}
		}
		if (!any) {
			print_error("path %s in api/openapi.json has no "
				    "operation\n", path);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d operation(s) of api/openapi.json not routed", bad);
}

/* x-axfrd-auth and x-axfrd-body mirror the route table, and only the
 * unauthenticated routes override security to []. */
static void test_extensions_match(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < api_nroutes; i++) {
		const api_route *r = &api_routes[i];
		json_t *op = find_op(r->pattern, r->method);
		json_t *sec;
		const char *auth, *body;

		if (!op)
			continue; /* reported by test_routes_are_documented */
		auth = json_string_value(json_object_get(op, "x-axfrd-auth"));
		body = json_string_value(json_object_get(op, "x-axfrd-body"));
		if (!auth || strcmp(auth, auth_name(r->auth)) != 0) {
			print_error("route %s %s: x-axfrd-auth is \"%s\", the "
				    "route table says \"%s\"\n",
				    r->method, r->pattern,
				    auth ? auth : "(missing)", auth_name(r->auth));
			bad++;
		}
		if (!body || strcmp(body, body_name(r->body)) != 0) {
			print_error("route %s %s: x-axfrd-body is \"%s\", the "
				    "route table says \"%s\"\n",
				    r->method, r->pattern,
				    body ? body : "(missing)", body_name(r->body));
			bad++;
		}
		sec = json_object_get(op, "security");
		if (r->auth == AUTH_NONE &&
		    !(json_is_array(sec) && json_array_size(sec) == 0)) {
			print_error("route %s %s needs no token but its "
				    "operation does not say \"security\": []\n",
				    r->method, r->pattern);
			bad++;
		}
		if (r->auth != AUTH_NONE && sec &&
		    !(json_is_array(sec) && json_array_size(sec) > 0)) {
			print_error("route %s %s needs a token but its "
				    "operation overrides security to none\n",
				    r->method, r->pattern);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d x-axfrd-auth/x-axfrd-body/security mismatch(es)",
			 bad);
}

/* Every {param} of a pattern is a declared path parameter of the
 * operation or its path item, and no other path parameter is declared. */
static void test_path_params_declared(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < api_nroutes; i++) {
		const api_route *r = &api_routes[i];
		json_t *op = find_op(r->pattern, r->method);
		json_t *op_params, *item_params;
		const char *p, *end;

		if (!op)
			continue; /* reported by test_routes_are_documented */
		op_params = json_object_get(op, "parameters");
		item_params = json_object_get(path_item(r->pattern), "parameters");
		for (p = strchr(r->pattern, '{'); p; p = strchr(end, '{')) {
			char name[64];
			size_t n;

			end = strchr(p, '}');
			if (!end) {
				print_error("route %s %s: unclosed '{'\n",
					    r->method, r->pattern);
				bad++;
				break;
			}
			n = (size_t)(end - p - 1);
			if (n == 0 || n >= sizeof(name)) {
				print_error("route %s %s: bad parameter name\n",
					    r->method, r->pattern);
				bad++;
				continue;
			}
			memcpy(name, p + 1, n);
			name[n] = '\0';
			if (!declares_path_param(op_params, name) &&
			    !declares_path_param(item_params, name)) {
				print_error("route %s %s: path parameter \"%s\" "
					    "is not declared (in: path, "
					    "required: true)\n",
					    r->method, r->pattern, name);
				bad++;
			}
		}
		bad += extra_path_params(op_params, r->pattern, r->method);
		bad += extra_path_params(item_params, r->pattern, r->method);
	}
	if (bad)
		fail_msg("%d path parameter problem(s)", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_basics),
		cmocka_unit_test(test_routes_are_documented),
		cmocka_unit_test(test_documented_operations_are_routed),
		cmocka_unit_test(test_extensions_match),
		cmocka_unit_test(test_path_params_declared),
	};

	return cmocka_run_group_tests(tests, load_doc, free_doc);
}
