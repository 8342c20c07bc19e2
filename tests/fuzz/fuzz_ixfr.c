/* fuzz_ixfr.c -- the IXFR journal reader (xfr.c): arbitrary bytes as the
 * stored journal steps (the xfr_journal blobs db_xfr_journal_chain
 * returns) of a loaded zone, streamed as an IXFR answer. Input: a byte
 * for the message size and the TSIG room, then steps, each a 2-byte
 * length and that many blob bytes. Properties: a corrupt blob ends the
 * transfer with an error, never with a read out of bounds; when every
 * record of the journal is well formed (ldns reads each one and writes
 * it back to the same bytes), every
 * message written is a well-formed DNS reply (ldns parses it); a message written
 * again after xfr_restore (as dns_tcp.c does when the socket is full) is
 * byte for byte the same.
 * With AXFRD_FUZZ_WRITE_SEEDS=DIR set, LLVMFuzzerInitialize writes the
 * seed corpus (valid journal steps) to DIR first. */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/query.h"
#include "axfrd/snap.h"
#include "axfrd/wire.h"
#include "axfrd/xfr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STEPS 16

static snap *zone;
static dns_query query;

static void add(snap *s, const char *name, const char *type, const char *content)
{
	ax_errinfo ei;

	if (snap_add_text(s, name, type, 300, content, &ei) != AX_OK)
		abort();
}

static zf_soa soa_at(uint32_t serial)
{
	zf_soa soa = {"ns1.example.com.", "hostmaster.example.com.", serial,
		      3600, 600, 86400, 300, 3600};
	return soa;
}

/* The seeds: steps as dns_zones.c writes them (old SOA, removals, new
 * SOA, additions), each record in xfr_blob_append form. */
typedef struct blob {
	uint8_t *b;
	size_t len, cap;
} blob;

static void blob_rr(blob *bl, const char *owner, uint16_t type,
		    const uint8_t *rd, size_t rdlen)
{
	uint8_t o[WIRE_NAME_MAX];
	size_t olen;

	if (!wire_name_from_text(owner, o, &olen) ||
	    xfr_blob_append(&bl->b, &bl->len, &bl->cap, o, olen, type, 300, rd,
			    (uint16_t)rdlen) != AX_OK)
		abort();
}

static void blob_soa(blob *bl, uint32_t serial)
{
	uint8_t rd[128], *p;
	size_t n1, n2;

	if (!wire_name_from_text("ns1.example.com", rd, &n1) ||
	    !wire_name_from_text("hostmaster.example.com", rd + n1, &n2))
		abort();
	p = rd + n1 + n2;
	uint32_t v[5] = {serial, 3600, 600, 86400, 300};
	for (int i = 0; i < 5; i++, p += 4) {
		p[0] = (uint8_t)(v[i] >> 24);
		p[1] = (uint8_t)(v[i] >> 16);
		p[2] = (uint8_t)(v[i] >> 8);
		p[3] = (uint8_t)v[i];
	}
	blob_rr(bl, "example.com", RR_SOA, rd, (size_t)(p - rd));
}

static void step_seed(blob *in, uint32_t from, int kind)
{
	blob st = {0};
	uint8_t rd[300];
	size_t n;

	blob_soa(&st, from);
	if (kind & 1) {
		const uint8_t a[4] = {192, 0, 2, (uint8_t)from};
		blob_rr(&st, "www.example.com", RR_A, a, 4);
	}
	blob_soa(&st, from + 1);
	if (kind & 2) {
		rd[0] = 0;
		rd[1] = 10;
		if (!wire_name_from_text("Mail.Example.com", rd + 2, &n))
			abort();
		blob_rr(&st, "example.com", RR_MX, rd, n + 2);
		if (!wire_name_from_text("ns2.example.net", rd, &n))
			abort();
		blob_rr(&st, "sub.example.com", RR_NS, rd, n);
	}
	if (kind & 4) {
		rd[0] = 5;
		memcpy(rd + 1, "hello", 5);
		blob_rr(&st, "txt.example.com", 16, rd, 6);
	}
	uint8_t len[2] = {(uint8_t)(st.len >> 8), (uint8_t)st.len};
	if (in->cap < in->len + st.len + 2 &&
	    (in->b = realloc(in->b, in->cap = in->len + st.len + 2)) == NULL)
		abort();
	memcpy(in->b + in->len, len, 2);
	memcpy(in->b + in->len + 2, st.b, st.len);
	in->len += st.len + 2;
	free(st.b);
}

