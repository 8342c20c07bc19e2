/* strmap.h -- a hash map from strings to size_t, open addressing with
 * tombstones. Keys are copied. Used where a change request touches many
 * names or records (a large import), so lookups stay O(1). */
#ifndef AXFRD_STRMAP_H
#define AXFRD_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strmap strmap;

strmap *strmap_new(void);
/* Frees the map and its keys (accepts NULL). */
void strmap_free(strmap *m);
/* Sets key to value (replacing); false when out of memory. */
bool strmap_put(strmap *m, const char *key, size_t value);
/* The value of key in *value; false when absent. */
bool strmap_get(const strmap *m, const char *key, size_t *value);
/* Removes key; false when absent. */
bool strmap_del(strmap *m, const char *key);
size_t strmap_count(const strmap *m);

/* Calls fn for every key (in no particular order); stops when fn
 * returns false. */
void strmap_each(const strmap *m, bool (*fn)(void *arg, const char *key,
					     size_t value), void *arg);

#endif
