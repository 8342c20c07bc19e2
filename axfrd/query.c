/* query.c -- parsing DNS requests and answering ordinary queries from a
 * zone snapshot (RFC 1034 4.3.2, RFC 2308, RFC 4592, RFC 6604, RFC 6891,
 * RFC 9471). */
#include "query.h"

#include <string.h>

#define OUR_UDP_SIZE 1232
#define OPT_RR_LEN 11      /* root owner, type, class, TTL, RDLENGTH 0 */
#define MSG_MAX 65535
#define CHAIN_MAX 8        /* CNAME hops followed inside the zone */
#define SET_MAX 64         /* RRsets planned per section */
#define WIRE_CD 0x0010u    /* checking disabled (RFC 4035), not in wire.h */

/* ==== parsing ==== */

/* One resource record of a request, as located by read_rr. */
typedef struct rr_view {
	size_t start;                /* offset of the owner name */
	uint8_t owner[WIRE_NAME_MAX];
	size_t olen;
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata;                /* offset of the RDATA */
} rr_view;

/* Reads one record and skips its RDATA, everything bounds-checked. */
static bool read_rr(wreader *r, rr_view *rr)
{
	rr->start = r->pos;
	if (!wr_name(r, rr->owner, &rr->olen) || !wr_u16(r, &rr->type) ||
	    !wr_u16(r, &rr->rclass) || !wr_u32(r, &rr->ttl) ||
	    !wr_u16(r, &rr->rdlen))
		return false;
	rr->rdata = r->pos;
	return wr_skip(r, rr->rdlen);
}

static query_parse_result parse_header(wreader *r, dns_query *q, bool reply)
{
	if (!wr_u16(r, &q->id) || !wr_u16(r, &q->flags) || !wr_u16(r, &q->qdcount) ||
	    !wr_u16(r, &q->ancount) || !wr_u16(r, &q->nscount) ||
	    !wr_u16(r, &q->arcount))
		return QP_DROP;
	/* Answering a response could start a packet storm between servers. */
	if (!(q->flags & WIRE_QR) != !reply)
		return QP_DROP;
	q->opcode = (uint8_t)WIRE_OPCODE(q->flags);
	return QP_OK;
}

/* Reads the question; qname_len stays 0 unless the whole question was
 * read, so that FORMERR answers only echo a complete question. */
static bool parse_question(wreader *r, dns_query *q)
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;
	uint16_t type, rclass;

	if (!wr_name(r, name, &nlen) || !wr_u16(r, &type) || !wr_u16(r, &rclass))
		return false;
	memcpy(q->qname, name, nlen);
	q->qname_len = nlen;
	q->qtype = type;
	q->qclass = rclass;
	q->question_end = r->pos;
	return true;
}

/* OPT and TSIG belong to the additional section only. */
static bool is_meta(uint16_t type)
{
	return type == RR_OPT || type == RR_TSIG;
}

static bool skip_answers(wreader *r, const dns_query *q)
{
	rr_view rr;

	for (unsigned i = 0; i < q->ancount; i++)
		if (!read_rr(r, &rr) || is_meta(rr.type))
			return false;
	return true;
}

/* The client's serial from the SOA RDATA (MNAME, RNAME, then SERIAL). */
static bool read_soa_serial(const wreader *r, const rr_view *rr, uint32_t *serial)
{
	wreader rd = *r;
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;

	rd.pos = rr->rdata;
	if (!wr_name(&rd, name, &nlen) || !wr_name(&rd, name, &nlen) ||
	    !wr_u32(&rd, serial))
		return false;
	/* Names may be compressed, so only the total length tells whether
	 * the five numbers are all there. */
	return rd.pos + 16 == rr->rdata + rr->rdlen;
}

/* For IXFR (RFC 1995 section 3), the SOA owned by the zone in the
 * authority section carries the client's version. */
static bool parse_authority(wreader *r, dns_query *q)
{
	rr_view rr;
	bool ixfr = q->opcode == OP_QUERY && q->qtype == RR_IXFR;

	for (unsigned i = 0; i < q->nscount; i++) {
		if (!read_rr(r, &rr) || is_meta(rr.type))
			return false;
		if (!ixfr || q->has_ixfr_serial || rr.type != RR_SOA ||
		    !wire_name_equal(rr.owner, rr.olen, q->qname, q->qname_len))
			continue;
		if (!read_soa_serial(r, &rr, &q->ixfr_serial))
			return false;
		q->has_ixfr_serial = true;
	}
	return !ixfr || q->has_ixfr_serial;
}

