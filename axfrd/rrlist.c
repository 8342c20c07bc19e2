/* rrlist.c -- indexed lists of owned records. */
#include "rrlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rrlist_free(rrlist *l)
{
	rr_record_array_free(l->v, l->n);
	strmap_free(l->index);
	memset(l, 0, sizeof(*l));
}

int rrlist_push(rrlist *l, const rr_record *r, const char *key)
{
	rr_record *e;

	if (l->index == NULL && (l->index = strmap_new()) == NULL)
		return AX_ENOMEM;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		rr_record *grown = realloc(l->v, cap * sizeof(*grown));
		if (grown == NULL)
			return AX_ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	e->id = r->id;
	e->ttl = r->ttl;
	e->name = strdup(r->name);
	e->type = strdup(r->type);
	e->content = strdup(r->content);
	if (e->name == NULL || e->type == NULL || e->content == NULL ||
	    !strmap_put(l->index, key, l->n)) {
		rr_record_clear(e);
		return AX_ENOMEM;
	}
	l->n++;
	l->live++;
	return AX_OK;
}

bool rrlist_take(rrlist *l, const char *key)
{
	size_t pos;

	if (l->index == NULL || !strmap_get(l->index, key, &pos))
		return false;
	strmap_del(l->index, key);
	rr_record_clear(&l->v[pos]);
	l->live--;
	return true;
}

char *rr_identity(const rr_record *r)
{
	char *key = NULL;

	if (asprintf(&key, "%s\x01%s\x01%u\x01%s", r->name, r->type, r->ttl,
		     r->content) < 0)
		return NULL;
	return key;
}
