/* test_psl.c -- unit tests of psl.c: parsing the Public Suffix List
 * (comments, normal, wildcard and exception rules, UTF-8 entries) and the
 * list's algorithm, on a small list and on the one Debian ships. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axfrd/psl.h"

#define SYSTEM_LIST "/usr/share/publicsuffix/public_suffix_list.dat"

static const char small[] =
	"// This Source Code Form is subject to the terms of the Mozilla ...\n"
	"\n"
	"// ===BEGIN ICANN DOMAINS===\n"
	"com\n"
	"uk\n"
	"co.uk\n"
	"  org.uk   trailing words are ignored\n"
	"\r\n"
	"// ck : https://en.wikipedia.org/wiki/.ck\n"
	"*.ck\n"
	"!www.ck\n"
	"jp\n"
	"*.kawasaki.jp\n"
	"!city.kawasaki.jp\n"
	"// UTF-8 entries are kept as A-labels\n"
	"\xe5\x85\xac\xe5\x8f\xb8.cn\n"          /* 公司.cn */
	"\xc3\xa5l.no\n"                          /* ål.no */
	"CN\n"
	"// ===BEGIN PRIVATE DOMAINS===\n"
	"blogspot.com\n"
	"// a line without a newline at the end\n"
	"github.io";

static psl_list *parse_small(void)
{
	psl_list *l = NULL;
	ax_errinfo ei;

	ax_errinfo_clear(&ei);
	assert_int_equal(psl_parse(small, strlen(small), "small", &l, &ei), AX_OK);
	assert_non_null(l);
	return l;
}

static void test_parse_counts(void **state)
{
	psl_list *l = parse_small();

	(void)state;
	assert_int_equal(psl_rules(l), 14);
	assert_int_equal(psl_skipped(l), 0);
	psl_free(l);
	psl_free(NULL);
}

static void test_normal_rules(void **state)
{
	psl_list *l = parse_small();

	(void)state;
	assert_true(psl_is_public_suffix(l, "com"));
	assert_true(psl_is_public_suffix(l, "co.uk"));
	assert_true(psl_is_public_suffix(l, "org.uk"));
	assert_false(psl_is_public_suffix(l, "example.com"));
	assert_false(psl_is_public_suffix(l, "example.co.uk"));
	assert_false(psl_is_public_suffix(l, "www.example.co.uk"));
	/* a label boundary: "xco.uk" is not "co.uk" */
	assert_false(psl_is_public_suffix(l, "xco.uk"));
	assert_int_equal(psl_suffix_labels(l, "www.example.co.uk"), 2);
	assert_int_equal(psl_suffix_labels(l, "example.com"), 1);
	/* the private section counts too */
	assert_true(psl_is_public_suffix(l, "blogspot.com"));
	assert_true(psl_is_public_suffix(l, "github.io"));
	assert_false(psl_is_public_suffix(l, "me.github.io"));
	/* upper case in the file is normalized */
	assert_true(psl_is_public_suffix(l, "cn"));
	psl_free(l);
}

static void test_wildcards_and_exceptions(void **state)
{
	psl_list *l = parse_small();

	(void)state;
	assert_true(psl_is_public_suffix(l, "foo.ck"));
	assert_false(psl_is_public_suffix(l, "www.ck"));
	assert_int_equal(psl_suffix_labels(l, "www.ck"), 1);
	assert_false(psl_is_public_suffix(l, "bar.foo.ck"));
	assert_int_equal(psl_suffix_labels(l, "bar.foo.ck"), 2);
	assert_int_equal(psl_suffix_labels(l, "a.www.ck"), 1);
	assert_true(psl_is_public_suffix(l, "kawasaki.jp") == false);
	assert_true(psl_is_public_suffix(l, "x.kawasaki.jp"));
	assert_false(psl_is_public_suffix(l, "city.kawasaki.jp"));
	assert_false(psl_is_public_suffix(l, "y.x.kawasaki.jp"));
	assert_int_equal(psl_suffix_labels(l, "y.city.kawasaki.jp"), 2);
	psl_free(l);
}

