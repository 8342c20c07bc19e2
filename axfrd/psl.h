/* psl.h -- the Public Suffix List (https://publicsuffix.org/list/): read
 * from its text form (Debian's publicsuffix package installs it) and
 * asked whether a zone name is a public suffix, which no tenant may own. */
#ifndef AXFRD_PSL_H
#define AXFRD_PSL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct psl_list psl_list;

/*
 * Reads the list at path. A file that cannot be read, or that holds no
 * rule, is an error naming the path (field "public-suffix-list"). Rules
 * in UTF-8 are kept in A-label form (lower case); a rule that does not
 * convert is skipped (and counted in psl_skipped).
 */
int psl_load(const char *path, psl_list **out, ax_errinfo *ei);

/* Parses the list from text[0..len) (origin names it in messages). */
int psl_parse(const char *text, size_t len, const char *origin, psl_list **out,
	      ax_errinfo *ei);

/* Frees the list (accepts NULL). */
void psl_free(psl_list *l);

/* The number of rules kept, and of rules skipped because they do not
 * convert to A-labels. */
size_t psl_rules(const psl_list *l);
size_t psl_skipped(const psl_list *l);

/*
 * The number of labels of name's public suffix by the list's algorithm:
 * the exception rule that matches prevails (the suffix is that rule less
 * its leftmost label), else the matching rule with the most labels, a
 * wildcard label matching any one label; without a match, 1 (the
 * implicit rule "*"). name is normalized: A-labels, lower case, no
 * trailing dot.
 */
size_t psl_suffix_labels(const psl_list *l, const char *name);

/* True when name is a public suffix itself: every name of one label
 * (whether or not the list has it) and the root (""), and every name the
 * list's rules make a suffix (com, co.uk, anything.ck but www.ck). */
bool psl_is_public_suffix(const psl_list *l, const char *name);

#endif
