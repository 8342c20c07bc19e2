/* test_config.c -- unit tests of the settings table, the config-file
 * parser and address parsing (config.c), and of the example config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axfrd/config.h"

#define EXAMPLE_CONFIG AXFRD_SOURCE_DIR "/deploy/axfrd.conf.example"

/* ---- helpers ---------------------------------------------------------- */

static void defaults(config *cfg)
{
	assert_int_equal(config_defaults(cfg), AX_OK);
}

static uint16_t addr_port(const config_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

static void assert_v4(const config_addr *a, const char *ip, uint16_t port)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;
	char buf[INET_ADDRSTRLEN];

	assert_int_equal(a->ss.ss_family, AF_INET);
	assert_int_equal(a->len, sizeof(struct sockaddr_in));
	assert_non_null(inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf)));
	assert_string_equal(buf, ip);
	assert_int_equal(addr_port(a), port);
}

static void assert_v6(const config_addr *a, const char *ip, uint16_t port)
{
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(a->ss.ss_family, AF_INET6);
	assert_int_equal(a->len, sizeof(struct sockaddr_in6));
	assert_non_null(inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf)));
	assert_string_equal(buf, ip);
	assert_int_equal(addr_port(a), port);
}

/* Writes text to a fresh file in a fresh /tmp directory; returns the
 * path (free_file removes both). */
