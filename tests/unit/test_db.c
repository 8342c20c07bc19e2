/* test_db.c -- unit tests of the store (db.c, db_account.c, db_zone.c,
 * db_record.c): opening and migrating, accounts and tokens, zones, records
 * and the journal, who owns which names (db_zone_overlaps, db_zone_claim)
 * and two connections racing for overlapping names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axfrd/log.h"
#include "db/db.h"
#include "db/db_account.h"
#include "db/db_record.h"
#include "db/db_zone.h"
#include "db/migrations.h"

#define NOW 1700000000

/* ---- helpers ---------------------------------------------------------- */

static db_options opts(int migrate_to)
{
	db_options o = {.sync_full = true, .busy_timeout_ms = 2000,
			.migrate_to = migrate_to};
	return o;
}

static db *open_mem(void)
{
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = NULL;

	memset(&ei, 0, sizeof(ei));
	if (db_open(":memory:", &o, &d, &ei) != AX_OK)
		fail_msg("db_open(:memory:): %s", ei.msg);
	assert_non_null(d);
	return d;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory under /tmp per test, removed by the teardown. */
static int tmpdir_setup(void **state)
{
	char *dir = strdup("/tmp/axfrd-test-db-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	char *dir = *state;
	int rc = nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return rc;
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static bool file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* The whole content of a file (malloc'd) and its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;

	assert_non_null(f);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Runs sql on a separate connection to path; returns the first column of
 * the first row as a malloc'd string (or NULL when there is none). */
static char *sql_text(const char *path, const char *sql)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(c, 2000);
	if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(c));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(c));
	sqlite3_finalize(st);
	sqlite3_close(c);
	return out;
}

/* Runs sql (several statements) on a separate connection to path. */
static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *c = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(c, 2000);
	if (sqlite3_exec(c, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(c);
}

static long long sql_int(const char *path, const char *sql)
{
	char *t = sql_text(path, sql);
	long long v;

	assert_non_null(t);
	v = atoll(t);
	free(t);
	return v;
}

static rr_record mkrec(const char *name, const char *type, uint32_t ttl,
		       const char *content)
{
	rr_record r = {0, strdup(name), strdup(type), ttl, strdup(content)};

	assert_non_null(r.name);
	assert_non_null(r.type);
	assert_non_null(r.content);
	return r;
}

static int64_t new_account(db *d, const char *name)
{
	int64_t id = 0;

	assert_int_equal(db_account_create(d, name, false, NOW, &id), AX_OK);
	assert_true(id > 0);
	return id;
}

/* Fills z with a zone (owned strings; db_zone_clear). */
static void mkzone(db_zone *z, int64_t account_id, const char *name,
		   uint32_t serial)
{
	memset(z, 0, sizeof(*z));
	z->account_id = account_id;
	z->name = strdup(name);
	z->policy = SERIAL_INCREMENT;
	z->soa.mname = strdup("ns1.example.net.");
	z->soa.rname = strdup("hostmaster.example.net.");
	z->soa.serial = serial;
	z->soa.ttl = 3600;
	z->soa.refresh = 7200;
	z->soa.retry = 600;
	z->soa.expire = 1209600;
	z->soa.minimum = 300;
	z->created_at = NOW;
	z->updated_at = NOW;
	assert_non_null(z->name);
	assert_non_null(z->soa.mname);
	assert_non_null(z->soa.rname);
}

static int64_t new_zone(db *d, int64_t account_id, const char *name)
{
	db_zone z;
	int64_t id;

	mkzone(&z, account_id, name, 1);
	assert_int_equal(db_zone_insert(d, &z), AX_OK);
	id = z.id;
	assert_true(id > 0);
	db_zone_clear(&z);
	return id;
}

static int64_t add_rec(db *d, int64_t zone_id, const char *name,
		       const char *type, uint32_t ttl, const char *content)
{
	rr_record r = mkrec(name, type, ttl, content);
	int64_t id;

	assert_int_equal(db_record_insert(d, zone_id, &r, NOW), AX_OK);
	id = r.id;
	assert_true(id > 0);
	rr_record_clear(&r);
	return id;
}

static size_t count_records(db *d, int64_t zone_id)
{
	rr_record *recs;
	size_t n;

	assert_int_equal(db_record_all(d, zone_id, &recs, &n), AX_OK);
	rr_record_array_free(recs, n);
	return n;
}

/* ---- opening and migrations ------------------------------------------ */

static void test_open_memory_migrates(void **state)
{
	db *d = open_mem();

	(void)state;
	assert_int_equal(db_schema_version(), db_migration_count);
	assert_true(db_schema_version() >= 3);
	for (int i = 0; i < db_migration_count; i++) {
		assert_int_equal(db_migrations[i].version, i + 1);
		assert_non_null(db_migrations[i].name);
		assert_non_null(db_migrations[i].sql);
	}
	assert_int_equal(db_user_version(d), db_schema_version());
	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);
	db_close(NULL);
}

static void test_open_file_wal_and_fk(void **state)
{
	char *path = path_in(*state, "axfrd.db");
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = NULL;
	int64_t tid = 0;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(path, &o, &d, &ei), AX_OK);
	assert_int_equal(db_user_version(d), db_schema_version());

	char *mode = sql_text(path, "PRAGMA journal_mode");
	assert_non_null(mode);
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), db_schema_version());

	/* foreign keys are per connection: check them by their effect */
	assert_int_not_equal(db_token_create(d, 4242, "00ff", "axfrd_00ff", NOW,
					     &tid), AX_OK);
	db_zone z;
	mkzone(&z, 4242, "orphan.test", 1);
	assert_int_not_equal(db_zone_insert(d, &z), AX_OK);
	db_zone_clear(&z);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM tokens"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM zones"), 0);

	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);
	free(path);
}

static void test_upgrade_in_place(void **state)
{
	char *path = path_in(*state, "old.db");
	db_options o1 = opts(1), all = opts(0);
	ax_errinfo ei;
	db *d = NULL;
	db_account a;
	int64_t id = 0;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(path, &o1, &d, &ei), AX_OK);
	assert_int_equal(db_user_version(d), 1);
	assert_int_equal(db_account_create(d, "early", true, NOW, &id), AX_OK);
	db_close(d);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master "
				 "WHERE name = 'zones'"), 0);

	d = NULL;
	assert_int_equal(db_open(path, &all, &d, &ei), AX_OK);
	assert_int_equal(db_user_version(d), db_schema_version());
	assert_int_equal(db_account_get(d, id, &a), AX_OK);
	assert_string_equal(a.name, "early");
	assert_true(a.is_admin);
	assert_int_equal(a.created_at, NOW);
	/* the later migrations' tables are usable */
	int64_t zid = new_zone(d, id, "upgraded.test");
	add_rec(d, zid, "www", "A", 300, "192.0.2.1");
	assert_int_equal(count_records(d, zid), 1);
	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);

	/* opening again at the latest version changes nothing */
	d = NULL;
	assert_int_equal(db_open(path, &all, &d, &ei), AX_OK);
	assert_int_equal(db_user_version(d), db_schema_version());
	assert_int_equal(count_records(d, zid), 1);
	db_close(d);
	free(path);
}

