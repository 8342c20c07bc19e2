/* metrics.c -- atomic counters and their Prometheus text. */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static _Atomic uint64_t xfr_count[2][MX_NRESULTS];
static _Atomic uint64_t xfr_bytes[2];
static _Atomic uint64_t queries[2];
static _Atomic uint64_t rrl_limited[2];  /* dropped, slipped */
static _Atomic uint64_t notify_sent, notify_acked, notify_failed, notify_queued;
static _Atomic uint64_t alias_ok, alias_failed;
static _Atomic uint64_t api_status[600];

void metric_xfr(bool ixfr, metric_xfr_result result, uint64_t bytes)
{
	atomic_fetch_add(&xfr_count[ixfr][result], 1);
	atomic_fetch_add(&xfr_bytes[ixfr], bytes);
}

void metric_query(bool tcp) { atomic_fetch_add(&queries[tcp], 1); }
void metric_rrl(bool slip) { atomic_fetch_add(&rrl_limited[slip], 1); }
static _Atomic uint64_t outbound_suppressed[2];
void metric_outbound_suppressed(bool probe)
{
	atomic_fetch_add(&outbound_suppressed[probe], 1);
}
static _Atomic uint64_t outbound_throttled[MB_NKINDS];
void metric_outbound_throttled(metric_budget_kind kind, uint64_t n)
{
	atomic_fetch_add(&outbound_throttled[kind], n);
}
void metric_notify_sent(void) { atomic_fetch_add(&notify_sent, 1); }
void metric_notify_acked(void) { atomic_fetch_add(&notify_acked, 1); }
void metric_notify_failed(void) { atomic_fetch_add(&notify_failed, 1); }
void metric_notify_queued(size_t n) { atomic_store(&notify_queued, n); }

void metric_alias_resolution(bool ok)
{
	atomic_fetch_add(ok ? &alias_ok : &alias_failed, 1);
}

void metric_api(unsigned status)
{
	if (status < 600)
		atomic_fetch_add(&api_status[status], 1);
}

/* A growing text buffer. */
typedef struct mbuf {
	char *p;
	size_t len, cap;
	bool failed;
} mbuf;

static void put(mbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
		char *grown = realloc(b->p, cap);
		if (grown == NULL || n < 0) {
			b->failed = true;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
}

static void family(mbuf *b, const char *name, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

char *metrics_render(void)
{
	static const char *const kinds[2] = {"AXFR", "IXFR"};
	static const char *const results[MX_NRESULTS] = {"ok", "refused", "aborted"};
	mbuf b = {malloc(4096), 0, 4096, false};

	if (b.p == NULL)
		return NULL;
	family(&b, "axfrd_transfers_total", "Zone transfers by kind and result.");
	for (int k = 0; k < 2; k++)
		for (int r = 0; r < MX_NRESULTS; r++)
			put(&b, "axfrd_transfers_total{kind=\"%s\",result=\"%s\"} %llu\n",
			    kinds[k], results[r],
			    (unsigned long long)atomic_load(&xfr_count[k][r]));
	family(&b, "axfrd_transfer_bytes_total", "Bytes sent in zone transfers.");
	for (int k = 0; k < 2; k++)
		put(&b, "axfrd_transfer_bytes_total{kind=\"%s\"} %llu\n", kinds[k],
		    (unsigned long long)atomic_load(&xfr_bytes[k]));
	family(&b, "axfrd_queries_total", "DNS requests received, by transport.");
	put(&b, "axfrd_queries_total{transport=\"udp\"} %llu\n",
	    (unsigned long long)atomic_load(&queries[0]));
	put(&b, "axfrd_queries_total{transport=\"tcp\"} %llu\n",
	    (unsigned long long)atomic_load(&queries[1]));
	family(&b, "axfrd_rrl_limited_total",
	       "UDP answers held back by response-rate limiting: dropped, or sent "
	       "truncated (slipped).");
	put(&b, "axfrd_rrl_limited_total{action=\"dropped\"} %llu\n",
	    (unsigned long long)atomic_load(&rrl_limited[0]));
	put(&b, "axfrd_rrl_limited_total{action=\"slipped\"} %llu\n",
	    (unsigned long long)atomic_load(&rrl_limited[1]));
	family(&b, "axfrd_notify_total", "NOTIFY messages sent, acknowledged, given up.");
	put(&b, "axfrd_notify_total{event=\"sent\"} %llu\n",
	    (unsigned long long)atomic_load(&notify_sent));
	put(&b, "axfrd_notify_total{event=\"acknowledged\"} %llu\n",
	    (unsigned long long)atomic_load(&notify_acked));
	put(&b, "axfrd_notify_total{event=\"failed\"} %llu\n",
	    (unsigned long long)atomic_load(&notify_failed));
	put(&b, "# HELP axfrd_notify_queued NOTIFY messages waiting for their turn "
	    "under notify-rate.\n# TYPE axfrd_notify_queued gauge\n"
	    "axfrd_notify_queued %llu\n", (unsigned long long)atomic_load(&notify_queued));
	family(&b, "axfrd_outbound_suppressed_total", "Packets the outbound policy "
	       "kept from leaving, by kind (NOTIFY or sync probe).");
	put(&b, "axfrd_outbound_suppressed_total{kind=\"notify\"} %llu\n",
	    (unsigned long long)atomic_load(&outbound_suppressed[0]));
	put(&b, "axfrd_outbound_suppressed_total{kind=\"probe\"} %llu\n",
	    (unsigned long long)atomic_load(&outbound_suppressed[1]));
	family(&b, "axfrd_outbound_throttled_total", "Packets held back by their "
	       "account's outbound-rate-per-account: NOTIFYs that waited in their "
	       "queue or were refused (notify now), status checks' packets refused "
	       "(429), ALIAS lookups put off.");
	for (int k = 0; k < MB_NKINDS; k++)
		put(&b, "axfrd_outbound_throttled_total{kind=\"%s\"} %llu\n",
		    (const char *const[]){"notify", "probe", "resolve"}[k],
		    (unsigned long long)atomic_load(&outbound_throttled[k]));
	family(&b, "axfrd_alias_resolutions_total", "ALIAS target lookups by result.");
	put(&b, "axfrd_alias_resolutions_total{result=\"ok\"} %llu\n",
	    (unsigned long long)atomic_load(&alias_ok));
	put(&b, "axfrd_alias_resolutions_total{result=\"failed\"} %llu\n",
	    (unsigned long long)atomic_load(&alias_failed));
	family(&b, "axfrd_api_requests_total", "API responses by HTTP status.");
	for (unsigned s = 100; s < 600; s++) {
		uint64_t v = atomic_load(&api_status[s]);
		if (v > 0)
			put(&b, "axfrd_api_requests_total{status=\"%u\"} %llu\n", s,
			    (unsigned long long)v);
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
