/* notify.c -- outgoing DNS NOTIFY on the DNS event loop, and a blocking
 * "notify now" for the API. */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db/db_notify.h"
#include "db/db_secondary.h"
#include "dns_internal.h"
#include "fairq.h"
#include "log.h"
#include "metrics.h"
#include "outbound.h"
#include "query.h"
#include "serial.h"
#include "strmap.h"

/* One (zone, target) pair. */
typedef struct notify_job {
	struct notifier *owner;
	int64_t zone_id;          /* the zone's name and apex: see snap */
	int64_t account;          /* the zone's owner, whose budget it spends */
	struct sockaddr_storage addr;
	char target[64];
	snap *snap;               /* the version to announce (its SOA); set
				   * from the job's creation on */
	uint32_t serial;          /* = snap_serial(snap) */
	bool acked;
	uint32_t acked_serial;
	bool waiting;             /* a NOTIFY is in flight */
	size_t idx;               /* position in the notifier's array */
	struct notify_job *zone_next; /* the next job of the same zone */
	uint32_t stored_serial;   /* the serial the store has for this target */
	bool stored;
	uint32_t sent_serial;
	uint16_t id;
	int tries;
	loop_timer *timer;
	fairq_node qn;            /* waiting in its account's lane for a token */
	bool held;                /* its account's budget made it wait */
	tsig_ctx *tsig;           /* the NOTIFY in flight was signed: its key
				   * and MAC, to verify the reply (malloc'd) */
	notify_verdict *heard;    /* the last reply that did not end the tries
				   * (unverified), for the give-up (malloc'd) */
} notify_job;

struct notifier {
	struct dns_server *srv;
	int fd4, fd6;
	loop_handle *h4, *h6;
	notify_job **jobs;
	size_t njobs;
	/* Indexes, so that 100,000 zones cost no scans: */
	strmap *by_key;           /* "zone id/target" -> job */
	strmap *by_zone;          /* "zone id" -> first job of the zone */
	strmap *in_flight;        /* "query id/target" -> waiting job */
	/* Pacing: a token bucket of notify-rate sends per second (a tenth of
	 * a second's worth at most saved up), and each send also spends a
	 * token of its account's budget (outbound-rate-per-account). Jobs
	 * waiting for either wait in a FIFO lane per account, the lanes
	 * served round-robin: a fan-out over many zones goes out at that
	 * rate, in order, none dropped, and one account's long queue never
	 * delays another account's NOTIFYs. */
	uint64_t mtokens;         /* thousandths of a token */
	uint64_t refilled_at;     /* loop_now() of the last refill */
	fairq *q;
	loop_timer *pace_timer;
	uint64_t pace_at;         /* loop_now() when pace_timer fires */
};

size_t notify_build(const snap *s, uint16_t id, uint8_t *buf, size_t max)
{
	const snap_rr *soa = snap_soa(s);
	size_t alen;
	const uint8_t *apex = snap_apex(s, &alen);
	wbuf b;

	wb_init(&b, buf, max, NULL);
	if (!wb_header(&b, id, (uint16_t)(OP_NOTIFY << 11) | WIRE_AA, 1, 1, 0, 0) ||
	    !wb_bytes(&b, apex, alen) || !wb_u16(&b, RR_SOA) || !wb_u16(&b, CLASS_IN) ||
	    !wb_rr(&b, snap_bytes(s, soa->owner), soa->owner_len, RR_SOA, CLASS_IN,
		   soa->ttl, snap_bytes(s, soa->rdata), soa->rdlen))
		return 0;
	return b.len;
}

bool notify_is_reply(const uint8_t *msg, size_t len, uint16_t id,
		     const uint8_t *apex, size_t apex_len, int *rcode)
{
	uint16_t rid, flags, qd, an, ns, ar;
	uint8_t qname[WIRE_NAME_MAX];
	size_t ql;
	wreader r;

	wr_init(&r, msg, len);
	if (!wr_u16(&r, &rid) || !wr_u16(&r, &flags) || !wr_u16(&r, &qd) ||
	    !wr_u16(&r, &an) || !wr_u16(&r, &ns) || !wr_u16(&r, &ar))
		return false;
	if (rid != id || !(flags & WIRE_QR) || WIRE_OPCODE(flags) != OP_NOTIFY)
		return false;
	*rcode = WIRE_RCODE(flags);
	/* A reply may leave the question out (some servers do on errors). */
	if (qd == 0)
		return true;
	return wr_name(&r, qname, &ql) && wire_name_equal(qname, ql, apex, apex_len);
}

