/* test_outbound.c -- unit tests of the outbound policy (outbound.c):
 * "global", the addresses that carry an IPv4 address, allow and deny
 * lists, and the syntax of the settings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "axfrd/config.h"
#include "axfrd/outbound.h"

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;

	if (!config_parse_host(text, &ss))
		fail_msg("bad test address %s", text);
	return ss;
}

static bool global(const char *text)
{
	struct sockaddr_storage ss = addr(text);

	return outbound_is_global(&ss);
}

static bool allowed(const char *allow, const char *deny, const char *text)
{
	outbound_policy p;
	struct sockaddr_storage ss = addr(text);
	ax_errinfo ei;

	assert_int_equal(outbound_parse(allow, deny, &p, &ei), AX_OK);
	return outbound_allowed(&p, &ss);
}

/* Every prefix the issue lists: its first and last address, and one
 * inside, are not global. */
static void test_not_global_v4(void **state)
{
	static const char *const not_global[] = {
		"0.0.0.0", "0.255.255.255", "10.0.0.0", "10.1.2.3", "10.255.255.255",
		"100.64.0.0", "100.127.255.255", "127.0.0.1", "127.255.255.254",
		"169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255",
		"192.0.0.1", "192.0.0.255", "192.0.2.1", "192.0.2.255", "192.168.0.1",
		"192.168.255.255", "198.18.0.1", "198.19.255.255", "198.51.100.7",
		"203.0.113.9", "224.0.0.1", "239.255.255.255", "240.0.0.1",
		"255.255.255.254", "255.255.255.255",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(not_global) / sizeof(not_global[0]); i++)
		if (global(not_global[i]))
			fail_msg("%s counted as global", not_global[i]);
}

static void test_not_global_v6(void **state)
{
	static const char *const not_global[] = {
		"::", "::1", "100::1", "100::ffff:ffff:ffff:ffff", "2001:2::1",
		"2001:2:0:ffff::1", "2001:db8::1", "2001:db8:ffff::1", "fc00::1",
		"fdff:ffff::1", "fe80::1", "febf::1", "fec0::1", "feff::1", "ff02::1",
		"ff0e::1", "2001:10::1", "3fff::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
		"64:ff9b::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b:1::8.8.8.8",
		"2002:0a00:0001::1", "2002:7f00:0001::1", "2002:a9fe:a9fe::1",
		/* Teredo: the client 10.0.0.1 inverted is f5ff:fffe */
		"2001:0:4136:e378:8000:63bf:f5ff:fffe",
		/* Outside IANA's global unicast space */
		"4000::1", "::8.8.8.8",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(not_global) / sizeof(not_global[0]); i++)
		if (global(not_global[i]))
			fail_msg("%s counted as global", not_global[i]);
}

static void test_global(void **state)
{
	static const char *const yes[] = {
		"8.8.8.8", "1.1.1.1", "204.13.249.76", "9.255.255.255", "11.0.0.0",
		"100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
		"192.0.1.255", "192.0.3.0", "192.167.255.255", "192.169.0.0",
		"198.17.255.255", "198.20.0.0", "223.255.255.255",
		"2001:4860:4860::8888", "2a00:1450::1", "2001:1::1", "2001:4:112::1",
		"::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1",
		/* Teredo, client 8.8.8.8 (inverted f7f7:f7f7) */
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!global(yes[i]))
			fail_msg("%s not counted as global", yes[i]);
}

static void test_lists(void **state)
{
	(void)state;
	/* the default: global */
	assert_true(allowed("global", "", "8.8.8.8"));
	assert_false(allowed("global", "", "10.20.0.5"));
	/* a given list replaces the default */
	assert_true(allowed("127.0.0.0/8,::1/128", "", "127.0.0.1"));
	assert_true(allowed("127.0.0.0/8,::1/128", "", "::1"));
	assert_true(allowed("127.0.0.0/8,::1/128", "", "::ffff:127.0.0.1"));
	assert_false(allowed("127.0.0.0/8,::1/128", "", "8.8.8.8"));
	assert_false(allowed("127.0.0.0/8,::1/128", "", "204.13.249.76"));
	/* an explicit allow is the address itself, not a NAT64 form of it */
	assert_false(allowed("127.0.0.0/8,::1/128", "", "64:ff9b::127.0.0.1"));
	/* global plus an internal range */
	assert_true(allowed("global,10.20.0.0/16", "", "10.20.3.4"));
	assert_false(allowed("global,10.20.0.0/16", "", "10.21.0.1"));
	assert_true(allowed("global,10.20.0.0/16", "", "8.8.8.8"));
	/* deny beats allow, also through an embedded IPv4 address */
	assert_false(allowed("global,10.20.0.0/16", "10.20.9.0/24", "10.20.9.1"));
	assert_false(allowed("global", "8.8.8.0/24", "8.8.8.8"));
	assert_false(allowed("global", "8.8.8.0/24", "::ffff:8.8.8.8"));
	assert_false(allowed("global", "8.8.8.0/24", "64:ff9b::8.8.8.8"));
	assert_false(allowed("global", "8.8.8.0/24", "2002:0808:0808::1"));
	assert_false(allowed("0.0.0.0/0,::/0", "::/0", "::1"));
	assert_true(allowed("global", "8.8.8.0/24", "8.8.4.4"));
	/* nothing allowed */
	assert_false(allowed("", "", "127.0.0.1"));
}