/* RFC 6891 section 6.1: one OPT, owned by the root, with well-formed
 * options (whose meaning we ignore). */
static bool parse_opt(const wreader *r, const rr_view *rr, dns_query *q)
{
	wreader opts;
	uint16_t code, olen;

	if (q->has_edns || rr->olen != 1)
		return false;
	wr_init(&opts, r->msg + rr->rdata, rr->rdlen);
	while (opts.pos < opts.len)
		if (!wr_u16(&opts, &code) || !wr_u16(&opts, &olen) ||
		    !wr_skip(&opts, olen))
			return false;
	q->has_edns = true;
	q->edns_udp_size = rr->rclass < 512 ? 512 : rr->rclass;
	q->edns_version = (uint8_t)(rr->ttl >> 16);
	q->edns_do = (rr->ttl & 0x8000u) != 0;
	return true;
}

/* RFC 8945 section 5.1: TSIG is the very last record. */
static bool parse_additional(wreader *r, dns_query *q)
{
	rr_view rr;

	for (unsigned i = 0; i < q->arcount; i++) {
		if (!read_rr(r, &rr))
			return false;
		if (rr.type == RR_OPT && !parse_opt(r, &rr, q))
			return false;
		if (rr.type != RR_TSIG)
			continue;
		if (i + 1u != q->arcount)
			return false;
		q->has_tsig = true;
		q->tsig_start = rr.start;
		memcpy(q->tsig_name, rr.owner, rr.olen);
		q->tsig_name_len = rr.olen;
	}
	return true;
}

static query_parse_result parse_message(const uint8_t *msg, size_t len,
					dns_query *q, bool reply)
{
	wreader r;
	bool need_question;

	memset(q, 0, sizeof(*q));
	q->msg = msg;
	q->len = len;
	if (msg == NULL || len < WIRE_HEADER_LEN)
		return QP_DROP;
	wr_init(&r, msg, len);
	if (parse_header(&r, q, reply) != QP_OK)
		return QP_DROP;
	/* Other opcodes get NOTIMP from the caller, with or without a
	 * question; more than one question is never meaningful. A reply may
	 * leave the question out (some servers do on errors). */
	need_question = !reply && (q->opcode == OP_QUERY || q->opcode == OP_NOTIFY);
	if (q->qdcount > 1 || (need_question && q->qdcount != 1))
		return QP_FORMERR;
	if (q->qdcount == 1 && !parse_question(&r, q))
		return QP_FORMERR;
	if (!skip_answers(&r, q) || !parse_authority(&r, q) ||
	    !parse_additional(&r, q))
		return QP_FORMERR;
	if (r.pos != r.len)
		return QP_FORMERR;  /* trailing garbage */
	return QP_OK;
}

query_parse_result query_parse(const uint8_t *msg, size_t len, dns_query *q)
{
	return parse_message(msg, len, q, false);
}

query_parse_result query_parse_reply(const uint8_t *msg, size_t len, dns_query *q)
{
	return parse_message(msg, len, q, true);
}

size_t query_udp_limit(const dns_query *q)
{
	if (!q->has_edns || q->edns_udp_size < 512)
		return 512;
	return q->edns_udp_size > OUR_UDP_SIZE ? OUR_UDP_SIZE : q->edns_udp_size;
}

/* ==== writing helpers shared by errors and answers ==== */

/* Our OPT (RFC 6891 6.1.3): our UDP size, version 0, the upper bits of
 * an extended rcode, and the DO bit copied (RFC 3225 section 3). */
static bool write_opt(wbuf *b, const dns_query *q, int rcode)
{
	static const uint8_t root[1] = {0};
	uint32_t ttl = (uint32_t)((rcode >> 4) & 0xff) << 24;

	if (q->edns_do)
		ttl |= 0x8000u;
	return wb_rr(b, root, 1, RR_OPT, OUR_UDP_SIZE, ttl, root, 0);
}

/* The question as received, case included; with a compression table
 * the name becomes a target for the answers' owners. */