size_t notify_build_signed(const snap *s, uint16_t id, const tsig_key *key,
			   tsig_ctx *tsig, uint8_t *buf, size_t max)
{
	size_t len = notify_build(s, id, buf, max);

	if (len == 0 || key == NULL)
		return len;
	return tsig_sign_request(tsig, key, buf, &len, max, time(NULL)) ? len : 0;
}

static void say(notify_verdict *v, const char *result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(notify_verdict *v, const char *result, const char *fmt, ...)
{
	va_list ap;

	snprintf(v->result, sizeof(v->result), "%s", result);
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}

/* The reply's rcode; key: the NOTIFY was signed with it (else NULL). */
static void judge_rcode(int rcode, const char *key, notify_verdict *v)
{
	switch (rcode) {
	case RCODE_NOERROR:
		v->acked = true;
		say(v, "acknowledged", "%s", "");
		break;
	case RCODE_REFUSED:
		if (key != NULL)
			say(v, "refused", "the secondary answered REFUSED: it probably does "
			    "not list this server's address in its allow-notify/ACL for "
			    "the zone, or does not accept key %s there", key);
		else
			say(v, "refused", "the secondary answered REFUSED: it probably does "
			    "not list this server's address in its allow-notify/ACL for "
			    "the zone, or wants the NOTIFY signed with a TSIG key (the "
			    "zone's configuration names none)");
		break;
	case RCODE_NOTAUTH:
		if (key != NULL)
			say(v, "not authoritative", "the secondary answered NOTAUTH: it "
			    "probably does not know key %s or does not list this server's "
			    "address in its allow-notify/ACL", key);
		else
			say(v, "not authoritative", "the secondary answered NOTAUTH: it is "
			    "probably not a secondary for the zone, does not list this "
			    "server's address in its allow-notify/ACL, or wants a TSIG key "
			    "(the zone's configuration names none)");
		break;
	case RCODE_NOTIMP:
		say(v, "not implemented", "the secondary answered NOTIMP: it does not "
		    "take NOTIFY");
		break;
	default:
		say(v, "error reply", "the secondary answered rcode %d", rcode);
		break;
	}
}

static void judge_tsig_error(uint16_t error, const char *key, notify_verdict *v)
{
	char other[32];

	switch (error) {
	case TSIG_BADKEY:
		say(v, "tsig error", "the secondary answered BADKEY: it does not know "
		    "key %s (name and algorithm must match on both sides)", key);
		break;
	case TSIG_BADSIG:
		say(v, "tsig error", "the secondary answered BADSIG: its secret for key "
		    "%s differs from this server's", key);
		break;
	case TSIG_BADTIME:
		say(v, "tsig error", "the secondary answered BADTIME: its clock and this "
		    "server's differ by more than the fudge (%d s)", TSIG_FUDGE);
		break;
	default:
		say(v, "tsig error", "the secondary answered %s for key %s",
		    tsig_error_name(error, other, sizeof(other)), key);
		break;
	}
}

void notify_judge(const uint8_t *msg, size_t len, int rcode,
		  const tsig_ctx *tsig, time_t now, notify_verdict *v)
{
	const char *key = tsig != NULL ? tsig->key.name : NULL;
	uint16_t error = 0;
	dns_query r;
	tsig_reply res;

	memset(v, 0, sizeof(*v));
	if (tsig == NULL) {
		v->final = true;
		judge_rcode(rcode, NULL, v);
		return;
	}
	res = query_parse_reply(msg, len, &r) != QP_OK ? TSIG_REPLY_BADMAC :
	      tsig_check_reply(tsig, &r, now, &error);
	switch (res) {
	case TSIG_REPLY_OK:
		v->final = true;
		judge_rcode(rcode, key, v);
		break;
	case TSIG_REPLY_ERROR:
		judge_tsig_error(error, key, v);
		break;
	case TSIG_REPLY_UNSIGNED:
		if (rcode != RCODE_NOERROR) {
			judge_rcode(rcode, key, v);
			break;
		}
		say(v, "unsigned reply", "the secondary's reply is not signed with key "
		    "%s, so it is not counted as acknowledged (a secondary that "
		    "knows the key signs its reply)", key);
		break;
	case TSIG_REPLY_BADMAC:
		say(v, "bad reply signature", "the reply's TSIG does not verify with key "
		    "%s (another secret or key on the secondary, or not its reply), "
		    "so it is not counted", key);
		break;
	case TSIG_REPLY_BADTIME:
		say(v, "bad reply time", "the reply's TSIG was signed more than its "
		    "fudge away from this server's time: check both clocks");
		break;
	}
	v->acked = v->acked && v->final;
}

static const char *jzone(const notify_job *j)
{
	return snap_zone(j->snap);
}

/* Stores the job's state, so a restart carries on from it. */
static void save(notify_job *j, const char *result, const char *message)
{
	db_notify st;

	memset(&st, 0, sizeof(st));
	snprintf(st.target, sizeof(st.target), "%s", j->target);
	st.serial = j->serial;
	st.acked = j->acked;
	st.acked_serial = j->acked_serial;
	st.tries = j->tries;
	st.last_sent_at = time(NULL);
	if (result != NULL) {
		snprintf(st.last_result, sizeof(st.last_result), "%s", result);
		snprintf(st.last_message, sizeof(st.last_message), "%s",
			 message != NULL ? message : "");
		st.last_result_at = time(NULL);
	} else {
		db_notify old;
		if (db_notify_get(j->owner->srv->d, j->zone_id, j->target, &old) == AX_OK) {
			memcpy(st.last_result, old.last_result, sizeof(st.last_result));
			memcpy(st.last_message, old.last_message, sizeof(st.last_message));
			st.last_result_at = old.last_result_at;
		}
	}
	if (db_notify_put(j->owner->srv->d, j->zone_id, &st) != AX_OK) {
		log_err("notify", "zone %s: cannot store NOTIFY state of %s", jzone(j),
			j->target);
		return;
	}
	j->stored = true;
	j->stored_serial = j->serial;
}

static void on_timeout(loop *l, void *arg);
static void give_up(notify_job *j);

static void key_job(char *buf, size_t len, int64_t zone_id, const char *target)
{
	snprintf(buf, len, "%lld/%s", (long long)zone_id, target);
}

static void key_zone(char *buf, size_t len, int64_t zone_id)
{
	snprintf(buf, len, "%lld", (long long)zone_id);
}

static void key_flight(char *buf, size_t len, uint16_t id, const char *target)
{
	snprintf(buf, len, "%u/%s", id, target);
}

/* The NOTIFY in flight is over (answered, given up, or replaced). */
static void flight_end(notify_job *j)
{
	char key[96];

	if (!j->waiting)
		return;
	key_flight(key, sizeof(key), j->id, j->target);
	strmap_del(j->owner->in_flight, key);
	j->waiting = false;
	if (j->tsig != NULL)
		OPENSSL_cleanse(j->tsig, sizeof(*j->tsig));
	free(j->tsig);
	j->tsig = NULL;
}

static void forget_heard(notify_job *j)
{
	free(j->heard);
	j->heard = NULL;
}

/*
 * Writes j's NOTIFY into buf, signed with the key the zone's
 * configuration names now (read at every send, so a retry after a key
 * change or removal uses the current one). 0 when it cannot be built.
 */
static size_t build(notify_job *j, uint8_t *buf, size_t max)
{
	tsig_key key;
	size_t len = 0;
	int rc = db_notify_key(j->owner->srv->d, j->zone_id, &key);

	if (rc == AX_ENOTFOUND)
		return notify_build(j->snap, j->id, buf, max);
	if (rc != AX_OK)
		log_warn("notify", "zone %s: cannot read the TSIG key for the NOTIFY to "
			 "%s: %s", jzone(j), j->target, ax_strerror(rc));
	else if ((j->tsig = malloc(sizeof(*j->tsig))) == NULL ||
		 (len = notify_build_signed(j->snap, j->id, &key, j->tsig, buf, max)) == 0)
		log_warn("notify", "zone %s: cannot sign the NOTIFY to %s with key %s",
			 jzone(j), j->target, key.name);
	if (len == 0) {
		free(j->tsig);
		j->tsig = NULL;
	}
	OPENSSL_cleanse(&key, sizeof(key));
	return len;
}

static void send_notify(notify_job *j)
{
	notifier *n = j->owner;
	uint8_t buf[2048];
	size_t len;
	int fd = j->addr.ss_family == AF_INET ? n->fd4 : n->fd6;
	socklen_t sl = j->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		       sizeof(struct sockaddr_in6);

	char key[96];

	flight_end(j);
	if (getrandom(&j->id, sizeof(j->id), 0) != sizeof(j->id))
		j->id = (uint16_t)rand();
	key_flight(key, sizeof(key), j->id, j->target);
	strmap_put(n->in_flight, key, (size_t)(uintptr_t)j);
	len = build(j, buf, sizeof(buf));
	if (len > 0 && (fd < 0 ||
	    sendto(fd, buf, len, 0, (struct sockaddr *)&j->addr, sl) < 0))
		log_warn("notify", "zone %s: cannot send NOTIFY to %s: %s", jzone(j),
			 j->target, fd < 0 ? "no socket for its family" : strerror(errno));
	metric_notify_sent();
	j->waiting = true;
	j->sent_serial = j->serial;
	j->tries++;
	loop_cancel(n->srv->lp, j->timer);
	/* Each wait doubles: notify-timeout, 2x, 4x, ... */
	uint64_t wait = (uint64_t)n->srv->cfg->notify_timeout << (j->tries - 1 < 16 ? j->tries - 1 : 16);
	j->timer = loop_after(n->srv->lp, wait, on_timeout, j);
	log_debug("notify", "zone %s: NOTIFY serial %u to %s (try %d%s%s)", jzone(j),
		  j->serial, j->target, j->tries, j->tsig ? ", key " : "",
		  j->tsig ? j->tsig->key.name : "");
	/* What a restart needs is the serial to announce: store it when it
	 * changes, not on every send (a fan-out to many zones would be one
	 * commit per NOTIFY). Results are stored when they come. */
	if (!j->stored || j->stored_serial != j->serial)
		save(j, NULL, NULL);
}

static uint64_t burst_mtokens(const notifier *n)
{
	uint64_t rate = (uint64_t)n->srv->cfg->notify_rate;

	return (rate >= 10 ? rate / 10 : 1) * 1000;
}

static void refill(notifier *n)
{
	uint64_t now = loop_now(n->srv->lp);

	n->mtokens += (now - n->refilled_at) * (uint64_t)n->srv->cfg->notify_rate;
	if (n->mtokens > burst_mtokens(n))
		n->mtokens = burst_mtokens(n);
	n->refilled_at = now;
}

static void dequeue(notify_job *j)
{
	notifier *n = j->owner;

	if (!fairq_queued(&j->qn))
		return;
	j->held = false;
	fairq_remove(n->q, &j->qn);
	metric_notify_queued(fairq_len(n->q));
}

static notify_job *job_of(fairq_node *node)
{
	return (notify_job *)(void *)((char *)node - offsetof(notify_job, qn));
}

/* Sends j, a NOTIFY whose notify-rate token and account token are taken. */
static void send_paced(notify_job *j)
{
	if (j->held)
		metric_outbound_throttled(MB_NOTIFY, 1);
	j->held = false;
	send_notify(j);
}

static void on_pace(loop *l, void *arg);

/* Arms the timer that sends the next queued job: when notify-rate gives a
 * token, and not before wait ms (an account's budget); earlier than an
 * armed timer, which is then moved. */
static void pace_later(notifier *n, uint64_t wait)
{
	uint64_t rate = (uint64_t)n->srv->cfg->notify_rate, now = loop_now(n->srv->lp);
	uint64_t global = n->mtokens >= 1000 ? 0 : (1000 - n->mtokens + rate - 1) / rate;

	if (fairq_len(n->q) == 0)
		return;
	wait = global > wait ? global : wait;
	wait = wait ? wait : 1;
	if (n->pace_timer != NULL) {
		if (n->pace_at <= now + wait)
			return;
		loop_cancel(n->srv->lp, n->pace_timer);
	}
	n->pace_at = now + wait;
	n->pace_timer = loop_after(n->srv->lp, wait, on_pace, n);
}

/* The state of one round of on_pace. */
typedef struct pace_round {
	notifier *n;
	uint64_t wait;            /* the soonest an account's token is due */
} pace_round;

/* fairq_ready_fn: the account's lane may send when its budget gives a
 * token (taken here, spent by the send). */
static bool account_ready(void *arg, int64_t account, fairq_node *head)
{
	pace_round *r = arg;
	uint64_t w;

	if (budget_take(r->n->srv->budget, account, 1, &w))
		return true;
	job_of(head)->held = true;
	r->wait = w < r->wait ? w : r->wait;
	return false;
}

static void on_pace(loop *l, void *arg)
{
	notifier *n = arg;
	pace_round r = {n, UINT64_MAX};
	bool blocked = false;

	(void)l;
	n->pace_timer = NULL;
	refill(n);
	while (fairq_len(n->q) > 0 && n->mtokens >= 1000) {
		fairq_node *node = fairq_pop(n->q, account_ready, &r);
		if (node == NULL) {
			blocked = true;    /* every account with a queue is spent */
			break;
		}
		metric_notify_queued(fairq_len(n->q));
		n->mtokens -= 1000;
		send_paced(job_of(node));
	}
	pace_later(n, blocked ? r.wait : 0);
}

/* Sends j's NOTIFY now if the rate and its account's budget allow, else
 * queues it in its account's lane (once: when it leaves the queue it
 * carries the newest serial). */
static void request_send(notify_job *j)
{
	notifier *n = j->owner;
	uint64_t wait = 0;

	if (fairq_queued(&j->qn))
		return;
	refill(n);
	/* During the start-up load nothing would read the replies until the
	 * load ends, and the retry timers would fire first: queue, and let
	 * the loop send once it runs. A job whose account has others waiting
	 * goes behind them. */
	if (n->mtokens >= 1000 && !n->srv->loading &&
	    fairq_lane_len(n->q, j->account) == 0) {
		if (budget_take(n->srv->budget, j->account, 1, &wait)) {
			n->mtokens -= 1000;
			send_paced(j);
			return;
		}
		j->held = true;
	}
	bool first = fairq_lane_len(n->q, j->account) == 0;
	if (!fairq_push(n->q, j->account, &j->qn)) {
		log_err("notify", "zone %s: out of memory queueing the NOTIFY to %s",
			jzone(j), j->target);
		return;
	}
	metric_notify_queued(fairq_len(n->q));
	/* A new lane may be due before the timer armed for the others. */
	if (first)
		pace_later(n, wait);
}

static void on_timeout(loop *l, void *arg)
{
	notify_job *j = arg;

	(void)l;
	j->timer = NULL;
	if (!j->waiting)
		return;
	if (j->tries < j->owner->srv->cfg->notify_retries) {
		request_send(j);
		return;
	}
	flight_end(j);
	metric_notify_failed();
	give_up(j);
	/* A change that came during the last try is a new announcement. */
	if (j->serial != j->sent_serial) {
		j->tries = 0;
		request_send(j);
	}
}

/* No reply ended the tries: stores what was heard, if anything. */
static void give_up(notify_job *j)
{
	char msg[sizeof(j->heard->message) + 64];

	if (j->heard != NULL) {
		log_warn("notify", "zone %s: no verified reply from %s to NOTIFY of serial "
			 "%u after %d tries (%s); giving up until the next change",
			 jzone(j), j->target, j->sent_serial, j->tries, j->heard->message);
		snprintf(msg, sizeof(msg), "%s; no verified reply after %d tries",
			 j->heard->message, j->tries);
		save(j, j->heard->result, msg);
		forget_heard(j);
		return;
	}
	log_warn("notify", "zone %s: no reply from %s to NOTIFY of serial %u after %d "
		 "tries; giving up until the next change", jzone(j), j->target,
		 j->sent_serial, j->tries);
	save(j, "no reply", NULL);
}

/* A reply that does not end the tries (its TSIG did not verify): kept for
 * the give-up; stored and logged when it says something new, so a flood
 * of them costs no writes. */
static void on_unverified(notify_job *j, const notify_verdict *v)
{
	if (j->heard != NULL && strcmp(j->heard->message, v->message) == 0)
		return;
	if (j->heard == NULL && (j->heard = malloc(sizeof(*j->heard))) == NULL)
		return;
	*j->heard = *v;
	log_warn("notify", "zone %s: NOTIFY of serial %u to %s: %s: %s; not counted, "
		 "retrying", jzone(j), j->sent_serial, j->target, v->result, v->message);
	save(j, v->result, v->message);
}

static void on_reply(notify_job *j, const notify_verdict *v)
{
	if (!v->final) {
		on_unverified(j, v);
		return;
	}
	loop_cancel(j->owner->srv->lp, j->timer);
	j->timer = NULL;
	flight_end(j);
	forget_heard(j);
	if (v->acked) {
		j->acked = true;
		j->acked_serial = j->sent_serial;
		metric_notify_acked();
		log_info("notify", "zone %s: NOTIFY of serial %u to %s: %s", jzone(j),
			 j->sent_serial, j->target, v->result);
	} else {
		log_warn("notify", "zone %s: NOTIFY of serial %u to %s: %s: %s", jzone(j),
			 j->sent_serial, j->target, v->result, v->message);
	}
	j->tries = 0;
	save(j, v->result, v->message);
	/* Changes that came while this one was in flight go out now; a
	 * retry of what was just answered need not. */
	if (j->serial != j->sent_serial)
		request_send(j);
	else
		dequeue(j);
}

static void on_readable(loop *l, int fd, uint32_t events, void *arg)
{
	notifier *n = arg;
	uint8_t buf[4096];

	(void)l;
	(void)events;
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		int rcode;

		char target[64], key[96];
		size_t found;

		if (len < 0)
			return;
		if (len < 2)
			continue;
		/* The reply's id and its sender find the NOTIFY it answers. */
		addr_text(&from, target, sizeof(target));
		key_flight(key, sizeof(key), (uint16_t)(buf[0] << 8 | buf[1]), target);
		if (!strmap_get(n->in_flight, key, &found))
			continue;
		notify_job *j = (notify_job *)(uintptr_t)found;
		size_t alen;
		const uint8_t *apex = snap_apex(j->snap, &alen);
		notify_verdict v;
		if (!addr_same((struct sockaddr *)&j->addr, (struct sockaddr *)&from, true) ||
		    !notify_is_reply(buf, (size_t)len, j->id, apex, alen, &rcode))
			continue;
		notify_judge(buf, (size_t)len, rcode, j->tsig, time(NULL), &v);
		on_reply(j, &v);
	}
}