/* Sets user_version of path with a plain sqlite3 connection. */
static void set_user_version(const char *path, int v, bool wal)
{
	sqlite3 *c = NULL;
	char sql[128];

	assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
	snprintf(sql, sizeof(sql), "%sCREATE TABLE IF NOT EXISTS t (x); "
		 "INSERT INTO t VALUES (1); PRAGMA user_version = %d;",
		 wal ? "PRAGMA journal_mode = WAL; " : "", v);
	assert_int_equal(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(c), SQLITE_OK);
}

static void check_refused(const char *path)
{
	size_t wlen = strlen(path) + 5;
	char *wal = malloc(wlen);
	db_options o = opts(0);
	unsigned char *before, *after;
	size_t nbefore, nafter;
	bool had_wal;
	ax_errinfo ei;
	char want[32];
	db *d = (db *)0x1;

	assert_non_null(wal);
	snprintf(wal, wlen, "%s-wal", path);
	had_wal = file_exists(wal);
	before = slurp(path, &nbefore);

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(path, &o, &d, &ei), AX_EVERSION);
	assert_null(d);
	snprintf(want, sizeof(want), "%d", db_schema_version() + 5);
	if (strstr(ei.msg, want) == NULL)
		fail_msg("message does not name version %s: %s", want, ei.msg);

	after = slurp(path, &nafter);
	assert_int_equal(nafter, nbefore);
	assert_memory_equal(after, before, nbefore);
	if (!had_wal && file_exists(wal))
		fail_msg("%s was created by a refused db_open", wal);
	assert_int_equal(sql_int(path, "PRAGMA user_version"),
			 db_schema_version() + 5);
	free(before);
	free(after);
	free(wal);
}

static void test_refuse_newer_schema(void **state)
{
	char *plain = path_in(*state, "plain.db");
	char *ours = path_in(*state, "ours.db");
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = NULL;

	/* a rollback-journal database made by sqlite3 alone */
	set_user_version(plain, db_schema_version() + 5, false);
	check_refused(plain);
	check_refused(plain);  /* and still refused, still unchanged */

	/* one of ours (WAL), later stamped newer */
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(ours, &o, &d, &ei), AX_OK);
	db_close(d);
	set_user_version(ours, db_schema_version() + 5, true);
	check_refused(ours);
	free(plain);
	free(ours);
}

