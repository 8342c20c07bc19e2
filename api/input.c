/* input.c -- host-name, address, NOTIFY-target and key-name lists from
 * JSON, normalized for the store. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_input.h"
#include "axfrd/config.h"
#include "axfrd/rr.h"

/* Normalizes one entry; *out is malloc'd. Errors: AX_EINVAL naming field. */
typedef int (*entry_fn)(const char *in, const char *field, char **out,
			ax_errinfo *ei);

int api_host_name(const char *in, const char *field, char **out,
		  ax_errinfo *ei)
{
	char *norm = NULL;
	int rc;

	*out = NULL;
	if (in[0] == '\0' || strcmp(in, ".") == 0)
		return ax_fail(ei, AX_EINVAL, field, "%s: must be a domain name",
			       field);
	if ((rc = rr_zone_name_normalize(in, field, &norm, ei)) != AX_OK)
		return rc;
	if (asprintf(out, "%s.", norm) < 0) {
		*out = NULL;
		rc = AX_ENOMEM;
	}
	free(norm);
	return rc;
}

static int addr_entry(const char *in, const char *field, char **out,
		      ax_errinfo *ei)
{
	char buf[INET6_ADDRSTRLEN + 8];
	acl_entry a;
	int rc;

	*out = NULL;
	if ((rc = acl_parse(in, field, &a, ei)) != AX_OK)
		return rc;
	acl_format(&a, buf, sizeof(buf));
	return (*out = strdup(buf)) ? AX_OK : AX_ENOMEM;
}

/* Writes "ADDR:PORT" or "[V6ADDR]:PORT" for a parsed address. */
static int format_target(const struct sockaddr_storage *ss, char **out)
{
	char text[INET6_ADDRSTRLEN + 8];

	addr_text(ss, text, sizeof(text));
	return (*out = strdup(text)) == NULL ? AX_ENOMEM : AX_OK;
}

static int target_entry(const char *in, const char *field, char **out,
			ax_errinfo *ei)
{
	char with_port[80];
	struct in6_addr a6;
	struct in_addr a4;
	config_addr a;

	*out = NULL;
	/* Without a port, NOTIFY goes to the DNS port. */
	if (inet_pton(AF_INET, in, &a4) == 1)
		snprintf(with_port, sizeof(with_port), "%s:53", in);
	else if (strlen(in) < 64 && inet_pton(AF_INET6, in, &a6) == 1)
		snprintf(with_port, sizeof(with_port), "[%s]:53", in);
	else
		snprintf(with_port, sizeof(with_port), "%.70s", in);
	if (strlen(in) >= 64 || config_parse_addr(with_port, &a) != AX_OK)
		return ax_fail(ei, AX_EINVAL, field, "%s: '%.64s' is not ADDR, ADDR:PORT "
			       "or [IPV6ADDR]:PORT", field, in);
	if ((a.ss.ss_family == AF_INET &&
	     ((struct sockaddr_in *)&a.ss)->sin_port == 0) ||
	    (a.ss.ss_family == AF_INET6 &&
	     ((struct sockaddr_in6 *)&a.ss)->sin6_port == 0))
		return ax_fail(ei, AX_EINVAL, field, "%s: the port must be 1 to 65535",
			       field);
	return format_target(&a.ss, out);
}

static bool read_list(json_t *obj, const char *key, entry_fn fn, bool *present,
		      db_strv *out, api_resp *rs)
{
	json_t *arr = json_object_get(obj, key), *v;
	ax_errinfo ei;
	size_t i;

	db_strv_free(out);
	*present = arr != NULL;
	if (arr == NULL || json_is_null(arr))
		return true;
	if (!json_is_array(arr) || json_array_size(arr) > API_LIST_MAX) {
		api_error(rs, 422, "invalid_field", key, "%s: must be an array of at "
			  "most %d strings", key, API_LIST_MAX);
		return false;
	}
	ax_errinfo_clear(&ei);
	json_array_foreach(arr, i, v) {
		char field[sizeof(ei.field)], *norm = NULL;
		int rc;
		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
			rc = ax_fail(&ei, AX_EINVAL, field, "%s: must be a string", field);
		else
			rc = fn(json_string_value(v), field, &norm, &ei);
		if (rc == AX_OK && !db_strv_has(out, norm))
			rc = db_strv_push(out, norm);
		free(norm);
		if (rc != AX_OK) {
			api_error_ax(rs, rc, &ei);
			db_strv_free(out);
			return false;
		}
	}
	return true;
}

bool api_host_list(json_t *obj, const char *key, bool *present, db_strv *out,
		   api_resp *rs)
{
	return read_list(obj, key, api_host_name, present, out, rs);
}

bool api_addr_list(json_t *obj, const char *key, bool *present, db_strv *out,
		   api_resp *rs)
{
	return read_list(obj, key, addr_entry, present, out, rs);
}

bool api_target_list(json_t *obj, const char *key, bool *present,
		     db_strv *out, api_resp *rs)
{
	return read_list(obj, key, target_entry, present, out, rs);
}

int api_default_targets(const db_strv *allowed, db_strv *out)
{
	int rc = AX_OK;

	for (size_t i = 0; i < allowed->n && rc == AX_OK; i++) {
		char *t = NULL;
		if (strchr(allowed->v[i], '/') != NULL)
			continue;  /* a prefix names no host to notify */
		rc = target_entry(allowed->v[i], "allowed_ips", &t, NULL);
		if (rc == AX_OK && !db_strv_has(out, t))
			rc = db_strv_push(out, t);
		free(t);
	}
	return rc;
}

int api_tsig_name(const char *in, const char *field,
		  char out[TSIG_NAME_MAX + 1], ax_errinfo *ei)
{
	char *norm = NULL;
	int rc = api_host_name(in, field, &norm, ei);

	if (rc == AX_OK)
		snprintf(out, TSIG_NAME_MAX + 1, "%s", norm);
	free(norm);
	return rc;
}

json_t *api_strv_json(const db_strv *s)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < s->n; i++)
		json_array_append_new(arr, json_string(s->v[i]));
	return arr;
}