/* A socket bound to notify-source (when there is one for family). */
static int open_fd(const config *cfg, int family)
{
	struct sockaddr_storage src;

	return outbound_socket(family, config_notify_source(cfg, family, &src) ?
			       &src : NULL);
}

int notify_new(struct dns_server *s, notifier **out, ax_errinfo *ei)
{
	notifier *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (n == NULL)
		return AX_ENOMEM;
	n->srv = s;
	n->q = fairq_new();
	n->mtokens = burst_mtokens(n);
	n->refilled_at = loop_now(s->lp);
	n->by_key = strmap_new();
	n->by_zone = strmap_new();
	n->in_flight = strmap_new();
	n->fd4 = open_fd(s->cfg, AF_INET);
	n->fd6 = open_fd(s->cfg, AF_INET6);  /* may fail on hosts without IPv6 */
	if (n->fd4 < 0 || !n->q || !n->by_key || !n->by_zone || !n->in_flight ||
	    (n->h4 = loop_add(s->lp, n->fd4, EPOLLIN, on_readable, n)) == NULL ||
	    (n->fd6 >= 0 &&
	     (n->h6 = loop_add(s->lp, n->fd6, EPOLLIN, on_readable, n)) == NULL)) {
		notify_free(n);
		return ax_fail(ei, AX_EIO, "notify", "cannot open NOTIFY sockets: %s",
			       strerror(errno));
	}
	*out = n;
	return AX_OK;
}

