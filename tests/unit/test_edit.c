/* test_edit.c -- unit tests of zone change requests (edit.c): serial bumps,
 * the change journal, the zone rules, zone-file import, SOA changes and
 * zone creation, on a ":memory:" store with the real migrations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axfrd/log.h"
#include "axfrd/edit.h"
#include "axfrd/rr.h"
#include "db/db.h"
#include "db/db_account.h"
#include "db/db_record.h"
#include "db/db_zone.h"

#define ZONE "example.com"
#define NOW ((time_t)1700000000)
#define SERIAL0 100u

/* One store with one account owning ZONE (2 apex NS, increment policy). */
typedef struct fixture {
	db *d;
	int64_t acc;
	int64_t ns1, ns2;  /* ids of the apex NS records */
} fixture;

static char ns1_name[] = "ns1.example.net.";
static char ns2_name[] = "ns2.example.net.";

/* ---- helpers ---------------------------------------------------------- */

/* A record normalized as the API does; fails the test if it is refused. */
static rr_record rec(const char *name, const char *type, long long ttl,
		     const char *content)
{
	rr_record r;
	ax_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	if (rr_record_normalize(ZONE, name, type, ttl, content, 3600, &r, &ei) !=
	    AX_OK)
		fail_msg("rr_record_normalize(%s %s %s): %s: %s", name, type,
			 content, ei.field, ei.msg);
	return r;
}

static void mksoa(zf_soa *soa, uint32_t serial)
{
	memset(soa, 0, sizeof(*soa));
	soa->mname = strdup("ns1.example.net.");
	soa->rname = strdup("hostmaster.example.net.");
	assert_non_null(soa->mname);
	assert_non_null(soa->rname);
	soa->serial = serial;
	soa->ttl = 3600;
	soa->refresh = 7200;
	soa->retry = 900;
	soa->expire = 1209600;
	soa->minimum = 300;
}

