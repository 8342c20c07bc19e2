/* test_secondary.c -- unit tests of the secondary DNS store (db_strv.c,
 * db_nsset.c, db_tsig.c, db_secondary.c, the managed-record additions of
 * db_record.c and edit.c): presets from the migration, name server sets,
 * TSIG keys, configurations, events, and what the DNS side reads (transfer
 * policy, keys, NOTIFY targets), on a ":memory:" store with the real
 * migrations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "axfrd/acl.h"
#include "axfrd/log.h"
#include "axfrd/edit.h"
#include "axfrd/rr.h"
#include "db/db.h"
#include "db/db_account.h"
#include "db/db_nsset.h"
#include "db/db_record.h"
#include "db/db_secondary.h"
#include "db/db_strv.h"
#include "db/db_zone.h"

#define ZONE "example.com"
#define NOW ((time_t)1700000000)

/* One store, accounts alice (owning ZONE, 2 apex NS) and bob. */
typedef struct fixture {
	db *d;
	int64_t alice, bob;
	int64_t zone_id;
} fixture;

static char ns1_name[] = "ns1.example.net.";
static char ns2_name[] = "ns2.example.net.";

/* ---- helpers ---------------------------------------------------------- */

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	db_options o = {.sync_full = true, .busy_timeout_ms = 1000, .migrate_to = 0};
	char *ns[] = {ns1_name, ns2_name};
	ax_errinfo ei;
	db_zone z = {0};

	memset(&ei, 0, sizeof(ei));
	if (fx == NULL || db_open(":memory:", &o, &fx->d, &ei) != AX_OK ||
	    db_account_create(fx->d, "alice", false, NOW, &fx->alice) != AX_OK ||
	    db_account_create(fx->d, "bob", false, NOW, &fx->bob) != AX_OK)
		return -1;
	z.account_id = fx->alice;
	z.name = strdup(ZONE);
	z.policy = SERIAL_INCREMENT;
	z.soa.mname = strdup("ns1.example.net.");
	z.soa.rname = strdup("hostmaster.example.net.");
	z.soa.serial = 100;
	z.soa.ttl = 3600;
	z.created_at = z.updated_at = NOW;
	if (edit_create_zone(fx->d, &z, ns, 2, 86400, &ei) != AX_OK)
		return -1;
	fx->zone_id = z.id;
	db_zone_clear(&z);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	db_close(fx->d);
	free(fx);
	return 0;
}

static void strv(db_strv *s, const char *text)
{
	assert_int_equal(db_strv_split(text, s), AX_OK);
}

/* A configuration of ZONE with the given lists (space separated). */
static void mkconfig(fixture *fx, db_secondary *s, const char *ns,
		     const char *ips, const char *targets)
{
	memset(s, 0, sizeof(*s));
	s->zone_id = fx->zone_id;
	strcpy(s->source_type, "provider");
	strcpy(s->source_id, "dyn");
	strcpy(s->source_name, "Dyn");
	s->source_version = 1;
	strv(&s->name_servers, ns);
	strv(&s->allowed_ips, ips);
	strv(&s->notify_targets, targets);
	s->notify_default = true;
	s->created_at = s->updated_at = NOW;
}

static int64_t add_key(fixture *fx, int64_t acc, const char *name,
		       const char *alg, size_t len)
{
	tsig_key k;
	int64_t id = 0;

	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "%s", name);
	snprintf(k.algorithm, sizeof(k.algorithm), "%s", alg);
	for (size_t i = 0; i < len; i++)
		k.secret[i] = (uint8_t)(i + 1);
	k.secret_len = len;
	assert_int_equal(db_tsig_key_insert(fx->d, acc, &k, NOW, &id), AX_OK);
	return id;
}

static void sockaddr4(struct sockaddr_in *sa, const char *ip)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sa->sin_addr), 1);
}

static void sockaddr6(struct sockaddr_in6 *sa, const char *ip)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &sa->sin6_addr), 1);
}

static uint32_t serial_now(fixture *fx)
{
	db_zone z;
	uint32_t s;

	assert_int_equal(db_zone_get(fx->d, fx->alice, ZONE, &z), AX_OK);
	s = z.soa.serial;
	db_zone_clear(&z);
	return s;
}