static void job_free(notifier *n, notify_job *j)
{
	dequeue(j);
	flight_end(j);
	forget_heard(j);
	loop_cancel(n->srv->lp, j->timer);
	snap_unref(j->snap);
	free(j);
}

void notify_free(notifier *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->njobs; i++)
		job_free(n, n->jobs[i]);
	free(n->jobs);
	fairq_free(n->q);
	loop_cancel(n->srv->lp, n->pace_timer);
	strmap_free(n->by_key);
	strmap_free(n->by_zone);
	strmap_free(n->in_flight);
	if (n->h4)
		loop_del(n->srv->lp, n->h4);
	if (n->h6)
		loop_del(n->srv->lp, n->h6);
	if (n->fd4 >= 0)
		close(n->fd4);
	if (n->fd6 >= 0)
		close(n->fd6);
	free(n);
}

static notify_job *job_find(notifier *n, int64_t zone_id, const char *target)
{
	char key[96];
	size_t found;

	key_job(key, sizeof(key), zone_id, target);
	return strmap_get(n->by_key, key, &found) ? (notify_job *)(uintptr_t)found : NULL;
}

static notify_job *zone_first(notifier *n, int64_t zone_id)
{
	char key[32];
	size_t found;

	key_zone(key, sizeof(key), zone_id);
	return strmap_get(n->by_zone, key, &found) ? (notify_job *)(uintptr_t)found : NULL;
}