static void mkzone(db_zone *z, int64_t acc, const char *name)
{
	memset(z, 0, sizeof(*z));
	z->account_id = acc;
	z->name = strdup(name);
	assert_non_null(z->name);
	z->policy = SERIAL_INCREMENT;
	mksoa(&z->soa, SERIAL0);
	z->created_at = NOW;
	z->updated_at = NOW;
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	db_options o = {.sync_full = true, .busy_timeout_ms = 1000, .migrate_to = 0};
	char *ns[] = {ns1_name, ns2_name};
	ax_errinfo ei;
	db_zone z;
	rr_record *recs;
	size_t n;

	memset(&ei, 0, sizeof(ei));
	if (fx == NULL || db_open(":memory:", &o, &fx->d, &ei) != AX_OK ||
	    db_account_create(fx->d, "alice", false, NOW, &fx->acc) != AX_OK) {
		free(fx);
		return -1;
	}
	mkzone(&z, fx->acc, ZONE);
	if (edit_create_zone(fx->d, &z, ns, 2, 86400, &ei) != AX_OK) {
		print_error("edit_create_zone: %s\n", ei.msg);
		db_zone_clear(&z);
		return -1;
	}
	if (db_record_at_name(fx->d, z.id, "", &recs, &n) != AX_OK || n != 2)
		return -1;
	db_zone_clear(&z);
	fx->ns1 = recs[0].id;
	fx->ns2 = recs[1].id;
	rr_record_array_free(recs, n);
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

static edit *begin(fixture *fx)
{
	edit *e = NULL;

	assert_int_equal(edit_begin(fx->d, fx->acc, ZONE, NOW, &e), AX_OK);
	assert_non_null(e);
	return e;
}

static uint32_t commit(edit *e)
{
	ax_errinfo ei;
	uint32_t serial = 0;

	memset(&ei, 0, sizeof(ei));
	if (edit_commit(e, &serial, &ei) != AX_OK)
		fail_msg("edit_commit: %s: %s", ei.field, ei.msg);
	edit_free(e);
	return serial;
}

/* The zone as stored now (db_zone_clear). */
static void zone_now(fixture *fx, db_zone *z)
{
	assert_int_equal(db_zone_get(fx->d, fx->acc, ZONE, z), AX_OK);
}

static uint32_t serial_now(fixture *fx)
{
	db_zone z;
	uint32_t s;

	zone_now(fx, &z);
	s = z.soa.serial;
	db_zone_clear(&z);
	return s;
}

static int64_t zone_id(fixture *fx)
{
	db_zone z;
	int64_t id;

	zone_now(fx, &z);
	id = z.id;
	db_zone_clear(&z);
	return id;
}

static size_t nrecs(fixture *fx)
{
	rr_record *recs;
	size_t n;

	assert_int_equal(db_record_all(fx->d, zone_id(fx), &recs, &n), AX_OK);
	rr_record_array_free(recs, n);
	return n;
}

/* Adds one record in an edit of its own; returns its id. */
static int64_t add1(fixture *fx, const char *name, const char *type,
		    const char *content)
{
	edit *e = begin(fx);
	rr_record r = rec(name, type, 300, content);
	ax_errinfo ei;
	int64_t id;

	memset(&ei, 0, sizeof(ei));
	if (edit_add(e, &r, &ei) != AX_OK)
		fail_msg("edit_add(%s %s %s): %s", name, type, content, ei.msg);
	id = r.id;
	rr_record_clear(&r);
	commit(e);
	return id;
}

/* Adds the n records (name, type, content triples) in one edit and
 * expects edit_commit to refuse with AX_ECONFLICT, leaving nothing. */
static void expect_conflict_adds(fixture *fx, const char *const *spec, size_t n)
{
	size_t before = nrecs(fx);
	uint32_t s0 = serial_now(fx), serial = 12345;
	edit *e = begin(fx);
	ax_errinfo ei;
	int rc;

	memset(&ei, 0, sizeof(ei));
	for (size_t i = 0; i < n; i++) {
		rr_record r = rec(spec[3 * i], spec[3 * i + 1], 300, spec[3 * i + 2]);
		if (edit_add(e, &r, &ei) != AX_OK)
			fail_msg("edit_add(%s %s): %s", spec[3 * i], spec[3 * i + 1],
				 ei.msg);
		rr_record_clear(&r);
	}
	rc = edit_commit(e, &serial, &ei);
	if (rc != AX_ECONFLICT)
		fail_msg("adding %s %s %s...: want AX_ECONFLICT, got %d (%s)",
			 spec[0], spec[1], spec[2], rc, ei.msg);
	assert_true(ei.msg[0] != '\0');
	edit_free(e);
	assert_int_equal(nrecs(fx), before);
	assert_int_equal(serial_now(fx), s0);
}

/* Journal rows as "op name type ttl content" strings. */
typedef struct jrow {
	char text[512];
} jrow;

static size_t journal(fixture *fx, uint32_t from, uint32_t *to, jrow **rows)
{
	rr_record *rrs;
	const char **ops;
	size_t n;

	assert_int_equal(db_journal_get(fx->d, zone_id(fx), from, to, &rrs, &ops, &n),
			 AX_OK);
	*rows = calloc(n + 1, sizeof(**rows));
	assert_non_null(*rows);
	for (size_t i = 0; i < n; i++)
		snprintf((*rows)[i].text, sizeof((*rows)[i].text), "%s %s %s %u %s",
			 ops[i], rrs[i].name, rrs[i].type, rrs[i].ttl,
			 rrs[i].content);
	rr_record_array_free(rrs, n);
	free(ops);
	return n;
}

static bool journal_has(fixture *fx, uint32_t from)
{
	uint32_t to;
	rr_record *rrs;
	const char **ops;
	size_t n;
	int rc = db_journal_get(fx->d, zone_id(fx), from, &to, &rrs, &ops, &n);

	rr_record_array_free(rrs, n);
	free(ops);
	assert_true(rc == AX_OK || rc == AX_ENOTFOUND);
	return rc == AX_OK;
}

/* ---- serial bumps ----------------------------------------------------- */

static void test_create_zone(void **state)
{
	fixture *fx = *state;
	db_zone z;
	rr_record *recs;
	size_t n;

	zone_now(fx, &z);
	assert_string_equal(z.name, ZONE);
	assert_int_equal(z.soa.serial, SERIAL0);
	assert_int_equal(z.policy, SERIAL_INCREMENT);
	assert_int_equal(z.account_id, fx->acc);
	assert_int_equal(db_record_all(fx->d, z.id, &recs, &n), AX_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(recs[i].name, "");
		assert_string_equal(recs[i].type, "NS");
		assert_int_equal(recs[i].ttl, 86400);
	}
	assert_string_equal(recs[0].content, "ns1.example.net.");
	assert_string_equal(recs[1].content, "ns2.example.net.");
	rr_record_array_free(recs, n);
	db_zone_clear(&z);
	/* creating a zone writes no journal */
	assert_false(journal_has(fx, SERIAL0));
}

static void test_commit_bumps_once(void **state)
{
	fixture *fx = *state;
	edit *e;
	rr_record r;
	ax_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	/* one add: +1 */
	e = begin(fx);
	assert_int_equal(edit_zone(e)->soa.serial, SERIAL0);
	assert_false(edit_changed(e));
	r = rec("www", "A", 300, "192.0.2.1");
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	assert_true(r.id > 0);
	assert_true(edit_changed(e));
	rr_record_clear(&r);
	assert_int_equal(commit(e), SERIAL0 + 1);
	assert_int_equal(serial_now(fx), SERIAL0 + 1);

	/* a batch of adds and deletes: +1 */
	int64_t www2 = add1(fx, "www", "A", "192.0.2.2");
	assert_int_equal(serial_now(fx), SERIAL0 + 2);
	e = begin(fx);
	const char *adds[][3] = {{"mail", "A", "192.0.2.3"},
				 {"", "MX", "10 mail"},
				 {"txt", "TXT", "\"hello\""},
				 {"www", "AAAA", "2001:db8::1"}};
	for (size_t i = 0; i < 4; i++) {
		r = rec(adds[i][0], adds[i][1], 300, adds[i][2]);
		assert_int_equal(edit_add(e, &r, &ei), AX_OK);
		rr_record_clear(&r);
	}
	rr_record old;
	assert_int_equal(edit_delete(e, www2, &old, &ei), AX_OK);
	assert_string_equal(old.content, "192.0.2.2");
	rr_record_clear(&old);
	assert_int_equal(edit_delete(e, www2, NULL, &ei), AX_ENOTFOUND);
	assert_int_equal(commit(e), SERIAL0 + 3);
	assert_int_equal(serial_now(fx), SERIAL0 + 3);
	assert_int_equal(nrecs(fx), 2 + 1 + 4);

	/* an edit that changes nothing: no bump, no journal */
	rr_record *recs;
	size_t n;
	assert_int_equal(db_record_at_name(fx->d, zone_id(fx), "mail", &recs, &n),
			 AX_OK);
	assert_int_equal(n, 1);
	e = begin(fx);
	assert_int_equal(edit_update(e, &recs[0], &ei), AX_OK);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), SERIAL0 + 3);
	assert_int_equal(serial_now(fx), SERIAL0 + 3);
	assert_false(journal_has(fx, SERIAL0 + 3));

	/* a real update: +1 */
	e = begin(fx);
	recs[0].ttl = 900;
	assert_int_equal(edit_update(e, &recs[0], &ei), AX_OK);
	assert_true(edit_changed(e));
	assert_int_equal(commit(e), SERIAL0 + 4);
	rr_record_array_free(recs, n);

	/* an empty edit: nothing */
	e = begin(fx);
	assert_int_equal(commit(e), SERIAL0 + 4);
	assert_int_equal(serial_now(fx), SERIAL0 + 4);
}

