/* psl.c -- the Public Suffix List: parsing its rules into one hash map
 * and finding a name's public suffix by the list's algorithm. */
#include "psl.h"

#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strmap.h"

#define PSL_FIELD "public-suffix-list"
#define PSL_NAME_MAX 256       /* a rule longer than a domain name is skipped */

/* What a key of the map stands for; one key may be several. */
enum {
	RULE_NORMAL = 1,     /* "co.uk": the key is a suffix */
	RULE_WILDCARD = 2,   /* "*.ck": the key ("ck") with any one label before it */
	RULE_EXCEPTION = 4,  /* "!www.ck": the key is no suffix, its parent is */
};

struct psl_list {
	strmap *rules;     /* normalized rule text -> RULE_* bits */
	size_t nrules;     /* rules kept (a key that is two kinds counts twice) */
	size_t nskipped;   /* rules that do not convert to A-labels */
};

void psl_free(psl_list *l)
{
	if (l == NULL)
		return;
	strmap_free(l->rules);
	free(l);
}

size_t psl_rules(const psl_list *l)
{
	return l ? l->nrules : 0;
}

size_t psl_skipped(const psl_list *l)
{
	return l ? l->nskipped : 0;
}

/* Appends label s[0..n) to out (size PSL_NAME_MAX) in A-label form, lower
 * case; false when it does not convert or does not fit. */
static bool append_label(const char *s, size_t n, char *out, size_t *o)
{
	char raw[PSL_NAME_MAX], *a = NULL;
	bool ascii = true;
	size_t len;

	if (n == 0 || n >= sizeof(raw))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			ascii = false;
	memcpy(raw, s, n);
	raw[n] = '\0';
	if (!ascii) {
		if (idn2_to_ascii_8z(raw, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) !=
		    IDN2_OK)
			return false;
		if (strlen(a) >= sizeof(raw) || strchr(a, '.') != NULL) {
			idn2_free(a);
			return false;
		}
		strcpy(raw, a);
		idn2_free(a);
	}
	len = strlen(raw);
	if (*o + len + 2 > PSL_NAME_MAX)
		return false;
	if (*o > 0)
		out[(*o)++] = '.';
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '*' || raw[i] == '!')
			return false;  /* a wildcard or '!' other than the leading one */
		out[(*o)++] = (char)tolower((unsigned char)raw[i]);
	}
	out[*o] = '\0';
	return true;
}

/* Normalizes rule r[0..n) (no '!' or "*." prefix) into out; false when a
 * label does not convert. */
static bool normalize_rule(const char *r, size_t n, char *out)
{
	size_t o = 0;
	const char *end = r + n;

	out[0] = '\0';
	while (r < end) {
		const char *dot = memchr(r, '.', (size_t)(end - r));
		size_t len = (size_t)((dot ? dot : end) - r);
		if (!append_label(r, len, out, &o))
			return false;
		r += len + (dot != NULL);
		if (dot != NULL && r == end)
			return false;  /* a trailing dot */
	}
	return o > 0;
}

/* Adds the rule of one line (its first white-space-delimited word). */
static int add_rule(psl_list *l, const char *w, size_t n)
{
	char key[PSL_NAME_MAX];
	size_t bits = RULE_NORMAL, old = 0;

	if (n > 0 && w[0] == '!') {
		bits = RULE_EXCEPTION;
		w++;
		n--;
	} else if (n > 2 && w[0] == '*' && w[1] == '.') {
		bits = RULE_WILDCARD;
		w += 2;
		n -= 2;
	}
	if (!normalize_rule(w, n, key)) {
		log_debug("psl", "rule '%.*s' skipped: it does not convert to A-labels",
			  (int)(n > 80 ? 80 : n), w);
		l->nskipped++;
		return AX_OK;
	}
	strmap_get(l->rules, key, &old);
	if ((old & bits) != 0)
		return AX_OK;  /* listed twice */
	if (!strmap_put(l->rules, key, old | bits))
		return AX_ENOMEM;
	l->nrules++;
	return AX_OK;
}

int psl_parse(const char *text, size_t len, const char *origin, psl_list **out,
	      ax_errinfo *ei)
{
	const char *p = text, *end = text + len;
	psl_list *l;
	int rc = AX_OK;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL || (l->rules = strmap_new()) == NULL) {
		psl_free(l);
		return AX_ENOMEM;
	}
	while (p < end && rc == AX_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *w = p;
		size_t n;

		while (w < eol && (*w == ' ' || *w == '\t' || *w == '\r'))
			w++;
		for (n = 0; w + n < eol && !isspace((unsigned char)w[n]); n++)
			;
		/* Comments start with "//"; a line's rule is its first word. */
		if (n > 0 && !(n >= 2 && w[0] == '/' && w[1] == '/'))
			rc = add_rule(l, w, n);
		p = eol + (nl != NULL);
	}
	if (rc == AX_OK && l->nrules == 0)
		rc = ax_fail(ei, AX_EINVAL, PSL_FIELD, "%s: %s holds no public suffix "
			     "rule (is it the list from publicsuffix.org?)", PSL_FIELD,
			     origin);
	if (rc != AX_OK) {
		psl_free(l);
		return rc;
	}
	*out = l;
	return AX_OK;
}

int psl_load(const char *path, psl_list **out, ax_errinfo *ei)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (f == NULL)
		return ax_fail(ei, AX_EIO, PSL_FIELD, "%s: cannot read %s: %s (Debian's "
			       "publicsuffix package installs the list as "
			       "/usr/share/publicsuffix/public_suffix_list.dat)",
			       PSL_FIELD, path, strerror(errno));
	for (;;) {
		if (n == cap) {
			char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap ? cap * 2 : 262144);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return ax_fail(ei, AX_ETOOBIG, PSL_FIELD, "%s: %s is too "
					       "large", PSL_FIELD, path);
			}
			buf = nb;
			cap = cap ? cap * 2 : 262144;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = ax_fail(ei, AX_EIO, PSL_FIELD, "%s: cannot read %s: %s", PSL_FIELD,
			     path, strerror(errno));
	} else {
		rc = psl_parse(buf, n, path, out, ei);
	}
	fclose(f);
	free(buf);
	return rc;
}

static size_t rule_bits(const psl_list *l, const char *key)
{
	size_t bits = 0;

	strmap_get(l->rules, key, &bits);
	return bits;
}

size_t psl_suffix_labels(const psl_list *l, const char *name)
{
	size_t best = 1, exception = 0, j = 0;
	const char *suffix, *parent = NULL;

	if (name[0] == '\0')
		return 0;
	/* The suffixes of name from the shortest (its last label) to name
	 * itself; parent is the previous one (NULL: the root). */
	suffix = name + strlen(name);
	while (suffix > name) {
		const char *s = suffix - 1;
		size_t bits;
		while (s > name && s[-1] != '.')
			s--;
		j++;
		bits = rule_bits(l, s);
		if (bits & RULE_NORMAL)
			best = j > best ? j : best;
		if (bits & RULE_EXCEPTION)
			exception = j > exception ? j : exception;
		if (parent != NULL && (rule_bits(l, parent) & RULE_WILDCARD))
			best = j > best ? j : best;
		parent = s;
		suffix = s > name ? s - 1 : s;
	}
	return exception > 0 ? exception - 1 : best;
}

bool psl_is_public_suffix(const psl_list *l, const char *name)
{
	size_t nlabels = 1;

	if (name[0] == '\0')
		return true;
	for (const char *p = name; *p; p++)
		nlabels += *p == '.';
	return nlabels == 1 || (l != NULL && psl_suffix_labels(l, name) >= nlabels);
}