static bool write_question(wbuf *b, const dns_query *q)
{
	return wb_name(b, q->qname, q->qname_len) && wb_u16(b, q->qtype) &&
	       wb_u16(b, q->qclass);
}

/* QR, the request's opcode, RD and CD copied (RFC 1035 4.1.1, RFC 4035
 * section 3.1.6), and the low bits of rcode. */
static uint16_t response_flags(const dns_query *q, int rcode)
{
	return (uint16_t)(WIRE_QR | (unsigned)(q->opcode & 0xf) << 11 |
			  (q->flags & (WIRE_RD | WIRE_CD)) | ((unsigned)rcode & 0xf));
}

/* A response without records: header (with flags), question, OPT. */
static size_t header_only(const dns_query *q, uint16_t flags, int rcode,
			  uint8_t *out, size_t max)
{
	wbuf b;
	bool has_q = q->qname_len > 0;

	wb_init(&b, out, max > MSG_MAX ? MSG_MAX : max, NULL);
	if (!wb_header(&b, q->id, flags, has_q, 0, 0, q->has_edns))
		return 0;
	if (has_q && !write_question(&b, q))
		return 0;
	if (q->has_edns && !write_opt(&b, q, rcode))
		return 0;
	return b.len;
}

size_t query_error(const dns_query *q, int rcode, uint8_t *out, size_t max)
{
	return header_only(q, response_flags(q, rcode), rcode, out, max);
}

size_t query_slip(const dns_query *q, uint8_t *out, size_t max)
{
	return header_only(q, response_flags(q, RCODE_NOERROR) | WIRE_TC,
			   RCODE_NOERROR, out, max);
}

/* ==== answering: planning ==== */

/* Where the records of a planned RRset come from. */
typedef enum set_kind {
	SET_RANGE,     /* snapshot records [first, first + n) */
	SET_SOA,       /* the zone's SOA, as it is */
	SET_SOA_NEG,   /* the SOA for a negative answer (RFC 2308 section 3) */
} set_kind;

typedef struct rrset_ref {
	set_kind kind;
	size_t first, n;
	const uint8_t *owner;  /* owner to write (wildcards), NULL: as stored */
	size_t owner_len;
	bool must_fit;         /* glue of a referral: TC when it does not fit */
} rrset_ref;

typedef struct section {
	rrset_ref set[SET_MAX];
	size_t n;
	bool full;             /* an RRset did not find room in the plan */
} section;

/* The outcome of looking up one name of the chain. */
typedef enum outcome {
	OUT_ANSWER, OUT_CNAME, OUT_NODATA, OUT_NXDOMAIN, OUT_REFERRAL,
} outcome;

/* Everything an answer is planned from; written out at the end, so that
 * truncation can cut at RRset boundaries. */
typedef struct plan {
	const dns_query *q;
	const snap *s;
	const uint8_t *apex;
	size_t apex_len;
	/* the qname, then each CNAME target followed */
	uint8_t names[CHAIN_MAX + 1][WIRE_NAME_MAX];
	size_t name_len[CHAIN_MAX + 1];
	size_t nnames;
	size_t cut_first, cut_n;   /* NS RRset of the delegation met */
	section an, ns, ar;
	int rcode;
	bool aa;
} plan;

static const uint8_t *rr_owner(const snap *s, const snap_rr *rr)
{
	return snap_bytes(s, rr->owner);
}

static void plan_add(section *sec, set_kind kind, size_t first, size_t n,
		     const uint8_t *owner, size_t olen)
{
	if (sec->n == SET_MAX) {
		sec->full = true;
		return;
	}
	sec->set[sec->n++] = (rrset_ref){kind, first, n, owner, olen, false};
}

/* The RRset of type among the records [first, first + n) of one owner
 * (sorted by type). */
static bool find_type(const snap *s, size_t first, size_t n, uint16_t type,
		      size_t *sfirst, size_t *sn)
{
	size_t i = first, end = first + n;

	while (i < end && snap_at(s, i)->type != type)
		i++;
	*sfirst = i;
	while (i < end && snap_at(s, i)->type == type)
		i++;
	*sn = i - *sfirst;
	return *sn > 0;
}

static bool find_rrset(const snap *s, const uint8_t *name, size_t len,
		       uint16_t type, size_t *first, size_t *n)
{
	size_t f, c;

	*first = *n = 0;
	return snap_find(s, name, len, &f, &c) && find_type(s, f, c, type, first, n);
}

