/* fuzz_dns.c -- the DNS request parser and answerer (query.c, tsig.c,
 * xfr.c through dns_req.c's dns_handle, the entry the UDP and TCP paths
 * both use) on zones loaded once, as the server loads them, from an
 * in-memory store: several record types, a wildcard, a delegation with
 * glue, an ALIAS owner (its target's addresses in the store's cache), a
 * CNAME chain, an empty non-terminal, an IXFR journal step, a second
 * zone that requires a TSIG key for transfers. Each input is one request,
 * answered as over UDP and as over TCP (where an AXFR or IXFR is streamed
 * to its end, at most 64 messages). Properties: every response is a
 * well-formed DNS message (ldns parses it) with the request's id and QR
 * set; a UDP response fits the client's limit.
 * time() is fixed (below) so that the signed seeds keep verifying. With
 * AXFRD_FUZZ_WRITE_SEEDS=DIR set, LLVMFuzzerInitialize writes the seed
 * corpus (queries of each kind, some signed) to DIR; with AXFRD_FUZZ_PRINT
 * set, every response is printed. */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axfrd/config.h"
#include "axfrd/dns_internal.h"
#include "axfrd/edit.h"
#include "axfrd/log.h"
#include "axfrd/rr.h"
#include "axfrd/tsig.h"
#include "db/db_account.h"
#include "db/db_export.h"
#include "db/db_secondary.h"
#include "db/db_tsig.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000
#define KEYNAME "xfr-key.example."

/* The harness's clock: TSIG times in the seeds stay within the fudge. */
time_t time(time_t *t)
{
	if (t != NULL)
		*t = NOW;
	return NOW;
}

static config cfg;
static dns_server srv;
static tsig_key key;
static struct sockaddr_in peer;
static bool print_responses;   /* AXFRD_FUZZ_PRINT set: for debugging */

static void die(const char *what, const ax_errinfo *ei)
{
	fprintf(stderr, "fuzz_dns set-up: %s: %s\n", what, ei ? ei->msg : "");
	abort();
}

static void add_records(int64_t account, const char *zone, const char *const *recs)
{
	ax_errinfo ei = {0};
	edit *e = NULL;
	uint32_t serial;

	if (edit_begin(srv.d, account, zone, NOW, &e) != AX_OK)
		die("edit_begin", NULL);
	for (size_t i = 0; recs[i] != NULL; i += 3) {
		rr_record r = {0};
		if (rr_record_normalize(zone, recs[i], recs[i + 1], 300, recs[i + 2], 3600,
					&r, &ei) != AX_OK || edit_add(e, &r, &ei) != AX_OK)
			die(recs[i + 2], &ei);
		rr_record_clear(&r);
	}
	if (edit_commit(e, &serial, &ei) != AX_OK)
		die("edit_commit", &ei);
	edit_free(e);
}

static int64_t make_zone(int64_t account, const char *name)
{
	static char *ns[] = {"ns1.example.com.", "ns2.example.net."};
	ax_errinfo ei = {0};
	db_zone z = {0};

	z.account_id = account;
	z.name = strdup(name);
	z.policy = SERIAL_INCREMENT;
	z.soa.mname = strdup("ns1.example.com.");
	z.soa.rname = strdup("hostmaster.example.com.");
	z.soa.serial = 100;
	z.soa.ttl = 3600;
	z.soa.refresh = 7200;
	z.soa.retry = 600;
	z.soa.expire = 1209600;
	z.soa.minimum = 300;
	z.created_at = z.updated_at = NOW;
	if (edit_create_zone(srv.d, &z, ns, 2, 86400, &ei) != AX_OK)
		die("edit_create_zone", &ei);
	int64_t id = z.id;
	db_zone_clear(&z);
	return id;
}

static void allow_transfers(int64_t zone_id, int64_t key_id)
{
	db_secondary sec = {0};

	sec.zone_id = zone_id;
	snprintf(sec.source_type, sizeof(sec.source_type), "custom");
	if (db_strv_push(&sec.allowed_ips, "0.0.0.0/0") != AX_OK ||
	    db_strv_push(&sec.allowed_ips, "::/0") != AX_OK)
		die("db_strv_push", NULL);
	sec.tsig_key_id = key_id;
	sec.created_at = sec.updated_at = NOW;
	if (db_secondary_put(srv.d, &sec) != AX_OK)
		die("db_secondary_put", NULL);
	db_strv_free(&sec.name_servers);
	db_strv_free(&sec.allowed_ips);
	db_strv_free(&sec.notify_targets);
}