static void test_update_missing(void **state)
{
	fixture *fx = *state;
	edit *e = begin(fx);
	rr_record r = rec("www", "A", 300, "192.0.2.1");
	ax_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	r.id = 999999;
	assert_int_equal(edit_update(e, &r, &ei), AX_ENOTFOUND);
	assert_int_equal(edit_delete(e, 999999, NULL, &ei), AX_ENOTFOUND);
	assert_false(edit_changed(e));
	rr_record_clear(&r);
	edit_free(e);
	assert_int_equal(serial_now(fx), SERIAL0);
}

static void test_add_identical(void **state)
{
	fixture *fx = *state;
	edit *e;
	rr_record r;
	ax_errinfo ei;

	add1(fx, "www", "A", "192.0.2.1");
	e = begin(fx);
	memset(&ei, 0, sizeof(ei));
	r = rec("WWW", "a", 60, "192.0.2.1");
	assert_int_equal(edit_add(e, &r, &ei), AX_EEXIST);
	assert_true(ei.msg[0] != '\0');
	rr_record_clear(&r);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), SERIAL0 + 1);
}

static void test_edit_free_rolls_back(void **state)
{
	fixture *fx = *state;
	edit *e = begin(fx);
	rr_record r = rec("www", "A", 300, "192.0.2.1");
	ax_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	assert_int_equal(edit_delete(e, fx->ns1, NULL, &ei), AX_OK);
	rr_record_clear(&r);
	edit_free(e);
	edit_free(NULL);
	assert_int_equal(nrecs(fx), 2);
	assert_int_equal(serial_now(fx), SERIAL0);
	/* the store is not left in a transaction */
	add1(fx, "www", "A", "192.0.2.1");
	assert_int_equal(serial_now(fx), SERIAL0 + 1);
	assert_int_equal(nrecs(fx), 3);
}

static void test_begin_missing_zone(void **state)
{
	fixture *fx = *state;
	edit *e = (edit *)0x1;
	int64_t bob;

	assert_int_equal(edit_begin(fx->d, fx->acc, "example.org", NOW, &e),
			 AX_ENOTFOUND);
	assert_null(e);
	assert_int_equal(db_account_create(fx->d, "bob", false, NOW, &bob), AX_OK);
	assert_int_equal(edit_begin(fx->d, bob, ZONE, NOW, &e), AX_ENOTFOUND);
	assert_null(e);
	assert_int_equal(edit_begin(fx->d, -1, ZONE, NOW, &e), AX_OK);
	edit_free(e);
	/* no transaction left open */
	add1(fx, "www", "A", "192.0.2.1");
}

/* ---- the journal -------------------------------------------------------- */

static void test_journal_order(void **state)
{
	fixture *fx = *state;
	int64_t a1 = add1(fx, "www", "A", "192.0.2.1");
	int64_t a2 = add1(fx, "www", "A", "192.0.2.2");
	uint32_t s = serial_now(fx), to = 0;
	edit *e = begin(fx);
	rr_record r;
	ax_errinfo ei;
	jrow *rows;
	size_t n;

	assert_int_equal(s, SERIAL0 + 2);
	memset(&ei, 0, sizeof(ei));
	r = rec("mail", "A", 600, "192.0.2.3");
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(edit_delete(e, a1, NULL, &ei), AX_OK);
	r = rec("", "TXT", 60, "\"v=spf1 -all\"");
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(edit_delete(e, a2, NULL, &ei), AX_OK);
	assert_int_equal(commit(e), s + 1);

	n = journal(fx, s, &to, &rows);
	assert_int_equal(to, s + 1);
	const char *want[] = {
		"del  SOA 3600 ns1.example.net. hostmaster.example.net. 102 7200 900 1209600 300",
		"del www A 300 192.0.2.1",
		"del www A 300 192.0.2.2",
		"add  SOA 3600 ns1.example.net. hostmaster.example.net. 103 7200 900 1209600 300",
		"add mail A 600 192.0.2.3",
		"add  TXT 60 \"v=spf1 -all\"",
	};
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rows[i].text, want[i]);
	free(rows);

	/* the earlier single-record changes are there too */
	n = journal(fx, SERIAL0, &to, &rows);
	assert_int_equal(to, SERIAL0 + 1);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].text, "del  SOA 3600 ns1.example.net. "
			    "hostmaster.example.net. 100 7200 900 1209600 300");
	assert_string_equal(rows[2].text, "add www A 300 192.0.2.1");
	free(rows);
}

