/* test_wire.c -- unit tests of the bounds-checked wire reader, the
 * case-preserving compressing writer and the name helpers (wire.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/wire.h"

/* ---- helpers ---- */

static size_t name_of(const char *text, uint8_t *out)
{
	size_t len = 0;

	if (!wire_name_from_text(text, out, &len))
		fail_msg("bad name %s", text);
	return len;
}

/* Reads the name at off of msg with wr_name and returns its text. */
static bool read_text(const uint8_t *msg, size_t len, size_t off, char *text,
		      size_t *end)
{
	wreader r;
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;

	wr_init(&r, msg, len);
	r.pos = off;
	if (!wr_name(&r, name, &nlen)) {
		assert_int_equal(r.pos, off);  /* a failed read does not move */
		return false;
	}
	wire_name_to_text(name, text, 1024);
	if (end != NULL)
		*end = r.pos;
	return true;
}

/* Every compression pointer of the name at off targets an offset below
 * 0x4000 and before the pointer; returns the name's wire length in msg. */
static size_t check_pointers(const uint8_t *msg, size_t len, size_t off)
{
	size_t start = off;

	for (;;) {
		assert_true(off < len);
		if ((msg[off] & 0xc0) == 0xc0) {
			size_t target = (size_t)(msg[off] & 0x3f) << 8 | msg[off + 1];
			assert_true(target < 0x4000);
			assert_true(target < off);
			return off + 2 - start;
		}
		if (msg[off] == 0)
			return off + 1 - start;
		off += (size_t)msg[off] + 1;
	}
}

/* ---- reading ---- */

static void test_wr_numbers(void **state)
{
	static const uint8_t m[7] = {1, 2, 3, 4, 5, 6, 7};
	wreader r;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	wr_init(&r, m, sizeof(m));
	assert_true(wr_u8(&r, &v8) && v8 == 1);
	assert_true(wr_u16(&r, &v16) && v16 == 0x0203);
	assert_true(wr_u32(&r, &v32) && v32 == 0x04050607);
	assert_false(wr_u8(&r, &v8));
	r.pos = 5;
	assert_false(wr_u32(&r, &v32));
	assert_int_equal(r.pos, 5);
	assert_false(wr_skip(&r, 3));
	assert_true(wr_skip(&r, 2));
	assert_int_equal(r.pos, 7);
	assert_false(wr_u16(&r, &v16));
}

static void test_wr_name_pointers(void **state)
{
	/* 0: "example.com", 13: "www" + ptr 0, 19: ptr 13, 21: "a" + ptr 19 */
	static const uint8_t m[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		3, 'W', 'w', 'W', 0xc0, 0,
		0xc0, 13,
		1, 'a', 0xc0, 19,
	};
	char text[1024];
	size_t end;

	assert_true(read_text(m, sizeof(m), 0, text, &end));
	assert_string_equal(text, "example.com.");
	assert_int_equal(end, 13);
	assert_true(read_text(m, sizeof(m), 13, text, &end));
	assert_string_equal(text, "WwW.example.com.");
	assert_int_equal(end, 19);  /* just after the pointer */
	assert_true(read_text(m, sizeof(m), 19, text, &end));
	assert_string_equal(text, "WwW.example.com.");
	assert_int_equal(end, 21);
	assert_true(read_text(m, sizeof(m), 21, text, &end));
	assert_string_equal(text, "a.WwW.example.com.");
	assert_int_equal(end, sizeof(m));
	/* Cut inside the pointer, inside a label. */
	assert_false(read_text(m, 20, 19, text, NULL));
	assert_false(read_text(m, 5, 0, text, NULL));
	assert_false(read_text(m, sizeof(m), sizeof(m), text, NULL));
}

static void test_wr_name_bad_pointers(void **state)
{
	uint8_t m[64] = {0};
	char text[1024];

	/* Pointer to itself. */
	m[20] = 0xc0;
	m[21] = 20;
	assert_false(read_text(m, 22, 20, text, NULL));
	/* Forward pointer. */
	m[21] = 30;
	m[30] = 0;
	assert_false(read_text(m, 31, 20, text, NULL));
	/* A loop through backward pointers: "a" + pointer back to the "a". */
	m[20] = 1;
	m[21] = 'a';
	m[22] = 0xc0;
	m[23] = 20;
	assert_false(read_text(m, 24, 20, text, NULL));
	assert_false(read_text(m, 24, 22, text, NULL));
	/* Pointer beyond the message. */
	m[40] = 0xff;
	m[41] = 0xff;
	assert_false(read_text(m, 42, 40, text, NULL));
	/* Reserved label types 0x40 and 0x80. */
	m[50] = 0x41;
	assert_false(read_text(m, 60, 50, text, NULL));
	m[50] = 0x81;
	assert_false(read_text(m, 60, 50, text, NULL));
}