static void load_store(void)
{
	static const char *const recs[] = {
		"", "MX", "10 mail.example.com.",
		"", "TXT", "\"v=spf1 -all\"",
		"", "CAA", "0 issue \"ca.example.net\"",
		"www", "A", "192.0.2.1",
		"www", "AAAA", "2001:db8::1",
		"mail", "A", "192.0.2.2",
		"*.wild", "TXT", "\"wildcard\"",
		"*.wild", "A", "192.0.2.3",
		"sub", "NS", "ns.sub.example.com.",
		"ns.sub", "A", "192.0.2.4",
		"ns.sub", "AAAA", "2001:db8::4",
		"alias", "ALIAS", "target.example.net.",
		"cname", "CNAME", "cname2.example.com.",
		"cname2", "CNAME", "www.example.com.",
		"out", "CNAME", "elsewhere.example.net.",
		"_sip._tcp", "SRV", "10 5 5060 sip.example.com.",
		"a.b.c", "TXT", "\"deep\"",
		"ptr", "PTR", "host.example.com.",
		"svc", "HTTPS", "1 . alpn=h2",
		"naptr", "NAPTR", "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
		"ds-sub", "NS", "ns.example.net.",
		"ds-sub", "DS", "12345 13 2 "
		"2bb183af5f22588179a53b0a98631fad1a292118b3b1ac2b4e6d7a1d3e2c1f0a",
		NULL};
	static const char *const more[] = {
		"new", "A", "192.0.2.99",
		"www", "TXT", "\"changed\"",
		NULL};
	static const char *const keyed[] = {"host", "A", "198.51.100.1", NULL};
	ax_errinfo ei = {0};
	db_alias a = {0};
	int64_t account, key_id;

	if (db_account_create(srv.d, "fuzz", false, NOW, &account) != AX_OK)
		die("db_account_create", NULL);
	if (db_tsig_key_insert(srv.d, account, &key, NOW, &key_id) != AX_OK)
		die("db_tsig_key_insert", NULL);
	int64_t open_id = make_zone(account, "example.com");
	add_records(account, "example.com", recs);
	allow_transfers(open_id, 0);
	int64_t keyed_id = make_zone(account, "keyed.test");
	add_records(account, "keyed.test", keyed);
	allow_transfers(keyed_id, key_id);
	/* What the ALIAS resolver would have cached for the target. */
	snprintf(a.addresses, sizeof(a.addresses), "198.51.100.7 198.51.100.8");
	a.ttl = 300;
	a.resolved_at = NOW;
	a.expires_at = NOW + 3600;
	if (db_alias_put(srv.d, "target.example.net.", RR_A, &a) != AX_OK)
		die("db_alias_put", NULL);
	if (dns_zones_load_all(&srv) != AX_OK)
		die("dns_zones_load_all", NULL);
	/* A change after the load: its IXFR step goes to the journal. */
	add_records(account, "example.com", more);
	if (dns_zone_reload(&srv, "example.com", false) != AX_OK)
		die("dns_zone_reload", &ei);
}

/* ---- seeds ---------------------------------------------------------- */

typedef struct seed_pkt {
	uint8_t b[1024];
	size_t len;
} seed_pkt;

static void put16(seed_pkt *p, uint16_t v)
{
	p->b[p->len++] = (uint8_t)(v >> 8);
	p->b[p->len++] = (uint8_t)v;
}

