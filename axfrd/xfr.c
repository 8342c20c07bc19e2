/* xfr.c -- AXFR (RFC 5936) and IXFR (RFC 1995) answers as resumable
 * cursors that write one message per call from a snapshot or journal. */
#include "xfr.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "wire.h"

/* A DNS message over TCP is at most this long (16-bit length prefix). */
#define TCP_MSG_MAX 65535
#define RR_FIXED_LEN 10  /* type, class, TTL, RDLENGTH */

/* Where a cursor is in its transfer. */
enum xfr_phase {
	PH_FIRST_SOA,  /* the opening SOA */
	PH_BODY,       /* the snapshot's records (AXFR) or journal steps (IXFR) */
	PH_LAST_SOA,   /* the closing SOA */
	PH_DONE,
};

/* The record at the cursor, pointing into the snapshot or a journal blob. */
typedef struct xfr_rr {
	const uint8_t *owner;
	size_t olen;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
	size_t next;           /* blob offset just after this record */
} xfr_rr;

struct xfr_cursor {
	snap *s;               /* referenced until xfr_free */
	bool ixfr;             /* an IXFR answer (for logs and metrics) */
	bool only_soa;         /* IXFR for an up-to-date client: one SOA */
	enum xfr_phase phase;
	size_t index;          /* AXFR: the next record of s */
	xfr_step *steps;       /* IXFR: owned, freed by xfr_free */
	size_t nsteps;
	size_t step;           /* IXFR: the current step ... */
	size_t pos;            /* ... and the offset of its next record */
	size_t reserve;        /* bytes kept free at the end of each message */
	size_t records;        /* records written so far */
	unsigned messages;     /* messages written so far */
	uint16_t id;           /* from the request: id, RD bit, question */
	uint16_t rd;
	uint8_t qname[WIRE_NAME_MAX];
	size_t qname_len;
	uint16_t qtype, qclass;
	wcomp comp;            /* ~40 KiB, so it lives here, not on a stack */
};

static void free_steps(xfr_step *steps, size_t n)
{
	for (size_t i = 0; steps != NULL && i < n; i++)
		free(steps[i].diff);
	free(steps);
}

static xfr_cursor *cursor_new(const dns_query *q, snap *s, bool ixfr)
{
	xfr_cursor *c;

	if (q->qname_len == 0 || q->qname_len > WIRE_NAME_MAX)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->s = snap_ref(s);
	c->ixfr = ixfr;
	c->phase = PH_FIRST_SOA;
	c->id = q->id;
	/* RFC 5936 2.2.1: RD is copied from the request (or 0). */
	c->rd = q->flags & WIRE_RD;
	memcpy(c->qname, q->qname, q->qname_len);
	c->qname_len = q->qname_len;
	c->qtype = q->qtype;
	c->qclass = q->qclass;
	return c;
}

xfr_cursor *xfr_axfr_new(const dns_query *q, snap *s)
{
	return cursor_new(q, s, false);
}

xfr_cursor *xfr_ixfr_new(const dns_query *q, snap *s, xfr_step *steps,
			 size_t nsteps)
{
	xfr_cursor *c = cursor_new(q, s, true);

	if (c == NULL) {
		/* Ownership was taken: the caller must not free them either. */
		free_steps(steps, nsteps);
		return NULL;
	}
	c->steps = steps;
	c->nsteps = nsteps;
	/* No step at all means the client is current (RFC 1995 section 2). */
	c->only_soa = nsteps == 0;
	return c;
}

xfr_cursor *xfr_ixfr_current(const dns_query *q, snap *s)
{
	return xfr_ixfr_new(q, s, NULL, 0);
}

void xfr_set_reserve(xfr_cursor *c, size_t bytes)
{
	c->reserve = bytes;
}

size_t xfr_records(const xfr_cursor *c)
{
	return c->records;
}

bool xfr_is_ixfr(const xfr_cursor *c)
{
	return c->ixfr;
}

void xfr_free(xfr_cursor *c)
{
	if (c == NULL)
		return;
	free_steps(c->steps, c->nsteps);
	snap_unref(c->s);
	free(c);
}

static void from_snap(const snap *s, const snap_rr *r, xfr_rr *rr)
{
	rr->owner = snap_bytes(s, r->owner);
	rr->olen = r->owner_len;
	rr->type = r->type;
	rr->ttl = r->ttl;
	rr->rdata = snap_bytes(s, r->rdata);
	rr->rdlen = r->rdlen;
	rr->next = 0;
}

/*
 * Reads the blob record at pos of step st. Every length is checked
 * against the blob, so a corrupt journal row fails the transfer instead
 * of reading out of bounds. Each step opens with its old SOA (RFC 1995),
 * which also rejects an empty step.
 */
static int blob_rr(const xfr_step *st, size_t pos, xfr_rr *rr)
{
	wreader r;
	uint16_t rclass;

	if (st->diff == NULL || pos >= st->len)
		return -1;
	wr_init(&r, st->diff, st->len);
	r.pos = pos;
	rr->owner = st->diff + pos;
	rr->olen = wire_name_len(rr->owner, st->len - pos);
	if (rr->olen == 0 || !wr_skip(&r, rr->olen) || !wr_u16(&r, &rr->type) ||
	    !wr_u16(&r, &rclass) || !wr_u32(&r, &rr->ttl) ||
	    !wr_u16(&r, &rr->rdlen) || rclass != CLASS_IN)
		return -1;
	rr->rdata = st->diff + r.pos;
	if (!wr_skip(&r, rr->rdlen) || (pos == 0 && rr->type != RR_SOA))
		return -1;
	rr->next = r.pos;
	return 1;
}

/* The record at the cursor in the body, moving on to the closing SOA when
 * the body is exhausted. 1: *rr is set; 0: body done; -1: corrupt blob. */