static void test_idn_rules(void **state)
{
	psl_list *l = parse_small();

	(void)state;
	assert_true(psl_is_public_suffix(l, "xn--55qx5d.cn"));
	assert_false(psl_is_public_suffix(l, "shop.xn--55qx5d.cn"));
	assert_true(psl_is_public_suffix(l, "xn--l-1fa.no"));
	psl_free(l);
}

static void test_single_labels_and_root(void **state)
{
	psl_list *l = parse_small();

	(void)state;
	/* not in the list, still one label */
	assert_true(psl_is_public_suffix(l, "test"));
	assert_true(psl_is_public_suffix(l, "localhost"));
	assert_true(psl_is_public_suffix(l, ""));
	assert_true(psl_is_public_suffix(NULL, "test"));
	/* unknown TLDs: the implicit "*" rule makes the TLD the suffix */
	assert_false(psl_is_public_suffix(l, "brand.test"));
	assert_int_equal(psl_suffix_labels(l, "www.brand.test"), 1);
	psl_free(l);
}

static void test_bad_lists(void **state)
{
	psl_list *l = (psl_list *)1;
	ax_errinfo ei;
	const char *only_comments = "// nothing\n\n// here\n";

	(void)state;
	ax_errinfo_clear(&ei);
	assert_int_equal(psl_parse(only_comments, strlen(only_comments), "x.dat", &l,
				   &ei), AX_EINVAL);
	assert_null(l);
	assert_string_equal(ei.field, "public-suffix-list");
	assert_non_null(strstr(ei.msg, "x.dat holds no public suffix rule"));

	ax_errinfo_clear(&ei);
	l = (psl_list *)1;
	assert_int_equal(psl_load("/nonexistent/psl.dat", &l, &ei), AX_EIO);
	assert_null(l);
	assert_non_null(strstr(ei.msg, "cannot read /nonexistent/psl.dat"));
	assert_non_null(strstr(ei.msg, "No such file or directory"));

	/* rules that cannot be names are skipped, the rest kept */
	const char *odd = "com\nfoo.*.bar\na..b\nx.\n\xff\xfe.cn\n";
	ax_errinfo_clear(&ei);
	assert_int_equal(psl_parse(odd, strlen(odd), "odd", &l, &ei), AX_OK);
	assert_int_equal(psl_rules(l), 1);
	assert_int_equal(psl_skipped(l), 4);
	assert_false(psl_is_public_suffix(l, "foo.x.bar"));
	psl_free(l);
}

/* The list Debian's publicsuffix package ships (a runtime dependency,
 * deploy/install-deps.sh installs it). */
static void test_system_list(void **state)
{
	psl_list *l = NULL;
	ax_errinfo ei;

	(void)state;
	ax_errinfo_clear(&ei);
	if (access(SYSTEM_LIST, R_OK) != 0)
		fail_msg("%s is missing: install Debian's publicsuffix package "
			 "(deploy/install-deps.sh)", SYSTEM_LIST);
	assert_int_equal(psl_load(SYSTEM_LIST, &l, &ei), AX_OK);
	assert_true(psl_rules(l) > 5000);
	assert_true(psl_is_public_suffix(l, "com"));
	assert_true(psl_is_public_suffix(l, "co.uk"));
	assert_true(psl_is_public_suffix(l, "foo.ck"));
	assert_false(psl_is_public_suffix(l, "www.ck"));
	assert_true(psl_is_public_suffix(l, "xn--55qx5d.cn"));  /* 公司.cn */
	assert_true(psl_is_public_suffix(l, "in-addr.arpa"));
	assert_false(psl_is_public_suffix(l, "2.0.192.in-addr.arpa"));
	assert_false(psl_is_public_suffix(l, "example.com"));
	assert_false(psl_is_public_suffix(l, "example.co.uk"));
	assert_false(psl_is_public_suffix(l, "brand.test"));
	psl_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_counts),
		cmocka_unit_test(test_normal_rules),
		cmocka_unit_test(test_wildcards_and_exceptions),
		cmocka_unit_test(test_idn_rules),
		cmocka_unit_test(test_single_labels_and_root),
		cmocka_unit_test(test_bad_lists),
		cmocka_unit_test(test_system_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
