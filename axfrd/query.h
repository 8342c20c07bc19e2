/* query.h -- parsing DNS requests and answering ordinary queries
 * authoritatively from a zone snapshot. */
#ifndef AXFRD_QUERY_H
#define AXFRD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snap.h"
#include "wire.h"

/* A parsed request. Pointers refer into the caller's message buffer. */
typedef struct dns_query {
	const uint8_t *msg;          /* the whole request */
	size_t len;
	uint16_t id;
	uint16_t flags;              /* as received */
	uint8_t opcode;
	uint16_t qdcount, ancount, nscount, arcount;
	uint8_t qname[WIRE_NAME_MAX];/* uncompressed, case preserved */
	size_t qname_len;
	uint16_t qtype, qclass;
	size_t question_end;         /* offset just after the question */
	/* EDNS (RFC 6891) */
	bool has_edns;
	uint16_t edns_udp_size;      /* as advertised (>= 512 after parse) */
	uint8_t edns_version;
	bool edns_do;
	/* IXFR (RFC 1995): the client's SOA serial from the authority section */
	bool has_ixfr_serial;
	uint32_t ixfr_serial;
	/* TSIG (RFC 8945): present when the last additional record is TSIG */
	bool has_tsig;
	size_t tsig_start;           /* offset of the TSIG RR (its owner name) */
	uint8_t tsig_name[WIRE_NAME_MAX];
	size_t tsig_name_len;
	/* Set by the caller, not by query_parse: answer ANY with a single
	 * RRset (RFC 8482), as over UDP; false answers it with all of them. */
	bool minimal_any;
} dns_query;

/* Result of query_parse. */
typedef enum query_parse_result {
	QP_OK,        /* a request we can answer */
	QP_DROP,      /* not even a header, or a response: send nothing */
	QP_FORMERR,   /* malformed: answer FORMERR (header/question echoed if read) */
} query_parse_result;

/*
 * Parses a request: header, exactly one question (qdcount 1, else
 * FORMERR, except NOTIFY which may carry answers), the authority section
 * (for IXFR the SOA), the additional section (at most one OPT, TSIG only
 * as the very last record), with every name and length bounds-checked.
 */
query_parse_result query_parse(const uint8_t *msg, size_t len, dns_query *q);

/* The same checks for a reply (QR set; the question may be missing), as
 * for the NOTIFY replies we read: QP_DROP for a request. */
query_parse_result query_parse_reply(const uint8_t *msg, size_t len, dns_query *q);

/*
 * Writes a response with only a header, the question (when it was
 * parsed), an OPT record (when the request had EDNS) and the given rcode
 * (an extended rcode such as BADVERS goes into the OPT). Returns the
 * length, or 0 when out is too small.
 */
size_t query_error(const dns_query *q, int rcode, uint8_t *out, size_t max);

/*
 * Writes what response-rate limiting sends instead of an answer: the
 * header with TC=1 and RCODE NOERROR, the question and the OPT (when the
 * request had EDNS), no records, so that a real client retries over TCP.
 * Returns the length, or 0 when out is too small.
 */
size_t query_slip(const dns_query *q, uint8_t *out, size_t max);

/*
 * Answers an ordinary query (opcode QUERY, qtype not AXFR/IXFR) for a
 * name inside zone s, authoritatively: AA set; the records of the name
 * (and type; for ANY all of them, or with q->minimal_any one: the SOA at
 * the apex, elsewhere the smallest RRset, RFC 8482 section 4.1); CNAME chains followed inside the zone;
 * wildcards (RFC 4592); NXDOMAIN or NODATA with the SOA in the authority
 * section (TTL = min(SOA TTL, SOA minimum)); a referral (NS in
 * authority, no AA, glue A/AAAA in additional) for names at or below a
 * delegation point; EDNS OPT echoed (our UDP size 1232); BADVERS for
 * EDNS version > 0. max is the space the transport allows (for UDP the
 * client's limit); when the answer does not fit, it is cut at a whole
 * RRset and TC is set. Returns the length written (0 on error).
 */
size_t query_answer(const dns_query *q, const snap *s, uint8_t *out,
		    size_t max);

/* The largest UDP response for q: 512 without EDNS, otherwise the
 * advertised size clamped to [512, 1232]. */
size_t query_udp_limit(const dns_query *q);

#endif