static void test_wr_name_overlong(void **state)
{
	uint8_t m[600];
	size_t n = 0;
	char text[1024];

	/* 4 labels of 63: 257 bytes with the root. */
	for (int l = 0; l < 4; l++) {
		m[n++] = 63;
		memset(m + n, 'a', 63);
		n += 63;
	}
	m[n++] = 0;
	assert_false(read_text(m, n, 0, text, NULL));
	/* 3 x 63 + 61: exactly 255 bytes is fine. */
	m[192] = 61;
	m[192 + 62] = 0;
	assert_true(read_text(m, 255, 0, text, NULL));
	/* Overlong only through a pointer: 200 bytes, then 60 + pointer. */
	n = 0;
	for (int l = 0; l < 4; l++) {
		m[n++] = 49;
		memset(m + n, 'b', 49);
		n += 49;
	}
	m[n++] = 0;                        /* 201 bytes */
	m[n] = 59;
	memset(m + n + 1, 'c', 59);
	m[n + 60] = 0xc0;
	m[n + 61] = 0;
	assert_false(read_text(m, n + 62, n, text, NULL));
	m[n] = 52;                         /* 53 + 201 = 254: fine */
	m[n + 53] = 0xc0;
	m[n + 54] = 0;
	assert_true(read_text(m, n + 55, n, text, NULL));
}

/* ---- names ---- */

static void test_name_text(void **state)
{
	uint8_t n[WIRE_NAME_MAX], n2[WIRE_NAME_MAX];
	size_t len, len2;
	char text[1024], big[400];

	assert_int_equal(name_of("Example.COM", n), 13);
	assert_memory_equal(n, "\007Example\003COM", 13);
	assert_int_equal(name_of(".", n), 1);
	assert_int_equal(n[0], 0);
	assert_int_equal(name_of("", n), 1);
	assert_int_equal(name_of("*.example.com", n), 15);
	assert_false(wire_name_from_text("a..b", n, &len));
	assert_false(wire_name_from_text(".a", n, &len));
	/* Label lengths: 63 is the maximum. */
	memset(big, 'x', 64);
	big[64] = '\0';
	assert_false(wire_name_from_text(big, n, &len));
	big[63] = '\0';
	assert_true(wire_name_from_text(big, n, &len));
	assert_int_equal(len, 65);
	/* Total: 255 is the maximum. */
	memset(big, 'y', 63 * 3 + 61 + 3);
	big[63] = big[127] = big[191] = '.';
	big[63 * 3 + 61 + 3] = '\0';
	assert_true(wire_name_from_text(big, n, &len));
	assert_int_equal(len, 255);
	strcat(big, "y");
	assert_false(wire_name_from_text(big, n, &len));
	/* And back to text. */
	len = name_of("WwW.Example.com", n);
	wire_name_to_text(n, text, sizeof(text));
	assert_string_equal(text, "WwW.Example.com.");
	wire_name_to_text((const uint8_t *)"", text, sizeof(text));
	assert_string_equal(text, ".");
	wire_name_to_text((const uint8_t *)"\003a.b\002\001\\", text, sizeof(text));
	assert_string_equal(text, "a\\.b.\\001\\\\.");
	/* A buffer too small still gets a terminated string. */
	wire_name_to_text(n, text, 3);
	assert_true(strlen(text) < 3);
	/* Both spellings of the same name give the same bytes. */
	len2 = name_of("example.com.", n2);
	assert_int_equal(name_of("example.com", n), len2);
	assert_memory_equal(n, n2, len2);
}