static char *write_file(const char *text)
{
	char dir[] = "/tmp/axfrd-test-config-XXXXXX";
	char *path;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	path = malloc(strlen(dir) + 16);
	assert_non_null(path);
	sprintf(path, "%s/axfrd.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

static void free_file(char *path)
{
	char *slash;

	assert_int_equal(unlink(path), 0);
	slash = strrchr(path, '/');
	*slash = '\0';
	assert_int_equal(rmdir(path), 0);
	free(path);
}

/* Loads text as a config file over the defaults, expecting failure with
 * rc; the message must name "file:line" and contain part. */
static void load_bad(const char *text, int want_rc, unsigned line,
		     const char *field, const char *part)
{
	char *path = write_file(text);
	char where[512];
	config cfg;
	ax_errinfo ei;
	int rc;

	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	rc = config_load_file(&cfg, path, &ei);
	if (rc != want_rc)
		fail_msg("load of \"%s\": want %d, got %d (%s)", text, want_rc, rc,
			 ei.msg);
	snprintf(where, sizeof(where), "%s:%u:", path, line);
	if (strstr(ei.msg, where) == NULL || strstr(ei.msg, part) == NULL)
		fail_msg("message \"%s\" should name \"%s\" and \"%s\"", ei.msg,
			 where, part);
	if (field != NULL)
		assert_string_equal(ei.field, field);
	config_free(&cfg);
	free_file(path);
}

/* ---- defaults ----------------------------------------------------------- */

static void test_defaults(void **state)
{
	config cfg;
	ax_errinfo ei;

	(void)state;
	defaults(&cfg);
	assert_string_equal(cfg.db, "./var/axfrd.db");
	assert_string_equal(cfg.api_listen.text, "127.0.0.1:8053");
	assert_v4(&cfg.api_listen, "127.0.0.1", 8053);
	assert_string_equal(cfg.dns_listen.text, "127.0.0.1:5353");
	assert_v4(&cfg.dns_listen, "127.0.0.1", 5353);
	assert_v4(&cfg.resolver, "127.0.0.1", 53);
	assert_string_equal(cfg.serial_policy, "unixtime");
	assert_string_equal(cfg.db_synchronous, "full");
	assert_string_equal(cfg.log_level, "info");
	assert_int_equal(cfg.db_busy_timeout, 5000);
	assert_int_equal(cfg.default_ttl, 3600);
	assert_int_equal(cfg.api_max_body, 8388608);
	assert_true(cfg.default_name_servers[0] != '\0');
	assert_string_equal(cfg.soa_mname, "");
	assert_true(cfg.soa_rname[0] != '\0');
	/* the budgets per account (issue 18 point 3) */
	assert_int_equal(cfg.notify_max_targets, 32);
	assert_int_equal(cfg.outbound_rate_per_account, 100);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(config_validate(&cfg, &ei), AX_OK);
	config_free(&cfg);
	config_free(&cfg);  /* twice is harmless */
	config_free(NULL);
}

static void test_has_key(void **state)
{
	(void)state;
	const char *keys[] = {"db", "api-listen", "dns-listen", "dns-listen-also", "resolver",
			      "log-level", "db-synchronous", "db-busy-timeout",
			      "serial-policy", "default-ttl", "soa-rname"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_true(config_has_key(keys[i]));
	assert_false(config_has_key(""));
	assert_false(config_has_key("DB"));
	assert_false(config_has_key("db_busy_timeout"));
	assert_false(config_has_key("config"));
}

/* ---- addresses ---------------------------------------------------------- */

static void test_parse_addr_good(void **state)
{
	config_addr a;

	(void)state;
	assert_int_equal(config_parse_addr("127.0.0.1:8053", &a), AX_OK);
	assert_v4(&a, "127.0.0.1", 8053);
	assert_string_equal(a.text, "127.0.0.1:8053");
	assert_int_equal(config_parse_addr("0.0.0.0:0", &a), AX_OK);
	assert_v4(&a, "0.0.0.0", 0);
	assert_int_equal(config_parse_addr("192.0.2.1:65535", &a), AX_OK);
	assert_v4(&a, "192.0.2.1", 65535);
	assert_int_equal(config_parse_addr("[::1]:53", &a), AX_OK);
	assert_v6(&a, "::1", 53);
	assert_string_equal(a.text, "[::1]:53");
	assert_int_equal(config_parse_addr("[2001:db8::5]:0", &a), AX_OK);
	assert_v6(&a, "2001:db8::5", 0);
	assert_int_equal(config_parse_addr("[::]:8053", &a), AX_OK);
	assert_v6(&a, "::", 8053);
}

static void test_parse_addr_bad(void **state)
{
	const char *bad[] = {
		"", "127.0.0.1", "127.0.0.1:", ":53", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:53x", "127.0.0.1:0x35",
		"127.0.0.1:99999999999999999999", "localhost:53", "256.0.0.1:53",
		"1.2.3:53", "[::1]", "[::1]53", "[::1]:", "[::1:53", "[]:53",
		"::1", "[::1]:65536", "[nope]:53", "2001:db8::1",
		"[1:2:3:4:5:6:7:8:9]:53", "1::2:3", "127.0.0.1: 53", ":+53",
		"127.0.0.1:+53",
		"[aaaa:bbbb:cccc:dddd:eeee:ffff:1111:2222:3333:4444:5555:6666:7777]:53",
	};
	config_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = config_parse_addr(bad[i], &a);
		if (rc != AX_EINVAL)
			fail_msg("config_parse_addr(\"%s\") = %d, want AX_EINVAL",
				 bad[i], rc);
	}
}

/* ---- config_set --------------------------------------------------------- */

static void expect_set_fails(config *cfg, const char *key, const char *value)
{
	ax_errinfo ei;
	int rc;

	memset(&ei, 0, sizeof(ei));
	rc = config_set(cfg, key, value, &ei);
	if (rc != AX_EINVAL)
		fail_msg("config_set(%s, \"%s\") = %d, want AX_EINVAL", key, value,
			 rc);
	assert_string_equal(ei.field, key);
	if (strstr(ei.msg, key) == NULL)
		fail_msg("message \"%s\" does not name %s", ei.msg, key);
}

static void test_set(void **state)
{
	config cfg;
	ax_errinfo ei;

	(void)state;
	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	/* integers, at the ends of their ranges */
	assert_int_equal(config_set(&cfg, "db-busy-timeout", "0", &ei), AX_OK);
	assert_int_equal(cfg.db_busy_timeout, 0);
	assert_int_equal(config_set(&cfg, "db-busy-timeout", "600000", &ei), AX_OK);
	assert_int_equal(cfg.db_busy_timeout, 600000);
	assert_int_equal(config_set(&cfg, "api-max-body", "1024", &ei), AX_OK);
	assert_int_equal(cfg.api_max_body, 1024);
	assert_int_equal(config_set(&cfg, "default-ttl", "2147483647", &ei), AX_OK);
	assert_int_equal(cfg.default_ttl, 2147483647);

	expect_set_fails(&cfg, "db-busy-timeout", "600001");
	expect_set_fails(&cfg, "db-busy-timeout", "-1");
	expect_set_fails(&cfg, "db-busy-timeout", "abc");
	expect_set_fails(&cfg, "db-busy-timeout", "");
	expect_set_fails(&cfg, "db-busy-timeout", "12abc");
	expect_set_fails(&cfg, "db-busy-timeout", "1.5");
	expect_set_fails(&cfg, "db-busy-timeout", "99999999999999999999999");
	expect_set_fails(&cfg, "api-max-body", "1023");
	expect_set_fails(&cfg, "api-connection-limit", "0");
	expect_set_fails(&cfg, "api-connection-timeout", "86401");
	expect_set_fails(&cfg, "default-ttl", "2147483648");
	expect_set_fails(&cfg, "soa-minimum", "-5");
	expect_set_fails(&cfg, "notify-max-targets", "0");
	expect_set_fails(&cfg, "notify-max-targets", "1025");
	expect_set_fails(&cfg, "outbound-rate-per-account", "0");
	expect_set_fails(&cfg, "outbound-rate-per-account", "1000001");
	expect_set_fails(&cfg, "outbound-rate-per-account", "5/s");
	assert_int_equal(cfg.notify_max_targets, 32);
	assert_int_equal(cfg.outbound_rate_per_account, 100);
	assert_int_equal(config_set(&cfg, "notify-max-targets", "1", &ei), AX_OK);
	assert_int_equal(cfg.notify_max_targets, 1);
	assert_int_equal(config_set(&cfg, "outbound-rate-per-account", "1000000", &ei),
			 AX_OK);
	assert_int_equal(cfg.outbound_rate_per_account, 1000000);
	/* failed sets leave the value alone */
	assert_int_equal(cfg.db_busy_timeout, 600000);
	assert_int_equal(cfg.api_max_body, 1024);

	/* the range is in the message */
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(config_set(&cfg, "db-busy-timeout", "700000", &ei), AX_EINVAL);
	assert_non_null(strstr(ei.msg, "600000"));
	assert_non_null(strstr(ei.msg, "700000"));

	/* addresses */
	assert_int_equal(config_set(&cfg, "api-listen", "[::1]:0", &ei), AX_OK);
	assert_v6(&cfg.api_listen, "::1", 0);
	expect_set_fails(&cfg, "api-listen", "nowhere");
	expect_set_fails(&cfg, "dns-listen", "127.0.0.1:70000");

	/* strings */
	assert_int_equal(config_set(&cfg, "db", "/var/lib/axfrd/x.db", &ei), AX_OK);
	assert_string_equal(cfg.db, "/var/lib/axfrd/x.db");
	assert_int_equal(config_set(&cfg, "log-level", "debug", &ei), AX_OK);
	assert_string_equal(cfg.log_level, "debug");

	/* unknown keys */
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(config_set(&cfg, "no-such-key", "1", &ei), AX_EINVAL);
	assert_string_equal(ei.field, "no-such-key");
	assert_non_null(strstr(ei.msg, "no-such-key"));
	config_free(&cfg);
}

/* A mailbox longer than the check's buffer, with the '@' past its end,
 * is refused (it used to be written past a 300-byte stack buffer: ASan
 * reports the overflow on the old code); so is a long host name, which
 * used to be cut to its first 299 characters and checked as that. */
static void test_set_long_mailbox(void **state)
{
	config cfg;
	char value[700];

	(void)state;
	defaults(&cfg);
	memset(value, 'a', 400);
	snprintf(value + 400, sizeof(value) - 400, "@example.net");
	expect_set_fails(&cfg, "soa-rname", value);
	assert_string_equal(cfg.soa_rname, "hostmaster.example.net");
	memset(value, 'a', 650);
	snprintf(value + 650, sizeof(value) - 650, "@x");
	expect_set_fails(&cfg, "soa-rname", value);
	for (size_t i = 0; i < 320; i += 2)
		value[i] = 'a', value[i + 1] = '.';
	snprintf(value + 320, sizeof(value) - 320, "net");
	expect_set_fails(&cfg, "soa-mname", value);
	config_free(&cfg);
}

/* A refused value leaves the setting as it was, for addresses as for
 * integers (config_set must not half-apply a bad value). */
static void test_set_bad_addr_keeps_value(void **state)
{
	config cfg;
	ax_errinfo ei;

	(void)state;
	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(config_set(&cfg, "api-listen", "[::1]:0", &ei), AX_OK);
	expect_set_fails(&cfg, "api-listen", "nowhere");
	expect_set_fails(&cfg, "dns-listen", "127.0.0.1:70000");
	config_addr api = cfg.api_listen, dns = cfg.dns_listen;
	config_free(&cfg);  /* before any failure, so a failing run leaks nothing */
	if (api.ss.ss_family != AF_INET6 || dns.ss.ss_family != AF_INET)
		fail_msg("a refused address wiped the setting: api-listen family "
			 "%d len %u text \"%s\", dns-listen family %d text \"%s\"",
			 api.ss.ss_family, (unsigned)api.len, api.text,
			 dns.ss.ss_family, dns.text);
	assert_v6(&api, "::1", 0);
	assert_v4(&dns, "127.0.0.1", 5353);
}

/* ---- files -------------------------------------------------------------- */

static void test_load_file(void **state)
{
	char *path = write_file(
		"# axfrd test config\n"
		"\n"
		"   \n"
		"db = /tmp/axfrd-test/x.db   # trailing comment\n"
		"api-listen = [::1]:0\n"
		"dns-listen=127.0.0.1:0\n"
		"\tserial-policy\t=\tdateserial\t\n"
		"    # indented comment\n"
		"default-ttl = 60\n"
		"soa-mname =\n"
		"log-level = debug");  /* no newline at the end */
	config cfg;
	ax_errinfo ei;

	(void)state;
	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	if (config_load_file(&cfg, path, &ei) != AX_OK)
		fail_msg("config_load_file: %s", ei.msg);
	assert_string_equal(cfg.db, "/tmp/axfrd-test/x.db");
	assert_v6(&cfg.api_listen, "::1", 0);
	assert_v4(&cfg.dns_listen, "127.0.0.1", 0);
	assert_string_equal(cfg.serial_policy, "dateserial");
	assert_int_equal(cfg.default_ttl, 60);
	assert_string_equal(cfg.soa_mname, "");
	assert_string_equal(cfg.log_level, "debug");
	/* untouched settings keep their defaults */
	assert_string_equal(cfg.db_synchronous, "full");
	assert_int_equal(cfg.db_busy_timeout, 5000);
	assert_int_equal(config_validate(&cfg, &ei), AX_OK);
	config_free(&cfg);
	free_file(path);

	/* CRLF line ends */
	path = write_file("db = crlf.db\r\n# c\r\n\r\ndefault-ttl = 7\r\n");
	defaults(&cfg);
	if (config_load_file(&cfg, path, &ei) != AX_OK)
		fail_msg("CRLF file: %s", ei.msg);
	assert_string_equal(cfg.db, "crlf.db");
	assert_int_equal(cfg.default_ttl, 7);
	config_free(&cfg);
	free_file(path);

	/* an empty file is fine */
	path = write_file("");
	defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, &ei), AX_OK);
	assert_string_equal(cfg.db, "./var/axfrd.db");
	config_free(&cfg);
	free_file(path);
}

