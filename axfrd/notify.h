/* notify.h -- DNS NOTIFY (RFC 1996) to a zone's secondaries whenever the
 * serial it serves changes: sent at once, coalesced while one is in
 * flight, retried with doubling waits until a reply matches (id, zone,
 * address, and when the zone has a TSIG key, a reply whose TSIG verifies),
 * the state kept in the store so a restart resumes it. Signed with the
 * key the zone's configuration names at each send. */
#ifndef AXFRD_NOTIFY_H
#define AXFRD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "config.h"
#include "error.h"
#include "snap.h"
#include "tsig.h"

struct dns_server;
struct zone_entry;
typedef struct notifier notifier;

/* Writes a NOTIFY for s's zone with its SOA in the answer section
 * (opcode NOTIFY, AA set). Returns the length, 0 if it does not fit. */
size_t notify_build(const snap *s, uint16_t id, uint8_t *buf, size_t max);

/* Checks that msg answers the NOTIFY id for the zone apex; *rcode gets
 * the reply's rcode. */
bool notify_is_reply(const uint8_t *msg, size_t len, uint16_t id,
		     const uint8_t *apex, size_t apex_len, int *rcode);

/* How a reply to a NOTIFY counts. */
typedef struct notify_verdict {
	bool acked;          /* an acknowledgement: NOERROR, and when the NOTIFY
			      * was signed, a reply whose TSIG verifies */
	bool final;          /* ends the tries: the reply verified, or the
			      * NOTIFY was not signed (an unverified reply may
			      * be forged and must not stop the retries) */
	char result[32];     /* "acknowledged", "refused", "not authoritative",
			      * "tsig error", "unsigned reply", ... */
	char message[320];   /* the likely cause, for the operator; "" */
} notify_verdict;

/*
 * Judges msg, a reply notify_is_reply matched with the given rcode, to a
 * NOTIFY signed with tsig (NULL: sent unsigned), at time now: the TSIG
 * verified (RFC 8945 5.3), or why not; REFUSED and NOTAUTH with the
 * likely cause on the secondary's side (naming the key, never a secret).
 */
void notify_judge(const uint8_t *msg, size_t len, int rcode,
		  const tsig_ctx *tsig, time_t now, notify_verdict *v);

/* Writes the NOTIFY for s with id into buf and, with key (NULL: none),
 * signs it, filling *tsig for notify_judge. Returns the length, 0 when it
 * does not fit or cannot be signed. */
size_t notify_build_signed(const snap *s, uint16_t id, const tsig_key *key,
			   tsig_ctx *tsig, uint8_t *buf, size_t max);

int notify_new(struct dns_server *s, notifier **out, ax_errinfo *ei);
void notify_free(notifier *n);

/* The zone's targets or serial may have changed: announce the serial it
 * serves now to every target that has not acknowledged it. */
void notify_zone(notifier *n, const struct zone_entry *z);

/* Announces a new serial before its snapshot exists: soa_only (a
 * finished snapshot holding just the new SOA) is committed in the store
 * and about to be served. The caller builds and installs that version
 * before the loop reads another request, so a secondary's SOA query or
 * IXFR in answer to this NOTIFY finds it; notify_zone follows with the
 * installed version. Nothing waits for the build (SPEC: only for the
 * commit). */
void notify_zone_early(notifier *n, const struct zone_entry *z, snap *soa_only);

/* The zone is gone: stop notifying for it. */
void notify_forget(notifier *n, int64_t zone_id);

/* One target's outcome of notify_send_now. */
typedef struct notify_outcome {
	struct sockaddr_storage target;
	const char *skip_reason; /* set by the caller, or OUTBOUND_REASON: not sent */
	bool sent;
	bool answered;       /* a reply came (verdict says how it counts) */
	notify_verdict verdict; /* of the last reply, when answered */
	unsigned ms;         /* time to that reply */
} notify_outcome;

/* Sends a NOTIFY for s, signed with key (NULL: unsigned), from
 * notify-source, to every target at once and waits (up to timeout_ms) for
 * their replies, a target being done at its first final verdict; for the
 * API's "notify now". A target with skip_reason set, or outside cfg's
 * outbound policy (which sets skip_reason), gets nothing. Blocking, on
 * the caller's thread. */
int notify_send_now(const config *cfg, const snap *s, const tsig_key *key,
		    notify_outcome *targets, size_t n, int timeout_ms);

#endif
