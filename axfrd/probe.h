/* probe.h -- a small blocking DNS client for the sync checks: batches of
 * UDP queries sent at once and answered within one deadline. */
#ifndef AXFRD_PROBE_H
#define AXFRD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "wire.h"

#define PROBE_MSG_MAX 4096

/* A reply from the queried server that was not taken as the answer. */
typedef enum probe_fault {
	PROBE_FAULT_NONE = 0,
	PROBE_FAULT_MALFORMED,       /* too short, not a reply, sections cut */
	PROBE_FAULT_MISMATCHED,      /* another id, question, class or opcode */
} probe_fault;

/* One query of a batch and, after probe_run, its answer. */
typedef struct probe {
	struct sockaddr_storage server;
	uint8_t qname[WIRE_NAME_MAX];
	size_t qname_len;
	uint16_t qtype;
	bool rd;                     /* recursion desired (resolver) or not */
	bool policed;                /* the server is a tenant's (not the
				      * operator's resolver): the outbound
				      * policy and notify-source apply */
	bool over_max;               /* set by the caller: past the addresses a
				      * check may ask (notify-max-targets),
				      * not sent */
	/* results */
	bool skipped;                /* not sent: outside the outbound policy,
				      * or over_max */
	bool answered;               /* a well-formed reply to this question */
	int rcode;
	uint16_t flags;              /* the reply's header flags */
	int send_errno;              /* not 0: sending failed with this errno */
	probe_fault fault;           /* the last reply from the server that
				      * was not taken (the answer wins) */
	uint8_t reply[PROBE_MSG_MAX];
	size_t reply_len;
} probe;

/* How one query of a batch ended, for the sync status. */
typedef enum probe_outcome {
	PROBE_ANSWERED = 0,          /* NOERROR or NXDOMAIN: the records say */
	PROBE_SKIPPED,               /* not sent: outside the outbound policy */
	PROBE_MAX_TARGETS,           /* not sent: over_max */
	PROBE_NOT_SENT,              /* the query could not be sent */
	PROBE_NO_ANSWER,             /* nothing came back in time */
	PROBE_MALFORMED,             /* only replies that do not parse */
	PROBE_MISMATCHED,            /* only replies with another id or question */
	PROBE_SERVFAIL,
	PROBE_REFUSED,
	PROBE_ERROR_RCODE,           /* FORMERR, NOTIMP, NOTAUTH, ... */
	PROBE_TRUNCATED,             /* TC set: the records may be cut short */
} probe_outcome;

/* Prepares p for name (presentation) and type; false if name is bad.
 * rd: a query to the operator's resolver; otherwise the server came from
 * a tenant (a secondary, a parent zone's server) and is policed. */
bool probe_init(probe *p, const struct sockaddr_storage *server,
		const char *name, uint16_t qtype, bool rd);

/* Sends every query and waits until all are answered or timeout_ms
 * passed. A reply is taken only from the queried address and port, with
 * the query's id, opcode and question, and only when every section
 * parses; any other reply from that server is remembered (fault) and
 * the wait goes on. A query that gets no answer has answered == false; a
 * policed one outside cfg's outbound policy is not sent (skipped,
 * counted), the others leave from notify-source. One with over_max
 * is not sent either (skipped). Returns how many queries were sent. */
size_t probe_run(const config *cfg, probe *p, size_t n, int timeout_ms);

/* The records of type rtype in the answer (section 0) or authority
 * (section 1) of a reply, owned by the question's name when at_qname:
 * calls fn with each one's RDATA. */
typedef void (*probe_rr_fn)(void *arg, const wreader *msg, size_t rdata,
			    uint16_t rdlen);
int probe_records(const probe *p, int section, uint16_t rtype, bool at_qname,
		  probe_rr_fn fn, void *arg);

/* The serial of the SOA at the question's name in an authoritative (AA)
 * NOERROR answer; false when there is none. */
bool probe_soa_serial(const probe *p, uint32_t *serial);

/* How p ended, after probe_run. */
probe_outcome probe_result(const probe *p);

/* A short stable token for an outcome other than PROBE_ANSWERED
 * ("no-answer", "servfail", "refused", "malformed-reply",
 * "mismatched-reply", "error-reply", "truncated-reply", "not-sent",
 * "outbound-policy", "notify-max-targets"). */
const char *probe_outcome_reason(probe_outcome o);

/* The question, "example.com. SOA". */
void probe_question_text(const probe *p, char *buf, size_t len);

/* One sentence on what p's server did with the question: "127.0.0.3:53
 * did not answer example.com. SOA within 1000 ms", "... answered
 * example.com. SOA with SERVFAIL". who, when not empty, goes before the
 * address ("the resolver 127.0.0.1:53 ..."). */
void probe_describe(const probe *p, const char *who, int timeout_ms, char *buf,
		    size_t len);

#endif