static void test_load_file_errors(void **state)
{
	(void)state;
	load_bad("# ok\ndb = x\nbogus-key = 1\n", AX_EINVAL, 3, "bogus-key",
		 "bogus-key");
	load_bad("default-ttl = abc\n", AX_EINVAL, 1, "default-ttl", "default-ttl");
	load_bad("\n\ndb-busy-timeout = 600001 # too much\n", AX_EINVAL, 3,
		 "db-busy-timeout", "db-busy-timeout");
	load_bad("api-listen = localhost:80\n", AX_EINVAL, 1, "api-listen",
		 "api-listen");
	load_bad("db = a\njust some words\n", AX_EINVAL, 2, NULL, "key = value");

	char *longline = malloc(6000);
	assert_non_null(longline);
	memset(longline, 'x', 5998);
	memcpy(longline, "db = ", 5);
	strcpy(longline + 5998, "\n");
	load_bad(longline, AX_EINVAL, 1, NULL, "too long");
	free(longline);
}

static void test_load_missing_file(void **state)
{
	const char *path = "/nonexistent-dir-axfrd/axfrd.conf";
	config cfg;
	ax_errinfo ei;

	(void)state;
	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(config_load_file(&cfg, path, &ei), AX_EIO);
	assert_non_null(strstr(ei.msg, path));
	assert_string_equal(cfg.db, "./var/axfrd.db");
	config_free(&cfg);
}