static void set_zone_first(notifier *n, int64_t zone_id, notify_job *j)
{
	char key[32];

	key_zone(key, sizeof(key), zone_id);
	if (j != NULL)
		strmap_put(n->by_zone, key, (size_t)(uintptr_t)j);
	else
		strmap_del(n->by_zone, key);
}

/* A job for a target, with the acknowledged serial it had before. */
static notify_job *job_new(notifier *n, const struct zone_entry *z,
			   const struct sockaddr_storage *addr, const char *target)
{
	notify_job *j = calloc(1, sizeof(*j));
	notify_job **grown;
	db_notify st;

	char key[96];

	if (j == NULL || (grown = realloc(n->jobs, (n->njobs + 1) * sizeof(*grown))) == NULL) {
		free(j);
		return NULL;
	}
	key_job(key, sizeof(key), z->id, target);
	if (!strmap_put(n->by_key, key, (size_t)(uintptr_t)j)) {
		free(j);
		return NULL;
	}
	n->jobs = grown;
	j->idx = n->njobs;
	n->jobs[n->njobs++] = j;
	j->zone_next = zone_first(n, z->id);
	set_zone_first(n, z->id, j);
	j->owner = n;
	j->zone_id = z->id;
	j->account = z->account_id;
	j->addr = *addr;
	snprintf(j->target, sizeof(j->target), "%s", target);
	if (db_notify_get(n->srv->d, z->id, target, &st) == AX_OK) {
		j->acked = st.acked;
		j->acked_serial = st.acked_serial;
		j->stored = true;
		j->stored_serial = st.serial;
	}
	return j;
}