static bool is_apex(const plan *p, const uint8_t *name, size_t len)
{
	return wire_name_equal(name, len, p->apex, p->apex_len);
}

/* A name exists when it owns records or has descendants (RFC 4592 2.2);
 * the apex always owns its SOA, which is kept outside the records. */
static bool name_exists(const plan *p, const uint8_t *name, size_t len)
{
	size_t f, n;

	return is_apex(p, name, len) || snap_find(p->s, name, len, &f, &n) ||
	       snap_has_descendant(p->s, name, len);
}

/*
 * The delegation at or above name: walking from the apex down, the first
 * name below the apex with an NS RRset is the zone cut (RFC 1034 4.3.2
 * step 3b); everything at and below it is the child's.
 */
static bool find_cut(const plan *p, const uint8_t *name, size_t len,
		     size_t *first, size_t *n)
{
	size_t starts[128], nl = 0;
	unsigned zl = wire_name_labels(p->apex);

	for (size_t i = 0; name[i] != 0 && nl < 128; i += (size_t)name[i] + 1)
		starts[nl++] = i;
	if (nl <= zl)
		return false;
	for (size_t k = nl - zl; k-- > 0; )
		if (find_rrset(p->s, name + starts[k], len - starts[k], RR_NS,
			       first, n))
			return true;
	return false;
}

/* Remembers a CNAME's target as the next name of the chain. */
static void set_target(plan *p, const snap_rr *cname)
{
	const uint8_t *rd = snap_bytes(p->s, cname->rdata);
	size_t tlen = wire_name_len(rd, cname->rdlen);

	if (p->nnames > CHAIN_MAX || tlen == 0)
		return;
	memcpy(p->names[p->nnames], rd, tlen);
	p->name_len[p->nnames++] = tlen;
}

/* Adds every RRset of one owner to the answer (qtype ANY). */
static void answer_all(plan *p, size_t first, size_t n, const uint8_t *owner,
		       size_t olen, bool apex)
{
	size_t i = first, end = first + n;

	if (apex)
		plan_add(&p->an, SET_SOA, 0, 0, NULL, 0);
	while (i < end) {
		size_t sf, sn;
		find_type(p->s, i, end - i, snap_at(p->s, i)->type, &sf, &sn);
		plan_add(&p->an, SET_RANGE, sf, sn, owner, olen);
		i = sf + sn;
	}
}

/* RFC 8482 section 4.1: ANY answered with one RRset, the SOA at the apex,
 * elsewhere the one with the fewest rdata bytes (the first of equals), so
 * that ANY never returns more than the smallest ordinary query would. */
static void answer_one(plan *p, size_t first, size_t n, const uint8_t *owner,
		       size_t olen, bool apex)
{
	size_t i = first, end = first + n, best = first, best_n = 0, best_bytes = SIZE_MAX;

	if (apex) {
		plan_add(&p->an, SET_SOA, 0, 0, NULL, 0);
		return;
	}
	while (i < end) {
		size_t sf, sn, bytes = 0;
		find_type(p->s, i, end - i, snap_at(p->s, i)->type, &sf, &sn);
		for (size_t k = sf; k < sf + sn; k++)
			bytes += snap_at(p->s, k)->rdlen;
		if (bytes < best_bytes) {
			best = sf;
			best_n = sn;
			best_bytes = bytes;
		}
		i = sf + sn;
	}
	if (best_n > 0)
		plan_add(&p->an, SET_RANGE, best, best_n, owner, olen);
}

/*
 * Answers from the records [first, first + n) that a name owns (or that
 * its wildcard owns, then written with owner): the RRset asked for, or
 * the CNAME to follow (RFC 1034 4.3.2 step 3a), or NODATA.
 */
