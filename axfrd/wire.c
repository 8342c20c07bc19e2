/* wire.c -- bounds-checked DNS wire reading and writing, with name
 * compression that preserves case. */
#include "wire.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void wr_init(wreader *r, const uint8_t *msg, size_t len)
{
	r->msg = msg;
	r->len = len;
	r->pos = 0;
}

bool wr_u8(wreader *r, uint8_t *v)
{
	if (r->len - r->pos < 1)
		return false;
	*v = r->msg[r->pos++];
	return true;
}

bool wr_u16(wreader *r, uint16_t *v)
{
	if (r->len - r->pos < 2)
		return false;
	*v = (uint16_t)(r->msg[r->pos] << 8 | r->msg[r->pos + 1]);
	r->pos += 2;
	return true;
}

bool wr_u32(wreader *r, uint32_t *v)
{
	if (r->len - r->pos < 4)
		return false;
	const uint8_t *p = r->msg + r->pos;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	return true;
}

bool wr_skip(wreader *r, size_t n)
{
	if (r->len - r->pos < n)
		return false;
	r->pos += n;
	return true;
}

bool wr_name(wreader *r, uint8_t *out, size_t *outlen)
{
	size_t pos = r->pos, end = 0, n = 0;
	unsigned jumps = 0;

	for (;;) {
		if (pos >= r->len)
			return false;
		uint8_t c = r->msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= r->len || ++jumps > 127)
				return false;
			if (end == 0)
				end = pos + 2;
			size_t target = (size_t)(c & 0x3f) << 8 | r->msg[pos + 1];
			/* A pointer must go backwards, which also rules out loops
			 * together with the jump limit. */
			if (target >= pos)
				return false;
			pos = target;
			continue;
		}
		if (c & 0xc0)  /* 0x40 and 0x80: reserved label types */
			return false;
		if (pos + 1 + c > r->len || n + 1 + c > WIRE_NAME_MAX)
			return false;
		memcpy(out + n, r->msg + pos, (size_t)c + 1);
		n += (size_t)c + 1;
		pos += (size_t)c + 1;
		if (c == 0)
			break;
	}
	r->pos = end ? end : pos;
	*outlen = n;
	return true;
}

size_t wire_name_len(const uint8_t *p, size_t max)
{
	size_t n = 0;

	while (n < max && n <= WIRE_NAME_MAX) {
		uint8_t c = p[n];
		if (c > 63)
			return 0;
		n += (size_t)c + 1;
		if (c == 0)
			return n <= max && n <= WIRE_NAME_MAX ? n : 0;
	}
	return 0;
}

bool wire_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; ) {
		uint8_t c = a[i];
		if (b[i] != c)
			return false;
		for (size_t j = i + 1; j <= i + c; j++)
			if (tolower(a[j]) != tolower(b[j]))
				return false;
		i += (size_t)c + 1;
	}
	return true;
}

bool wire_name_is_sub(const uint8_t *name, size_t nlen, const uint8_t *zone,
		      size_t zlen)
{
	size_t i = 0;

	if (nlen < zlen)
		return false;
	/* Walk label by label so a match starts on a label boundary. */
	while (nlen - i > zlen)
		i += (size_t)name[i] + 1;
	return nlen - i == zlen && wire_name_equal(name + i, zlen, zone, zlen);
}

unsigned wire_name_labels(const uint8_t *name)
{
	unsigned n = 0;

	for (size_t i = 0; name[i] != 0; i += (size_t)name[i] + 1)
		n++;
	return n;
}

void wire_name_to_text(const uint8_t *name, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	/* Terminated even when not one label fits. */
	buf[0] = '\0';
	if (name[0] == 0)
		snprintf(buf, len, ".");
	for (size_t i = 0; name[i] != 0 && o + 5 < len; i += (size_t)name[i] + 1) {
		for (size_t j = 1; j <= name[i] && o + 5 < len; j++) {
			uint8_t c = name[i + j];
			if (c == '.' || c == '\\')
				o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
			else if (c <= 0x20 || c >= 0x7f)
				o += (size_t)snprintf(buf + o, len - o, "\\%03u", c);
			else
				buf[o++] = (char)c;
		}
		buf[o++] = '.';
		buf[o] = '\0';
	}
}