/* Removes j from the indexes and the array, and frees it. */
static void job_remove(notifier *n, notify_job *j)
{
	char key[96];

	flight_end(j);
	key_job(key, sizeof(key), j->zone_id, j->target);
	strmap_del(n->by_key, key);
	n->jobs[j->idx] = n->jobs[--n->njobs];
	n->jobs[j->idx]->idx = j->idx;
	job_free(n, j);
}

/* Drops the zone's jobs whose target is not in keep (NULL: all). */
static void drop_jobs(notifier *n, int64_t zone_id, char (*keep)[64], size_t nkeep)
{
	notify_job *first = zone_first(n, zone_id), **pp = &first;

	while (*pp != NULL) {
		notify_job *j = *pp;
		bool kept = false;
		for (size_t k = 0; k < nkeep && !kept; k++)
			kept = strcmp(keep[k], j->target) == 0;
		if (kept) {
			pp = &j->zone_next;
			continue;
		}
		*pp = j->zone_next;
		job_remove(n, j);
	}
	set_zone_first(n, zone_id, first);
}

/* Keeps the targets the outbound policy allows among the first
 * notify-max-targets (in order, with their names); each one the policy
 * leaves out is a NOTIFY that does not leave, counted. Returns how many
 * are kept. */
static size_t allowed_targets(notifier *n, snap *v, struct sockaddr_storage *t,
			      size_t nt, char (*names)[64])
{
	const config *cfg = n->srv->cfg;
	size_t kept = 0;

	for (size_t i = 0; i < nt; i++) {
		char name[64];
		const char *why = outbound_target_skip(&cfg->outbound,
			(size_t)cfg->notify_max_targets, i, &t[i]);
		addr_text(&t[i], name, sizeof(name));
		if (why != NULL) {
			if (strcmp(why, OUTBOUND_REASON) == 0)
				metric_outbound_suppressed(false);
			log_debug("notify", "zone %s: NOTIFY of serial %u to %s skipped: "
				  "%s", snap_zone(v), snap_serial(v), name, why);
			continue;
		}
		t[kept] = t[i];
		snprintf(names[kept++], sizeof(names[0]), "%s", name);
	}
	return kept;
}