static void test_journal_update(void **state)
{
	fixture *fx = *state;
	int64_t id = add1(fx, "www", "A", "192.0.2.1");
	uint32_t s = serial_now(fx), to;
	edit *e = begin(fx);
	rr_record r = rec("www", "A", 120, "192.0.2.9");
	ax_errinfo ei;
	jrow *rows;
	size_t n;

	memset(&ei, 0, sizeof(ei));
	r.id = id;
	assert_int_equal(edit_update(e, &r, &ei), AX_OK);
	/* a second update of the same record within the edit */
	r.ttl = 240;
	assert_int_equal(edit_update(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(commit(e), s + 1);
	n = journal(fx, s, &to, &rows);
	assert_int_equal(n, 4);
	assert_true(strncmp(rows[0].text, "del  SOA", 8) == 0);
	assert_string_equal(rows[1].text, "del www A 300 192.0.2.1");
	assert_true(strncmp(rows[2].text, "add  SOA", 8) == 0);
	assert_string_equal(rows[3].text, "add www A 240 192.0.2.9");
	free(rows);
}

static void test_journal_add_then_delete(void **state)
{
	fixture *fx = *state;
	uint32_t s = serial_now(fx), to;
	edit *e = begin(fx);
	rr_record x = rec("tmp", "A", 300, "192.0.2.7");
	rr_record y = rec("kept", "A", 300, "192.0.2.8");
	ax_errinfo ei;
	jrow *rows;
	size_t n;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_add(e, &x, &ei), AX_OK);
	assert_int_equal(edit_add(e, &y, &ei), AX_OK);
	assert_int_equal(edit_delete(e, x.id, NULL, &ei), AX_OK);
	rr_record_clear(&x);
	rr_record_clear(&y);
	assert_int_equal(commit(e), s + 1);
	n = journal(fx, s, &to, &rows);
	assert_int_equal(n, 3);
	assert_true(strncmp(rows[0].text, "del  SOA", 8) == 0);
	assert_true(strncmp(rows[1].text, "add  SOA", 8) == 0);
	assert_string_equal(rows[2].text, "add kept A 300 192.0.2.8");
	free(rows);

	/* an add then delete alone is no change at all */
	s = serial_now(fx);
	e = begin(fx);
	x = rec("tmp", "A", 300, "192.0.2.7");
	assert_int_equal(edit_add(e, &x, &ei), AX_OK);
	assert_int_equal(edit_delete(e, x.id, NULL, &ei), AX_OK);
	rr_record_clear(&x);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), s);
	assert_false(journal_has(fx, s));
	assert_int_equal(nrecs(fx), 3);
}

/* A delete then re-add of the same record within one edit cancels out. */
static void test_journal_delete_then_readd(void **state)
{
	fixture *fx = *state;
	int64_t id = add1(fx, "same", "A", "192.0.2.9");
	uint32_t s = serial_now(fx);
	size_t before = nrecs(fx);
	edit *e = begin(fx);
	rr_record x = rec("same", "A", 300, "192.0.2.9");
	ax_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_delete(e, id, NULL, &ei), AX_OK);
	assert_int_equal(edit_add(e, &x, &ei), AX_OK);
	rr_record_clear(&x);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), s);
	assert_false(journal_has(fx, s));
	assert_int_equal(nrecs(fx), before);
}

/* ---- rules -------------------------------------------------------------- */

#define SPEC(...) ((const char *const[]){__VA_ARGS__})
#define NSPEC(...) (sizeof(SPEC(__VA_ARGS__)) / sizeof(char *) / 3)
#define CONFLICT(fx, ...) expect_conflict_adds(fx, SPEC(__VA_ARGS__), \
					       NSPEC(__VA_ARGS__))

static void test_rule_cname(void **state)
{
	fixture *fx = *state;

	/* CNAME next to an existing A, and A next to an existing CNAME */
	add1(fx, "www", "A", "192.0.2.1");
	CONFLICT(fx, "www", "CNAME", "web.example.net.");
	CONFLICT(fx, "WWW", "CNAME", "web.example.net.");
	add1(fx, "alias", "CNAME", "web.example.net.");
	CONFLICT(fx, "alias", "A", "192.0.2.1");
	CONFLICT(fx, "alias", "TXT", "\"x\"");
	/* both in one edit, in either order */
	CONFLICT(fx, "n1", "CNAME", "web.example.net.", "n1", "A", "192.0.2.1");
	CONFLICT(fx, "n2", "A", "192.0.2.1", "n2", "CNAME", "web.example.net.");
	/* two CNAMEs */
	CONFLICT(fx, "alias", "CNAME", "other.example.net.");
	CONFLICT(fx, "n3", "CNAME", "a.example.net.", "n3", "CNAME", "b.example.net.");
	/* at the apex */
	CONFLICT(fx, "", "CNAME", "web.example.net.");
	CONFLICT(fx, "@", "CNAME", "www");
}