/* Adds an apex NS record and marks it managed, in one committed edit. */
static int64_t add_managed_ns(fixture *fx, const char *host)
{
	edit *e = NULL;
	ax_errinfo ei;
	uint32_t serial;
	rr_record r = {0, (char *)"", (char *)"NS", 86400, (char *)host};

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_begin(fx->d, fx->alice, ZONE, NOW, &e), AX_OK);
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	assert_int_equal(db_record_set_managed(fx->d, fx->zone_id, r.id), AX_OK);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_OK);
	edit_free(e);
	return r.id;
}

/* ---- string lists ----------------------------------------------------- */

static void test_strv(void **state)
{
	db_strv a = {0}, b = {0};
	char *text;

	(void)state;
	strv(&a, "ns1.x. ns2.x.  ns3.x.");
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[2], "ns3.x.");
	assert_true(db_strv_has(&a, "NS2.X."));
	assert_false(db_strv_has(&a, "ns4.x."));
	assert_int_equal(db_strv_join(&a, &text), AX_OK);
	assert_string_equal(text, "ns1.x. ns2.x. ns3.x.");
	free(text);
	assert_int_equal(db_strv_copy(&b, &a), AX_OK);
	assert_true(db_strv_equal(&a, &b));
	assert_int_equal(db_strv_push(&b, "x."), AX_OK);
	assert_false(db_strv_equal(&a, &b));
	db_strv_free(&a);
	db_strv_free(&b);
	strv(&a, "");
	assert_int_equal(a.n, 0);
	assert_int_equal(db_strv_join(&a, &text), AX_OK);
	assert_string_equal(text, "");
	free(text);
	db_strv_free(&a);
	db_strv_free(NULL);
}

/* ---- presets ----------------------------------------------------------- */

static void test_presets(void **state)
{
	fixture *fx = *state;
	db_preset *p, one;
	size_t n;

	assert_int_equal(db_preset_list(fx->d, &p, &n), AX_OK);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].id, "dyn");
	assert_string_equal(p[1].id, "easydns");
	assert_string_equal(p[2].id, "dnsmadeeasy");
	assert_string_equal(p[3].id, "custom");
	/* Dyn, from its customer page */
	assert_int_equal(p[0].version, 1);
	assert_int_equal(p[0].name_servers.n, 4);
	assert_string_equal(p[0].name_servers.v[0], "ns2.mydyndns.org.");
	assert_string_equal(p[0].name_servers.v[3], "ns5.mydyndns.org.");
	assert_int_equal(p[0].transfer_ips.n, 4);
	assert_string_equal(p[0].transfer_ips.v[0], "204.13.249.76");
	assert_string_equal(p[0].transfer_ips.v[3], "203.62.195.76");
	assert_false(p[0].requires_allowed_ips);
	/* easyDNS transfers from xfr0.easydns.com */
	assert_int_equal(p[1].name_servers.n, 4);
	assert_string_equal(p[1].name_servers.v[3], "dns4.easydns.info.");
	assert_int_equal(p[1].transfer_ips.n, 1);
	assert_string_equal(p[1].transfer_ips.v[0], "64.68.200.91");
	assert_string_equal(p[1].transfer_hosts.v[0], "xfr0.easydns.com.");
	/* DNS Made Easy does not publish its transfer addresses */
	assert_int_equal(p[2].name_servers.n, 3);
	assert_string_equal(p[2].name_servers.v[0], "ns5.dnsmadeeasy.com.");
	assert_int_equal(p[2].transfer_ips.n, 0);
	assert_true(p[2].requires_allowed_ips);
	assert_false(p[2].requires_name_servers);
	/* custom has no values */
	assert_int_equal(p[3].name_servers.n, 0);
	assert_true(p[3].requires_allowed_ips);
	assert_true(p[3].requires_name_servers);
	db_preset_array_free(p, n);

	assert_int_equal(db_preset_get(fx->d, "easydns", &one), AX_OK);
	assert_string_equal(one.name, "easyDNS");
	db_preset_clear(&one);
	assert_int_equal(db_preset_get(fx->d, "nope", &one), AX_ENOTFOUND);
}

/* ---- name server sets ------------------------------------------------- */

