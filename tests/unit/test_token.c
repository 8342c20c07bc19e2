/* test_token.c -- unit tests of API tokens (token.c): hashing, issuing and
 * the admin bootstrap; only hashes may reach the store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axfrd/log.h"
#include "axfrd/token.h"
#include "db/db.h"
#include "db/db_account.h"

#define NOW ((time_t)1700000000)
#define ENV_TOKEN "s3cret-admin-token-for-tests-0123456789"

/* ---- helpers ---------------------------------------------------------- */

static db *open_db(const char *path)
{
	db_options o = {.sync_full = true, .busy_timeout_ms = 1000, .migrate_to = 0};
	ax_errinfo ei;
	db *d = NULL;

	memset(&ei, 0, sizeof(ei));
	if (db_open(path, &o, &d, &ei) != AX_OK)
		fail_msg("db_open(%s): %s", path, ei.msg);
	return d;
}

/* A temporary database file; *dir receives its directory (both freed by
 * tmp_remove). */
static char *tmp_db(char **dir)
{
	char *path;

	*dir = strdup("/tmp/axfrd-test-token-XXXXXX");
	assert_non_null(*dir);
	assert_non_null(mkdtemp(*dir));
	path = malloc(strlen(*dir) + 16);
	assert_non_null(path);
	sprintf(path, "%s/axfrd.db", *dir);
	return path;
}

static void tmp_remove(char *dir, char *path)
{
	const char *sfx[] = {"", "-wal", "-shm", "-journal"};
	char buf[512];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, sfx[i]);
		unlink(buf);
	}
	assert_int_equal(rmdir(dir), 0);
	free(dir);
	free(path);
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* Fails when any text or blob cell of any table of the database at path
 * contains needle. Returns the number of cells looked at. */
static size_t scan_tables(const char *path, const char *needle)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *tables = NULL;
	size_t cells = 0;

	assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, "SELECT name FROM sqlite_master "
					    "WHERE type = 'table'", -1, &tables,
					    NULL), SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		char sql[256];
		sqlite3_stmt *st = NULL;

		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
			 (const char *)sqlite3_column_text(tables, 0));
		assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const unsigned char *v = sqlite3_column_text(st, i);
				cells++;
				if (v != NULL && strstr((const char *)v, needle) != NULL)
					fail_msg("table %s column %s holds the "
						 "plaintext token",
						 (const char *)sqlite3_column_text(tables, 0),
						 sqlite3_column_name(st, i));
			}
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(tables);
	sqlite3_close(c);
	return cells;
}

static char *stored_hash(const char *path)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	char *h = NULL;

	assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, "SELECT hash, (SELECT count(*) FROM "
					    "tokens) FROM tokens", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	h = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(c);
	return h;
}

/* Fails when the file at path contains needle anywhere. */
static void file_lacks(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, got, len = strlen(needle);
	char *buf = malloc(cap);

	if (f == NULL) {  /* e.g. no -wal file */
		free(buf);
		return;
	}
	assert_non_null(buf);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	for (size_t i = 0; i + len <= n; i++)
		if (memcmp(buf + i, needle, len) == 0)
			fail_msg("%s holds the plaintext token at offset %zu", path, i);
	free(buf);
}

/* ---- tests -------------------------------------------------------------- */

static void test_hash(void **state)
{
	char h[65];

	(void)state;
	token_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
			       "b00361a396177a9cb410ff61f20015ad");
	token_hash("", h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb924"
			       "27ae41e4649b934ca495991b7852b855");
	token_hash(ENV_TOKEN, h);
	assert_true(is_hex64(h));
}

static void test_bootstrap_env_token(void **state)
{
	char *dir, *path = tmp_db(&dir);
	char gen[TOKEN_LEN + 1], h[65];
	bool created = false;
	ax_errinfo ei;
	db_account a;
	db *d;

	(void)state;
	d = open_db(path);
	memset(&ei, 0, sizeof(ei));
	memset(gen, 'z', sizeof(gen));
	assert_int_equal(token_bootstrap_admin(d, ENV_TOKEN, NOW, gen, &created, &ei),
			 AX_OK);
	assert_true(created);
	assert_string_equal(gen, "");  /* nothing generated */

	token_hash(ENV_TOKEN, h);
	memset(&a, 0, sizeof(a));
	assert_int_equal(db_token_lookup(d, h, &a), AX_OK);
	assert_true(a.is_admin);
	assert_string_equal(a.name, "admin");
	assert_int_equal(a.created_at, NOW);

	/* the prefix is a short prefix, not the token */
	db_token *toks;
	size_t n;
	assert_int_equal(db_token_list(d, a.id, &toks, &n), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(toks[0].prefix), TOKEN_PREFIX_LEN);
	assert_memory_equal(toks[0].prefix, ENV_TOKEN, TOKEN_PREFIX_LEN);
	free(toks);

	/* a second call does nothing, whatever the token */
	created = true;
	assert_int_equal(token_bootstrap_admin(d, "another-token-0123456789", NOW + 1,
					       gen, &created, &ei), AX_OK);
	assert_false(created);
	assert_int_equal(token_bootstrap_admin(d, NULL, NOW + 2, gen, &created, &ei),
			 AX_OK);
	assert_false(created);
	assert_string_equal(gen, "");
	assert_int_equal(token_bootstrap_admin(d, "short", NOW + 2, gen, &created,
					       &ei), AX_OK);
	assert_false(created);

	db_account *list;
	int64_t total;
	assert_int_equal(db_account_list(d, 0, 10, &list, &n, &total), AX_OK);
	assert_int_equal(total, 1);
	free(list);
	assert_int_equal(db_token_list(d, a.id, &toks, &n), AX_OK);
	assert_int_equal(n, 1);
	free(toks);

	/* what is stored is the hash, and the token is nowhere */
	char *stored = stored_hash(path);
	assert_string_equal(stored, h);
	free(stored);
	assert_true(scan_tables(path, ENV_TOKEN) > 0);
	db_close(d);
	file_lacks(path, ENV_TOKEN);
	scan_tables(path, ENV_TOKEN);
	tmp_remove(dir, path);
}