/* ---- validation --------------------------------------------------------- */

/* A bad value must not survive set + validate: config_set may refuse it
 * at once (the typed table checks values as they are set) or
 * config_validate afterwards; either way the error names the key. */
static void expect_invalid(const char *key, const char *value)
{
	config cfg;
	ax_errinfo ei;
	int rc_set, rc_val = AX_OK;

	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	rc_set = config_set(&cfg, key, value, &ei);
	if (rc_set == AX_OK)
		rc_val = config_validate(&cfg, &ei);
	config_free(&cfg);
	if (rc_set == AX_OK && rc_val == AX_OK)
		fail_msg("%s = \"%s\" was accepted by config_set and "
			 "config_validate", key, value);
	assert_int_equal(rc_set != AX_OK ? rc_set : rc_val, AX_EINVAL);
	assert_string_equal(ei.field, key);
	if (strstr(ei.msg, key) == NULL)
		fail_msg("message \"%s\" does not name %s", ei.msg, key);
}

static void expect_valid(const char *key, const char *value)
{
	config cfg;
	ax_errinfo ei;
	int rc;

	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	rc = config_set(&cfg, key, value, &ei);
	if (rc == AX_OK)
		rc = config_validate(&cfg, &ei);
	config_free(&cfg);
	if (rc != AX_OK)
		fail_msg("%s = \"%s\" refused: %s", key, value, ei.msg);
}