static void test_creates_parent_dirs(void **state)
{
	char *dir = path_in(*state, "a/b");
	char *path = path_in(*state, "a/b/axfrd.db");
	db_options o = opts(0);
	ax_errinfo ei;
	struct stat sb;
	db *d = NULL;

	memset(&ei, 0, sizeof(ei));
	assert_false(file_exists(dir));
	if (db_open(path, &o, &d, &ei) != AX_OK)
		fail_msg("db_open(%s): %s", path, ei.msg);
	assert_int_equal(stat(dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_true(file_exists(path));
	assert_int_equal(db_user_version(d), db_schema_version());
	db_close(d);

	/* again, with the directories there */
	d = NULL;
	assert_int_equal(db_open(path, &o, &d, &ei), AX_OK);
	db_close(d);
	free(dir);
	free(path);
}

static void test_relative_parent_dirs(void **state)
{
	char cwd[4096];
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = NULL;

	/* a relative path: tmp/a/b/axfrd.db under the test directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(*state), 0);
	memset(&ei, 0, sizeof(ei));
	int rc = db_open("tmp/a/b/axfrd.db", &o, &d, &ei);
	bool there = file_exists("tmp/a/b/axfrd.db");
	db_close(d);
	assert_int_equal(chdir(cwd), 0);
	if (rc != AX_OK)
		fail_msg("db_open(tmp/a/b/axfrd.db): %s", ei.msg);
	assert_true(there);
}

static void test_open_unwritable_dir(void **state)
{
	char *blocker = path_in(*state, "file");
	char *path = path_in(*state, "file/sub/axfrd.db");
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = (db *)0x1;
	FILE *f = fopen(blocker, "w");

	assert_non_null(f);
	fclose(f);
	memset(&ei, 0, sizeof(ei));
	assert_int_not_equal(db_open(path, &o, &d, &ei), AX_OK);
	assert_null(d);
	assert_true(ei.msg[0] != '\0');
	free(blocker);
	free(path);
}

/* ---- accounts and tokens ---------------------------------------------- */

static void test_accounts(void **state)
{
	db *d = open_mem();
	db_account a, *list;
	int64_t alice = 0, bob = 0, total = -1;
	size_t n;
	bool admin = true;

	(void)state;
	assert_int_equal(db_admin_exists(d, &admin), AX_OK);
	assert_false(admin);
	assert_int_equal(db_account_create(d, "alice", false, NOW, &alice), AX_OK);
	assert_int_equal(db_account_create(d, "alice", true, NOW + 1, NULL),
			 AX_EEXIST);
	assert_int_equal(db_admin_exists(d, &admin), AX_OK);
	assert_false(admin);
	assert_int_equal(db_account_create(d, "bob", true, NOW + 2, &bob), AX_OK);
	assert_true(bob > alice);
	assert_int_equal(db_admin_exists(d, &admin), AX_OK);
	assert_true(admin);

	assert_int_equal(db_account_get(d, alice, &a), AX_OK);
	assert_int_equal(a.id, alice);
	assert_string_equal(a.name, "alice");
	assert_false(a.is_admin);
	assert_int_equal(a.created_at, NOW);
	assert_int_equal(db_account_get(d, bob, &a), AX_OK);
	assert_string_equal(a.name, "bob");
	assert_true(a.is_admin);
	assert_int_equal(db_account_get(d, bob + 100, &a), AX_ENOTFOUND);

	new_account(d, "carol");
	assert_int_equal(db_account_list(d, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 3);
	assert_int_equal(total, 3);
	assert_string_equal(list[0].name, "alice");
	assert_string_equal(list[1].name, "bob");
	assert_string_equal(list[2].name, "carol");
	free(list);
	assert_int_equal(db_account_list(d, 1, 1, &list, &n, &total), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 3);
	assert_string_equal(list[0].name, "bob");
	free(list);
	assert_int_equal(db_account_list(d, 3, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 3);
	free(list);
	db_close(d);
}

static void test_tokens(void **state)
{
	db *d = open_mem();
	const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
	const char *h3 = "3333333333333333333333333333333333333333333333333333333333333333";
	int64_t alice, bob, t1 = 0, t2 = 0, t3 = 0;
	db_account a;
	db_token *toks;
	size_t n;

	(void)state;
	alice = new_account(d, "alice");
	bob = new_account(d, "bob");
	assert_int_equal(db_token_create(d, alice, h1, "axfrd_111111", NOW, &t1), AX_OK);
	assert_int_equal(db_token_create(d, alice, h2, "axfrd_222222", NOW + 1, &t2),
			 AX_OK);
	assert_int_equal(db_token_create(d, bob, h3, "axfrd_333333", NOW, &t3), AX_OK);
	assert_true(t1 > 0 && t2 > t1 && t3 > t2);
	/* the hash is unique */
	assert_int_equal(db_token_create(d, bob, h1, "axfrd_111111", NOW, NULL),
			 AX_EEXIST);

	memset(&a, 0, sizeof(a));
	assert_int_equal(db_token_lookup(d, h2, &a), AX_OK);
	assert_int_equal(a.id, alice);
	assert_string_equal(a.name, "alice");
	assert_int_equal(db_token_lookup(d, h3, &a), AX_OK);
	assert_int_equal(a.id, bob);
	assert_int_equal(db_token_lookup(d, "deadbeef", &a), AX_ENOTFOUND);
	assert_int_equal(db_token_lookup(d, "", &a), AX_ENOTFOUND);

	assert_int_equal(db_token_list(d, alice, &toks, &n), AX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(toks[0].id, t1);
	assert_int_equal(toks[0].account_id, alice);
	assert_string_equal(toks[0].prefix, "axfrd_111111");
	assert_int_equal(toks[0].created_at, NOW);
	assert_int_equal(toks[1].id, t2);
	assert_string_equal(toks[1].prefix, "axfrd_222222");
	free(toks);

	/* a token is deleted only through its own account */
	assert_int_equal(db_token_delete(d, bob, t1), AX_ENOTFOUND);
	assert_int_equal(db_token_lookup(d, h1, &a), AX_OK);
	assert_int_equal(db_token_delete(d, alice, t1), AX_OK);
	assert_int_equal(db_token_delete(d, alice, t1), AX_ENOTFOUND);
	assert_int_equal(db_token_lookup(d, h1, &a), AX_ENOTFOUND);
	assert_int_equal(db_token_lookup(d, h2, &a), AX_OK);
	assert_int_equal(db_token_list(d, alice, &toks, &n), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(toks[0].id, t2);
	free(toks);
	assert_int_equal(db_token_list(d, bob + 10, &toks, &n), AX_OK);
	assert_int_equal(n, 0);
	free(toks);
	db_close(d);
}

/* ---- zones ------------------------------------------------------------ */

static void test_zones(void **state)
{
	db *d = open_mem();
	int64_t alice, bob;
	db_zone z, got, *list;
	size_t n;
	int64_t total;

	(void)state;
	alice = new_account(d, "alice");
	bob = new_account(d, "bob");
	mkzone(&z, alice, "example.com", 0xFFFFFFFFu);
	z.policy = SERIAL_DATESERIAL;
	z.dnssec = true;
	assert_int_equal(db_zone_insert(d, &z), AX_OK);
	assert_true(z.id > 0);

	/* one owner per name */
	db_zone dup;
	mkzone(&dup, bob, "example.com", 5);
	assert_int_equal(db_zone_insert(d, &dup), AX_EEXIST);
	dup.account_id = alice;
	assert_int_equal(db_zone_insert(d, &dup), AX_EEXIST);
	db_zone_clear(&dup);

	assert_int_equal(db_zone_get(d, alice, "example.com", &got), AX_OK);
	assert_int_equal(got.id, z.id);
	assert_int_equal(got.account_id, alice);
	assert_string_equal(got.name, "example.com");
	assert_int_equal(got.policy, SERIAL_DATESERIAL);
	assert_true(got.dnssec);
	assert_int_equal(got.soa.serial, 0xFFFFFFFFu);
	assert_string_equal(got.soa.mname, "ns1.example.net.");
	assert_string_equal(got.soa.rname, "hostmaster.example.net.");
	assert_int_equal(got.soa.ttl, 3600);
	assert_int_equal(got.soa.refresh, 7200);
	assert_int_equal(got.soa.retry, 600);
	assert_int_equal(got.soa.expire, 1209600);
	assert_int_equal(got.soa.minimum, 300);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.updated_at, NOW);
	db_zone_clear(&got);

	assert_int_equal(db_zone_get(d, bob, "example.com", &got), AX_ENOTFOUND);
	assert_null(got.name);
	assert_int_equal(db_zone_get(d, alice, "example.org", &got), AX_ENOTFOUND);
	assert_int_equal(db_zone_get(d, -1, "example.com", &got), AX_OK);
	assert_int_equal(got.account_id, alice);
	db_zone_clear(&got);

	/* SOA and policy updates */
	zf_soa soa = z.soa;
	soa.serial = 42;
	soa.mname = (char *)"ns9.example.org.";
	soa.minimum = 60;
	assert_int_equal(db_zone_update_soa(d, z.id, &soa, NOW + 10), AX_OK);
	assert_int_equal(db_zone_set_policy(d, z.id, SERIAL_UNIXTIME), AX_OK);
	assert_int_equal(db_zone_get(d, alice, "example.com", &got), AX_OK);
	assert_int_equal(got.soa.serial, 42);
	assert_string_equal(got.soa.mname, "ns9.example.org.");
	assert_int_equal(got.soa.minimum, 60);
	assert_int_equal(got.updated_at, NOW + 10);
	assert_int_equal(got.policy, SERIAL_UNIXTIME);
	db_zone_clear(&got);
	db_zone_clear(&z);

	/* pagination, ordered by name, per account */
	new_zone(d, alice, "c.test");
	new_zone(d, alice, "a.test");
	new_zone(d, alice, "b.test");
	new_zone(d, bob, "bob.test");
	assert_int_equal(db_zone_list(d, alice, 0, 100, &list, &n, &total), AX_OK);
	assert_int_equal(n, 4);
	assert_int_equal(total, 4);
	assert_string_equal(list[0].name, "a.test");
	assert_string_equal(list[1].name, "b.test");
	assert_string_equal(list[2].name, "c.test");
	assert_string_equal(list[3].name, "example.com");
	db_zone_array_free(list, n);
	assert_int_equal(db_zone_list(d, alice, 1, 2, &list, &n, &total), AX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 4);
	assert_string_equal(list[0].name, "b.test");
	assert_string_equal(list[1].name, "c.test");
	db_zone_array_free(list, n);
	assert_int_equal(db_zone_list(d, alice, 4, 2, &list, &n, &total), AX_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 4);
	db_zone_array_free(list, n);
	assert_int_equal(db_zone_list(d, bob, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_string_equal(list[0].name, "bob.test");
	db_zone_array_free(list, n);
	assert_int_equal(db_zone_list(d, bob + 7, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);
	db_zone_array_free(list, n);
	db_zone_array_free(NULL, 0);
	db_zone_clear(NULL);
	db_close(d);
}

static void test_zone_delete_cascades(void **state)
{
	char *path = path_in(*state, "cascade.db");
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = NULL;
	int64_t acc, zid, keep;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(path, &o, &d, &ei), AX_OK);
	acc = new_account(d, "alice");
	zid = new_zone(d, acc, "gone.test");
	keep = new_zone(d, acc, "kept.test");
	add_rec(d, zid, "", "NS", 3600, "ns1.example.net.");
	add_rec(d, zid, "www", "A", 300, "192.0.2.1");
	add_rec(d, keep, "www", "A", 300, "192.0.2.1");
	rr_record r = mkrec("www", "A", 300, "192.0.2.1");
	db_journal_rr rows[] = {{"del", &r}, {"add", &r}};
	assert_int_equal(db_journal_add(d, zid, 1, 2, rows, 2, NOW), AX_OK);
	assert_int_equal(db_journal_add(d, keep, 1, 2, rows, 2, NOW), AX_OK);
	rr_record_clear(&r);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM journal_rrs"), 4);

	assert_int_equal(db_zone_delete(d, zid), AX_OK);
	assert_int_equal(db_zone_delete(d, zid), AX_ENOTFOUND);
	db_zone got;
	assert_int_equal(db_zone_get(d, acc, "gone.test", &got), AX_ENOTFOUND);
	assert_int_equal(count_records(d, zid), 0);
	assert_int_equal(count_records(d, keep), 1);

	uint32_t to;
	rr_record *rrs;
	const char **ops;
	size_t n;
	assert_int_equal(db_journal_get(d, zid, 1, &to, &rrs, &ops, &n), AX_ENOTFOUND);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM records"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM journal_changes"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM journal_rrs"), 2);
	assert_int_equal(db_journal_get(d, keep, 1, &to, &rrs, &ops, &n), AX_OK);
	assert_int_equal(n, 2);
	rr_record_array_free(rrs, n);
	free(ops);
	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);
	free(path);
}

/* ---- records and journal ---------------------------------------------- */

static void test_records_insert_get(void **state)
{
	db *d = open_mem();
	int64_t acc, zid, other, id;
	rr_record r, got;

	(void)state;
	acc = new_account(d, "alice");
	zid = new_zone(d, acc, "example.com");
	other = new_zone(d, acc, "example.org");

	r = mkrec("www", "A", 300, "192.0.2.1");
	assert_int_equal(db_record_insert(d, zid, &r, NOW), AX_OK);
	id = r.id;
	assert_true(id > 0);
	r.id = 0;
	assert_int_equal(db_record_insert(d, zid, &r, NOW), AX_EEXIST);
	/* the owner name is compared without case */
	free(r.name);
	r.name = strdup("WWW");
	r.id = 0;
	assert_int_equal(db_record_insert(d, zid, &r, NOW), AX_EEXIST);
	/* a different TTL does not make it another record */
	r.ttl = 600;
	assert_int_equal(db_record_insert(d, zid, &r, NOW), AX_EEXIST);
	/* the same record in another zone is fine */
	assert_int_equal(db_record_insert(d, other, &r, NOW), AX_OK);
	rr_record_clear(&r);

	assert_int_equal(db_record_get(d, zid, id, &got), AX_OK);
	assert_int_equal(got.id, id);
	assert_string_equal(got.name, "www");
	assert_string_equal(got.type, "A");
	assert_int_equal(got.ttl, 300);
	assert_string_equal(got.content, "192.0.2.1");
	rr_record_clear(&got);
	assert_int_equal(db_record_get(d, other, id, &got), AX_ENOTFOUND);
	assert_int_equal(db_record_get(d, zid, id + 1000, &got), AX_ENOTFOUND);
	db_close(d);
}

static void test_records_at_name_and_list(void **state)
{
	db *d = open_mem();
	int64_t acc, zid, ids[6];
	rr_record *recs;
	size_t n;
	int64_t total;

	(void)state;
	acc = new_account(d, "alice");
	zid = new_zone(d, acc, "example.com");
	ids[0] = add_rec(d, zid, "", "NS", 3600, "ns1.example.net.");
	ids[1] = add_rec(d, zid, "www", "A", 300, "192.0.2.1");
	ids[2] = add_rec(d, zid, "Www", "A", 300, "192.0.2.2");
	ids[3] = add_rec(d, zid, "www", "AAAA", 300, "2001:db8::1");
	ids[4] = add_rec(d, zid, "mail", "A", 300, "192.0.2.3");
	ids[5] = add_rec(d, zid, "www", "TXT", 300, "\"hi\"");

	/* at_name is case-insensitive, ordered by id, keeps the stored case */
	assert_int_equal(db_record_at_name(d, zid, "WWW", &recs, &n), AX_OK);
	assert_int_equal(n, 4);
	assert_int_equal(recs[0].id, ids[1]);
	assert_string_equal(recs[0].name, "www");
	assert_int_equal(recs[1].id, ids[2]);
	assert_string_equal(recs[1].name, "Www");
	assert_int_equal(recs[2].id, ids[3]);
	assert_int_equal(recs[3].id, ids[5]);
	rr_record_array_free(recs, n);
	assert_int_equal(db_record_at_name(d, zid, "", &recs, &n), AX_OK);
	assert_int_equal(n, 1);
	assert_string_equal(recs[0].type, "NS");
	rr_record_array_free(recs, n);
	assert_int_equal(db_record_at_name(d, zid, "nothing", &recs, &n), AX_OK);
	assert_int_equal(n, 0);
	rr_record_array_free(recs, n);

	/* no filter, paged */
	db_record_query q = {NULL, NULL, 0, 100};
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 6);
	assert_int_equal(total, 6);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(recs[i].id, ids[i]);
	rr_record_array_free(recs, n);
	q.offset = 2;
	q.limit = 3;
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 3);
	assert_int_equal(total, 6);
	assert_int_equal(recs[0].id, ids[2]);
	assert_int_equal(recs[2].id, ids[4]);
	rr_record_array_free(recs, n);
	q.offset = 6;
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 6);
	rr_record_array_free(recs, n);

	/* by name (any case) */
	q = (db_record_query){"WWW", NULL, 0, 100};
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 4);
	assert_int_equal(total, 4);
	rr_record_array_free(recs, n);
	/* by type */
	q = (db_record_query){NULL, "A", 0, 100};
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 3);
	assert_int_equal(total, 3);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(recs[i].type, "A");
	rr_record_array_free(recs, n);
	/* by both, paged */
	q = (db_record_query){"www", "A", 1, 1};
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 2);
	assert_int_equal(recs[0].id, ids[2]);
	rr_record_array_free(recs, n);
	q = (db_record_query){"mail", "AAAA", 0, 10};
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);
	rr_record_array_free(recs, n);
	q = (db_record_query){"", NULL, 0, 10};
	assert_int_equal(db_record_list(d, zid, &q, &recs, &n, &total), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	rr_record_array_free(recs, n);

	/* all: by name, type, id */
	assert_int_equal(db_record_all(d, zid, &recs, &n), AX_OK);
	assert_int_equal(n, 6);
	assert_string_equal(recs[0].name, "");
	assert_string_equal(recs[1].name, "mail");
	assert_string_equal(recs[2].type, "A");
	assert_string_equal(recs[3].type, "A");
	assert_string_equal(recs[4].type, "AAAA");
	assert_string_equal(recs[5].type, "TXT");
	rr_record_array_free(recs, n);
	db_close(d);
}

static void test_records_update_delete(void **state)
{
	db *d = open_mem();
	int64_t acc, zid, other, a, b;
	rr_record r, got;

	(void)state;
	acc = new_account(d, "alice");
	zid = new_zone(d, acc, "example.com");
	other = new_zone(d, acc, "example.org");
	a = add_rec(d, zid, "www", "A", 300, "192.0.2.1");
	b = add_rec(d, zid, "www", "A", 300, "192.0.2.2");

	r = mkrec("web", "A", 900, "192.0.2.9");
	r.id = a;
	assert_int_equal(db_record_update(d, zid, &r, NOW + 5), AX_OK);
	assert_int_equal(db_record_get(d, zid, a, &got), AX_OK);
	assert_string_equal(got.name, "web");
	assert_int_equal(got.ttl, 900);
	assert_string_equal(got.content, "192.0.2.9");
	rr_record_clear(&got);
	/* into an identical copy of b */
	free(r.name);
	free(r.content);
	r.name = strdup("WWW");
	r.content = strdup("192.0.2.2");
	assert_int_equal(db_record_update(d, zid, &r, NOW), AX_EEXIST);
	/* absent, or in another zone */
	r.id = b + 1000;
	assert_int_equal(db_record_update(d, zid, &r, NOW), AX_ENOTFOUND);
	r.id = b;
	assert_int_equal(db_record_update(d, other, &r, NOW), AX_ENOTFOUND);
	rr_record_clear(&r);

	assert_int_equal(db_record_delete(d, other, a), AX_ENOTFOUND);
	assert_int_equal(db_record_delete(d, zid, a), AX_OK);
	assert_int_equal(db_record_delete(d, zid, a), AX_ENOTFOUND);
	assert_int_equal(db_record_delete(d, zid, 987654), AX_ENOTFOUND);
	assert_int_equal(count_records(d, zid), 1);
	assert_int_equal(db_record_get(d, zid, b, &got), AX_OK);
	assert_string_equal(got.content, "192.0.2.2");
	rr_record_clear(&got);
	db_close(d);
}

static void test_journal(void **state)
{
	db *d = open_mem();
	int64_t acc, zid;
	uint32_t to = 0;
	rr_record *rrs;
	const char **ops;
	size_t n;

	(void)state;
	acc = new_account(d, "alice");
	zid = new_zone(d, acc, "example.com");
	rr_record soa1 = mkrec("", "SOA", 3600, "ns1. h. 1 2 3 4 5");
	rr_record soa2 = mkrec("", "SOA", 3600, "ns1. h. 2 2 3 4 5");
	rr_record gone = mkrec("old", "A", 60, "192.0.2.1");
	rr_record added = mkrec("new", "AAAA", 120, "2001:db8::1");
	db_journal_rr rows[] = {{"del", &soa1}, {"del", &gone}, {"add", &soa2},
				{"add", &added}};

	assert_int_equal(db_journal_add(d, zid, 1, 2, rows, 4, NOW), AX_OK);
	assert_int_equal(db_journal_get(d, zid, 1, &to, &rrs, &ops, &n), AX_OK);
	assert_int_equal(to, 2);
	assert_int_equal(n, 4);
	const char *want_ops[] = {"del", "del", "add", "add"};
	const rr_record *want[] = {&soa1, &gone, &soa2, &added};
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(ops[i], want_ops[i]);
		assert_string_equal(rrs[i].name, want[i]->name);
		assert_string_equal(rrs[i].type, want[i]->type);
		assert_int_equal(rrs[i].ttl, want[i]->ttl);
		assert_string_equal(rrs[i].content, want[i]->content);
		assert_int_equal(rrs[i].id, 0);
	}
	rr_record_array_free(rrs, n);
	free(ops);

	/* serials as unsigned 32-bit, across the wrap */
	assert_int_equal(db_journal_add(d, zid, 0xFFFFFFFFu, 0, rows, 1, NOW), AX_OK);
	assert_int_equal(db_journal_get(d, zid, 0xFFFFFFFFu, &to, &rrs, &ops, &n),
			 AX_OK);
	assert_int_equal(to, 0);
	assert_int_equal(n, 1);
	assert_string_equal(ops[0], "del");
	rr_record_array_free(rrs, n);
	free(ops);

	assert_int_equal(db_journal_get(d, zid, 2, &to, &rrs, &ops, &n), AX_ENOTFOUND);
	assert_null(rrs);
	assert_null(ops);
	assert_int_equal(n, 0);
	assert_int_equal(db_journal_get(d, zid + 1, 1, &to, &rrs, &ops, &n),
			 AX_ENOTFOUND);
	rr_record_clear(&soa1);
	rr_record_clear(&soa2);
	rr_record_clear(&gone);
	rr_record_clear(&added);
	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);
}