static void test_nsset_crud(void **state)
{
	fixture *fx = *state;
	db_nsset s = {0}, got, *list;
	size_t n;
	int64_t total;

	s.account_id = fx->alice;
	s.name = strdup("mine");
	strv(&s.name_servers, "a.ns.net. b.ns.net.");
	s.created_at = s.updated_at = NOW;
	assert_int_equal(db_nsset_insert(fx->d, &s), AX_OK);
	assert_true(s.id > 0);

	assert_int_equal(db_nsset_get(fx->d, fx->alice, s.id, &got), AX_OK);
	assert_string_equal(got.name, "mine");
	assert_int_equal(got.name_servers.n, 2);
	assert_int_equal(got.addresses.n, 0);
	db_nsset_clear(&got);
	/* another account's set is not found, and cannot be changed */
	assert_int_equal(db_nsset_get(fx->d, fx->bob, s.id, &got), AX_ENOTFOUND);
	assert_int_equal(db_nsset_delete(fx->d, fx->bob, s.id), AX_ENOTFOUND);

	/* the same name again in the account: taken; in another: fine */
	db_nsset dup = {0};
	dup.account_id = fx->alice;
	dup.name = strdup("mine");
	strv(&dup.name_servers, "c.ns.net.");
	assert_int_equal(db_nsset_insert(fx->d, &dup), AX_EEXIST);
	dup.account_id = fx->bob;
	assert_int_equal(db_nsset_insert(fx->d, &dup), AX_OK);
	db_nsset_clear(&dup);

	strv(&s.addresses, "192.0.2.0/24");
	s.updated_at = NOW + 5;
	assert_int_equal(db_nsset_update(fx->d, &s), AX_OK);
	assert_int_equal(db_nsset_get(fx->d, fx->alice, s.id, &got), AX_OK);
	assert_int_equal(got.addresses.n, 1);
	assert_string_equal(got.addresses.v[0], "192.0.2.0/24");
	assert_int_equal(got.updated_at, NOW + 5);
	db_nsset_clear(&got);

	assert_int_equal(db_nsset_list(fx->d, fx->alice, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	db_nsset_array_free(list, n);
	assert_int_equal(db_nsset_delete(fx->d, fx->alice, s.id), AX_OK);
	assert_int_equal(db_nsset_delete(fx->d, fx->alice, s.id), AX_ENOTFOUND);
	db_nsset_clear(&s);
}

/* ---- TSIG keys ----------------------------------------------------------- */

static void test_tsig_keys(void **state)
{
	fixture *fx = *state;
	db_tsig_info info, *list;
	tsig_key k;
	size_t n;
	int64_t total, id;
	char *zone;

	id = add_key(fx, fx->alice, "xfr-key.", "hmac-sha256", 32);
	assert_int_equal(db_tsig_key_get(fx->d, fx->alice, "xfr-key.", &info), AX_OK);
	assert_int_equal(info.id, id);
	assert_string_equal(info.algorithm, "hmac-sha256");
	/* names are global: bob cannot have one of the same name */
	memset(&k, 0, sizeof(k));
	strcpy(k.name, "xfr-key.");
	strcpy(k.algorithm, "hmac-sha512");
	k.secret_len = 16;
	assert_int_equal(db_tsig_key_insert(fx->d, fx->bob, &k, NOW, &id), AX_EEXIST);
	assert_int_equal(db_tsig_key_get(fx->d, fx->bob, "xfr-key.", &info), AX_ENOTFOUND);

	/* the DNS side finds any account's key, with its secret */
	assert_int_equal(db_tsig_key_find(fx->d, "xfr-key.", &k), AX_OK);
	assert_string_equal(k.algorithm, "hmac-sha256");
	assert_int_equal(k.secret_len, 32);
	assert_int_equal(k.secret[0], 1);
	assert_int_equal(k.secret[31], 32);
	assert_int_equal(db_tsig_key_find(fx->d, "other.", &k), AX_ENOTFOUND);

	add_key(fx, fx->alice, "a-key.", "hmac-sha512", 64);
	assert_int_equal(db_tsig_key_list(fx->d, fx->alice, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	assert_string_equal(list[0].name, "a-key.");
	free(list);
	assert_int_equal(db_tsig_key_list(fx->d, fx->alice, 1, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "xfr-key.");
	free(list);

	assert_int_equal(db_tsig_key_get(fx->d, fx->alice, "xfr-key.", &info), AX_OK);
	assert_int_equal(db_tsig_key_user(fx->d, info.id, &zone), AX_ENOTFOUND);
	assert_int_equal(db_tsig_key_delete(fx->d, fx->bob, info.id), AX_ENOTFOUND);
	assert_int_equal(db_tsig_key_delete(fx->d, fx->alice, info.id), AX_OK);
	assert_int_equal(db_tsig_key_find(fx->d, "xfr-key.", &k), AX_ENOTFOUND);
}

/* ---- configurations ------------------------------------------------------ */

static void test_config_put_get_delete(void **state)
{
	fixture *fx = *state;
	db_secondary s, got;
	bool exists;
	int64_t *ids;
	size_t n;

	assert_int_equal(db_secondary_get(fx->d, fx->zone_id, &got), AX_ENOTFOUND);
	assert_int_equal(db_secondary_exists(fx->d, fx->zone_id, &exists), AX_OK);
	assert_false(exists);

	mkconfig(fx, &s, "ns2.mydyndns.org. ns3.mydyndns.org.", "204.13.249.76",
		 "204.13.249.76:53");
	assert_int_equal(db_secondary_put(fx->d, &s), AX_OK);
	assert_int_equal(db_secondary_get(fx->d, fx->zone_id, &got), AX_OK);
	assert_string_equal(got.source_type, "provider");
	assert_string_equal(got.source_id, "dyn");
	assert_int_equal(got.source_version, 1);
	assert_int_equal(got.preset_version, 1);   /* joined from the preset */
	assert_int_equal(got.name_servers.n, 2);
	assert_int_equal(got.tsig_key_id, 0);
	assert_string_equal(got.tsig_key, "");
	assert_true(got.notify_default);
	db_secondary_clear(&got);

	/* replace: created_at kept, values replaced, the key joined by name */
	db_strv_free(&s.allowed_ips);
	strv(&s.allowed_ips, "192.0.2.0/24 2001:db8::1");
	s.tsig_key_id = add_key(fx, fx->alice, "k.", "hmac-sha256", 32);
	s.created_at = NOW + 100;
	s.updated_at = NOW + 100;
	assert_int_equal(db_secondary_put(fx->d, &s), AX_OK);
	assert_int_equal(db_secondary_get(fx->d, fx->zone_id, &got), AX_OK);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.updated_at, NOW + 100);
	assert_int_equal(got.allowed_ips.n, 2);
	assert_string_equal(got.tsig_key, "k.");
	db_secondary_clear(&got);

	/* a key in use */
	char *zone;
	assert_int_equal(db_tsig_key_user(fx->d, s.tsig_key_id, &zone), AX_OK);
	assert_string_equal(zone, ZONE);
	free(zone);

	assert_int_equal(db_secondary_zones(fx->d, &ids, &n), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], fx->zone_id);
	free(ids);
	assert_int_equal(db_secondary_delete(fx->d, fx->zone_id), AX_OK);
	assert_int_equal(db_secondary_delete(fx->d, fx->zone_id), AX_ENOTFOUND);
	assert_int_equal(db_secondary_exists(fx->d, fx->zone_id, &exists), AX_OK);
	assert_false(exists);
	db_secondary_clear(&s);
}

/* A later migration that raises a preset's version makes configurations
 * copied from the old version visible as outdated (preset_version is read
 * from the preset at every get). */
static void test_preset_outdated(void **state)
{
	fixture *fx = *state;
	char dir[] = "/tmp/axfrd-test-secondary-XXXXXX", path[64];
	db_options o = {.sync_full = true, .busy_timeout_ms = 1000, .migrate_to = 0};
	ax_errinfo ei;
	db_secondary s, got;
	sqlite3 *raw;
	db *d;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(db_open(path, &o, &d, &ei), AX_OK);
	assert_int_equal(db_account_create(d, "carol", false, NOW, &fx->bob), AX_OK);
	db_zone z = {0};
	char *ns[] = {ns1_name};
	z.account_id = fx->bob;
	z.name = strdup("other.test");
	z.soa.mname = strdup("ns1.example.net.");
	z.soa.rname = strdup("hostmaster.example.net.");
	assert_int_equal(edit_create_zone(d, &z, ns, 1, 3600, &ei), AX_OK);
	mkconfig(fx, &s, "ns2.mydyndns.org.", "204.13.249.76", "");
	s.zone_id = z.id;
	assert_int_equal(db_secondary_put(d, &s), AX_OK);
	assert_int_equal(db_secondary_get(d, z.id, &got), AX_OK);
	assert_int_equal(got.source_version, 1);
	assert_int_equal(got.preset_version, 1);
	db_secondary_clear(&got);

	/* what a later migration does */
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "UPDATE secondary_presets SET version = 2 "
				      "WHERE id = 'dyn'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(db_secondary_get(d, z.id, &got), AX_OK);
	assert_int_equal(got.source_version, 1);
	assert_int_equal(got.preset_version, 2);
	db_secondary_clear(&got);

	db_zone_clear(&z);
	db_secondary_clear(&s);
	db_close(d);
	for (size_t i = 0; i < 3; i++) {
		static const char *const suffix[] = {"", "-wal", "-shm"};
		char f[80];
		snprintf(f, sizeof(f), "%s%s", path, suffix[i]);
		unlink(f);
	}
	rmdir(dir);
}

static void test_events(void **state)
{
	fixture *fx = *state;
	db_secondary_event *ev;
	size_t n;
	int64_t total;

	assert_int_equal(db_secondary_event_add(fx->d, fx->zone_id, fx->alice, "create",
						NULL, "{\"a\":1}", NOW), AX_OK);
	assert_int_equal(db_secondary_event_add(fx->d, fx->zone_id, fx->alice, "update",
						"{\"a\":1}", "{\"a\":2}", NOW + 1), AX_OK);
	assert_int_equal(db_secondary_event_add(fx->d, fx->zone_id, fx->alice, "delete",
						"{\"a\":2}", NULL, NOW + 2), AX_OK);
	assert_int_equal(db_secondary_event_list(fx->d, fx->zone_id, 0, 2, &ev, &n,
						 &total), AX_OK);
	assert_int_equal(total, 3);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].action, "delete");   /* newest first */
	assert_null(ev[0].after);
	assert_string_equal(ev[0].before, "{\"a\":2}");
	assert_string_equal(ev[1].action, "update");
	assert_int_equal(ev[1].account_id, fx->alice);
	db_secondary_event_array_free(ev, n);
	assert_int_equal(db_secondary_event_list(fx->d, fx->zone_id, 2, 2, &ev, &n,
						 &total), AX_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].action, "create");
	assert_null(ev[0].before);
	assert_int_equal(ev[0].created_at, NOW);
	db_secondary_event_array_free(ev, n);
	/* an unknown action is refused by the schema */
	assert_int_not_equal(db_secondary_event_add(fx->d, fx->zone_id, fx->alice,
						    "explode", NULL, NULL, NOW), AX_OK);
}