static outcome answer_node(plan *p, size_t first, size_t n, const uint8_t *owner,
			   size_t olen, bool apex)
{
	uint16_t qtype = p->q->qtype;
	size_t sf, sn;

	if (qtype == RR_ANY) {
		if (p->q->minimal_any)
			answer_one(p, first, n, owner, olen, apex);
		else
			answer_all(p, first, n, owner, olen, apex);
		return OUT_ANSWER;
	}
	if (qtype == RR_SOA && apex) {
		plan_add(&p->an, SET_SOA, 0, 0, NULL, 0);
		return OUT_ANSWER;
	}
	if (find_type(p->s, first, n, qtype, &sf, &sn)) {
		plan_add(&p->an, SET_RANGE, sf, sn, owner, olen);
		return OUT_ANSWER;
	}
	if (find_type(p->s, first, n, RR_CNAME, &sf, &sn)) {
		plan_add(&p->an, SET_RANGE, sf, 1, owner, olen);
		set_target(p, snap_at(p->s, sf));
		return OUT_CNAME;
	}
	return OUT_NODATA;
}

/*
 * RFC 4592 section 3.3.1: the source of synthesis is "*." + the closest
 * encloser (the deepest existing ancestor), and nothing else: a wildcard
 * higher up never applies below a name that exists.
 */
static outcome answer_wildcard(plan *p, const uint8_t *name, size_t len)
{
	const uint8_t *ce = name;
	size_t celen = len, f, n;
	uint8_t src[WIRE_NAME_MAX];

	do {
		celen -= (size_t)ce[0] + 1;
		ce += (size_t)ce[0] + 1;
	} while (!name_exists(p, ce, celen));
	if (celen + 2 > WIRE_NAME_MAX)
		return OUT_NXDOMAIN;
	src[0] = 1;
	src[1] = '*';
	memcpy(src + 2, ce, celen);
	if (snap_find(p->s, src, celen + 2, &f, &n))
		return answer_node(p, f, n, name, len, false);
	/* A wildcard that is an empty non-terminal still exists (4.3.3). */
	return snap_has_descendant(p->s, src, celen + 2) ? OUT_NODATA : OUT_NXDOMAIN;
}

/* Looks up the chain's name number i (the qname or a CNAME target). */
static outcome lookup(plan *p, size_t i)
{
	const uint8_t *name = p->names[i];
	size_t len = p->name_len[i], f, n;
	bool apex = is_apex(p, name, len);

	if (find_cut(p, name, len, &p->cut_first, &p->cut_n)) {
		/* DS lives on the parent side of the cut (RFC 4035 3.1.4.1). */
		bool at_cut = snap_at(p->s, p->cut_first)->owner_len == len;
		if (!at_cut || p->q->qtype != RR_DS)
			return OUT_REFERRAL;
	}
	if (snap_find(p->s, name, len, &f, &n) || apex)
		return answer_node(p, f, n, NULL, 0, apex);
	if (snap_has_descendant(p->s, name, len))
		return OUT_NODATA;  /* an empty non-terminal */
	return answer_wildcard(p, name, len);
}

/* Whether name number i of the chain is worth looking up: inside the
 * zone, not seen before (a loop), within the hop limit. */
static bool chain_continues(const plan *p, size_t i)
{
	if (i >= p->nnames || i > CHAIN_MAX ||
	    !wire_name_is_sub(p->names[i], p->name_len[i], p->apex, p->apex_len))
		return false;
	for (size_t j = 0; j < i; j++)
		if (wire_name_equal(p->names[j], p->name_len[j], p->names[i],
				    p->name_len[i]))
			return false;
	return true;
}

/* A (for MX, NS and SRV targets) and AAAA records of name, when it is in
 * the zone and not added yet. Glue (below a cut) is only for referrals. */
static void add_addresses(plan *p, const uint8_t *name, size_t len, bool glue)
{
	static const uint16_t types[2] = {RR_A, RR_AAAA};
	size_t f, n;

	if (!wire_name_is_sub(name, len, p->apex, p->apex_len))
		return;
	if (!glue && find_cut(p, name, len, &f, &n))
		return;
	for (size_t i = 0; i < p->ar.n; i++) {
		const snap_rr *rr = snap_at(p->s, p->ar.set[i].first);
		if (wire_name_equal(rr_owner(p->s, rr), rr->owner_len, name, len))
			return;
	}
	for (size_t t = 0; t < 2; t++) {
		if (!find_rrset(p->s, name, len, types[t], &f, &n))
			continue;
		plan_add(&p->ar, SET_RANGE, f, n, NULL, 0);
		if (!p->ar.full)
			p->ar.set[p->ar.n - 1].must_fit = glue;
	}
}

