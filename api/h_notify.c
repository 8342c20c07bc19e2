/* h_notify.c -- "notify now" and the Prometheus metrics. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_zone.h"
#include "axfrd/metrics.h"
#include "axfrd/notify.h"
#include "axfrd/outbound.h"
#include "axfrd/snap.h"
#include "db/db_secondary.h"

/* How long "notify now" waits for the secondaries' replies. */
#define NOTIFY_NOW_WAIT_MS 2000

void h_metrics(api_req *rq, api_resp *rs)
{
	(void)rq;
	if ((rs->text = metrics_render()) == NULL) {
		api_error_ax(rs, AX_ENOMEM, NULL);
		return;
	}
	rs->status = 200;
	rs->ctype = "text/plain; version=0.0.4";
}

static json_t *outcomes_json(const notify_outcome *o, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		char target[64];
		const notify_verdict *v = &o[i].verdict;
		addr_text(&o[i].target, target, sizeof(target));
		json_t *t = json_pack("{s:s, s:s, s:b, s:b, s:b}", "target", target,
				      "result", !o[i].sent ? "not sent" : o[i].answered ?
				      v->result : "no reply", "sent", o[i].sent, "answered",
				      o[i].answered, "acknowledged", o[i].answered && v->acked);
		if (o[i].skip_reason != NULL)
			json_object_set_new(t, "reason", json_string(o[i].skip_reason));
		if (o[i].answered)
			json_object_set_new(t, "ms", json_integer(o[i].ms));
		if (o[i].answered && v->message[0] != '\0')
			json_object_set_new(t, "message", json_string(v->message));
		json_array_append_new(arr, t);
	}
	return arr;
}

void h_zone_notify(api_req *rq, api_resp *rs)
{
	struct sockaddr_storage *targets = NULL;
	notify_outcome *out = NULL;
	db_zone z = {0};
	snap *s = NULL;
	tsig_key key;
	size_t n = 0;
	int rc;

	memset(&key, 0, sizeof(key));
	if (!api_zone_load(rq, rs, &z))
		return;
	if ((rc = db_notify_targets(rq->ctx->d, z.id, &targets, &n)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	if (n == 0) {
		api_error(rs, 409, "conflict", NULL, "zone %s has no NOTIFY targets: "
			  "enable secondary DNS (with single addresses or "
			  "notify_targets) first", z.name);
		goto cleanup;
	}
	if ((out = calloc(n, sizeof(*out))) == NULL || (s = snap_new(z.name)) == NULL ||
	    snap_set_soa(s, &z.soa) != AX_OK) {
		api_error_ax(rs, AX_ENOMEM, NULL);
		goto cleanup;
	}
	/* The first notify-max-targets targets the policy allows are sent,
	 * each a packet paid for by the zone's owner (outbound-rate-per-account). */
	size_t cost = 0;
	for (size_t i = 0; i < n; i++) {
		out[i].target = targets[i];
		out[i].skip_reason = outbound_target_skip(&rq->ctx->cfg->outbound,
			(size_t)rq->ctx->cfg->notify_max_targets, i, &targets[i]);
		if (out[i].skip_reason != NULL &&
		    strcmp(out[i].skip_reason, OUTBOUND_REASON) == 0)
			metric_outbound_suppressed(false);
		cost += out[i].skip_reason == NULL;
	}
	if (!api_budget_take(rq, rs, z.account_id, cost, MB_NOTIFY, "notify now"))
		goto cleanup;
	/* Signed with the key the configuration names, like the DNS side's. */
	if ((rc = db_notify_key(rq->ctx->d, z.id, &key)) != AX_OK && rc != AX_ENOTFOUND) {
		api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	if ((rc = notify_send_now(rq->ctx->cfg, s, rc == AX_OK ? &key : NULL, out, n,
				  NOTIFY_NOW_WAIT_MS)) != AX_OK) {
		api_error_ax(rs, rc, NULL);
		goto cleanup;
	}
	api_json(rs, 200, json_pack("{s:s, s:I, s:o}", "zone", z.name, "serial",
				    (json_int_t)z.soa.serial, "targets",
				    outcomes_json(out, n)));
cleanup:
	OPENSSL_cleanse(&key, sizeof(key));
	snap_unref(s);
	free(out);
	free(targets);
	db_zone_clear(&z);
}