bool wire_name_from_text(const char *text, uint8_t *out, size_t *outlen)
{
	const char *p = text;
	size_t n = 0;

	if (strcmp(text, ".") == 0)
		p = "";
	while (*p != '\0') {
		size_t l = strcspn(p, ".");
		if (l == 0 || l > 63 || n + l + 2 > WIRE_NAME_MAX)
			return false;
		out[n] = (uint8_t)l;
		memcpy(out + n + 1, p, l);
		n += l + 1;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	*outlen = n;
	return true;
}

void wb_init(wbuf *b, uint8_t *mem, size_t cap, wcomp *comp)
{
	b->data = mem;
	b->cap = cap;
	b->len = 0;
	b->comp = comp;
	if (comp != NULL) {
		memset(comp->off, 0, sizeof(comp->off));
		comp->nlog = 0;
	}
}

wmark wb_mark(const wbuf *b)
{
	wmark m = {b->len, b->comp ? b->comp->nlog : 0};
	return m;
}

void wb_rollback(wbuf *b, wmark m)
{
	b->len = m.len;
	/* Entries inserted after the mark sit in slots that were empty when
	 * the earlier entries were probed for, so clearing them cannot break
	 * an earlier entry's probe chain. */
	while (b->comp != NULL && b->comp->nlog > m.nlog)
		b->comp->off[b->comp->log[--b->comp->nlog]] = 0;
}

bool wb_bytes(wbuf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n)
		return false;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return true;
}

bool wb_u8(wbuf *b, uint8_t v)
{
	return wb_bytes(b, &v, 1);
}

bool wb_u16(wbuf *b, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return wb_bytes(b, p, 2);
}

bool wb_u32(wbuf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			(uint8_t)v};
	return wb_bytes(b, p, 4);
}

void wb_put_u16_at(wbuf *b, size_t off, uint16_t v)
{
	if (off + 2 <= b->len) {
		b->data[off] = (uint8_t)(v >> 8);
		b->data[off + 1] = (uint8_t)v;
	}
}

bool wb_header(wbuf *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
	       uint16_t ns, uint16_t ar)
{
	return wb_u16(b, id) && wb_u16(b, flags) && wb_u16(b, qd) &&
	       wb_u16(b, an) && wb_u16(b, ns) && wb_u16(b, ar);
}

/* The hash of a name suffix: its first label (length byte included) over
 * the hash of the rest. Eight bytes per multiply rather than one: this
 * runs for every label of every name of a transfer. Equal hashes are
 * still compared byte by byte (suffix_at), so only speed depends on it. */
static uint32_t suffix_hash(const uint8_t *label, uint32_t next)
{
	const uint64_t k = 0xff51afd7ed558ccdull;
	uint64_t h = ((uint64_t)next << 32 | next) ^ 0x9e3779b97f4a7c15ull, w;
	size_t n = (size_t)label[0] + 1;

	for (; n >= 8; n -= 8, label += 8) {
		memcpy(&w, label, 8);
		h = (h ^ w) * k;
	}
	/* The last 0..7 bytes as two overlapping loads (no byte loop, and
	 * no copy into a word that is read back at once: that stalls). */
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, label, 4);
		memcpy(&b, label + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else if (n >= 2) {
		uint16_t a, b;
		memcpy(&a, label, 2);
		memcpy(&b, label + n - 2, 2);
		w = (uint64_t)a << 16 | b;
	} else {
		w = n ? label[0] : 0;
	}
	h = (h ^ w ^ n) * k;
	uint32_t r = (uint32_t)(h >> 32) ^ (uint32_t)h;
	return r ? r : 1;
}

/* True when the (possibly compressed) name in the message at off is
 * byte-for-byte the uncompressed name s. */
static bool suffix_at(const wbuf *b, size_t off, const uint8_t *s)
{
	size_t i = 0;
	unsigned jumps = 0;

	for (;;) {
		if (off >= b->len)
			return false;
		uint8_t c = b->data[off];
		if ((c & 0xc0) == 0xc0) {
			if (off + 1 >= b->len || ++jumps > 64)
				return false;
			off = (size_t)(c & 0x3f) << 8 | b->data[off + 1];
			continue;
		}
		if (c != s[i] || off + 1 + c > b->len ||
		    memcmp(b->data + off + 1, s + i + 1, c) != 0)
			return false;
		if (c == 0)
			return true;
		i += (size_t)c + 1;
		off += (size_t)c + 1;
	}
}

