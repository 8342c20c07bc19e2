/* db_strv.c -- string lists and their space-separated column form. */
#include "db_strv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axfrd/error.h"

void db_strv_free(db_strv *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int db_strv_push(db_strv *s, const char *str)
{
	char **grown, *copy = strdup(str);

	if (copy == NULL)
		return AX_ENOMEM;
	if ((grown = realloc(s->v, (s->n + 1) * sizeof(*grown))) == NULL) {
		free(copy);
		return AX_ENOMEM;
	}
	s->v = grown;
	s->v[s->n++] = copy;
	return AX_OK;
}

bool db_strv_has(const db_strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(s->v[i], str) == 0)
			return true;
	return false;
}

bool db_strv_equal(const db_strv *a, const db_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

int db_strv_copy(db_strv *dst, const db_strv *src)
{
	db_strv tmp = {0};
	int rc = AX_OK;

	for (size_t i = 0; i < src->n && rc == AX_OK; i++)
		rc = db_strv_push(&tmp, src->v[i]);
	if (rc != AX_OK) {
		db_strv_free(&tmp);
		return rc;
	}
	db_strv_free(dst);
	*dst = tmp;
	return AX_OK;
}

int db_strv_split(const char *text, db_strv *out)
{
	const char *p = text ? text : "";
	int rc = AX_OK;

	memset(out, 0, sizeof(*out));
	while (rc == AX_OK && *p != '\0') {
		size_t len = strcspn(p, " ");
		if (len > 0) {
			char *item = strndup(p, len);
			rc = item ? db_strv_push(out, item) : AX_ENOMEM;
			free(item);
		}
		p += len;
		p += *p == ' ';
	}
	if (rc != AX_OK)
		db_strv_free(out);
	return rc;
}

int db_strv_join(const db_strv *s, char **out)
{
	size_t len = 1, off = 0;

	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + 1;
	if ((*out = malloc(len)) == NULL)
		return AX_ENOMEM;
	(*out)[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		size_t l = strlen(s->v[i]);
		if (i > 0)
			(*out)[off++] = ' ';
		memcpy(*out + off, s->v[i], l + 1);
		off += l;
	}
	return AX_OK;
}