/* ---- the DNS side's view ---------------------------------------------- */

static void test_xfr_policy_empty(void **state)
{
	fixture *fx = *state;
	xfr_policy p;
	struct sockaddr_in sa;

	memset(&p, 0xff, sizeof(p));   /* out is zeroed first */
	assert_int_equal(db_xfr_policy(fx->d, fx->zone_id, &p), AX_OK);
	assert_int_equal(p.nacl, 0);
	assert_null(p.acl);
	assert_false(p.require_tsig);
	assert_null(p.key);
	sockaddr4(&sa, "127.0.0.1");
	assert_false(acl_match(p.acl, p.nacl, (struct sockaddr *)&sa));
	xfr_policy_clear(&p);
	/* no such zone: the same empty policy */
	assert_int_equal(db_xfr_policy(fx->d, 999999, &p), AX_OK);
	assert_int_equal(p.nacl, 0);
	xfr_policy_clear(&p);
}

static void test_xfr_policy(void **state)
{
	fixture *fx = *state;
	db_secondary s;
	xfr_policy p;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	mkconfig(fx, &s, "ns.x.", "192.0.2.0/24 2001:db8::1 127.0.0.1", "");
	assert_int_equal(db_secondary_put(fx->d, &s), AX_OK);
	assert_int_equal(db_xfr_policy(fx->d, fx->zone_id, &p), AX_OK);
	assert_int_equal(p.nacl, 3);
	assert_false(p.require_tsig);
	assert_null(p.key);
	sockaddr4(&a4, "192.0.2.77");
	assert_true(acl_match(p.acl, p.nacl, (struct sockaddr *)&a4));
	sockaddr4(&a4, "192.0.3.1");
	assert_false(acl_match(p.acl, p.nacl, (struct sockaddr *)&a4));
	sockaddr6(&a6, "2001:db8::1");
	assert_true(acl_match(p.acl, p.nacl, (struct sockaddr *)&a6));
	sockaddr6(&a6, "2001:db8::2");
	assert_false(acl_match(p.acl, p.nacl, (struct sockaddr *)&a6));
	xfr_policy_clear(&p);

	/* with a key: required, with its secret */
	s.tsig_key_id = add_key(fx, fx->alice, "xfr.example.", "hmac-sha512", 64);
	assert_int_equal(db_secondary_put(fx->d, &s), AX_OK);
	assert_int_equal(db_xfr_policy(fx->d, fx->zone_id, &p), AX_OK);
	assert_true(p.require_tsig);
	assert_non_null(p.key);
	assert_string_equal(p.key->name, "xfr.example.");
	assert_string_equal(p.key->algorithm, "hmac-sha512");
	assert_int_equal(p.key->secret_len, 64);
	assert_int_equal(p.key->secret[63], 64);
	xfr_policy_clear(&p);

	/* deleted: refuses everybody again */
	assert_int_equal(db_secondary_delete(fx->d, fx->zone_id), AX_OK);
	assert_int_equal(db_xfr_policy(fx->d, fx->zone_id, &p), AX_OK);
	assert_int_equal(p.nacl, 0);
	assert_false(p.require_tsig);
	assert_null(p.key);
	xfr_policy_clear(&p);
	db_secondary_clear(&s);
}