static void test_transactions(void **state)
{
	db *d = open_mem();
	int64_t acc;
	db_account a;

	(void)state;
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_account_create(d, "rolled", false, NOW, &acc), AX_OK);
	db_rollback(d);
	assert_int_equal(db_account_get(d, acc, &a), AX_ENOTFOUND);
	db_rollback(d);  /* no transaction: nothing happens */
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_account_create(d, "kept", false, NOW, &acc), AX_OK);
	assert_int_equal(db_commit(d), AX_OK);
	assert_int_equal(db_account_get(d, acc, &a), AX_OK);
	assert_string_equal(a.name, "kept");
	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);
}

/* A batch: units inside it are savepoints (each kept or rolled back on
 * its own), nothing is visible to another connection before
 * db_batch_end, and after it the store is back to plain transactions. */
static void test_batch(void **state)
{
	char *path = path_in(*state, "batch.db");
	db_options o = opts(0);
	ax_errinfo ei;
	db *d = NULL;
	int64_t kept, rolled, later;
	db_account a;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(path, &o, &d, &ei), AX_OK);
	assert_int_equal(db_batch_begin(d), AX_OK);
	assert_int_equal(db_batch_begin(d), AX_EINVAL);   /* not nested */
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_account_create(d, "kept", false, NOW, &kept), AX_OK);
	assert_int_equal(db_commit(d), AX_OK);
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_account_create(d, "rolled", false, NOW, &rolled), AX_OK);
	db_rollback(d);
	db_rollback(d);          /* nothing open: nothing happens */
	assert_int_equal(db_commit(d), AX_EINVAL);
	assert_int_equal(db_begin_read(d), AX_OK);
	assert_int_equal(db_account_get(d, kept, &a), AX_OK);
	assert_int_equal(db_account_get(d, rolled, &a), AX_ENOTFOUND);
	db_rollback(d);
	/* another connection sees none of it yet */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM accounts WHERE name = 'kept'"), 0);
	assert_int_equal(db_batch_end(d), AX_OK);
	assert_int_equal(db_batch_end(d), AX_EINVAL);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM accounts WHERE name = 'kept'"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM accounts WHERE name = 'rolled'"), 0);
	/* a unit left open inside the batch is not kept */
	assert_int_equal(db_batch_begin(d), AX_OK);
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_account_create(d, "open", false, NOW, &later), AX_OK);
	assert_int_equal(db_batch_end(d), AX_OK);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM accounts WHERE name = 'open'"), 0);
	/* plain transactions again */
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_account_create(d, "after", false, NOW, &later), AX_OK);
	assert_int_equal(db_commit(d), AX_OK);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM accounts WHERE name = 'after'"), 1);
	assert_int_equal(db_integrity_check(d), AX_OK);
	db_close(d);
	free(path);
}