static void write_seeds(const char *dir)
{
	static const struct { const char *file; uint8_t size; int steps, kind; } seeds[] = {
		{"one-step", 255, 1, 3}, {"three-steps", 255, 3, 7},
		{"small-messages", 0, 4, 7}, {"soa-only-steps", 40, 2, 0},
	};
	char path[4096];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		blob in = {0};
		if ((in.b = malloc(in.cap = 1)) == NULL)
			abort();
		in.b[in.len++] = seeds[i].size;
		for (int k = 0; k < seeds[i].steps; k++)
			step_seed(&in, (uint32_t)(7 + k), seeds[i].kind);
		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].file);
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(in.b, 1, in.len, f) != in.len)
			abort();
		fclose(f);
		free(in.b);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("AXFRD_FUZZ_WRITE_SEEDS");
	zf_soa soa = soa_at(11);

	(void)argc;
	(void)argv;
	if ((zone = snap_new("example.com")) == NULL || snap_set_soa(zone, &soa) != AX_OK)
		abort();
	add(zone, "", "NS", "ns1.example.com.");
	add(zone, "www", "A", "192.0.2.11");
	add(zone, "", "MX", "10 mail.example.com.");
	if (snap_finish(zone) != AX_OK)
		abort();
	memset(&query, 0, sizeof(query));
	query.id = 0x1995;
	if (!wire_name_from_text("Example.COM", query.qname, &query.qname_len))
		abort();
	query.qtype = RR_IXFR;
	query.qclass = CLASS_IN;
	query.qdcount = 1;
	query.has_ixfr_serial = true;
	query.ixfr_serial = 7;
	if (dir != NULL)
		write_seeds(dir);
	return 0;
}

static void check_message(const uint8_t *m, size_t n)
{
	ldns_pkt *pkt = NULL;

	if (ldns_wire2pkt(&pkt, m, n) != LDNS_STATUS_OK) {
		fprintf(stderr, "a transfer message does not parse (%zu bytes)\n", n);
		abort();
	}
	ldns_pkt_free(pkt);
}

/* True when ldns reads the step as whole records, one after another. */
static bool step_well_formed(const xfr_step *st)
{
	size_t pos = 0;

	while (pos < st->len) {
		ldns_rr *rr = NULL;
		uint8_t *w = NULL;
		size_t start = pos, wlen = 0;
		bool same;
		if (ldns_wire2rr(&rr, st->diff, st->len, &pos, LDNS_SECTION_ANSWER) !=
		    LDNS_STATUS_OK)
			return false;
		/* ldns reads a name in RDATA past RDLENGTH: the record counts
		 * as well formed only when it writes back to the same bytes. */
		same = ldns_rr2wire(&w, rr, LDNS_SECTION_ANSWER, &wlen) == LDNS_STATUS_OK &&
		       wlen == pos - start && memcmp(w, st->diff + start, wlen) == 0;
		free(w);
		ldns_rr_free(rr);
		if (!same)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool well_formed = true;
	static uint8_t out[65535], again[65535];
	xfr_step *steps;
	size_t n = 0, pos = 1, max;
	xfr_cursor *c;

	/* A few KiB of journal make dozens of messages: enough to reach
	 * every boundary, and fast. */
	if (size < 1 || size > 16384)
		return 0;
	/* 512 to 16,832 bytes a message; the low bit keeps TSIG room. */
	max = 512 + (size_t)(data[0] >> 1) * 128;
	if ((steps = calloc(MAX_STEPS, sizeof(*steps))) == NULL)
		return 0;
	while (n < MAX_STEPS && pos + 2 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if ((steps[n].diff = malloc(len ? len : 1)) == NULL)
			abort();
		memcpy(steps[n].diff, data + pos, len);
		steps[n].len = len;
		steps[n].serial_from = (uint32_t)(7 + n);
		steps[n].serial_to = (uint32_t)(8 + n);
		pos += len;
		well_formed = well_formed && step_well_formed(&steps[n]);
		n++;
	}
	if ((c = xfr_ixfr_new(&query, zone, steps, n)) == NULL)
		return 0;
	if (data[0] & 1)
		xfr_set_reserve(c, 100);
	for (unsigned msgs = 0; msgs < 100000; msgs++) {
		xfr_mark mark;
		long len, len2;
		xfr_save(c, &mark);
		if ((len = xfr_next(c, out, max)) <= 0)
			break;
		if (well_formed)
			check_message(out, (size_t)len);
		/* Rewound and written again: the same bytes. */
		xfr_restore(c, &mark);
		len2 = xfr_next(c, again, max);
		if (len2 != len || memcmp(out, again, (size_t)len) != 0) {
			fprintf(stderr, "a message written again differs\n");
			abort();
		}
	}
	xfr_free(c);
	return 0;
}
