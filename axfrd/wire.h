/* wire.h -- DNS wire format: a bounds-checked reader for messages we
 * receive, and a writer with case-preserving name compression for the
 * messages we send. */
#ifndef AXFRD_WIRE_H
#define AXFRD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_NAME_MAX 255
#define WIRE_HEADER_LEN 12

/* DNS constants we use (RFC 1035, 6891, 8945, 1995, 5936, 1996). */
enum {
	RR_A = 1, RR_NS = 2, RR_CNAME = 5, RR_SOA = 6, RR_PTR = 12, RR_MX = 15,
	RR_TXT = 16, RR_AAAA = 28, RR_SRV = 33, RR_NAPTR = 35, RR_DS = 43,
	RR_SSHFP = 44, RR_TLSA = 52, RR_SVCB = 64, RR_HTTPS = 65, RR_OPT = 41,
	RR_TSIG = 250, RR_IXFR = 251, RR_AXFR = 252, RR_ANY = 255, RR_CAA = 257,
};
enum { CLASS_IN = 1, CLASS_ANY = 255 };
enum { OP_QUERY = 0, OP_NOTIFY = 4, OP_UPDATE = 5 };
enum {
	RCODE_NOERROR = 0, RCODE_FORMERR = 1, RCODE_SERVFAIL = 2,
	RCODE_NXDOMAIN = 3, RCODE_NOTIMP = 4, RCODE_REFUSED = 5,
	RCODE_NOTAUTH = 9, RCODE_BADVERS = 16, /* extended, via OPT */
};
/* TSIG error codes (RFC 8945) */
enum { TSIG_BADSIG = 16, TSIG_BADKEY = 17, TSIG_BADTIME = 18, TSIG_BADTRUNC = 22 };

/* Header flag bits in the 16-bit flags word. */
#define WIRE_QR 0x8000u
#define WIRE_AA 0x0400u
#define WIRE_TC 0x0200u
#define WIRE_RD 0x0100u
#define WIRE_RA 0x0080u
#define WIRE_OPCODE(f) (((f) >> 11) & 0xf)
#define WIRE_RCODE(f) ((f) & 0xf)

/* ---- reading ---- */

/* A cursor over a received message. Every read checks the bounds; a
 * failed read leaves the cursor where it was. */
typedef struct wreader {
	const uint8_t *msg;  /* the whole message (for compression pointers) */
	size_t len;
	size_t pos;
} wreader;

void wr_init(wreader *r, const uint8_t *msg, size_t len);
bool wr_u8(wreader *r, uint8_t *v);
bool wr_u16(wreader *r, uint16_t *v);
bool wr_u32(wreader *r, uint32_t *v);
bool wr_skip(wreader *r, size_t n);
/* Reads a possibly compressed name into out (uncompressed wire form,
 * case preserved, at most WIRE_NAME_MAX bytes); *outlen is its length.
 * Refuses pointer loops, forward-only rules aside, and overlong names. */
bool wr_name(wreader *r, uint8_t *out, size_t *outlen);

/* ---- names ---- */

/* Length of the uncompressed wire name at p (within max bytes), or 0 if
 * it is malformed. */
size_t wire_name_len(const uint8_t *p, size_t max);
/* Case-insensitive equality of two uncompressed wire names. */
bool wire_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* True when name is sub (or equal to) zone, case-insensitively. */
bool wire_name_is_sub(const uint8_t *name, size_t nlen, const uint8_t *zone,
		      size_t zlen);
/* Number of labels of a wire name, the root not counted. */
unsigned wire_name_labels(const uint8_t *name);
/* Presentation text of a wire name ("www.example.com."); buf should hold
 * 1024 bytes for any name. */
void wire_name_to_text(const uint8_t *name, char *buf, size_t len);
/* Wire form of a presentation name; the trailing dot is optional and
 * escapes are not understood (names in the store are letters, digits,
 * '-', '_' and '*'). false when malformed. */
bool wire_name_from_text(const char *text, uint8_t *out, size_t *outlen);

/* ---- writing ---- */

/* Compression table for one message: maps name suffixes already written
 * (at offsets below 0x4000) to their offsets. Matching is exact, case
 * included, so compression never changes the case of a name. */
#define WCOMP_SLOTS 2048  /* ample for 16 KiB messages; when full, the
			   * names that follow are written uncompressed */
typedef struct wcomp {
	uint32_t hash[WCOMP_SLOTS];
	uint16_t off[WCOMP_SLOTS];     /* 0 = empty (offset 0 is the header) */
	uint16_t log[WCOMP_SLOTS];     /* slots in insertion order */
	unsigned nlog;
} wcomp;

/* A message being written into caller-owned memory. */
typedef struct wbuf {
	uint8_t *data;
	size_t cap;    /* usable bytes (the message limit) */
	size_t len;
	wcomp *comp;   /* NULL: write names uncompressed */
} wbuf;

/* Where to roll back to when a record does not fit. */
typedef struct wmark {
	size_t len;
	unsigned nlog;
} wmark;

void wb_init(wbuf *b, uint8_t *mem, size_t cap, wcomp *comp);
wmark wb_mark(const wbuf *b);
void wb_rollback(wbuf *b, wmark m);
bool wb_u8(wbuf *b, uint8_t v);
bool wb_u16(wbuf *b, uint16_t v);
bool wb_u32(wbuf *b, uint32_t v);
bool wb_bytes(wbuf *b, const void *p, size_t n);
void wb_put_u16_at(wbuf *b, size_t off, uint16_t v);
/* Writes an uncompressed wire name, compressing it against the table. */
bool wb_name(wbuf *b, const uint8_t *name, size_t len);
/*
 * Writes one resource record; RDATA names of NS, CNAME, PTR, MX and SOA
 * are compressed too (RFC 3597 section 4 allows it for these types
 * only). On failure (it does not fit) the buffer is rolled back to where
 * it was and false is returned.
 */
bool wb_rr(wbuf *b, const uint8_t *owner, size_t olen, uint16_t type,
	   uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Writes a 12-byte header. */
bool wb_header(wbuf *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
	       uint16_t ns, uint16_t ar);

/* Header counts are at fixed offsets; these update them in place. */
#define WIRE_OFF_QDCOUNT 4
#define WIRE_OFF_ANCOUNT 6
#define WIRE_OFF_NSCOUNT 8
#define WIRE_OFF_ARCOUNT 10

#endif