/* ---- ids are never reused (issue 17 point 3) --------------------------- */

static void test_ids_never_reused(void **state)
{
	db *d = open_mem();
	int64_t acc, zid, rid, rid2, tid = 0, tid2 = 0, zid2;

	(void)state;
	acc = new_account(d, "alice");
	zid = new_zone(d, acc, "ids.test");
	add_rec(d, zid, "a", "A", 300, "192.0.2.1");
	rid = add_rec(d, zid, "b", "A", 300, "192.0.2.2");
	assert_int_equal(db_record_delete(d, zid, rid), AX_OK);
	rid2 = add_rec(d, zid, "b", "A", 300, "192.0.2.2");
	assert_true(rid2 > rid);
	assert_int_equal(db_record_delete(d, zid, rid), AX_ENOTFOUND);
	assert_int_equal(count_records(d, zid), 2);

	assert_int_equal(db_token_create(d, acc, "aa", "axfrd_aa", NOW, &tid), AX_OK);
	assert_int_equal(db_token_delete(d, acc, tid), AX_OK);
	assert_int_equal(db_token_create(d, acc, "aa", "axfrd_aa", NOW, &tid2), AX_OK);
	assert_true(tid2 > tid);

	assert_int_equal(db_zone_delete(d, zid), AX_OK);
	zid2 = new_zone(d, acc, "ids.test");
	assert_true(zid2 > zid);
	db_close(d);
}