static void test_name_compare(void **state)
{
	uint8_t a[WIRE_NAME_MAX], b[WIRE_NAME_MAX], z[WIRE_NAME_MAX];
	size_t al, bl, zl;

	al = name_of("WWW.Example.COM", a);
	bl = name_of("www.example.com", b);
	assert_true(wire_name_equal(a, al, b, bl));
	bl = name_of("www.example.co", b);
	assert_false(wire_name_equal(a, al, b, bl));
	/* Same length, other label boundaries. */
	al = name_of("a.bc", a);
	bl = name_of("ab.c", b);
	assert_false(wire_name_equal(a, al, b, bl));
	zl = name_of("example.COM", z);
	al = name_of("www.EXAMPLE.com", a);
	assert_true(wire_name_is_sub(a, al, z, zl));
	assert_true(wire_name_is_sub(z, zl, z, zl));
	assert_false(wire_name_is_sub(z, zl, a, al));
	al = name_of("wwwexample.com", a);
	assert_false(wire_name_is_sub(a, al, z, zl));
	al = name_of("www.example.org", a);
	assert_false(wire_name_is_sub(a, al, z, zl));
	zl = name_of(".", z);
	assert_true(wire_name_is_sub(a, al, z, zl));
	assert_int_equal(wire_name_labels(a), 3);
	assert_int_equal(wire_name_labels(z), 0);
	assert_int_equal(wire_name_len(a, al), al);
	assert_int_equal(wire_name_len(a, al - 1), 0);
	a[0] = 64;
	assert_int_equal(wire_name_len(a, al), 0);
}

/* ---- writing ---- */

static void test_wb_bounds(void **state)
{
	uint8_t mem[8];
	wbuf b;

	wb_init(&b, mem, 6, NULL);
	assert_true(wb_u32(&b, 1));
	assert_false(wb_u32(&b, 2));
	assert_int_equal(b.len, 4);
	assert_true(wb_u16(&b, 0xabcd));
	assert_false(wb_u8(&b, 1));
	assert_int_equal(mem[4], 0xab);
	wb_put_u16_at(&b, 5, 1);  /* beyond len: ignored */
	assert_int_equal(mem[5], 0xcd);
}

/* Writes names as owners of empty TXT records after a header, so that
 * ldns can parse the message too. */
static void put_records(wbuf *b, const char *const *names, size_t n, size_t *offs)
{
	uint8_t name[WIRE_NAME_MAX];

	assert_true(wb_header(b, 1, WIRE_QR, 0, (uint16_t)n, 0, 0));
	for (size_t i = 0; i < n; i++) {
		size_t len = name_of(names[i], name);
		offs[i] = b->len;
		assert_true(wb_rr(b, name, len, RR_TXT, CLASS_IN, 60,
				  (const uint8_t *)"\001x", 2));
	}
}

static void test_wb_compression_round_trip(void **state)
{
	static const char *const names[] = {
		"example.com", "www.example.com", "WWW.example.com",
		"mail.WWW.example.com", "www.EXAMPLE.com", "www.example.com",
		"other.org", "a.b.other.org", ".",
	};
	size_t n = sizeof(names) / sizeof(names[0]), offs[16];
	uint8_t mem[1024];
	wcomp comp;
	wbuf b;
	ldns_pkt *p = NULL;
	char text[1024];

	wb_init(&b, mem, sizeof(mem), &comp);
	put_records(&b, names, n, offs);
	assert_int_equal(ldns_wire2pkt(&p, mem, b.len), LDNS_STATUS_OK);
	for (size_t i = 0; i < n; i++) {
		char *o = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p), i)));
		char want[300];
		snprintf(want, sizeof(want), "%s%s", names[i],
			 strcmp(names[i], ".") ? "." : "");
		assert_string_equal(o, want);
		free(o);
		assert_true(read_text(mem, b.len, offs[i], text, NULL));
		assert_string_equal(text, want);
		check_pointers(mem, b.len, offs[i]);
	}
	ldns_pkt_free(p);
	/* The repeated name is a bare pointer to its first occurrence. */
	assert_int_equal(mem[offs[5]], 0xc0);
	assert_int_equal(mem[offs[5] + 1], offs[1]);
}

/* Every label length (the suffix hash reads labels in 8-, 4-, 2- and
 * 1-byte pieces): a name written again is a bare pointer to its first
 * copy, and a name that differs from it in any one byte is not taken
 * for it; every name reads back as written. */
