/* metrics.h -- process-wide counters, updated from any thread, rendered
 * in the Prometheus text exposition format for GET /metrics. */
#ifndef AXFRD_METRICS_H
#define AXFRD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum metric_xfr_result {
	MX_OK, MX_REFUSED, MX_ABORTED, MX_NRESULTS
} metric_xfr_result;

/* A transfer ended (ixfr: IXFR, else AXFR) with result, bytes sent. */
void metric_xfr(bool ixfr, metric_xfr_result result, uint64_t bytes);
void metric_query(bool tcp);
/* Response-rate limiting held back a UDP answer: slip = sent as TC=1,
 * else dropped. */
void metric_rrl(bool slip);
void metric_notify_sent(void);
/* A NOTIFY (or, with probe, a sync probe) the outbound policy kept in. */
void metric_outbound_suppressed(bool probe);
/* What outbound-rate-per-account held back. */
typedef enum metric_budget_kind {
	MB_NOTIFY,    /* a NOTIFY that waited (loop) or was refused (notify now) */
	MB_PROBE,     /* a status check's packets refused (429) */
	MB_RESOLVE,   /* an ALIAS lookup put off */
	MB_NKINDS
} metric_budget_kind;
/* n packets of kind were held back by their account's budget. */
void metric_outbound_throttled(metric_budget_kind kind, uint64_t n);
void metric_notify_acked(void);
void metric_notify_failed(void);
/* NOTIFYs waiting for their turn under notify-rate. */
void metric_notify_queued(size_t n);
void metric_alias_resolution(bool ok);
/* An API response with this HTTP status. */
void metric_api(unsigned status);

/* The text exposition (malloc'd), or NULL when out of memory. */
char *metrics_render(void);

#endif