/* The name in the RDATA of an NS, MX or SRV record, else NULL. */
static const uint8_t *rdata_target(const snap *s, const snap_rr *rr, size_t *len)
{
	const uint8_t *rd = snap_bytes(s, rr->rdata);
	size_t skip = rr->type == RR_MX ? 2 : rr->type == RR_SRV ? 6 :
		      rr->type == RR_NS ? 0 : rr->rdlen;

	if (skip >= rr->rdlen)
		return NULL;
	*len = wire_name_len(rd + skip, rr->rdlen - skip);
	return *len > 0 ? rd + skip : NULL;
}

/* Additional section processing (RFC 1035 section 3.3): addresses of the
 * hosts the answer names, from our own data only. */
static void add_additional(plan *p)
{
	for (size_t k = 0; k < p->an.n; k++) {
		const rrset_ref *set = &p->an.set[k];
		for (size_t i = 0; set->kind == SET_RANGE && i < set->n; i++) {
			const uint8_t *t;
			size_t tlen;
			t = rdata_target(p->s, snap_at(p->s, set->first + i), &tlen);
			if (t != NULL)
				add_addresses(p, t, tlen, false);
		}
	}
}

/* A referral (RFC 1034 4.3.2 step 3b): the cut's NS in authority and the
 * addresses of the name servers at or below the cut as glue. */
static void add_referral(plan *p)
{
	const snap_rr *cut = snap_at(p->s, p->cut_first);
	const uint8_t *cname = rr_owner(p->s, cut);

	plan_add(&p->ns, SET_RANGE, p->cut_first, p->cut_n, NULL, 0);
	for (size_t i = 0; i < p->cut_n; i++) {
		const uint8_t *t;
		size_t tlen;
		t = rdata_target(p->s, snap_at(p->s, p->cut_first + i), &tlen);
		if (t != NULL && wire_name_is_sub(t, tlen, cname, cut->owner_len))
			add_addresses(p, t, tlen, true);
	}
}

/* Follows the chain from the qname and fills the three sections. */
static void plan_answer(plan *p)
{
	outcome o = OUT_NODATA;

	for (size_t i = 0; chain_continues(p, i); i++) {
		o = lookup(p, i);
		if (o != OUT_CNAME)
			break;
	}
	switch (o) {
	case OUT_NXDOMAIN:
		p->rcode = RCODE_NXDOMAIN;
		/* fall through */
	case OUT_NODATA:
		plan_add(&p->ns, SET_SOA_NEG, 0, 0, NULL, 0);
		break;
	case OUT_REFERRAL:
		/* The answer is authoritative when it starts with our CNAME. */
		p->aa = p->an.n > 0;
		add_referral(p);
		break;
	case OUT_ANSWER:
	case OUT_CNAME:  /* left the zone, looped or too long: the client goes on */
		break;
	}
	add_additional(p);
}

/* ==== answering: writing ==== */

/* The zone's SOA; for negative answers its TTL is capped by MINIMUM
 * (RFC 2308 section 3), the SOA's last field. */
static bool write_soa(wbuf *b, const plan *p, bool negative, uint16_t *count)
{
	const snap_rr *soa = snap_soa(p->s);
	const uint8_t *rd = snap_bytes(p->s, soa->rdata);
	uint32_t ttl = soa->ttl, min = 0;

	for (int k = 4; k > 0; k--)
		min = min << 8 | rd[soa->rdlen - k];
	if (negative && min < ttl)
		ttl = min;
	if (!wb_rr(b, rr_owner(p->s, soa), soa->owner_len, RR_SOA, CLASS_IN, ttl,
		   rd, soa->rdlen))
		return false;
	(*count)++;
	return true;
}

/* Writes one planned RRset whole, or nothing. */
static bool write_set(wbuf *b, const plan *p, const rrset_ref *set, uint16_t *count)
{
	wmark m = wb_mark(b);

	if (set->kind != SET_RANGE)
		return write_soa(b, p, set->kind == SET_SOA_NEG, count);
	for (size_t i = 0; i < set->n; i++) {
		const snap_rr *rr = snap_at(p->s, set->first + i);
		const uint8_t *owner = set->owner ? set->owner : rr_owner(p->s, rr);
		size_t olen = set->owner ? set->owner_len : rr->owner_len;
		if (!wb_rr(b, owner, olen, rr->type, CLASS_IN, rr->ttl,
			   snap_bytes(p->s, rr->rdata), rr->rdlen)) {
			wb_rollback(b, m);
			return false;
		}
	}
	*count += (uint16_t)set->n;
	return true;
}