/* A store populated at schema version 9 keeps every row and id through
 * the AUTOINCREMENT rebuild, with its foreign keys and indexes working. */
static void test_upgrade_from_9_keeps_ids(void **state)
{
	char *path = path_in(*state, "v9.db");
	db_options o9 = opts(9), all = opts(0);
	ax_errinfo ei;
	db *d = NULL;
	char *idx_before, *idx_after;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(db_open(path, &o9, &d, &ei), AX_OK);
	db_close(d);
	sql_exec(path,
		 "INSERT INTO accounts VALUES (5, 'old', 0, 1);"
		 "INSERT INTO tokens VALUES (4, 5, 'h4', 'p4', 1);"
		 "INSERT INTO zones (id, account_id, name, serial, serial_policy, "
		 "soa_mname, soa_rname, soa_ttl, soa_refresh, soa_retry, soa_expire, "
		 "soa_minimum, dnssec, created_at, updated_at, export_serial, "
		 "export_digest, serial_target) VALUES (7, 5, 'old.test', 3, "
		 "'increment', 'ns.', 'hm.', 1, 2, 3, 4, 5, 0, 10, 11, 3, 'dg', 9);"
		 "INSERT INTO records (id, zone_id, name, type, ttl, content, "
		 "created_at, updated_at, managed_by, rdata) VALUES "
		 "(3, 7, 'w', 'A', 60, '192.0.2.3', 1, 1, NULL, x'c0000203'),"
		 "(9, 7, '', 'NS', 60, 'ns.', 1, 1, 'secondary_dns', NULL);"
		 "INSERT INTO tsig_keys VALUES (6, 5, 'k.', 'hmac-sha256', x'00', 1);"
		 "INSERT INTO name_server_sets VALUES (8, 5, 's', 'a.', '', 1, 1);"
		 "INSERT INTO secondary_dns VALUES (7, 'custom', '', '', 0, 'a.', '', "
		 "'', 1, 6, 1, 1);"
		 "INSERT INTO secondary_dns_events VALUES (12, 7, 5, 'create', NULL, "
		 "'{}', 1);"
		 "INSERT INTO xfr_journal VALUES (13, 7, 2, 3, 1, 0, 0, x'00');"
		 "INSERT INTO xfr_log VALUES (14, 7, '::1', 1, 3, 'AXFR', 1, 1, 1, 'ok');"
		 "INSERT INTO journal_changes VALUES (15, 7, 2, 3, 1);"
		 "INSERT INTO journal_rrs VALUES (15, 0, 'add', 'w', 'A', 60, '192.0.2.3');");
	idx_before = sql_text(path, "SELECT group_concat(name || ':' || tbl_name) FROM "
			      "(SELECT name, tbl_name FROM sqlite_master WHERE "
			      "type = 'index' ORDER BY name)");

	d = NULL;
	assert_int_equal(db_open(path, &all, &d, &ei), AX_OK);
	assert_int_equal(db_user_version(d), db_schema_version());
	assert_int_equal(db_integrity_check(d), AX_OK);
	/* (later migrations' own tables aside) */
	idx_after = sql_text(path, "SELECT group_concat(name || ':' || tbl_name) FROM "
			     "(SELECT name, tbl_name FROM sqlite_master WHERE "
			     "type = 'index' AND name NOT IN ('zone_events_zone', "
			     "'zones_name_rev') ORDER BY name)");
	assert_non_null(idx_before);
	assert_non_null(idx_after);
	assert_string_equal(idx_before, idx_after);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
				 "type = 'table' AND sql LIKE '%AUTOINCREMENT%' AND "
				 "name != 'zone_events'"), 10);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
				 "name LIKE '%_new'"), 0);
	/* every row and id is there */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM zones WHERE id = 7 AND "
				 "name = 'old.test' AND serial_target = 9 AND "
				 "export_digest = 'dg' AND soa_minimum = 5"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM records"), 2);
	/* migration 011 filled in the reversed name */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM zones WHERE id = 7 AND "
				 "name_rev = 'tset.dlo'"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM records WHERE id = 3 AND "
				 "rdata = x'c0000203'"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM records WHERE id = 9 AND "
				 "managed_by = 'secondary_dns'"), 1);
	assert_int_equal(sql_int(path, "SELECT id FROM tokens"), 4);
	assert_int_equal(sql_int(path, "SELECT id FROM tsig_keys"), 6);
	assert_int_equal(sql_int(path, "SELECT id FROM name_server_sets"), 8);
	assert_int_equal(sql_int(path, "SELECT tsig_key_id FROM secondary_dns"), 6);
	assert_int_equal(sql_int(path, "SELECT id FROM secondary_dns_events"), 12);
	assert_int_equal(sql_int(path, "SELECT id FROM xfr_journal"), 13);
	assert_int_equal(sql_int(path, "SELECT id FROM xfr_log"), 14);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM journal_rrs"), 1);

	/* a deleted top id is not handed out again */
	assert_int_equal(db_record_delete(d, 7, 9), AX_OK);
	assert_true(add_rec(d, 7, "x", "A", 60, "192.0.2.4") == 10);
	/* foreign keys still act: the account's zone goes with the zone's rows */
	assert_int_equal(db_zone_delete(d, 7), AX_OK);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM records"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM secondary_dns"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM journal_rrs"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM xfr_log"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM tokens"), 1);
	db_zone z;
	mkzone(&z, 4242, "orphan.test", 1);
	assert_int_not_equal(db_zone_insert(d, &z), AX_OK);
	db_zone_clear(&z);
	assert_true(new_zone(d, 5, "old.test") > 7);
	db_close(d);
	free(idx_before);
	free(idx_after);
	free(path);
}