static void test_rule_alias_url(void **state)
{
	fixture *fx = *state;

	add1(fx, "a4", "A", "192.0.2.1");
	add1(fx, "a6", "AAAA", "2001:db8::1");
	CONFLICT(fx, "a4", "ALIAS", "lb.example.net.");
	CONFLICT(fx, "a6", "ALIAS", "lb.example.net.");
	CONFLICT(fx, "a4", "URL", "https://www.example.org/");
	CONFLICT(fx, "a6", "URL", "https://www.example.org/");
	add1(fx, "lb", "ALIAS", "lb.example.net.");
	CONFLICT(fx, "lb", "A", "192.0.2.1");
	CONFLICT(fx, "lb", "AAAA", "2001:db8::1");
	CONFLICT(fx, "lb", "ALIAS", "lb2.example.net.");
	CONFLICT(fx, "lb", "URL", "https://www.example.org/");
	add1(fx, "go", "URL", "https://www.example.org/");
	CONFLICT(fx, "go", "A", "192.0.2.1");
	CONFLICT(fx, "go", "URL", "https://www.example.net/");
	CONFLICT(fx, "go", "ALIAS", "lb.example.net.");
	CONFLICT(fx, "n1", "ALIAS", "x.example.net.", "n1", "ALIAS", "y.example.net.");
	CONFLICT(fx, "n2", "URL", "http://x.example/", "n2", "URL", "http://y.example/");
	CONFLICT(fx, "", "ALIAS", "x.example.net.", "", "URL", "http://y.example/");
	CONFLICT(fx, "", "ALIAS", "x.example.net.", "", "A", "192.0.2.1");
	/* other types next to them are fine */
	add1(fx, "lb", "TXT", "\"ok\"");
	add1(fx, "go", "MX", "10 mail.example.net.");
}

static void test_rule_alias_apex_ok(void **state)
{
	fixture *fx = *state;
	edit *e = begin(fx);
	ax_errinfo ei;
	const char *adds[][3] = {{"@", "ALIAS", "lb.example.net."},
				 {"", "MX", "10 mail.example.net."},
				 {"", "TXT", "\"v=spf1 -all\""}};

	memset(&ei, 0, sizeof(ei));
	for (size_t i = 0; i < 3; i++) {
		rr_record r = rec(adds[i][0], adds[i][1], 300, adds[i][2]);
		assert_int_equal(edit_add(e, &r, &ei), AX_OK);
		rr_record_clear(&r);
	}
	assert_int_equal(commit(e), SERIAL0 + 1);
	assert_int_equal(nrecs(fx), 5);
}

static void test_rule_apex_ns(void **state)
{
	fixture *fx = *state;
	uint32_t serial;
	ax_errinfo ei;
	edit *e;

	memset(&ei, 0, sizeof(ei));
	/* both NS in one edit */
	e = begin(fx);
	assert_int_equal(edit_delete(e, fx->ns1, NULL, &ei), AX_OK);
	assert_int_equal(edit_delete(e, fx->ns2, NULL, &ei), AX_OK);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	edit_free(e);
	assert_int_equal(nrecs(fx), 2);
	assert_int_equal(serial_now(fx), SERIAL0);

	/* moving both NS away from the apex by update */
	e = begin(fx);
	rr_record r1 = rec("sub", "NS", 300, "ns1.example.net.");
	rr_record r2 = rec("sub", "NS", 300, "ns2.example.net.");
	r1.id = fx->ns1;
	r2.id = fx->ns2;
	assert_int_equal(edit_update(e, &r1, &ei), AX_OK);
	assert_int_equal(edit_update(e, &r2, &ei), AX_OK);
	rr_record_clear(&r1);
	rr_record_clear(&r2);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	edit_free(e);
	assert_int_equal(serial_now(fx), SERIAL0);

	/* one at a time: the first is fine, the last is refused */
	e = begin(fx);
	assert_int_equal(edit_delete(e, fx->ns1, NULL, &ei), AX_OK);
	assert_int_equal(commit(e), SERIAL0 + 1);
	e = begin(fx);
	assert_int_equal(edit_delete(e, fx->ns2, NULL, &ei), AX_OK);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	assert_true(strstr(ei.msg, "NS") != NULL);
	edit_free(e);
	assert_int_equal(nrecs(fx), 1);
	assert_int_equal(serial_now(fx), SERIAL0 + 1);

	/* replacing the last NS by another in one edit is fine */
	e = begin(fx);
	rr_record r = rec("", "NS", 300, "ns3.example.net.");
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(edit_delete(e, fx->ns2, NULL, &ei), AX_OK);
	assert_int_equal(commit(e), SERIAL0 + 2);
	assert_int_equal(nrecs(fx), 1);
}