static void test_notify_targets(void **state)
{
	fixture *fx = *state;
	struct sockaddr_storage *t;
	db_secondary s;
	size_t n;
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(db_notify_targets(fx->d, fx->zone_id, &t, &n), AX_OK);
	assert_int_equal(n, 0);
	assert_null(t);

	mkconfig(fx, &s, "ns.x.", "192.0.2.1", "192.0.2.1:53 [2001:db8::5]:5300");
	assert_int_equal(db_secondary_put(fx->d, &s), AX_OK);
	assert_int_equal(db_notify_targets(fx->d, fx->zone_id, &t, &n), AX_OK);
	assert_int_equal(n, 2);
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&t[0];
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&t[1];
	assert_int_equal(v4->sin_family, AF_INET);
	assert_int_equal(ntohs(v4->sin_port), 53);
	inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(v6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(v6->sin6_port), 5300);
	inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::5");
	free(t);
	db_secondary_clear(&s);
}

static void test_zone_name_by_id(void **state)
{
	fixture *fx = *state;
	char *name;

	assert_int_equal(db_zone_name_by_id(fx->d, fx->zone_id, &name), AX_OK);
	assert_string_equal(name, ZONE);
	free(name);
	assert_int_equal(db_zone_name_by_id(fx->d, 424242, &name), AX_ENOTFOUND);
	assert_null(name);
}

