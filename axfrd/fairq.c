/* fairq.c -- lanes in a ring of the non-empty ones, found by key through a
 * strmap; a lane is freed when it empties. */
#include "fairq.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "strmap.h"

typedef struct fairq_lane {
	int64_t key;
	fairq_node *head, *tail;
	size_t n;
	struct fairq_lane *ring_next, *ring_prev;  /* the non-empty lanes */
} fairq_lane;

struct fairq {
	strmap *lanes;                /* "key" -> lane */
	fairq_lane *cursor;           /* the next lane to serve */
	size_t n;
};

static void key_text(char *buf, size_t len, int64_t key)
{
	snprintf(buf, len, "%lld", (long long)key);
}

fairq *fairq_new(void)
{
	fairq *q = calloc(1, sizeof(*q));

	if (q != NULL && (q->lanes = strmap_new()) == NULL) {
		free(q);
		q = NULL;
	}
	return q;
}

void fairq_free(fairq *q)
{
	if (q == NULL)
		return;
	while (q->cursor != NULL)
		fairq_remove(q, q->cursor->head);  /* frees a lane when it empties */
	strmap_free(q->lanes);
	free(q);
}

static fairq_lane *lane_of(const fairq *q, int64_t key)
{
	char k[32];
	size_t v;

	key_text(k, sizeof(k), key);
	return strmap_get(q->lanes, k, &v) ? (fairq_lane *)(uintptr_t)v : NULL;
}

/* A new lane joins the ring just before the cursor: served last in the
 * current round. */
static fairq_lane *lane_new(fairq *q, int64_t key)
{
	fairq_lane *l = calloc(1, sizeof(*l));
	char k[32];

	key_text(k, sizeof(k), key);
	if (l == NULL || !strmap_put(q->lanes, k, (size_t)(uintptr_t)l)) {
		free(l);
		return NULL;
	}
	l->key = key;
	if (q->cursor == NULL) {
		l->ring_next = l->ring_prev = l;
		q->cursor = l;
	} else {
		l->ring_next = q->cursor;
		l->ring_prev = q->cursor->ring_prev;
		l->ring_prev->ring_next = l;
		q->cursor->ring_prev = l;
	}
	return l;
}

static void lane_free(fairq *q, fairq_lane *l)
{
	char k[32];

	if (l->ring_next == l) {
		q->cursor = NULL;
	} else {
		l->ring_prev->ring_next = l->ring_next;
		l->ring_next->ring_prev = l->ring_prev;
		if (q->cursor == l)
			q->cursor = l->ring_next;
	}
	key_text(k, sizeof(k), l->key);
	strmap_del(q->lanes, k);
	free(l);
}

bool fairq_push(fairq *q, int64_t key, fairq_node *node)
{
	fairq_lane *l = lane_of(q, key);

	if (node->lane != NULL)
		return true;
	if (l == NULL && (l = lane_new(q, key)) == NULL)
		return false;
	node->next = NULL;
	node->prev = l->tail;
	*(l->tail ? &l->tail->next : &l->head) = node;
	l->tail = node;
	node->lane = l;
	l->n++;
	q->n++;
	return true;
}

void fairq_remove(fairq *q, fairq_node *node)
{
	fairq_lane *l = node->lane;

	if (l == NULL)
		return;
	*(node->prev ? &node->prev->next : &l->head) = node->next;
	*(node->next ? &node->next->prev : &l->tail) = node->prev;
	node->next = node->prev = NULL;
	node->lane = NULL;
	l->n--;
	q->n--;
	if (l->n == 0)
		lane_free(q, l);
}

size_t fairq_len(const fairq *q)
{
	return q->n;
}

size_t fairq_lane_len(const fairq *q, int64_t key)
{
	const fairq_lane *l = lane_of(q, key);

	return l != NULL ? l->n : 0;
}

fairq_node *fairq_pop(fairq *q, fairq_ready_fn ready, void *arg)
{
	fairq_lane *start = q->cursor, *l = start;

	if (start == NULL)
		return NULL;
	do {
		fairq_lane *next = l->ring_next;
		if (ready(arg, l->key, l->head)) {
			fairq_node *node = l->head;
			/* The next round starts after this lane (which may go). */
			q->cursor = next;
			fairq_remove(q, node);
			return node;
		}
		l = next;
	} while (l != start);
	return NULL;
}