/* Announces version v (its SOA) of zone z to its targets; prune drops
 * the stored state of targets the zone no longer has. */
static void announce(notifier *n, const struct zone_entry *z, snap *v, bool prune)
{
	struct sockaddr_storage *targets = NULL;
	char (*names)[64] = NULL;
	char **keep = NULL;
	size_t nt = 0;

	if (n == NULL || v == NULL ||
	    db_notify_targets(n->srv->d, z->id, &targets, &nt) != AX_OK)
		return;
	names = calloc(nt + 1, sizeof(*names));
	keep = calloc(nt + 1, sizeof(*keep));
	if (names == NULL || keep == NULL)
		goto cleanup;
	nt = allowed_targets(n, v, targets, nt, names);
	for (size_t i = 0; i < nt; i++)
		keep[i] = names[i];
	drop_jobs(n, z->id, names, nt);
	if (prune)
		db_notify_prune(n->srv->d, z->id, keep, nt);
	for (size_t i = 0; i < nt; i++) {
		notify_job *j = job_find(n, z->id, names[i]);
		if (j == NULL && (j = job_new(n, z, &targets[i], names[i])) == NULL)
			continue;
		snap_unref(j->snap);
		j->snap = snap_ref(v);
		j->serial = snap_serial(v);
		if (j->acked && j->acked_serial == j->serial)
			continue;          /* the target already knows */
		/* The first change goes out at once. While its first try is in
		 * flight, more changes are coalesced (the reply, or the retry,
		 * carries the newest serial). A target already being retried is
		 * slow or away: a new serial is a new announcement, sent now
		 * rather than after the longer and longer waits. */
		if (!j->waiting || j->tries > 1) {
			j->tries = 0;
			request_send(j);
		}
	}
cleanup:
	free(names);
	free(keep);
	free(targets);
}

void notify_zone(notifier *n, const struct zone_entry *z)
{
	announce(n, z, z->snap, true);
}

void notify_zone_early(notifier *n, const struct zone_entry *z, snap *soa_only)
{
	announce(n, z, soa_only, false);
}

void notify_forget(notifier *n, int64_t zone_id)
{
	if (n != NULL)
		drop_jobs(n, zone_id, NULL, 0);
}

/* The sockets and per-target state of one notify_send_now. */
typedef struct now_run {
	int fds[2];                /* IPv4, IPv6 */
	uint16_t *ids;
	tsig_ctx *tsig;            /* per target, when signed */
	bool *done;                /* a final verdict came */
	struct timespec t0;
} now_run;