static void put32(seed_pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void put_name(seed_pkt *p, const char *name)
{
	size_t n;

	if (!wire_name_from_text(name, p->b + p->len, &n))
		abort();
	p->len += n;
}

static void question(seed_pkt *p, uint16_t id, uint16_t flags, const char *name,
		     uint16_t type, uint16_t qclass)
{
	p->len = 0;
	put16(p, id);
	put16(p, flags);
	put16(p, 1);
	put16(p, 0);
	put16(p, 0);
	put16(p, 0);
	put_name(p, name);
	put16(p, type);
	put16(p, qclass);
}

static void set_count(seed_pkt *p, size_t off, uint16_t v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static void opt(seed_pkt *p, uint16_t size, bool dnssec_ok, uint8_t version)
{
	p->b[p->len++] = 0;
	put16(p, 41);
	put16(p, size);
	p->b[p->len++] = 0;
	p->b[p->len++] = version;
	put16(p, dnssec_ok ? 0x8000 : 0);
	put16(p, 0);
	set_count(p, WIRE_OFF_ARCOUNT, 1);
}

static void ixfr_soa(seed_pkt *p, uint32_t serial)
{
	put_name(p, "example.com");
	put16(p, RR_SOA);
	put16(p, CLASS_IN);
	put32(p, 3600);
	size_t at = p->len;
	put16(p, 0);
	put_name(p, "ns1.example.com");
	put_name(p, "hostmaster.example.com");
	put32(p, serial);
	put32(p, 7200);
	put32(p, 600);
	put32(p, 1209600);
	put32(p, 300);
	set_count(p, at, (uint16_t)(p->len - at - 2));
	set_count(p, WIRE_OFF_NSCOUNT, 1);
}

static void write_seed(const char *dir, const char *name, seed_pkt *p, bool sign)
{
	char path[4096];
	FILE *f;

	if (sign) {
		tsig_ctx ctx = {0};
		if (!tsig_sign_request(&ctx, &key, p->b, &p->len, sizeof(p->b), NOW))
			abort();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p->b, 1, p->len, f) != p->len)
		abort();
	fclose(f);
}

static void write_seeds(const char *dir)
{
	static const struct {
		const char *file, *name;
		uint16_t type;
	} plain[] = {
		{"soa", "example.com", RR_SOA}, {"ns", "Example.COM", RR_NS},
		{"mx", "example.com", RR_MX}, {"any", "example.com", RR_ANY},
		{"www-a", "www.example.com", RR_A}, {"www-aaaa", "www.example.com", 28},
		{"wildcard", "x.y.wild.example.com", 16},
		{"wildcard-nodata", "x.wild.example.com", RR_MX},
		{"referral", "host.sub.example.com", RR_A},
		{"ds-at-cut", "ds-sub.example.com", 43},
		{"alias", "alias.example.com", RR_A},
		{"cname-chain", "cname.example.com", RR_A},
		{"cname-out", "out.example.com", RR_A},
		{"srv", "_sip._tcp.example.com", 33},
		{"ent", "b.c.example.com", RR_A},
		{"nxdomain", "nope.example.com", RR_A},
		{"https", "svc.example.com", 65}, {"naptr", "naptr.example.com", 35},
		{"ptr", "ptr.example.com", RR_PTR}, {"caa", "example.com", RR_CAA},
		{"refused", "example.org", RR_A}, {"keyed", "host.keyed.test", RR_A},
	};
	seed_pkt p;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		question(&p, (uint16_t)(0x100 + i), WIRE_RD, plain[i].name, plain[i].type,
			 CLASS_IN);
		write_seed(dir, plain[i].file, &p, false);
	}
	/* A label holding a 0x00 byte (issue 17 point 7): not a.b.c's TXT. */
	static const uint8_t nul[] = "\003b\000a\001c\007example\003com";
	question(&p, 0x200, WIRE_RD, "x.c.example.com", 16, CLASS_IN);
	memcpy(p.b + WIRE_HEADER_LEN, nul, sizeof(nul));
	p.len = WIRE_HEADER_LEN + sizeof(nul);
	put16(&p, 16);
	put16(&p, CLASS_IN);
	write_seed(dir, "nul-label", &p, false);
	question(&p, 1, 0, "example.com", RR_ANY, CLASS_IN);
	opt(&p, 4096, true, 0);
	write_seed(dir, "any-edns-do", &p, false);
	question(&p, 2, 0, "example.com", RR_SOA, CLASS_IN);
	opt(&p, 1232, false, 1);
	write_seed(dir, "badvers", &p, false);
	question(&p, 3, 0, "example.com", RR_AXFR, CLASS_IN);
	write_seed(dir, "axfr", &p, false);
	question(&p, 4, 0, "example.com", RR_IXFR, CLASS_IN);
	ixfr_soa(&p, 101);
	write_seed(dir, "ixfr-journal", &p, false);
	question(&p, 5, 0, "example.com", RR_IXFR, CLASS_IN);
	ixfr_soa(&p, 50);
	write_seed(dir, "ixfr-too-old", &p, false);
	question(&p, 6, 0, "keyed.test", RR_AXFR, CLASS_IN);
	write_seed(dir, "axfr-keyed-signed", &p, true);
	question(&p, 7, 0, "keyed.test", RR_AXFR, CLASS_IN);
	write_seed(dir, "axfr-keyed-unsigned", &p, false);
	question(&p, 8, WIRE_RD, "www.example.com", RR_A, CLASS_IN);
	opt(&p, 1232, false, 0);
	write_seed(dir, "signed-query-edns", &p, true);
	question(&p, 9, 0x2000 | WIRE_AA, "example.com", RR_SOA, CLASS_IN);
	write_seed(dir, "notify", &p, false);
	question(&p, 10, 0, "example.com", RR_A, 3);
	write_seed(dir, "chaos", &p, false);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("AXFRD_FUZZ_WRITE_SEEDS");
	db_options opt = {0};
	ax_errinfo ei = {0};

	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERROR);
	if (config_defaults(&cfg) != AX_OK)
		die("config_defaults", NULL);
	cfg.rrl_rate = 0;   /* rate limiting would drop most UDP inputs */
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.udp_fd = srv.tcp_fd = srv.sig_fd = srv.ev_fd = -1;
	pthread_mutex_init(&srv.mu, NULL);
	if (export_opts_from_config(&cfg, &srv.eo, &ei) != AX_OK ||
	    db_open(":memory:", &opt, &srv.d, &ei) != AX_OK ||
	    (srv.scratch = malloc(65535)) == NULL)
		die("server", &ei);
	snprintf(key.name, sizeof(key.name), KEYNAME);
	snprintf(key.algorithm, sizeof(key.algorithm), "hmac-sha256");
	for (size_t i = 0; i < 32; i++)
		key.secret[i] = (uint8_t)(i * 13 + 5);
	key.secret_len = 32;
	load_store();
	peer.sin_family = AF_INET;
	peer.sin_port = htons(5353);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	print_responses = getenv("AXFRD_FUZZ_PRINT") != NULL;
	if (dir != NULL)
		write_seeds(dir);
	return 0;
}