/* Deleting a zone takes its configuration, events and managed records. */
static void test_zone_delete_cascades(void **state)
{
	fixture *fx = *state;
	db_secondary s;
	int64_t *ids;
	size_t n;

	mkconfig(fx, &s, "ns.x.", "192.0.2.1", "");
	s.tsig_key_id = add_key(fx, fx->alice, "k.", "hmac-sha256", 32);
	assert_int_equal(db_secondary_put(fx->d, &s), AX_OK);
	assert_int_equal(db_secondary_event_add(fx->d, fx->zone_id, fx->alice, "create",
						NULL, "{}", NOW), AX_OK);
	add_managed_ns(fx, "ns.x.");
	assert_int_equal(db_zone_delete(fx->d, fx->zone_id), AX_OK);
	assert_int_equal(db_secondary_zones(fx->d, &ids, &n), AX_OK);
	assert_int_equal(n, 0);
	free(ids);
	/* the key is free again */
	assert_int_equal(db_tsig_key_delete(fx->d, fx->alice, s.tsig_key_id), AX_OK);
	db_secondary_clear(&s);
}

/* ---- managed records and the edit ------------------------------------ */

static void test_managed_records(void **state)
{
	fixture *fx = *state;
	int64_t id = add_managed_ns(fx, "ns2.mydyndns.org.");
	rr_record *recs, upd;
	size_t n;
	bool managed;
	edit *e = NULL;
	ax_errinfo ei;
	uint32_t before = serial_now(fx), serial;

	assert_int_equal(db_record_managed(fx->d, fx->zone_id, id, &managed), AX_OK);
	assert_true(managed);
	assert_int_equal(db_record_managed_list(fx->d, fx->zone_id, &recs, &n), AX_OK);
	assert_int_equal(n, 1);
	assert_string_equal(recs[0].content, "ns2.mydyndns.org.");
	rr_record_array_free(recs, n);
	assert_int_equal(db_record_managed(fx->d, fx->zone_id, 777, &managed),
			 AX_ENOTFOUND);

	/* an ordinary edit may neither delete nor update it */
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_begin(fx->d, fx->alice, ZONE, NOW, &e), AX_OK);
	assert_int_equal(edit_delete(e, id, NULL, &ei), AX_ECONFLICT);
	assert_non_null(strstr(ei.msg, "secondary_dns"));
	assert_int_equal(db_record_get(fx->d, fx->zone_id, id, &upd), AX_OK);
	upd.ttl = 60;
	assert_int_equal(edit_update(e, &upd, &ei), AX_ECONFLICT);
	rr_record_clear(&upd);
	edit_free(e);
	assert_int_equal(serial_now(fx), before);

	/* the configuration's own edit may */
	assert_int_equal(edit_begin(fx->d, fx->alice, ZONE, NOW, &e), AX_OK);
	edit_allow_managed(e);
	assert_int_equal(edit_delete(e, id, NULL, &ei), AX_OK);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_OK);
	edit_free(e);
	assert_int_equal(serial, before + 1);
	assert_int_equal(db_record_managed_list(fx->d, fx->zone_id, &recs, &n), AX_OK);
	assert_int_equal(n, 0);
	free(recs);
}