/* ---- who owns which names ---------------------------------------------- */

/* db_zone_overlaps for account on name: the names it returns, joined by
 * spaces, each prefixed with '>' (encloses name) or '<' (inside it). */
static char *overlaps(db *d, int64_t account, const char *name)
{
	db_zone_ref *refs;
	size_t n;
	char *out = calloc(1, 4096);

	assert_non_null(out);
	assert_int_equal(db_zone_overlaps(d, account, name, &refs, &n), AX_OK);
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), 4096 - strlen(out), "%s%c%s", i ? " " : "",
			 refs[i].relation == DB_ENCLOSES ? '>' : '<', refs[i].name);
	db_zone_ref_array_free(refs, n);
	return out;
}

#define assert_overlaps(d, acct, name, want) do { \
	char *got_ = overlaps(d, acct, name); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

static void test_zone_overlaps(void **state)
{
	db *d = open_mem();
	int64_t alice, bob;

	(void)state;
	alice = new_account(d, "alice");
	bob = new_account(d, "bob");
	new_zone(d, alice, "brand.test");
	/* inside another account's zone, at any depth */
	assert_overlaps(d, bob, "www.brand.test", ">brand.test");
	assert_overlaps(d, bob, "a.b.www.brand.test", ">brand.test");
	/* one's own: delegating to oneself */
	assert_overlaps(d, alice, "www.brand.test", "");
	/* label boundaries */
	assert_overlaps(d, bob, "notbrand.test", "");
	assert_overlaps(d, bob, "brand.test2", "");
	assert_overlaps(d, bob, "rand.test", "");
	/* the name itself is the UNIQUE name's business */
	assert_overlaps(d, bob, "brand.test", "");

	/* around another account's zone */
	new_zone(d, bob, "secret.brand2.test");
	new_zone(d, bob, "deeper.secret.brand2.test");
	assert_overlaps(d, alice, "brand2.test",
			"<secret.brand2.test <deeper.secret.brand2.test");
	assert_overlaps(d, bob, "brand2.test", "");
	/* '_' is no wildcard: x_y.test does not enclose www.xay.test */
	new_zone(d, bob, "www.xay.test");
	assert_overlaps(d, alice, "x_y.test", "");
	assert_overlaps(d, alice, "xay.test", "<www.xay.test");

	/* the closest enclosing zone decides: bob's zone inside alice's
	 * (placed there by the operator) is bob's to delegate under */
	new_zone(d, alice, "uni.test");
	new_zone(d, bob, "cs.uni.test");
	assert_overlaps(d, bob, "lab.cs.uni.test", "");
	assert_overlaps(d, alice, "lab.cs.uni.test", ">cs.uni.test");
	/* and zones inside one's own zones under the name do not count */
	assert_overlaps(d, alice, "all.uni.test", "");
	new_zone(d, alice, "in.p.test");
	new_zone(d, bob, "deep.in.p.test");
	assert_overlaps(d, alice, "p.test", "");
	assert_overlaps(d, bob, "p.test", "<in.p.test");
	db_close(d);
}