static void test_rule_ds(void **state)
{
	fixture *fx = *state;
	const char *ds = "12345 13 2 "
		"3490A6806D47F17A34C29E2CE80E8A999FFBE4BE3490A6806D47F17A34C29E2C";

	CONFLICT(fx, "", "DS", ds);
	/* at a delegation it is fine */
	edit *e = begin(fx);
	ax_errinfo ei;
	memset(&ei, 0, sizeof(ei));
	rr_record ns = rec("sub", "NS", 300, "ns1.example.net.");
	rr_record d = rec("sub", "DS", 300, ds);
	assert_int_equal(edit_add(e, &ns, &ei), AX_OK);
	assert_int_equal(edit_add(e, &d, &ei), AX_OK);
	rr_record_clear(&ns);
	rr_record_clear(&d);
	assert_int_equal(commit(e), SERIAL0 + 1);
}

static void test_rule_final_state(void **state)
{
	fixture *fx = *state;
	int64_t a = add1(fx, "www", "A", "192.0.2.1");
	int64_t a6 = add1(fx, "www", "AAAA", "2001:db8::1");
	edit *e = begin(fx);
	rr_record r;
	ax_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	/* the CNAME is added before the others go */
	r = rec("www", "CNAME", 300, "web.example.net.");
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(edit_delete(e, a, NULL, &ei), AX_OK);
	assert_int_equal(edit_delete(e, a6, NULL, &ei), AX_OK);
	assert_int_equal(commit(e), SERIAL0 + 3);

	/* an A turned into a URL by update, in place */
	int64_t b = add1(fx, "go", "A", "192.0.2.5");
	e = begin(fx);
	r = rec("go", "URL", 300, "https://www.example.org/");
	r.id = b;
	assert_int_equal(edit_update(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(commit(e), SERIAL0 + 5);

	/* and an update that breaks a rule is refused */
	add1(fx, "host", "A", "192.0.2.6");
	int64_t t = add1(fx, "host", "TXT", "\"x\"");
	uint32_t s = serial_now(fx), serial;
	e = begin(fx);
	r = rec("host", "CNAME", 300, "web.example.net.");
	r.id = t;
	assert_int_equal(edit_update(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	edit_free(e);
	assert_int_equal(serial_now(fx), s);
	rr_record got;
	assert_int_equal(db_record_get(fx->d, zone_id(fx), t, &got), AX_OK);
	assert_string_equal(got.type, "TXT");
	rr_record_clear(&got);
}

/* ---- import ------------------------------------------------------------- */

static void test_import_merge(void **state)
{
	fixture *fx = *state;
	edit *e;
	ax_errinfo ei;
	edit_import_counts c;
	rr_record in[6];

	add1(fx, "www", "A", "192.0.2.1");     /* ttl 300 */
	add1(fx, "mail", "A", "192.0.2.2");    /* ttl 300 */
	assert_int_equal(serial_now(fx), SERIAL0 + 2);

	in[0] = rec("www", "A", 300, "192.0.2.1");           /* unchanged */
	in[1] = rec("mail", "A", 600, "192.0.2.2");          /* ttl: update */
	in[2] = rec("txt", "TXT", 300, "\"new\"");           /* added */
	in[3] = rec("txt", "TXT", 300, "\"new\"");           /* duplicate */
	in[4] = rec("WWW", "A", 300, "192.0.2.1");           /* duplicate */
	in[5] = rec("mail", "A", 600, "192.0.2.2");          /* duplicate */
	memset(&ei, 0, sizeof(ei));
	e = begin(fx);
	assert_int_equal(edit_import(e, in, 6, false, &c, &ei), AX_OK);
	assert_int_equal(c.added, 1);
	assert_int_equal(c.updated, 1);
	assert_int_equal(c.deleted, 0);
	assert_int_equal(c.unchanged, 1);
	assert_int_equal(commit(e), SERIAL0 + 3);
	for (size_t i = 0; i < 6; i++)
		rr_record_clear(&in[i]);
	assert_int_equal(nrecs(fx), 5);  /* NS kept: merge deletes nothing */

	rr_record *recs;
	size_t n;
	assert_int_equal(db_record_at_name(fx->d, zone_id(fx), "mail", &recs, &n),
			 AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].ttl, 600);
	rr_record_array_free(recs, n);

	/* the same file again changes nothing */
	in[0] = rec("www", "A", 300, "192.0.2.1");
	in[1] = rec("mail", "A", 600, "192.0.2.2");
	in[2] = rec("txt", "TXT", 300, "\"new\"");
	e = begin(fx);
	assert_int_equal(edit_import(e, in, 3, false, &c, &ei), AX_OK);
	assert_int_equal(c.added, 0);
	assert_int_equal(c.updated, 0);
	assert_int_equal(c.deleted, 0);
	assert_int_equal(c.unchanged, 3);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), SERIAL0 + 3);
	for (size_t i = 0; i < 3; i++)
		rr_record_clear(&in[i]);
}

static void test_import_replace(void **state)
{
	fixture *fx = *state;
	edit *e;
	ax_errinfo ei;
	edit_import_counts c;
	rr_record in[5];

	add1(fx, "www", "A", "192.0.2.1");
	add1(fx, "mail", "A", "192.0.2.2");
	add1(fx, "old", "TXT", "\"bye\"");
	in[0] = rec("", "NS", 86400, "ns1.example.net.");    /* unchanged */
	in[1] = rec("", "NS", 3600, "ns2.example.net.");     /* updated */
	in[2] = rec("www", "A", 300, "192.0.2.1");           /* unchanged */
	in[3] = rec("new", "AAAA", 300, "2001:db8::5");      /* added */
	in[4] = rec("new", "AAAA", 300, "2001:db8::5");      /* duplicate */
	memset(&ei, 0, sizeof(ei));
	e = begin(fx);
	assert_int_equal(edit_import(e, in, 5, true, &c, &ei), AX_OK);
	assert_int_equal(c.added, 1);
	assert_int_equal(c.updated, 1);
	assert_int_equal(c.deleted, 2);
	assert_int_equal(c.unchanged, 2);
	assert_int_equal(commit(e), SERIAL0 + 4);
	for (size_t i = 0; i < 5; i++)
		rr_record_clear(&in[i]);

	rr_record *recs;
	size_t n;
	assert_int_equal(db_record_all(fx->d, zone_id(fx), &recs, &n), AX_OK);
	assert_int_equal(n, 4);
	assert_string_equal(recs[0].name, "");
	assert_string_equal(recs[1].name, "");
	assert_string_equal(recs[2].name, "new");
	assert_string_equal(recs[3].name, "www");
	rr_record_array_free(recs, n);

	/* a replace without NS breaks the apex rule: nothing changes */
	uint32_t serial;
	in[0] = rec("www", "A", 300, "192.0.2.1");
	e = begin(fx);
	assert_int_equal(edit_import(e, in, 1, true, &c, &ei), AX_OK);
	assert_int_equal(c.deleted, 3);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	edit_free(e);
	rr_record_clear(&in[0]);
	assert_int_equal(nrecs(fx), 4);
	assert_int_equal(serial_now(fx), SERIAL0 + 4);
}

static void test_import_rules(void **state)
{
	fixture *fx = *state;
	edit *e;
	ax_errinfo ei;
	edit_import_counts c;
	uint32_t serial;
	rr_record in[2];

	add1(fx, "www", "A", "192.0.2.1");
	in[0] = rec("www", "CNAME", 300, "web.example.net.");
	in[1] = rec("x", "TXT", 300, "\"x\"");
	memset(&ei, 0, sizeof(ei));
	e = begin(fx);
	assert_int_equal(edit_import(e, in, 2, false, &c, &ei), AX_OK);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	edit_free(e);
	assert_int_equal(nrecs(fx), 3);
	assert_int_equal(serial_now(fx), SERIAL0 + 1);
	/* with replace the A goes, so the CNAME is fine */
	rr_record_clear(&in[1]);
	in[1] = in[0];
	in[0] = rec("", "NS", 86400, "ns1.example.net.");
	e = begin(fx);
	assert_int_equal(edit_import(e, in, 2, true, &c, &ei), AX_OK);
	assert_int_equal(commit(e), SERIAL0 + 2);
	rr_record_clear(&in[0]);
	rr_record_clear(&in[1]);
	assert_int_equal(nrecs(fx), 2);
}

static void test_delete_all(void **state)
{
	fixture *fx = *state;
	uint32_t serial;
	ax_errinfo ei;
	edit *e;

	add1(fx, "www", "A", "192.0.2.1");
	add1(fx, "mail", "A", "192.0.2.2");
	memset(&ei, 0, sizeof(ei));
	/* everything, the apex NS included: refused */
	e = begin(fx);
	assert_int_equal(edit_delete_all(e, &ei), AX_OK);
	assert_int_equal(edit_commit(e, &serial, &ei), AX_ECONFLICT);
	edit_free(e);
	assert_int_equal(nrecs(fx), 4);
	assert_int_equal(serial_now(fx), SERIAL0 + 2);
	/* everything, then a new NS: one bump, all removals journaled */
	e = begin(fx);
	assert_int_equal(edit_delete_all(e, &ei), AX_OK);
	rr_record r = rec("", "NS", 300, "ns9.example.net.");
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(commit(e), SERIAL0 + 3);
	assert_int_equal(nrecs(fx), 1);
	uint32_t to;
	jrow *rows;
	size_t n = journal(fx, SERIAL0 + 2, &to, &rows);
	assert_int_equal(n, 1 + 4 + 1 + 1);
	assert_string_equal(rows[6].text, "add  NS 300 ns9.example.net.");
	free(rows);
}

/* Increment wraps from 0xFFFFFFFF to 0, journaled with those serials. */
static void test_serial_wrap(void **state)
{
	fixture *fx = *state;
	db_zone z;
	uint32_t to;
	jrow *rows;
	size_t n;

	zone_now(fx, &z);
	z.soa.serial = 0xFFFFFFFFu;
	assert_int_equal(db_zone_update_soa(fx->d, z.id, &z.soa, NOW), AX_OK);
	db_zone_clear(&z);
	add1(fx, "www", "A", "192.0.2.1");
	assert_int_equal(serial_now(fx), 0);
	n = journal(fx, 0xFFFFFFFFu, &to, &rows);
	assert_int_equal(to, 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[1].text, "add  SOA 3600 ns1.example.net. "
			    "hostmaster.example.net. 0 7200 900 1209600 300");
	free(rows);
	add1(fx, "www", "A", "192.0.2.2");
	assert_int_equal(serial_now(fx), 1);
}

/* ---- SOA, policy, zone creation ---------------------------------------- */

static void test_set_soa(void **state)
{
	fixture *fx = *state;
	zf_soa soa;
	edit *e;
	db_zone z;

	mksoa(&soa, 4000000000u);  /* a serial here is ignored */
	free(soa.mname);
	soa.mname = strdup("ns9.example.org.");
	soa.refresh = 1800;
	soa.minimum = 60;
	e = begin(fx);
	assert_int_equal(edit_set_soa(e, &soa), AX_OK);
	assert_true(edit_changed(e));
	assert_int_equal(edit_zone(e)->soa.serial, SERIAL0);
	assert_int_equal(commit(e), SERIAL0 + 1);
	zone_now(fx, &z);
	assert_int_equal(z.soa.serial, SERIAL0 + 1);
	assert_string_equal(z.soa.mname, "ns9.example.org.");
	assert_string_equal(z.soa.rname, "hostmaster.example.net.");
	assert_int_equal(z.soa.refresh, 1800);
	assert_int_equal(z.soa.retry, 900);
	assert_int_equal(z.soa.minimum, 60);
	db_zone_clear(&z);

	/* the journal carries the old and new SOA */
	uint32_t to;
	jrow *rows;
	size_t n = journal(fx, SERIAL0, &to, &rows);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].text, "del  SOA 3600 ns1.example.net. "
			    "hostmaster.example.net. 100 7200 900 1209600 300");
	assert_string_equal(rows[1].text, "add  SOA 3600 ns9.example.org. "
			    "hostmaster.example.net. 101 1800 900 1209600 60");
	free(rows);

	/* setting it twice and adding a record: still one bump */
	e = begin(fx);
	soa.retry = 300;
	assert_int_equal(edit_set_soa(e, &soa), AX_OK);
	soa.retry = 301;
	assert_int_equal(edit_set_soa(e, &soa), AX_OK);
	rr_record r = rec("www", "A", 300, "192.0.2.1");
	ax_errinfo ei;
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(edit_add(e, &r, &ei), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(commit(e), SERIAL0 + 2);
	zone_now(fx, &z);
	assert_int_equal(z.soa.retry, 301);
	db_zone_clear(&z);

	/* the same values: nothing changes */
	e = begin(fx);
	assert_int_equal(edit_set_soa(e, &soa), AX_OK);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), SERIAL0 + 2);
	zf_soa_clear(&soa);
}