static void test_syntax(void **state)
{
	outbound_policy p;
	ax_errinfo ei;
	char buf[512];

	(void)state;
	assert_int_equal(outbound_parse("global, 10.20.0.0/16 ,2001:db8::/32", "", &p, &ei),
			 AX_OK);
	assert_true(p.global);
	assert_int_equal(p.nallow, 2);
	outbound_describe(&p, buf, sizeof(buf));
	assert_string_equal(buf, "outbound: allow global,10.20.0.0/16,2001:db8::/32; "
			    "deny nothing");
	assert_int_equal(outbound_check_list("outbound-allow", "10.0.0.1/8", true, &ei),
			 AX_EINVAL);
	assert_non_null(strstr(ei.msg, "bits set"));
	assert_int_equal(outbound_check_list("outbound-allow", "globl", true, &ei),
			 AX_EINVAL);
	assert_non_null(strstr(ei.msg, "'globl'"));
	assert_string_equal(ei.field, "outbound-allow");
	assert_int_equal(outbound_check_list("outbound-deny", "global", false, &ei),
			 AX_EINVAL);
	assert_int_equal(outbound_check_list("outbound-deny", "10.0.0.0/33", false, &ei),
			 AX_EINVAL);
	/* the settings: defaults, and a bad value changes nothing */
	config cfg;
	assert_int_equal(config_defaults(&cfg), AX_OK);
	assert_true(cfg.outbound.global);
	assert_int_equal(cfg.outbound.nallow, 0);
	assert_int_equal(config_set(&cfg, "outbound-allow", "127.0.0.0/8", &ei), AX_OK);
	assert_false(cfg.outbound.global);
	assert_int_equal(config_set(&cfg, "outbound-allow", "nonsense", &ei), AX_EINVAL);
	assert_false(cfg.outbound.global);
	assert_int_equal(cfg.outbound.nallow, 1);
	assert_int_equal(config_set(&cfg, "outbound-deny", "127.0.0.2/32", &ei), AX_OK);
	assert_int_equal(cfg.outbound.ndeny, 1);
	config_free(&cfg);
}

static void test_notify_source(void **state)
{
	config cfg;
	ax_errinfo ei;
	struct sockaddr_storage ss;

	(void)state;
	assert_int_equal(config_defaults(&cfg), AX_OK);
	/* default: dns-listen's address, for its family */
	assert_true(config_notify_source(&cfg, AF_INET, &ss));
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(0x7f000001));
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, 0);
	assert_false(config_notify_source(&cfg, AF_INET6, &ss));
	/* a wildcard dns-listen binds nothing */
	assert_int_equal(config_set(&cfg, "dns-listen", "0.0.0.0:53", &ei), AX_OK);
	assert_false(config_notify_source(&cfg, AF_INET, &ss));
	assert_int_equal(config_set(&cfg, "notify-source", "192.0.2.1, 2001:db8::1", &ei),
			 AX_OK);
	assert_true(config_notify_source(&cfg, AF_INET, &ss));
	assert_true(config_notify_source(&cfg, AF_INET6, &ss));
	assert_int_equal(config_set(&cfg, "notify-source", "0.0.0.0", &ei), AX_EINVAL);
	assert_int_equal(config_set(&cfg, "notify-source", "192.0.2.1,192.0.2.2", &ei),
			 AX_EINVAL);
	assert_int_equal(config_set(&cfg, "notify-source", "192.0.2.1:53", &ei), AX_EINVAL);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_global_v4),
		cmocka_unit_test(test_not_global_v6),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_notify_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