/* ---- one request ------------------------------------------------------ */

static void check_response(const uint8_t *req, const uint8_t *out, size_t n,
			   size_t limit, const char *path)
{
	ldns_pkt *pkt = NULL;

	if (n > limit) {
		fprintf(stderr, "%s: a %zu-byte response over the limit %zu\n", path, n,
			limit);
		abort();
	}
	if (n < WIRE_HEADER_LEN || out[0] != req[0] || out[1] != req[1] ||
	    !(out[2] & 0x80)) {
		fprintf(stderr, "%s: a response without the request's id or QR\n", path);
		abort();
	}
	if (ldns_wire2pkt(&pkt, out, n) != LDNS_STATUS_OK) {
		fprintf(stderr, "%s: a response ldns cannot parse (%zu bytes)\n", path, n);
		abort();
	}
	if (print_responses) {
		fprintf(stderr, ";; %s\n", path);
		ldns_pkt_print(stderr, pkt);
	}
	ldns_pkt_free(pkt);
}

/* The client's UDP limit as RFC 6891 gives it (for the property only). */
static size_t udp_limit(const uint8_t *data, size_t size)
{
	dns_query q;

	if (query_parse(data, size, &q) != QP_OK)
		return 512;  /* FORMERR: header and question, always small */
	return query_udp_limit(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	dns_reply rep;

	if (size > 65535)
		return 0;
	/* UDP, as on_udp in dns.c calls it. */
	dns_handle(&srv, data, size, (struct sockaddr *)&peer, false, out, sizeof(out),
		   &rep);
	if (rep.xfr != NULL) {
		fprintf(stderr, "udp: a transfer left running\n");
		abort();
	}
	if (rep.len > 0)
		check_response(data, out, rep.len, udp_limit(data, size), "udp");
	/* TCP, as dns_tcp.c does, with the transfer streamed. */
	dns_handle(&srv, data, size, (struct sockaddr *)&peer, true, out, 65535, &rep);
	if (rep.len > 0)
		check_response(data, out, rep.len, 65535, "tcp");
	for (int i = 0; rep.xfr != NULL && i < 64; i++) {
		long n = dns_xfr_next(&srv, &rep, out, 65535);
		if (n <= 0)
			break;
		check_response(data, out, (size_t)n, 65535, "tcp transfer");
	}
	xfr_free(rep.xfr);
	return 0;
}
