/* h_zonefile.c -- zone-file import (master-file text) and export. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_zone.h"
#include "axfrd/edit.h"
#include "axfrd/export.h"
#include "axfrd/log.h"
#include "axfrd/zonefile.h"
#include "db/db_record.h"

static bool replace_flag(api_req *rq, api_resp *rs, bool *replace)
{
	const char *v = api_query(rq, "replace");

	*replace = false;
	if (v == NULL || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return true;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*replace = true;
		return true;
	}
	api_error(rs, 422, "invalid_field", "replace", "replace: must be true or false");
	return false;
}

void h_zone_import(api_req *rq, api_resp *rs)
{
	zf_result zf = {0};
	edit_import_counts c;
	char *name = NULL;
	edit *e = NULL;
	bool replace;
	uint32_t serial;
	ax_errinfo ei;
	int rc;

	ax_errinfo_clear(&ei);
	if (!replace_flag(rq, rs, &replace) || !api_zone_name(rq, rs, &name))
		goto cleanup;
	if ((rc = edit_begin(rq->ctx->d, rq->account.id, name, rq->now, &e)) != AX_OK) {
		if (rc == AX_ENOTFOUND)
			api_error(rs, 404, "not_found", NULL, "no such zone: %s", name);
		else
			api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	rc = zonefile_parse(name, rq->body ? rq->body : "", rq->body_len,
			    (uint32_t)rq->ctx->cfg->default_ttl, &zf, &ei);
	if (rc == AX_OK && zf.has_soa)
		rc = edit_set_soa(e, &zf.soa);
	if (rc == AX_OK)
		rc = edit_import(e, zf.recs, zf.nrecs, replace, &c, &ei);
	if (rc == AX_OK)
		rc = edit_commit(e, &serial, &ei);
	if (rc != AX_OK) {
		api_error_ax(rs, rc, &ei);
		goto cleanup;
	}
	api_zone_changed(rq, name);
	log_info("api", "zone %s: imported %zu records (%zu added, %zu updated, "
		 "%zu deleted), serial %u", name, zf.nrecs, c.added, c.updated,
		 c.deleted, serial);
	api_json(rs, 200, json_pack("{s:I, s:I, s:I, s:I, s:I}", "serial",
				    (json_int_t)serial, "added", (json_int_t)c.added,
				    "updated", (json_int_t)c.updated, "deleted",
				    (json_int_t)c.deleted, "unchanged",
				    (json_int_t)c.unchanged));
cleanup:
	zf_result_clear(&zf);
	edit_free(e);
	free(name);
	/* An import of a large zone peaks high; do not keep the peak. */
	if (rq->body_len > (1u << 20))
		malloc_trim(0);
}

/* The zone as stored (ALIAS and URL as such): for backups and for
 * importing into another zone. */
static void export_stored(api_req *rq, api_resp *rs)
{
	db_zone z = {0};
	rr_record *recs = NULL;
	size_t n = 0;
	int rc;

	/* The SOA and the records must come from one version of the zone. */
	if ((rc = db_begin_read(rq->ctx->d)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		return;
	}
	if (!api_zone_load(rq, rs, &z))
		goto cleanup;
	if ((rc = db_record_all(rq->ctx->d, z.id, &recs, &n)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
	} else if ((rs->text = zonefile_render(z.name, &z.soa, recs, n)) == NULL) {
		api_error_ax(rs, AX_ENOMEM, NULL);
	} else {
		rs->status = 200;
		rs->ctype = "text/dns";
	}
cleanup:
	db_rollback(rq->ctx->d);
	rr_record_array_free(recs, n);
	db_zone_clear(&z);
}

/* The zone as secondaries receive it: built like the DNS side builds it
 * (ALIAS resolved from the alias cache, URL to the redirector). */
static void export_served(api_req *rq, api_resp *rs)
{
	export_opts eo;
	export_result ex;
	ax_errinfo ei;
	db_zone z = {0};
	int rc;

	ax_errinfo_clear(&ei);
	if (!api_zone_load(rq, rs, &z))
		return;
	if ((rc = export_opts_from_config(rq->ctx->cfg, &eo, &ei)) != AX_OK ||
	    (rc = export_build(rq->ctx->d, z.name, &eo, &ex, &ei)) != AX_OK) {
		api_error_ax(rs, rc == AX_EINVAL ? AX_EIO : rc, &ei);
	} else if ((rs->text = export_render(ex.snap)) == NULL) {
		api_error_ax(rs, AX_ENOMEM, NULL);
	} else {
		rs->status = 200;
		rs->ctype = "text/dns";
	}
	if (rc == AX_OK)
		export_result_clear(&ex);
	db_zone_clear(&z);
}

void h_zone_export(api_req *rq, api_resp *rs)
{
	const char *view = api_query(rq, "view");

	if (view == NULL || strcmp(view, "served") == 0)
		export_served(rq, rs);
	else if (strcmp(view, "stored") == 0)
		export_stored(rq, rs);
	else
		api_error(rs, 422, "invalid_field", "view",
			  "view: must be served (default) or stored");
}
