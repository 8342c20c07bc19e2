/* fairq.h -- a fair queue: one FIFO lane per key (an account), the lanes
 * served round-robin, so that one key's long queue never delays another
 * key's items. Intrusive: the caller embeds a fairq_node in each item and
 * owns the items. Not thread-safe (the DNS loop's). */
#ifndef AXFRD_FAIRQ_H
#define AXFRD_FAIRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fairq_lane;
typedef struct fairq fairq;

/* Embedded in each item; zeroed when the item is not queued. */
typedef struct fairq_node {
	struct fairq_node *next, *prev;
	struct fairq_lane *lane;      /* NULL: not queued */
} fairq_node;

fairq *fairq_new(void);
/* Frees the queue and its lanes, not the items (accepts NULL). */
void fairq_free(fairq *q);

/* Appends node to key's lane; false when out of memory (not queued). */
bool fairq_push(fairq *q, int64_t key, fairq_node *node);
/* Takes node out of its lane (a node not queued: nothing). */
void fairq_remove(fairq *q, fairq_node *node);
static inline bool fairq_queued(const fairq_node *node) { return node->lane != NULL; }

/* Items queued in all lanes, and in key's lane. */
size_t fairq_len(const fairq *q);
size_t fairq_lane_len(const fairq *q, int64_t key);

/* Whether key's lane may be served now (its head is the item it would
 * give); may take a token, which the item then spends. */
typedef bool (*fairq_ready_fn)(void *arg, int64_t key, fairq_node *head);

/* Removes and returns the head of the next lane, round-robin after the
 * lane served last, that ready accepts; ready is asked at most once per
 * lane. NULL when no lane is ready. */
fairq_node *fairq_pop(fairq *q, fairq_ready_fn ready, void *arg);

#endif