static void test_validate(void **state)
{
	(void)state;
	expect_invalid("log-level", "verbose");
	expect_invalid("log-level", "");
	expect_invalid("log-level", "INFO");
	expect_invalid("serial-policy", "weekly");
	expect_invalid("serial-policy", "");
	expect_invalid("db-synchronous", "off");
	expect_invalid("db-synchronous", "extra");
	expect_invalid("db-synchronous", "");
	expect_invalid("db", "");
	expect_invalid("default-name-servers", "");
	expect_invalid("default-name-servers", " , ");
	expect_invalid("dns-listen-also", "::1");
	expect_invalid("dns-listen-also", "[::1]:0, 127.0.0.1");
	expect_invalid("dns-listen-also", "127.0.0.1:65536");
	/* nine good addresses: one more than allowed */
	expect_invalid("dns-listen-also", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4,"
		       "127.0.0.1:5,127.0.0.1:6,127.0.0.1:7,127.0.0.1:8,127.0.0.1:9");
	expect_valid("dns-listen-also", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4,"
		     "127.0.0.1:5,127.0.0.1:6,127.0.0.1:7,127.0.0.1:8");

	expect_valid("log-level", "error");
	expect_valid("log-level", "warn");
	expect_valid("log-level", "debug");
	expect_valid("serial-policy", "increment");
	expect_valid("serial-policy", "dateserial");
	expect_valid("db-synchronous", "normal");
	expect_valid("default-name-servers", "ns1.example.net, ns2.example.org");
	expect_valid("dns-listen-also", "");
	expect_valid("dns-listen-also", "[::1]:0");
	expect_valid("dns-listen-also", " [::1]:0 , 127.0.0.2:5353 ");
}

/* The same through a file: the error names file:line and the key. */
static void test_validate_file(void **state)
{
	const char *bad[][2] = {{"log-level", "verbose"},
				{"serial-policy", "weekly"},
				{"db-synchronous", "off"}};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "# c\n%s = %s\n", bad[i][0], bad[i][1]);
		char *path = write_file(text);
		config cfg;
		ax_errinfo ei;
		int rc;

		defaults(&cfg);
		memset(&ei, 0, sizeof(ei));
		rc = config_load_file(&cfg, path, &ei);
		if (rc == AX_OK)
			rc = config_validate(&cfg, &ei);
		config_free(&cfg);
		free_file(path);
		if (rc != AX_EINVAL)
			fail_msg("%s = %s in a file: want AX_EINVAL, got %d", bad[i][0],
				 bad[i][1], rc);
		assert_string_equal(ei.field, bad[i][0]);
		assert_non_null(strstr(ei.msg, bad[i][0]));
	}
}

/* The example shipped in deploy/ loads and validates. */
static void test_example_config(void **state)
{
	config cfg;
	ax_errinfo ei;
	int rc;

	(void)state;
	defaults(&cfg);
	memset(&ei, 0, sizeof(ei));
	rc = config_load_file(&cfg, EXAMPLE_CONFIG, &ei);
	if (rc != AX_OK) {
		config_free(&cfg);
		fail_msg("%s: %s", EXAMPLE_CONFIG, ei.msg);
	}
	rc = config_validate(&cfg, &ei);
	config_free(&cfg);
	if (rc != AX_OK)
		fail_msg("%s does not validate: %s", EXAMPLE_CONFIG, ei.msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_has_key),
		cmocka_unit_test(test_parse_addr_good),
		cmocka_unit_test(test_parse_addr_bad),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_bad_addr_keeps_value),
		cmocka_unit_test(test_set_long_mailbox),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_file),
		cmocka_unit_test(test_example_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