static void test_zone_claim(void **state)
{
	db *d = open_mem();
	int64_t alice, bob;
	db_zone_ref *over;
	size_t nover;
	db_zone z, got;

	(void)state;
	alice = new_account(d, "alice");
	bob = new_account(d, "bob");
	new_zone(d, alice, "brand.test");

	/* outside a write transaction the check would not hold: refused */
	mkzone(&z, bob, "other.test", 1);
	assert_int_equal(db_zone_claim(d, &z, false, &over, &nover), AX_EINVAL);
	assert_int_equal(db_begin_read(d), AX_OK);
	assert_int_equal(db_zone_claim(d, &z, false, &over, &nover), AX_EINVAL);
	db_rollback(d);
	assert_int_equal(db_zone_get(d, -1, "other.test", &got), AX_ENOTFOUND);
	db_zone_clear(&z);

	/* another account's zone in the way: nothing is inserted */
	mkzone(&z, bob, "www.brand.test", 1);
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_zone_claim(d, &z, false, &over, &nover), AX_ECONFLICT);
	assert_int_equal(nover, 1);
	assert_string_equal(over[0].name, "brand.test");
	assert_int_equal(over[0].account_id, alice);
	assert_int_equal(over[0].relation, DB_ENCLOSES);
	db_zone_ref_array_free(over, nover);
	assert_int_equal(db_commit(d), AX_OK);
	assert_int_equal(db_zone_get(d, -1, "www.brand.test", &got), AX_ENOTFOUND);

	/* override: inserted, and what was in the way is reported */
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_zone_claim(d, &z, true, &over, &nover), AX_OK);
	assert_int_equal(nover, 1);
	db_zone_ref_array_free(over, nover);
	assert_int_equal(db_commit(d), AX_OK);
	assert_int_equal(db_zone_get(d, bob, "www.brand.test", &got), AX_OK);
	db_zone_clear(&got);
	db_zone_clear(&z);

	/* the name taken, by anyone */
	mkzone(&z, alice, "brand.test", 1);
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_zone_claim(d, &z, true, &over, &nover), AX_EEXIST);
	db_rollback(d);
	db_zone_clear(&z);

	/* the same account: a sub-zone of its own */
	mkzone(&z, alice, "shop.brand.test", 1);
	assert_int_equal(db_begin(d), AX_OK);
	assert_int_equal(db_zone_claim(d, &z, false, &over, &nover), AX_OK);
	assert_int_equal(nover, 0);
	assert_null(over);
	assert_int_equal(db_commit(d), AX_OK);
	db_zone_clear(&z);

	/* moving a zone, and its events */
	int64_t zid = new_zone(d, bob, "moved.test");
	assert_int_equal(db_zone_set_account(d, zid, alice, NOW + 5), AX_OK);
	assert_int_equal(db_zone_get(d, alice, "moved.test", &got), AX_OK);
	assert_int_equal(got.updated_at, NOW + 5);
	db_zone_clear(&got);
	assert_int_equal(db_zone_set_account(d, zid + 1000, alice, NOW), AX_ENOTFOUND);
	db_zone_event ev = {0}, *list;
	size_t n;
	int64_t total;
	ev.zone_id = zid;
	ev.account_id = alice;
	strcpy(ev.action, "move");
	ev.from_account_id = bob;
	ev.to_account_id = alice;
	ev.secondary_dns_cleared = true;
	ev.created_at = NOW + 5;
	assert_int_equal(db_strv_push(&ev.moved_zones, "a.moved.test"), AX_OK);
	assert_int_equal(db_zone_event_add(d, &ev), AX_OK);
	db_strv_free(&ev.moved_zones);
	ev.cause = (char *)"parent.test";
	ev.secondary_dns_cleared = false;
	assert_int_equal(db_zone_event_add(d, &ev), AX_OK);
	assert_int_equal(db_zone_event_list(d, zid, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	assert_string_equal(list[0].cause, "parent.test");
	assert_false(list[0].secondary_dns_cleared);
	assert_int_equal(list[0].moved_zones.n, 0);
	assert_null(list[1].cause);
	assert_true(list[1].secondary_dns_cleared);
	assert_int_equal(list[1].moved_zones.n, 1);
	assert_string_equal(list[1].moved_zones.v[0], "a.moved.test");
	assert_int_equal(list[1].from_account_id, bob);
	assert_null(list[1].enclosing_zone);
	db_zone_event_array_free(list, n);
	/* they go with the zone */
	assert_int_equal(db_zone_delete(d, zid), AX_OK);
	assert_int_equal(db_zone_event_list(d, zid, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(total, 0);
	db_zone_event_array_free(list, n);
	db_close(d);
}

#define RACE_ROUNDS 200

/* One of two connections racing for overlapping names, round by round. */
typedef struct racer {
	const char *path;
	int64_t account;
	bool child;                /* claims www.brandN.test, else brandN.test */
	pthread_barrier_t *start;
	int rc[RACE_ROUNDS];
	char err[400];
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	db_options o = {.sync_full = false, .busy_timeout_ms = 10000};
	ax_errinfo ei;
	db *d = NULL;

	if (db_open(r->path, &o, &d, &ei) != AX_OK) {
		snprintf(r->err, sizeof(r->err), "db_open: %s", ei.msg);
		for (int i = 0; i < RACE_ROUNDS; i++)
			pthread_barrier_wait(r->start);
		return NULL;
	}
	for (int i = 0; i < RACE_ROUNDS; i++) {
		char name[64];
		db_zone_ref *over = NULL;
		size_t nover = 0;
		db_zone z;

		snprintf(name, sizeof(name), "%sbrand%d.test", r->child ? "www." : "", i);
		mkzone(&z, r->account, name, 1);
		pthread_barrier_wait(r->start);
		r->rc[i] = db_begin(d);
		if (r->rc[i] == AX_OK)
			r->rc[i] = db_zone_claim(d, &z, false, &over, &nover);
		if (r->rc[i] == AX_OK)
			r->rc[i] = db_commit(d);
		else
			db_rollback(d);
		db_zone_ref_array_free(over, nover);
		db_zone_clear(&z);
	}
	db_close(d);
	return NULL;
}

/* Two connections to one file claim brandN.test and www.brandN.test for
 * two accounts at the same moment, many times: exactly one wins each
 * round, the other gets AX_ECONFLICT. */
static void test_zone_claim_race(void **state)
{
	char *path = path_in(*state, "race.db");
	db_options o = opts(0);
	pthread_barrier_t start;
	pthread_t t[2];
	racer r[2];
	ax_errinfo ei;
	db *d = NULL;
	int64_t alice, bob;

	assert_int_equal(db_open(path, &o, &d, &ei), AX_OK);
	alice = new_account(d, "alice");
	bob = new_account(d, "bob");
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	memset(r, 0, sizeof(r));
	r[0] = (racer){.path = path, .account = alice, .child = false, .start = &start};
	r[1] = (racer){.path = path, .account = bob, .child = true, .start = &start};
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	assert_string_equal(r[0].err, "");
	assert_string_equal(r[1].err, "");
	int parent_won = 0;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		int a = r[0].rc[i], b = r[1].rc[i];
		if (!((a == AX_OK && b == AX_ECONFLICT) || (a == AX_ECONFLICT && b == AX_OK)))
			fail_msg("round %d: brand%d.test -> %d, www.brand%d.test -> %d", i, i,
				 a, i, b);
		parent_won += a == AX_OK;
	}
	assert_int_equal(sql_int(path, "SELECT count(*) FROM zones"), RACE_ROUNDS);
	print_message("race: the parent won %d of %d rounds\n", parent_won, RACE_ROUNDS);
	db_close(d);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_memory_migrates),
		cmocka_unit_test_setup_teardown(test_open_file_wal_and_fk,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_in_place,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_refuse_newer_schema,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_creates_parent_dirs,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_relative_parent_dirs,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_open_unwritable_dir,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_ids_never_reused),
		cmocka_unit_test_setup_teardown(test_upgrade_from_9_keeps_ids,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_zones),
		cmocka_unit_test_setup_teardown(test_zone_delete_cascades,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_records_insert_get),
		cmocka_unit_test(test_records_at_name_and_list),
		cmocka_unit_test(test_records_update_delete),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test_setup_teardown(test_batch, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test(test_zone_overlaps),
		cmocka_unit_test(test_zone_claim),
		cmocka_unit_test_setup_teardown(test_zone_claim_race, tmpdir_setup,
						tmpdir_teardown),
	};

	log_set_level(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
