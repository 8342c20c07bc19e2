/* db_strv.h -- lists of strings (host names, addresses) as the store keeps
 * them: space-separated text in one column. */
#ifndef AXFRD_DB_STRV_H
#define AXFRD_DB_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* A list of owned strings; zero-initialized is the empty list. */
typedef struct db_strv {
	char **v;
	size_t n;
} db_strv;

/* Frees the strings and the array (accepts NULL) and empties s. */
void db_strv_free(db_strv *s);

/* Appends a copy of str. AX_ENOMEM on failure (s unchanged). */
int db_strv_push(db_strv *s, const char *str);

/* True when s holds str, compared case-insensitively (DNS names). */
bool db_strv_has(const db_strv *s, const char *str);

/* True when a and b hold the same strings in the same order. */
bool db_strv_equal(const db_strv *a, const db_strv *b);

/* Replaces *dst with a copy of src. */
int db_strv_copy(db_strv *dst, const db_strv *src);

/* Splits space-separated text into *out (empty for NULL or ""). */
int db_strv_split(const char *text, db_strv *out);

/* Joins s with single spaces into a malloc'd string ("" when empty). */
int db_strv_join(const db_strv *s, char **out);

#endif