static int comp_find(const wbuf *b, uint32_t h, const uint8_t *s)
{
	const wcomp *c = b->comp;

	for (uint32_t i = h & (WCOMP_SLOTS - 1); c->off[i] != 0;
	     i = (i + 1) & (WCOMP_SLOTS - 1)) {
		if (c->hash[i] == h && suffix_at(b, c->off[i], s))
			return c->off[i];
	}
	return -1;
}

static void comp_add(wbuf *b, uint32_t h, size_t off)
{
	wcomp *c = b->comp;

	/* Keep the table at most three quarters full so probes stay short. */
	if (off >= 0x4000 || c->nlog >= WCOMP_SLOTS * 3 / 4)
		return;
	uint32_t i = h & (WCOMP_SLOTS - 1);
	while (c->off[i] != 0)
		i = (i + 1) & (WCOMP_SLOTS - 1);
	c->hash[i] = h;
	c->off[i] = (uint16_t)off;
	c->log[c->nlog++] = (uint16_t)i;
}

bool wb_name(wbuf *b, const uint8_t *name, size_t len)
{
	size_t starts[128], nl = 0;
	uint32_t hashes[128], h = 0;

	if (b->comp == NULL || len <= 1)
		return wb_bytes(b, name, len);
	for (size_t i = 0; name[i] != 0 && nl < 128; i += (size_t)name[i] + 1)
		starts[nl++] = i;
	for (size_t k = nl; k-- > 0; )
		hashes[k] = h = suffix_hash(name + starts[k], h);
	for (size_t k = 0; k < nl; k++) {
		int off = comp_find(b, hashes[k], name + starts[k]);
		if (off < 0)
			continue;
		size_t at = b->len;
		/* Check the room first so that a failed write leaves no
		 * half-written name behind, like every other wb_ call. */
		if (b->cap - b->len < starts[k] + 2)
			return false;
		wb_bytes(b, name, starts[k]);
		wb_u16(b, (uint16_t)(0xc000 | off));
		for (size_t j = 0; j < k; j++)
			comp_add(b, hashes[j], at + starts[j]);
		return true;
	}
	size_t at = b->len;
	if (!wb_bytes(b, name, len))
		return false;
	for (size_t j = 0; j < nl; j++)
		comp_add(b, hashes[j], at + starts[j]);
	return true;
}

/* Writes RDATA, compressing the names of the types RFC 3597 allows. */
static bool wb_rdata(wbuf *b, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	size_t n1, n2;

	switch (type) {
	case RR_NS:
	case RR_CNAME:
	case RR_PTR:
		n1 = wire_name_len(rd, rdlen);
		if (n1 == rdlen)
			return wb_name(b, rd, n1);
		break;
	case RR_MX:
		if (rdlen < 3)
			break;
		n1 = wire_name_len(rd + 2, rdlen - 2u);
		if (n1 + 2 == rdlen)
			return wb_bytes(b, rd, 2) && wb_name(b, rd + 2, n1);
		break;
	case RR_SOA:
		n1 = wire_name_len(rd, rdlen);
		if (n1 == 0)
			break;
		n2 = wire_name_len(rd + n1, rdlen - n1);
		if (n2 == 0 || n1 + n2 + 20 != rdlen)
			break;
		return wb_name(b, rd, n1) && wb_name(b, rd + n1, n2) &&
		       wb_bytes(b, rd + n1 + n2, 20);
	}
	return wb_bytes(b, rd, rdlen);
}

bool wb_rr(wbuf *b, const uint8_t *owner, size_t olen, uint16_t type,
	   uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	wmark m = wb_mark(b);
	size_t rdpos;

	if (!wb_name(b, owner, olen) || !wb_u16(b, type) || !wb_u16(b, rclass) ||
	    !wb_u32(b, ttl) || !wb_u16(b, 0))
		goto undo;
	rdpos = b->len;
	if (!wb_rdata(b, type, rdata, rdlen))
		goto undo;
	wb_put_u16_at(b, rdpos - 2, (uint16_t)(b->len - rdpos));
	return true;
undo:
	wb_rollback(b, m);
	return false;
}