static void test_set_policy(void **state)
{
	fixture *fx = *state;
	edit *e = begin(fx);
	db_zone z;

	assert_int_equal(edit_set_policy(e, SERIAL_UNIXTIME), AX_OK);
	assert_false(edit_changed(e));
	assert_int_equal(commit(e), SERIAL0);
	zone_now(fx, &z);
	assert_int_equal(z.policy, SERIAL_UNIXTIME);
	assert_int_equal(z.soa.serial, SERIAL0);
	db_zone_clear(&z);
	/* the next change follows the new policy */
	add1(fx, "www", "A", "192.0.2.1");
	assert_int_equal(serial_now(fx), (uint32_t)NOW);
	add1(fx, "www", "A", "192.0.2.2");
	assert_int_equal(serial_now(fx), (uint32_t)NOW + 1);
}

static void test_create_zone_duplicate(void **state)
{
	fixture *fx = *state;
	char *ns[] = {ns1_name};
	char *twice[] = {ns1_name, ns2_name, ns1_name};
	ax_errinfo ei;
	db_zone z;
	int64_t bob;

	assert_int_equal(db_account_create(fx->d, "bob", false, NOW, &bob), AX_OK);
	memset(&ei, 0, sizeof(ei));
	mkzone(&z, bob, ZONE);
	assert_int_equal(edit_create_zone(fx->d, &z, ns, 1, 3600, &ei), AX_EEXIST);
	assert_string_equal(ei.field, "name");
	db_zone_clear(&z);
	assert_int_equal(nrecs(fx), 2);
	zone_now(fx, &z);
	assert_int_equal(z.account_id, fx->acc);
	db_zone_clear(&z);

	/* the store is usable afterwards; a name server given twice is once */
	mkzone(&z, bob, "example.org");
	assert_int_equal(edit_create_zone(fx->d, &z, twice, 3, 3600, &ei), AX_OK);
	assert_true(z.id > 0);
	rr_record *recs;
	size_t n;
	assert_int_equal(db_record_all(fx->d, z.id, &recs, &n), AX_OK);
	assert_int_equal(n, 2);
	rr_record_array_free(recs, n);
	db_zone_clear(&z);
	add1(fx, "www", "A", "192.0.2.1");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_zone),
		T(test_commit_bumps_once),
		T(test_update_missing),
		T(test_add_identical),
		T(test_edit_free_rolls_back),
		T(test_begin_missing_zone),
		T(test_journal_order),
		T(test_journal_update),
		T(test_journal_add_then_delete),
	T(test_journal_delete_then_readd),
		T(test_rule_cname),
		T(test_rule_alias_url),
		T(test_rule_alias_apex_ok),
		T(test_rule_apex_ns),
		T(test_rule_ds),
		T(test_rule_final_state),
		T(test_import_merge),
		T(test_import_replace),
		T(test_import_rules),
		T(test_delete_all),
		T(test_serial_wrap),
		T(test_set_soa),
		T(test_set_policy),
		T(test_create_zone_duplicate),
	};
#undef T

	log_set_level(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