static void test_bootstrap_generated(void **state)
{
	char *dir, *path = tmp_db(&dir);
	char gen[TOKEN_LEN + 1], copy[TOKEN_LEN + 1], h[65];
	bool created = false;
	ax_errinfo ei;
	db_account a;
	db *d;

	(void)state;
	d = open_db(path);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(token_bootstrap_admin(d, NULL, NOW, gen, &created, &ei), AX_OK);
	assert_true(created);
	assert_int_equal(strlen(gen), TOKEN_LEN);
	assert_memory_equal(gen, "axfrd_", 6);
	for (size_t i = 6; i < TOKEN_LEN; i++)
		assert_true(isxdigit((unsigned char)gen[i]));
	memcpy(copy, gen, sizeof(copy));

	token_hash(gen, h);
	assert_int_equal(db_token_lookup(d, h, &a), AX_OK);
	assert_true(a.is_admin);
	char *stored = stored_hash(path);
	assert_string_equal(stored, h);
	free(stored);

	assert_int_equal(token_bootstrap_admin(d, NULL, NOW, gen, &created, &ei), AX_OK);
	assert_false(created);
	assert_string_equal(gen, "");

	scan_tables(path, copy);
	scan_tables(path, copy + 6);  /* not even the random part */
	db_close(d);
	file_lacks(path, copy + 6);
	tmp_remove(dir, path);
}

static void test_bootstrap_short_token(void **state)
{
	db *d = open_db(":memory:");
	char gen[TOKEN_LEN + 1];
	char fifteen[] = "0123456789abcde";
	char sixteen[] = "0123456789abcdef";
	bool created = true, exists = true;
	ax_errinfo ei;

	(void)state;
	assert_int_equal(strlen(fifteen), TOKEN_MIN_LEN - 1);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(token_bootstrap_admin(d, fifteen, NOW, gen, &created, &ei),
			 AX_EINVAL);
	assert_false(created);
	assert_string_equal(gen, "");
	assert_string_equal(ei.field, "AXFRD_ADMIN_TOKEN");
	assert_null(strstr(ei.msg, fifteen));  /* never echo a secret */
	assert_int_equal(token_bootstrap_admin(d, "", NOW, gen, &created, &ei),
			 AX_EINVAL);
	assert_int_equal(db_admin_exists(d, &exists), AX_OK);
	assert_false(exists);

	/* exactly the minimum is enough */
	assert_int_equal(token_bootstrap_admin(d, sixteen, NOW, gen, &created, &ei),
			 AX_OK);
	assert_true(created);
	assert_int_equal(db_admin_exists(d, &exists), AX_OK);
	assert_true(exists);
	db_close(d);
}

static void test_issue(void **state)
{
	db *d = open_db(":memory:");
	char b1[TOKEN_LEN + 1], b2[TOKEN_LEN + 1], h[65];
	int64_t acc, t1 = 0, t2 = 0, t3 = 0;
	db_account a;
	db_token *toks;
	size_t n;

	(void)state;
	assert_int_equal(db_account_create(d, "alice", false, NOW, &acc), AX_OK);
	assert_int_equal(token_issue(d, acc, NULL, NOW, b1, &t1), AX_OK);
	assert_int_equal(token_issue(d, acc, NULL, NOW, b2, &t2), AX_OK);
	assert_int_equal(strlen(b1), TOKEN_LEN);
	assert_string_not_equal(b1, b2);
	assert_true(t1 > 0 && t2 > t1);
	assert_int_equal(token_issue(d, acc, "given-token-0123456789", NOW, b2, &t3),
			 AX_OK);
	/* the same token twice is refused (the hash is unique) */
	assert_int_equal(token_issue(d, acc, "given-token-0123456789", NOW, b2, NULL),
			 AX_EEXIST);

	token_hash(b1, h);
	assert_int_equal(db_token_lookup(d, h, &a), AX_OK);
	assert_int_equal(a.id, acc);
	token_hash("given-token-0123456789", h);
	assert_int_equal(db_token_lookup(d, h, &a), AX_OK);
	assert_int_equal(db_token_list(d, acc, &toks, &n), AX_OK);
	assert_int_equal(n, 3);
	assert_int_equal(toks[0].id, t1);
	assert_memory_equal(toks[0].prefix, b1, TOKEN_PREFIX_LEN);
	assert_string_equal(toks[2].prefix, "given-token-");
	free(toks);
	db_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_bootstrap_env_token),
		cmocka_unit_test(test_bootstrap_generated),
		cmocka_unit_test(test_bootstrap_short_token),
		cmocka_unit_test(test_issue),
	};

	log_set_level(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