/* Writes a section's RRsets while they fit; false when one did not. */
static bool write_section(wbuf *b, const plan *p, const section *sec,
			  uint16_t *count)
{
	for (size_t i = 0; i < sec->n; i++)
		if (!write_set(b, p, &sec->set[i], count))
			return false;
	return !sec->full;
}

/* The additional section is optional, except a referral's glue
 * (RFC 9471 section 3): returns false when glue did not fit. */
static bool write_additional(wbuf *b, const plan *p, uint16_t *count)
{
	for (size_t i = 0; i < p->ar.n; i++)
		if (!write_set(b, p, &p->ar.set[i], count))
			return !p->ar.set[i].must_fit;
	return true;
}

static size_t write_answer(const plan *p, uint8_t *out, size_t max)
{
	const dns_query *q = p->q;
	size_t cap = max > MSG_MAX ? MSG_MAX : max;
	size_t reserve = q->has_edns ? OPT_RR_LEN : 0;
	uint16_t an = 0, ns = 0, ar = 0, flags;
	bool tc;
	wcomp comp;
	wbuf b;

	if (cap < WIRE_HEADER_LEN + reserve)
		return 0;
	/* The OPT must survive truncation, so its room is kept aside. */
	wb_init(&b, out, cap - reserve, &comp);
	if (!wb_header(&b, q->id, 0, 1, 0, 0, 0) || !write_question(&b, q))
		return 0;
	tc = !write_section(&b, p, &p->an, &an) ||
	     !write_section(&b, p, &p->ns, &ns) || !write_additional(&b, p, &ar);
	b.cap = cap;
	if (q->has_edns) {
		if (!write_opt(&b, q, 0))
			return 0;
		ar++;
	}
	flags = response_flags(q, p->rcode);
	if (p->aa)
		flags |= WIRE_AA;
	if (tc)
		flags |= WIRE_TC;
	wb_put_u16_at(&b, 2, flags);
	wb_put_u16_at(&b, WIRE_OFF_ANCOUNT, an);
	wb_put_u16_at(&b, WIRE_OFF_NSCOUNT, ns);
	wb_put_u16_at(&b, WIRE_OFF_ARCOUNT, ar);
	return b.len;
}

/* Requests query_answer does not answer from the zone data. */
static int refuse_rcode(const dns_query *q)
{
	if (q->opcode != OP_QUERY)
		return RCODE_NOTIMP;
	if (q->qname_len == 0 || q->qtype == RR_OPT || q->qtype == RR_TSIG ||
	    q->qtype == 249 /* TKEY */)
		return RCODE_FORMERR;
	if (q->qtype == RR_AXFR || q->qtype == RR_IXFR)
		return RCODE_REFUSED;  /* transfers are the caller's business */
	if (q->qtype == 253 || q->qtype == 254)
		return RCODE_NOTIMP;   /* MAILB, MAILA */
	if (q->qclass != CLASS_IN && q->qclass != CLASS_ANY)
		return RCODE_REFUSED;
	return RCODE_NOERROR;
}

size_t query_answer(const dns_query *q, const snap *s, uint8_t *out, size_t max)
{
	plan p;
	int rc;

	if (q->has_edns && q->edns_version > 0)
		return query_error(q, RCODE_BADVERS, out, max);
	if ((rc = refuse_rcode(q)) != RCODE_NOERROR)
		return query_error(q, rc, out, max);
	memset(&p, 0, sizeof(p));
	p.q = q;
	p.s = s;
	p.apex = snap_apex(s, &p.apex_len);
	/* The caller picks the zone; a name outside it is a caller's bug
	 * that must not walk the lookups past the apex. */
	if (!wire_name_is_sub(q->qname, q->qname_len, p.apex, p.apex_len))
		return query_error(q, RCODE_REFUSED, out, max);
	p.aa = true;
	memcpy(p.names[0], q->qname, q->qname_len);
	p.name_len[0] = q->qname_len;
	p.nnames = 1;
	plan_answer(&p);
	return write_answer(&p, out, max);
}
