/* fuzz_api_input.c -- the API's input helpers: percent-decoding of path
 * segments and query arguments (api/pct.c) and the JSON list and name
 * readers (api/input.c, api/respond.c). The first byte picks the helper;
 * the rest is the raw segment, or a JSON value read as member "v".
 * Properties: a decoded segment is valid UTF-8 without control
 * characters and encodes back to the same bytes; every normalized entry
 * normalizes again to itself; a refusal is a 422 with a JSON error body
 * that names the problem. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_input.h"
#include "api/pct.h"
#include "axfrd/log.h"
#include "axfrd/utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERROR);
	return 0;
}

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "property violated: %s: '%s' '%s'\n", what, a ? a : "",
		b ? b : "");
	abort();
}

static void fuzz_pct(const char *in, size_t n)
{
	char *out = NULL, *enc, *again = NULL;
	size_t len;

	if (api_pct_decode(in, n, &out) != AX_OK) {
		if (out != NULL)
			fail("a refused segment left output", out, NULL);
		return;
	}
	len = strlen(out);
	if (!utf8_text_ok(out, len))
		fail("decoded text is not clean UTF-8", out, NULL);
	/* Every byte encoded decodes to the same text. */
	if ((enc = malloc(3 * len + 1)) == NULL)
		abort();
	for (size_t i = 0; i < len; i++)
		snprintf(enc + 3 * i, 4, "%%%02X", (unsigned char)out[i]);
	if (api_pct_decode(enc, 3 * len, &again) != AX_OK || strcmp(again, out) != 0)
		fail("encoded text does not decode to itself", out, again);
	free(again);
	free(enc);
	free(out);
}

/* A refusal must carry a usable error body. */
static void check_refusal(const api_resp *rs, const char *key)
{
	json_t *err = rs->json ? json_object_get(rs->json, "error") : NULL;
	const char *msg = err ? json_string_value(json_object_get(err, "message")) : NULL;

	if (rs->status != 422 || msg == NULL || msg[0] == '\0')
		fail("a refusal without a 422 and a message", key, NULL);
}

typedef bool (*list_fn)(json_t *obj, const char *key, bool *present,
			db_strv *out, api_resp *rs);

static void fuzz_list(json_t *obj, list_fn fn)
{
	api_resp rs = {0}, rs2 = {0};
	db_strv out = {0}, again = {0};
	bool present = false;

	if (!fn(obj, "v", &present, &out, &rs)) {
		check_refusal(&rs, "v");
		goto cleanup;
	}
	if (!present != (json_object_get(obj, "v") == NULL))
		fail("presence misreported", NULL, NULL);
	/* What was stored reads again as itself. */
	json_t *stored = json_pack("{s:o}", "v", api_strv_json(&out));
	if (stored == NULL)
		abort();
	if (!fn(stored, "v", &present, &again, &rs2) || !db_strv_equal(&out, &again))
		fail("a normalized list does not read again as itself",
		     out.n ? out.v[0] : NULL, again.n ? again.v[0] : NULL);
	json_decref(stored);
cleanup:
	db_strv_free(&out);
	db_strv_free(&again);
	json_decref(rs.json);
	json_decref(rs2.json);
}

static void fuzz_names(json_t *v)
{
	char tsig[TSIG_NAME_MAX + 1], tsig2[TSIG_NAME_MAX + 1];
	char *norm = NULL, *norm2 = NULL;
	ax_errinfo ei = {0};
	const char *s = json_string_value(v);

	if (s == NULL || strlen(s) != json_string_length(v))
		return;
	if (api_host_name(s, "name", &norm, &ei) == AX_OK) {
		ax_errinfo_clear(&ei);
		if (api_host_name(norm, "name", &norm2, &ei) != AX_OK ||
		    strcmp(norm, norm2) != 0)
			fail("a host name does not normalize to itself", norm, norm2);
	} else if (ei.msg[0] == '\0' || norm != NULL) {
		fail("a refused host name without a message", s, NULL);
	}
	free(norm);
	free(norm2);
	ax_errinfo_clear(&ei);
	if (api_tsig_name(s, "name", tsig, &ei) == AX_OK) {
		ax_errinfo_clear(&ei);
		if (api_tsig_name(tsig, "name", tsig2, &ei) != AX_OK ||
		    strcmp(tsig, tsig2) != 0)
			fail("a key name does not normalize to itself", tsig, tsig2);
	}
}

static void fuzz_opts(json_t *obj)
{
	api_resp rs = {0};
	const char *str = NULL;
	long long i = 0;
	bool b = false;

	if (!api_opt_string(obj, "v", &str, &rs))
		check_refusal(&rs, "v");
	json_decref(rs.json);
	rs = (api_resp){0};
	if (!api_opt_int(obj, "v", &i, &rs))
		check_refusal(&rs, "v");
	json_decref(rs.json);
	rs = (api_resp){0};
	if (!api_opt_bool(obj, "v", &b, &rs))
		check_refusal(&rs, "v");
	json_decref(rs.json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *v, *obj;

	if (size < 1 || size > 8192)
		return 0;
	if (data[0] % 6 == 0) {
		fuzz_pct((const char *)data + 1, size - 1);
		return 0;
	}
	v = json_loadb((const char *)data + 1, size - 1,
		       JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (v == NULL)
		return 0;
	if ((obj = json_pack("{s:o}", "v", v)) == NULL)
		abort();
	switch (data[0] % 6) {
	case 1: fuzz_list(obj, api_host_list); break;
	case 2: fuzz_list(obj, api_addr_list); break;
	case 3: fuzz_list(obj, api_target_list); break;
	case 4: fuzz_names(v); break;
	case 5: fuzz_opts(obj); break;
	}
	json_decref(obj);
	return 0;
}
