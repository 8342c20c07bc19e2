/* tsig.h -- transaction signatures (RFC 8945) with hmac-sha256 and
 * hmac-sha512: verifying requests before acting on them and signing every
 * message of a response; for the NOTIFYs we send, signing the request and
 * verifying the reply. MACs compared in constant time. */
#ifndef AXFRD_TSIG_H
#define AXFRD_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "acl.h"
#include "query.h"

#define TSIG_FUDGE 300
#define TSIG_MAC_MAX 64

/* Signing state of one exchange (a request and its responses). */
typedef struct tsig_ctx {
	tsig_key key;                /* the key the request was signed with */
	uint8_t mac[TSIG_MAC_MAX];   /* the previous MAC (request's, then ours) */
	size_t mac_len;
	uint16_t error;              /* TSIG error to report (0, BADSIG...) */
	uint64_t time_signed;        /* the request's time (for BADTIME) */
	uint16_t orig_id;            /* the request's original id */
	unsigned messages;           /* responses signed so far */
	/* The TSIG of the request as received, echoed in ours (RFC 8945
	 * 5.3): key name and algorithm name (uncompressed wire, case as
	 * received) and the fudge (echoed in BADTIME answers). alg_len 0:
	 * the request had no usable TSIG, tsig_sign appends nothing. */
	uint8_t name_wire[WIRE_NAME_MAX];
	size_t name_len;
	uint8_t alg_wire[WIRE_NAME_MAX];
	size_t alg_len;
	uint16_t fudge;
} tsig_ctx;

/* Finds a key by name (lower case, absolute, trailing dot); returns false
 * when there is none. */
typedef bool (*tsig_lookup_fn)(void *arg, const char *name, tsig_key *out);

/* Result of tsig_verify. */
typedef enum tsig_result {
	TSIG_OK,         /* signed correctly; ctx ready to sign the answer */
	TSIG_UNSIGNED,   /* the request has no TSIG */
	TSIG_FAIL,       /* answer NOTAUTH with ctx->error (BADKEY, BADSIG,
			  * BADTIME, BADTRUNC); tsig_sign then adds the TSIG the
			  * RFC asks for: signed for BADTIME and BADTRUNC, with
			  * an empty MAC for BADKEY and BADSIG (RFC 8945 5.2) */
	TSIG_FORMERR,    /* the TSIG record itself is malformed */
} tsig_result;

/*
 * Verifies the TSIG of request q (the MAC over the request with the TSIG
 * removed and the original id restored, plus the TSIG variables) at time
 * now, before anything is acted upon. Fills ctx for signing the answer.
 */
tsig_result tsig_verify(const dns_query *q, tsig_lookup_fn lookup, void *arg,
			time_t now, tsig_ctx *ctx);

/*
 * Appends a TSIG record to the response msg (length *len, buffer cap),
 * signed with ctx (the first response covers the request MAC; later ones
 * of a multi-message transfer cover the previous MAC, RFC 8945 5.3.1),
 * and increments ARCOUNT. For a BADKEY or BADSIG answer the TSIG has an
 * empty MAC. Without a usable TSIG (the request was unsigned or its TSIG
 * malformed) nothing is added and true is returned. Returns false when
 * it does not fit.
 */
bool tsig_sign(tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap,
	       time_t now);

/* Space to keep free in a message for its TSIG record. */
size_t tsig_space(const tsig_ctx *ctx);

/*
 * The client side, for the NOTIFYs we send: appends a TSIG record signed
 * with key to the request msg (length *len, buffer cap) and increments
 * ARCOUNT; ctx keeps the key and the request MAC for tsig_check_reply.
 * Returns false for an unknown algorithm or when it does not fit.
 */
bool tsig_sign_request(tsig_ctx *ctx, const tsig_key *key, uint8_t *msg,
		       size_t *len, size_t cap, time_t now);

/* What tsig_check_reply found in a reply to a signed request. */
typedef enum tsig_reply {
	TSIG_REPLY_OK,        /* signed with the request's key, MAC and time good */
	TSIG_REPLY_UNSIGNED,  /* no TSIG record */
	TSIG_REPLY_ERROR,     /* the TSIG carries an error (BADKEY...): *error */
	TSIG_REPLY_BADMAC,    /* another key, a malformed TSIG or a wrong MAC */
	TSIG_REPLY_BADTIME,   /* verified, but signed outside its fudge of now */
} tsig_reply;

/*
 * Verifies reply r (parsed with query_parse_reply) to the request signed
 * with ctx (RFC 8945 5.3: the MAC covers the request MAC, the reply
 * without its TSIG and the TSIG variables). *error gets the TSIG error
 * code of a TSIG_REPLY_ERROR reply (such replies are unsigned for BADKEY
 * and BADSIG, so they prove nothing), 0 otherwise.
 */
tsig_reply tsig_check_reply(const tsig_ctx *ctx, const dns_query *r,
			    time_t now, uint16_t *error);

/* "BADKEY", "BADSIG", "BADTIME", "BADTRUNC" or "TSIG error N" in buf. */
const char *tsig_error_name(uint16_t error, char *buf, size_t len);

#endif