static void test_wb_compression_every_label_length(void **state)
{
	(void)state;
	for (size_t len = 1; len <= 63; len++) {
		for (size_t pos = 0; pos < len; pos++) {
			char base[80], other[80], *names[3];
			size_t offs[3];
			uint8_t mem[1024];
			char text[300];
			wcomp comp;
			wbuf b;

			for (size_t i = 0; i < len; i++)
				base[i] = (char)('a' + i % 26);
			memcpy(base + len, ".example.com", 13);
			memcpy(other, base, sizeof(base));
			other[pos] = other[pos] == 'z' ? 'y' : 'z';
			names[0] = base;
			names[1] = other;
			names[2] = base;
			wb_init(&b, mem, sizeof(mem), &comp);
			put_records(&b, (const char *const *)names, 3, offs);
			for (int i = 0; i < 3; i++) {
				char want[90];
				snprintf(want, sizeof(want), "%s.", names[i]);
				assert_true(read_text(mem, b.len, offs[i], text, NULL));
				assert_string_equal(text, want);
			}
			/* the different name shares only ".example.com" */
			assert_int_equal(mem[offs[1]], len);
			assert_int_equal(mem[offs[2]], 0xc0);
			assert_int_equal(mem[offs[2] + 1], offs[0]);
		}
	}
}

static void test_wb_case_sensitive(void **state)
{
	uint8_t mem[512], name[WIRE_NAME_MAX];
	wcomp comp;
	wbuf b;
	size_t len, at;

	wb_init(&b, mem, sizeof(mem), &comp);
	assert_true(wb_header(&b, 0, 0, 0, 0, 0, 0));
	len = name_of("www.example.com", name);
	assert_true(wb_name(&b, name, len));
	/* Differs only in case: written in full, no pointer. */
	at = b.len;
	len = name_of("WWW.EXAMPLE.COM", name);
	assert_true(wb_name(&b, name, len));
	assert_int_equal(b.len - at, len);
	assert_memory_equal(mem + at, name, len);
	/* Shares "example.com" exactly: label, then pointer to offset 16. */
	at = b.len;
	len = name_of("WwW.example.com", name);
	assert_true(wb_name(&b, name, len));
	assert_int_equal(b.len - at, 6);
	assert_memory_equal(mem + at, "\003WwW\xc0\x10", 6);
	/* Now "EXAMPLE.COM" exists too (inside the second name). */
	at = b.len;
	len = name_of("ftp.EXAMPLE.COM", name);
	assert_true(wb_name(&b, name, len));
	assert_memory_equal(mem + at, "\003ftp\xc0\x21", 6);
}

static void test_wb_rollback(void **state)
{
	uint8_t mem[512], name[WIRE_NAME_MAX], junk[40];
	wcomp comp;
	wbuf b;
	wmark m;
	size_t len, at;
	unsigned nlog;
	char text[1024];

	wb_init(&b, mem, sizeof(mem), &comp);
	assert_true(wb_header(&b, 0, 0, 0, 0, 0, 0));
	len = name_of("example.com", name);
	assert_true(wb_name(&b, name, len));
	m = wb_mark(&b);
	nlog = comp.nlog;
	len = name_of("a.example.org", name);
	assert_true(wb_name(&b, name, len));
	assert_true(comp.nlog > nlog);
	wb_rollback(&b, m);
	assert_int_equal(b.len, m.len);
	assert_int_equal(comp.nlog, nlog);
	/* Overwrite the discarded bytes, then write a name that would have
	 * compressed against them: it must be written in full. */
	memset(junk, 0xee, sizeof(junk));
	assert_true(wb_bytes(&b, junk, sizeof(junk)));
	at = b.len;
	len = name_of("b.example.org", name);
	assert_true(wb_name(&b, name, len));
	assert_int_equal(b.len - at, len);
	assert_true(read_text(mem, b.len, at, text, NULL));
	assert_string_equal(text, "b.example.org.");
	/* A record that does not fit rolls back by itself, its name's
	 * table entries included. */
	b.cap = b.len + 20;
	at = b.len;
	nlog = comp.nlog;
	len = name_of("new.name.net", name);
	assert_false(wb_rr(&b, name, len, RR_A, CLASS_IN, 1, (const uint8_t *)"abcd", 4));
	assert_int_equal(b.len, at);
	assert_int_equal(comp.nlog, nlog);
	/* A compressed name whose pointer does not fit writes nothing. */
	len = name_of("long-label.example.com", name);
	b.cap = b.len + 12;
	assert_false(wb_name(&b, name, len));
	assert_int_equal(b.len, at);
	b.cap = b.len + 13;
	assert_true(wb_name(&b, name, len));
	assert_int_equal(b.len, at + 13);
}

