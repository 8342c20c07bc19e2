/* rrlist.h -- a growable list of owned records, indexed by a string key,
 * for the record changes of one edit or one netted journal. Removing an
 * entry clears it in place (its name becomes NULL); walkers skip those. */
#ifndef AXFRD_RRLIST_H
#define AXFRD_RRLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "rr.h"
#include "strmap.h"

typedef struct rrlist {
	rr_record *v;
	size_t n, cap;
	size_t live;         /* entries not removed */
	strmap *index;       /* key -> position */
} rrlist;

void rrlist_free(rrlist *l);

/* Appends a copy of r (its id included) under key. */
int rrlist_push(rrlist *l, const rr_record *r, const char *key);

/* Removes the entry under key; true if there was one. */
bool rrlist_take(rrlist *l, const char *key);

/* The identity of a record: owner (as written), type, TTL and content.
 * malloc'd; NULL when out of memory. */
char *rr_identity(const rr_record *r);

#endif