static void now_end(now_run *r, size_t n)
{
	for (int k = 0; k < 2; k++)
		if (r->fds[k] >= 0)
			close(r->fds[k]);
	if (r->tsig != NULL)
		OPENSSL_cleanse(r->tsig, n * sizeof(*r->tsig));
	free(r->tsig);
	free(r->ids);
	free(r->done);
}

static unsigned now_ms(const now_run *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (unsigned)((now.tv_sec - r->t0.tv_sec) * 1000 +
			  (now.tv_nsec - r->t0.tv_nsec) / 1000000);
}

/* Sends every target its NOTIFY; returns how many went out. */
static size_t now_send(const config *cfg, now_run *r, const snap *s,
		       const tsig_key *key, notify_outcome *t, size_t n)
{
	uint8_t buf[2048];
	size_t sent = 0;

	for (size_t i = 0; i < n; i++) {
		int fd = r->fds[t[i].target.ss_family == AF_INET ? 0 : 1];
		socklen_t sl = t[i].target.ss_family == AF_INET ?
			       sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		size_t len;
		t[i].answered = false;
		t[i].sent = false;
		if (t[i].skip_reason == NULL &&
		    !outbound_allowed(&cfg->outbound, &t[i].target)) {
			t[i].skip_reason = OUTBOUND_REASON;
			metric_outbound_suppressed(false);
		}
		if (t[i].skip_reason != NULL) {
			r->done[i] = true;
			continue;
		}
		if (getrandom(&r->ids[i], sizeof(r->ids[i]), 0) != sizeof(r->ids[i]))
			r->ids[i] = (uint16_t)(rand() + (int)i);
		len = notify_build_signed(s, r->ids[i], key, key ? &r->tsig[i] : NULL,
					  buf, sizeof(buf));
		if (fd < 0 || len == 0 ||
		    sendto(fd, buf, len, 0, (struct sockaddr *)&t[i].target, sl) < 0) {
			r->done[i] = true;
			continue;
		}
		t[i].sent = true;
		metric_notify_sent();
		sent++;
	}
	return sent;
}

/* Matches one reply to its target; returns true when that target is
 * done (its verdict final). */
static bool now_reply(now_run *r, const snap *s, bool keyed, notify_outcome *t,
		      size_t n, const uint8_t *msg, size_t len,
		      const struct sockaddr_storage *from)
{
	size_t alen;
	const uint8_t *apex = snap_apex(s, &alen);

	for (size_t i = 0; i < n; i++) {
		int rcode;
		if (r->done[i] ||
		    !addr_same((const struct sockaddr *)&t[i].target, (const struct sockaddr *)from, true) ||
		    !notify_is_reply(msg, len, r->ids[i], apex, alen, &rcode))
			continue;
		t[i].answered = true;
		t[i].ms = now_ms(r);
		notify_judge(msg, len, rcode, keyed ? &r->tsig[i] : NULL, time(NULL),
			     &t[i].verdict);
		if (!t[i].verdict.final)
			return false;
		if (t[i].verdict.acked)
			metric_notify_acked();
		r->done[i] = true;
		return true;
	}
	return false;
}

int notify_send_now(const config *cfg, const snap *s, const tsig_key *key,
		    notify_outcome *t, size_t n, int timeout_ms)
{
	now_run r = {{open_fd(cfg, AF_INET), open_fd(cfg, AF_INET6)}, NULL, NULL, NULL,
		     {0, 0}};
	uint8_t buf[4096];
	size_t left;

	r.ids = calloc(n + 1, sizeof(*r.ids));
	r.done = calloc(n + 1, sizeof(*r.done));
	r.tsig = key ? calloc(n + 1, sizeof(*r.tsig)) : NULL;
	if (r.ids == NULL || r.done == NULL || (key && r.tsig == NULL) || r.fds[0] < 0) {
		now_end(&r, n);
		return r.fds[0] < 0 ? AX_EIO : AX_ENOMEM;
	}
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	left = now_send(cfg, &r, s, key, t, n);
	while (left > 0) {
		struct pollfd p[2] = {{r.fds[0], POLLIN, 0}, {r.fds[1], POLLIN, 0}};
		unsigned el = now_ms(&r);
		if (el >= (unsigned)timeout_ms || poll(p, 2, (int)(timeout_ms - (int)el)) <= 0)
			break;
		for (int k = 0; k < 2; k++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t len;
			if (!(p[k].revents & POLLIN) ||
			    (len = recvfrom(r.fds[k], buf, sizeof(buf), 0,
					    (struct sockaddr *)&from, &fl)) < 0)
				continue;
			if (now_reply(&r, s, key != NULL, t, n, buf, (size_t)len, &from))
				left--;
		}
	}
	now_end(&r, n);
	return AX_OK;
}