/* Past 16 KiB no name may be a pointer target (a pointer has 14 bits). */
static void test_wb_no_pointer_past_16k(void **state)
{
	enum { N = 220 };
	uint8_t *mem = malloc(65535), rd[100];
	const char *names[N + 4];
	char store[N][32];
	size_t offs[N + 4];
	wcomp comp;
	wbuf b;
	ldns_pkt *p = NULL;
	char text[1024];

	assert_non_null(mem);
	memset(rd, 'r', sizeof(rd));
	rd[0] = 99;
	wb_init(&b, mem, 65535, &comp);
	assert_true(wb_header(&b, 1, WIRE_QR, 0, N + 4, 0, 0));
	for (size_t i = 0; i < N; i++) {
		uint8_t name[WIRE_NAME_MAX];
		snprintf(store[i], sizeof(store[i]), "n%zu.example.com", i);
		names[i] = store[i];
		size_t len = name_of(names[i], name);
		offs[i] = b.len;
		assert_true(wb_rr(&b, name, len, RR_TXT, CLASS_IN, 60, rd, sizeof(rd)));
	}
	assert_true(b.len > 0x4000 + 1000);
	/* New names written after 0x4000, each twice. */
	names[N] = names[N + 1] = "late.example.net";
	names[N + 2] = names[N + 3] = "x.late.example.net";
	for (size_t i = N; i < N + 4; i++) {
		uint8_t name[WIRE_NAME_MAX];
		size_t len = name_of(names[i], name);
		offs[i] = b.len;
		assert_true(wb_rr(&b, name, len, RR_TXT, CLASS_IN, 60, rd, sizeof(rd)));
	}
	for (size_t i = 0; i < N + 4; i++) {
		check_pointers(mem, b.len, offs[i]);
		assert_true(read_text(mem, b.len, offs[i], text, NULL));
		char want[64];
		snprintf(want, sizeof(want), "%s.", names[i]);
		assert_string_equal(text, want);
	}
	/* The late names could not compress. */
	assert_memory_equal(mem + offs[N + 1], "\004late\007example\003net", 18);
	assert_int_equal(ldns_wire2pkt(&p, mem, b.len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(p), N + 4);
	ldns_pkt_free(p);
	free(mem);
}

/* RDATA names of NS, MX and SOA compress; others (SRV) stay intact. */
static void test_wb_rdata(void **state)
{
	uint8_t mem[512], owner[WIRE_NAME_MAX], rd[300];
	size_t olen, n, at;
	wcomp comp;
	wbuf b;
	ldns_pkt *p = NULL;
	char *s;

	wb_init(&b, mem, sizeof(mem), &comp);
	assert_true(wb_header(&b, 1, WIRE_QR, 0, 3, 0, 0));
	olen = name_of("example.com", owner);
	assert_true(wb_rr(&b, owner, olen, RR_NS, CLASS_IN, 60, owner, (uint16_t)olen));
	rd[0] = 0;
	rd[1] = 10;
	n = name_of("mail.example.com", rd + 2);
	at = b.len;
	assert_true(wb_rr(&b, owner, olen, RR_MX, CLASS_IN, 60, rd, (uint16_t)(n + 2)));
	/* owner pointer (2) + 10 + preference 2 + "mail" 5 + pointer 2 */
	assert_int_equal(b.len - at, 21);
	memset(rd, 0, 6);
	n = name_of("mail.example.com", rd + 6);
	at = b.len;
	assert_true(wb_rr(&b, owner, olen, RR_SRV, CLASS_IN, 60, rd, (uint16_t)(n + 6)));
	assert_int_equal(b.len - at, 12 + 6 + n);
	assert_int_equal(ldns_wire2pkt(&p, mem, b.len), LDNS_STATUS_OK);
	s = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_answer(p), 1));
	assert_non_null(strstr(s, "10 mail.example.com."));
	free(s);
	ldns_pkt_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wr_numbers),
		cmocka_unit_test(test_wr_name_pointers),
		cmocka_unit_test(test_wr_name_bad_pointers),
		cmocka_unit_test(test_wr_name_overlong),
		cmocka_unit_test(test_name_text),
		cmocka_unit_test(test_name_compare),
		cmocka_unit_test(test_wb_bounds),
		cmocka_unit_test(test_wb_compression_round_trip),
		cmocka_unit_test(test_wb_compression_every_label_length),
		cmocka_unit_test(test_wb_case_sensitive),
		cmocka_unit_test(test_wb_rollback),
		cmocka_unit_test(test_wb_no_pointer_past_16k),
		cmocka_unit_test(test_wb_rdata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