static int peek_body(xfr_cursor *c, xfr_rr *rr)
{
	if (!c->ixfr) {
		if (c->index < snap_count(c->s)) {
			from_snap(c->s, snap_at(c->s, c->index), rr);
			return 1;
		}
		return 0;
	}
	while (c->step < c->nsteps && c->pos != 0 &&
	       c->pos == c->steps[c->step].len) {
		c->step++;
		c->pos = 0;
	}
	if (c->step == c->nsteps)
		return 0;
	return blob_rr(&c->steps[c->step], c->pos, rr);
}

/* The record at the cursor without advancing: 1 when there is one, 0 when
 * the transfer is complete, -1 when a journal blob is corrupt. */
static int peek(xfr_cursor *c, xfr_rr *rr)
{
	int rc;

	if (c->phase == PH_BODY) {
		if ((rc = peek_body(c, rr)) != 0)
			return rc;
		c->phase = PH_LAST_SOA;
	}
	if (c->phase == PH_DONE)
		return 0;
	from_snap(c->s, snap_soa(c->s), rr);
	return 1;
}

static void advance(xfr_cursor *c, const xfr_rr *rr)
{
	switch (c->phase) {
	case PH_FIRST_SOA:
		c->phase = c->only_soa ? PH_DONE : PH_BODY;
		break;
	case PH_BODY:
		if (c->ixfr)
			c->pos = rr->next;
		else
			c->index++;
		break;
	case PH_LAST_SOA:
	case PH_DONE:
		c->phase = PH_DONE;
		break;
	}
}

/* Header and, in the first message only, the question (RFC 5936 2.2.1:
 * QDCOUNT is 1 in the first message and may be 0 in later ones). */
static bool start_message(const xfr_cursor *c, wbuf *b)
{
	bool first = c->messages == 0;

	if (!wb_header(b, c->id, (uint16_t)(WIRE_QR | WIRE_AA | c->rd),
		       first ? 1 : 0, 0, 0, 0))
		return false;
	if (!first)
		return true;
	return wb_name(b, c->qname, c->qname_len) && wb_u16(b, c->qtype) &&
	       wb_u16(b, c->qclass);
}

long xfr_next(xfr_cursor *c, uint8_t *out, size_t max)
{
	wbuf b;
	xfr_rr rr;
	unsigned n = 0;
	int rc = 0;

	if (c->phase == PH_DONE)
		return 0;
	if (max > TCP_MSG_MAX)
		max = TCP_MSG_MAX;
	if (max <= c->reserve)
		return -1;
	/* A fresh table per message: pointers may not cross messages. */
	wb_init(&b, out, max - c->reserve, &c->comp);
	if (!start_message(c, &b))
		return -1;
	while (n < UINT16_MAX && (rc = peek(c, &rr)) == 1) {
		/* The snapshot's records are in canonical order, their bytes
		 * in the order they were stored: ask for the bytes of a record
		 * a few ahead now, so they are in cache when it is written. */
		if (!c->ixfr && c->phase == PH_BODY && c->index + 8 < snap_count(c->s)) {
			const snap_rr *ahead = snap_at(c->s, c->index + 8);
			__builtin_prefetch(snap_bytes(c->s, ahead->owner));
			__builtin_prefetch(snap_bytes(c->s, ahead->rdata));
		}
		if (!wb_rr(&b, rr.owner, rr.olen, rr.type, CLASS_IN, rr.ttl,
			   rr.rdata, rr.rdlen))
			break;
		advance(c, &rr);
		n++;
	}
	/* n == 0: the record does not fit even into an empty message. */
	if (rc < 0 || n == 0)
		return -1;
	wb_put_u16_at(&b, WIRE_OFF_ANCOUNT, (uint16_t)n);
	c->messages++;
	c->records += n;
	return (long)b.len;
}

void xfr_save(const xfr_cursor *c, xfr_mark *m)
{
	m->phase = (int)c->phase;
	m->index = c->index;
	m->step = c->step;
	m->pos = c->pos;
	m->records = c->records;
	m->messages = c->messages;
}

void xfr_restore(xfr_cursor *c, const xfr_mark *m)
{
	c->phase = (enum xfr_phase)m->phase;
	c->index = m->index;
	c->step = m->step;
	c->pos = m->pos;
	c->records = m->records;
	c->messages = m->messages;
}

/* Makes room for need more bytes at the end of the buffer. */
static int blob_grow(uint8_t **buf, size_t len, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;

	if (*cap - len >= need)
		return AX_OK;
	while (ncap - len < need)
		ncap *= 2;
	uint8_t *grown = realloc(*buf, ncap);
	if (grown == NULL)
		return AX_ENOMEM;
	*buf = grown;
	*cap = ncap;
	return AX_OK;
}

int xfr_blob_append(uint8_t **buf, size_t *len, size_t *cap,
		    const uint8_t *owner, size_t olen, uint16_t type,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t need = olen + RR_FIXED_LEN + rdlen;
	wbuf b;
	int rc;

	if (olen == 0 || wire_name_len(owner, olen) != olen ||
	    (rdlen > 0 && rdata == NULL))
		return AX_EINVAL;
	if ((rc = blob_grow(buf, *len, cap, need)) != AX_OK)
		return rc;
	wb_init(&b, *buf + *len, need, NULL);
	/* Cannot fail: exactly need bytes are available. */
	(void)(wb_bytes(&b, owner, olen) && wb_u16(&b, type) &&
	       wb_u16(&b, CLASS_IN) && wb_u32(&b, ttl) && wb_u16(&b, rdlen) &&
	       (rdlen == 0 || wb_bytes(&b, rdata, rdlen)));
	*len += need;
	return AX_OK;
}
