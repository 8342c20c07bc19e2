/* strmap.c -- open-addressing string hash map. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A removed slot: keeps probe chains intact until the next rehash. */
static char tombstone;

typedef struct slot {
	char *key;       /* NULL empty, &tombstone removed */
	size_t value;
	uint64_t hash;
} slot;

struct strmap {
	slot *slots;
	size_t cap;      /* power of two */
	size_t used;     /* live keys */
	size_t filled;   /* live keys + tombstones */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

strmap *strmap_new(void)
{
	strmap *m = calloc(1, sizeof(*m));

	if (m != NULL && (m->slots = calloc(16, sizeof(slot))) == NULL) {
		free(m);
		return NULL;
	}
	if (m != NULL)
		m->cap = 16;
	return m;
}

void strmap_free(strmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL && m->slots[i].key != &tombstone)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
}

/* The slot holding key, or (when absent) where it would go. */
static slot *find(const strmap *m, const char *key, uint64_t h, bool *found)
{
	slot *first_free = NULL;

	for (size_t i = h & (m->cap - 1); ; i = (i + 1) & (m->cap - 1)) {
		slot *s = &m->slots[i];
		if (s->key == NULL) {
			*found = false;
			return first_free ? first_free : s;
		}
		if (s->key == &tombstone) {
			if (first_free == NULL)
				first_free = s;
			continue;
		}
		if (s->hash == h && strcmp(s->key, key) == 0) {
			*found = true;
			return s;
		}
	}
}

static bool grow(strmap *m)
{
	size_t cap = m->used * 4 > m->cap ? m->cap * 2 : m->cap;
	slot *old = m->slots, *nw = calloc(cap, sizeof(slot));
	size_t oldcap = m->cap;

	if (nw == NULL)
		return false;
	m->slots = nw;
	m->cap = cap;
	m->filled = m->used;
	for (size_t i = 0; i < oldcap; i++) {
		bool found;
		if (old[i].key == NULL || old[i].key == &tombstone)
			continue;
		*find(m, old[i].key, old[i].hash, &found) = old[i];
	}
	free(old);
	return true;
}

bool strmap_put(strmap *m, const char *key, size_t value)
{
	uint64_t h = hash_str(key);
	bool found;
	slot *s;

	if ((m->filled + 1) * 4 > m->cap * 3 && !grow(m))
		return false;
	s = find(m, key, h, &found);
	if (found) {
		s->value = value;
		return true;
	}
	char *copy = strdup(key);
	if (copy == NULL)
		return false;
	if (s->key == NULL)
		m->filled++;
	s->key = copy;
	s->hash = h;
	s->value = value;
	m->used++;
	return true;
}

bool strmap_get(const strmap *m, const char *key, size_t *value)
{
	bool found;
	slot *s = find(m, key, hash_str(key), &found);

	if (found && value != NULL)
		*value = s->value;
	return found;
}

bool strmap_del(strmap *m, const char *key)
{
	bool found;
	slot *s = find(m, key, hash_str(key), &found);

	if (!found)
		return false;
	free(s->key);
	s->key = &tombstone;
	m->used--;
	return true;
}

size_t strmap_count(const strmap *m)
{
	return m->used;
}

void strmap_each(const strmap *m, bool (*fn)(void *arg, const char *key,
					     size_t value), void *arg)
{
	for (size_t i = 0; i < m->cap; i++) {
		const slot *s = &m->slots[i];
		if (s->key != NULL && s->key != &tombstone && !fn(arg, s->key, s->value))
			return;
	}
}