/* An import with replace keeps the managed records (the configuration owns
 * them), and an import does not change their TTL. */
static void test_import_keeps_managed(void **state)
{
	fixture *fx = *state;
	int64_t id = add_managed_ns(fx, "ns2.mydyndns.org.");
	edit_import_counts c;
	rr_record in[3], got;
	edit *e = NULL;
	ax_errinfo ei;
	uint32_t serial;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(rr_record_normalize(ZONE, "", "NS", 86400, "ns1.example.net.",
					     3600, &in[0], &ei), AX_OK);
	assert_int_equal(rr_record_normalize(ZONE, "www", "A", 300, "192.0.2.1",
					     3600, &in[1], &ei), AX_OK);
	assert_int_equal(rr_record_normalize(ZONE, "", "NS", 60, "ns2.mydyndns.org.",
					     3600, &in[2], &ei), AX_OK);
	assert_int_equal(edit_begin(fx->d, fx->alice, ZONE, NOW, &e), AX_OK);
	assert_int_equal(edit_import(e, in, 3, true, &c, &ei), AX_OK);
	assert_int_equal(c.added, 1);
	assert_int_equal(c.deleted, 1);   /* ns2.example.net., the user's */
	assert_int_equal(edit_commit(e, &serial, &ei), AX_OK);
	edit_free(e);
	assert_int_equal(db_record_get(fx->d, fx->zone_id, id, &got), AX_OK);
	assert_int_equal(got.ttl, 86400);
	rr_record_clear(&got);
	for (int i = 0; i < 3; i++)
		rr_record_clear(&in[i]);
}

static void test_dnssec_flag(void **state)
{
	fixture *fx = *state;
	edit *e = NULL;
	ax_errinfo ei;
	uint32_t before = serial_now(fx), serial;
	db_zone z;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_begin(fx->d, fx->alice, ZONE, NOW, &e), AX_OK);
	assert_int_equal(edit_set_dnssec(e, true), AX_OK);
	assert_true(edit_zone(e)->dnssec);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_OK);
	edit_free(e);
	assert_int_equal(serial, before);   /* the export did not change */
	assert_int_equal(db_zone_get(fx->d, fx->alice, ZONE, &z), AX_OK);
	assert_true(z.dnssec);
	db_zone_clear(&z);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strv),
		T(test_presets),
		T(test_nsset_crud),
		T(test_tsig_keys),
		T(test_config_put_get_delete),
		T(test_preset_outdated),
		T(test_events),
		T(test_xfr_policy_empty),
		T(test_xfr_policy),
		T(test_notify_targets),
		T(test_zone_name_by_id),
		T(test_zone_delete_cascades),
		T(test_managed_records),
		T(test_import_keeps_managed),
		T(test_dnssec_flag),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
