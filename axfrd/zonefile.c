/* zonefile.c -- BIND master files: all-or-nothing import, and export. */
#include "zonefile.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZF_NAME_BUF 1024       /* absolute names, with room to say "too long" */
#define ZF_MAX_TOKENS 65536    /* more cannot fit in 64 KiB of RDATA */
#define ZF_ECHO_MAX 40
#define ZF_FIELD ""            /* errors of syntax: no field to blame */
#define ZF_SERIAL_MAX 4294967295u

/*
 * Our own tokenizer rather than ldns_zone_new_frm_fp(): ldns knows neither
 * ALIAS nor URL, and we want the line where each record starts.
 */

/* A token points into the text; a quoted one includes its quotes. */
struct zf_token {
	const char *s;
	size_t len;
	bool quoted;
};

/* One entry: a logical line, several physical ones inside parentheses. */
struct zf_entry {
	struct zf_token *toks;
	size_t n, cap;
	unsigned line;   /* where the entry starts, for errors */
	bool indented;   /* starts with a blank: the owner is inherited */
};

struct zf_parser {
	const char *zone;              /* normalized, no trailing dot */
	const char *text;              /* the file, not NUL-terminated */
	size_t len, pos;               /* its length; where the reader is */
	unsigned line;                 /* current physical line, 1-based */
	uint32_t default_ttl;          /* $TTL once seen, else the caller's */
	char origin[ZF_NAME_BUF];      /* current $ORIGIN, absolute with dot */
	char owner[ZF_NAME_BUF];       /* last owner, absolute; "" none yet */
	unsigned soa_line;             /* line of the SOA, for "second SOA" */
	size_t cap;                    /* allocated length of res->recs */
	zf_result *res;                /* what we fill; the caller's */
	ax_errinfo *ei;                /* where errors go; may be NULL */
};

void zf_soa_clear(zf_soa *soa)
{
	if (soa == NULL)
		return;
	free(soa->mname);
	free(soa->rname);
	memset(soa, 0, sizeof(*soa));
}

void zf_result_clear(zf_result *res)
{
	if (res == NULL)
		return;
	rr_record_array_free(res->recs, res->nrecs);
	zf_soa_clear(&res->soa);
	memset(res, 0, sizeof(*res));
}

static int zf_fail(struct zf_parser *p, unsigned line, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Fails with the message and the line of the offending entry; the
 * message says both ("line 7: ttl: ...") so that it reads well alone. */
static int zf_fail(struct zf_parser *p, unsigned line, const char *field,
		   const char *fmt, ...)
{
	char msg[sizeof(p->ei->msg)];
	va_list ap;

	if (p->ei == NULL)
		return AX_EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ax_fail(p->ei, AX_EINVAL, field, "line %u: %s%s%s", line, field,
		field[0] != '\0' ? ": " : "", msg);
	p->ei->line = line;
	return AX_EINVAL;
}

/* Adds the line to an error that rr.c reported. */
static int zf_at_line(struct zf_parser *p, unsigned line, int rc)
{
	char msg[sizeof(p->ei->msg)];

	if (rc != AX_EINVAL || p->ei == NULL)
		return rc;
	snprintf(msg, sizeof(msg), "%s", p->ei->msg);
	/* "line 4294967295: " takes at most 17 characters */
	snprintf(p->ei->msg, sizeof(p->ei->msg), "line %u: %.*s", line,
		 (int)sizeof(msg) - 18, msg);
	p->ei->line = line;
	return rc;
}

/* The message of an rr.c error without its "field: " prefix. */
static const char *msg_body(const ax_errinfo *why)
{
	size_t n = strlen(why->field);

	if (n > 0 && strncmp(why->msg, why->field, n) == 0 &&
	    strncmp(why->msg + n, ": ", 2) == 0)
		return why->msg + n + 2;
	return why->msg;
}

/* A token for an error message: printable ASCII only, shortened. */
static const char *tok_echo(const struct zf_token *t, char *buf, size_t size)
{
	size_t i, n = t->len < ZF_ECHO_MAX ? t->len : ZF_ECHO_MAX;

	if (n + 4 > size)
		n = size - 4;
	for (i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)t->s[i]) ? t->s[i] : '?';
	if (n < t->len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static bool tok_is(const struct zf_token *t, const char *word)
{
	return !t->quoted && t->len == strlen(word) &&
	       strncasecmp(t->s, word, t->len) == 0;
}

static int entry_push(struct zf_parser *p, struct zf_entry *e, size_t start,
		      bool quoted)
{
	struct zf_token *toks;
	size_t cap;

	if (e->n == e->cap) {
		if (e->cap >= ZF_MAX_TOKENS)
			return zf_fail(p, e->line, ZF_FIELD,
				       "the record has too many fields");
		cap = e->cap ? e->cap * 2 : 16;
		toks = realloc(e->toks, cap * sizeof(*toks));
		if (toks == NULL)
			return AX_ENOMEM;
		e->toks = toks;
		e->cap = cap;
	}
	e->toks[e->n].s = p->text + start;
	e->toks[e->n].len = p->pos - start;
	e->toks[e->n].quoted = quoted;
	e->n++;
	return AX_OK;
}

/* Moves past the quoted string at pos; it may not span lines. */
static int skip_quoted(struct zf_parser *p, const struct zf_entry *e)
{
	unsigned line = p->line;
	char c;

	for (p->pos++; p->pos < p->len; p->pos++) {
		c = p->text[p->pos];
		if (c == '\n')
			break;
		if (c == '\\' && p->pos + 1 < p->len &&
		    p->text[p->pos + 1] != '\n')
			p->pos++;
		else if (c == '"') {
			p->pos++;
			return AX_OK;
		}
	}
	return zf_fail(p, e->line, ZF_FIELD,
		       "unterminated quoted string (it starts on line %u)",
		       line);
}

static bool is_delim(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' ||
	       c == '(' || c == ')';
}

/* A word; quotes inside it (alpn="h2,h3") belong to it. */
static int read_word(struct zf_parser *p, struct zf_entry *e)
{
	size_t start = p->pos;
	int rc;

	while (p->pos < p->len && !is_delim(p->text[p->pos])) {
		if (p->text[p->pos] == '"') {
			rc = skip_quoted(p, e);
			if (rc != AX_OK)
				return rc;
			continue;
		}
		if (p->text[p->pos] == '\\') {
			if (p->pos + 1 >= p->len ||
			    p->text[p->pos + 1] == '\n')
				return zf_fail(p, e->line, ZF_FIELD,
					       "a backslash ends line %u",
					       p->line);
			p->pos++;
		}
		p->pos++;
	}
	return entry_push(p, e, start, false);
}

static int read_token(struct zf_parser *p, struct zf_entry *e)
{
	size_t start = p->pos;
	int rc;

	if (p->text[p->pos] != '"')
		return read_word(p, e);
	rc = skip_quoted(p, e);
	return rc != AX_OK ? rc : entry_push(p, e, start, true);
}

/* Reads the tokens of one entry, up to a newline outside parentheses. */
static int read_entry(struct zf_parser *p, struct zf_entry *e)
{
	unsigned open_line = 0;
	int rc;
	char c;

	while (p->pos < p->len) {
		c = p->text[p->pos];
		if (c == '\n') {
			p->line++;
			p->pos++;
			if (open_line == 0)
				return AX_OK;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			p->pos++;
		} else if (c == ';') {
			while (p->pos < p->len && p->text[p->pos] != '\n')
				p->pos++;
		} else if (c == '(') {
			if (open_line != 0)
				return zf_fail(p, e->line, ZF_FIELD,
					       "nested parentheses on line %u",
					       p->line);
			open_line = p->line;
			p->pos++;
		} else if (c == ')') {
			if (open_line == 0)
				return zf_fail(p, e->line, ZF_FIELD,
					       "')' on line %u without a "
					       "matching '('", p->line);
			open_line = 0;
			p->pos++;
		} else if ((rc = read_token(p, e)) != AX_OK) {
			return rc;
		}
	}
	if (open_line != 0)
		return zf_fail(p, e->line, ZF_FIELD,
			       "the '(' on line %u is never closed", open_line);
	return AX_OK;
}

/* Reads the next entry that has tokens: 1, 0 at the end, or an error. */
static int next_entry(struct zf_parser *p, struct zf_entry *e)
{
	int rc;

	while (p->pos < p->len) {
		e->n = 0;
		e->line = p->line;
		e->indented = p->text[p->pos] == ' ' ||
			      p->text[p->pos] == '\t';
		rc = read_entry(p, e);
		if (rc != AX_OK)
			return rc;
		if (e->n > 0)
			return 1;
	}
	return 0;
}

/* Parses seconds, or BIND units (1w2d3h4m5s, any case); false when the
 * token is not a duration or exceeds max. */
static bool parse_duration(const struct zf_token *t, uint32_t max,
			   uint32_t *out)
{
	uint64_t total = 0, num = 0, mult;
	bool digits = false;
	size_t i;

	if (t->quoted || t->len == 0)
		return false;
	for (i = 0; i < t->len; i++) {
		if (isdigit((unsigned char)t->s[i])) {
			num = num * 10 + (uint64_t)(t->s[i] - '0');
			if (num > max)
				return false;
			digits = true;
			continue;
		}
		switch (tolower((unsigned char)t->s[i])) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 604800; break;
		default: return false;
		}
		if (!digits)
			return false;
		total += num * mult;
		if (total > max)
			return false;
		num = 0;
		digits = false;
	}
	total += num;
	if (total > max)
		return false;
	*out = (uint32_t)total;
	return true;
}

static int bad_duration(struct zf_parser *p, unsigned line, const char *field,
			const struct zf_token *t)
{
	char b[ZF_ECHO_MAX + 8];

	return zf_fail(p, line, field,
		       "\"%s\" is not a valid time: use seconds (3600) or BIND "
		       "units (1h, 1d, 1w, 1h30m), at most %u seconds",
		       tok_echo(t, b, sizeof(b)), RR_TTL_MAX);
}

/* The absolute name (with a trailing dot) that token t denotes. */
static int absolute_name(struct zf_parser *p, unsigned line,
			 const struct zf_token *t, char *buf, size_t size)
{
	int n;

	if (t->len >= size)
		return zf_fail(p, line, "name", "the name is too long");
	if (t->len == 1 && t->s[0] == '@')
		n = snprintf(buf, size, "%s", p->origin);
	else if (t->len > 0 && t->s[t->len - 1] == '.')
		n = snprintf(buf, size, "%.*s", (int)t->len, t->s);
	else
		n = snprintf(buf, size, "%.*s.%s", (int)t->len, t->s,
			     p->origin);
	if (n < 0 || (size_t)n >= size)
		return zf_fail(p, line, "name", "the name is too long");
	return AX_OK;
}

static int set_origin(struct zf_parser *p, const struct zf_entry *e)
{
	char abs[ZF_NAME_BUF];
	ax_errinfo why;
	char *rel = NULL;
	int rc;

	rc = absolute_name(p, e->line, &e->toks[1], abs, sizeof(abs));
	if (rc != AX_OK)
		return rc;
	memset(&why, 0, sizeof(why));
	rc = rr_name_normalize(p->zone, abs, &rel, &why);
	if (rc == AX_ENOMEM)
		return rc;
	if (rc == AX_OK && rel[0] == '*')
		snprintf(why.msg, sizeof(why.msg), "it cannot be a wildcard");
	if (rc != AX_OK || rel[0] == '*') {
		free(rel);
		return zf_fail(p, e->line, ZF_FIELD, "$ORIGIN: %s",
			       msg_body(&why));
	}
	if (!rr_owner_fqdn(p->zone, rel, p->origin, sizeof(p->origin)))
		rc = zf_fail(p, e->line, ZF_FIELD, "$ORIGIN is too long");
	free(rel);
	return rc;
}

static int directive(struct zf_parser *p, const struct zf_entry *e)
{
	const struct zf_token *t = e->toks;
	char b[ZF_ECHO_MAX + 8];

	if (tok_is(t, "$ORIGIN")) {
		if (e->n != 2)
			return zf_fail(p, e->line, ZF_FIELD,
				       "$ORIGIN needs exactly one name, e.g. "
				       "\"$ORIGIN %s.\"", p->zone);
		return set_origin(p, e);
	}
	if (tok_is(t, "$TTL")) {
		if (e->n != 2)
			return zf_fail(p, e->line, "ttl",
				       "$TTL needs exactly one value, e.g. "
				       "\"$TTL 3600\"");
		if (!parse_duration(&t[1], RR_TTL_MAX, &p->default_ttl))
			return bad_duration(p, e->line, "ttl", &t[1]);
		return AX_OK;
	}
	if (tok_is(t, "$INCLUDE"))
		return zf_fail(p, e->line, ZF_FIELD,
			       "$INCLUDE is not supported; paste the records "
			       "of the included file instead");
	return zf_fail(p, e->line, ZF_FIELD,
		       "unknown directive %s; only $ORIGIN and $TTL are "
		       "supported", tok_echo(t, b, sizeof(b)));
}

static bool is_class(const struct zf_token *t)
{
	static const char *const classes[] = {
		"IN", "CH", "CHAOS", "HS", "HESIOD", "CS", "CSNET", "NONE",
		"ANY",
	};
	size_t i;

	if (t->quoted)
		return false;
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (tok_is(t, classes[i]))
			return true;
	return t->len > 5 && strncasecmp(t->s, "CLASS", 5) == 0 &&
	       isdigit((unsigned char)t->s[5]);
}

/* The optional TTL and class after the owner, in either order. */
static int ttl_and_class(struct zf_parser *p, const struct zf_entry *e,
			 size_t *i, long long *ttl)
{
	const struct zf_token *t;
	bool have_class = false;
	char b[ZF_ECHO_MAX + 8];
	uint32_t v;

	for (; *i < e->n; (*i)++) {
		t = &e->toks[*i];
		if (*ttl < 0 && !t->quoted && isdigit((unsigned char)t->s[0])) {
			if (!parse_duration(t, RR_TTL_MAX, &v))
				return bad_duration(p, e->line, "ttl", t);
			*ttl = v;
		} else if (!have_class && is_class(t)) {
			if (!tok_is(t, "IN") && !tok_is(t, "CLASS1"))
				return zf_fail(p, e->line, "class",
					       "class %s is not supported; "
					       "only IN records can be "
					       "imported",
					       tok_echo(t, b, sizeof(b)));
			have_class = true;
		} else {
			break;
		}
	}
	return AX_OK;
}

static char *tok_dup(const struct zf_token *t)
{
	return strndup(t->s, t->len);
}

/* The RDATA: the remaining tokens joined with single spaces. */
static char *join_tokens(const struct zf_entry *e, size_t from)
{
	size_t i, len = 0;
	char *s, *o;

	for (i = from; i < e->n; i++)
		len += e->toks[i].len + 1;
	s = malloc(len + 1);
	if (s == NULL)
		return NULL;
	o = s;
	for (i = from; i < e->n; i++) {
		if (i > from)
			*o++ = ' ';
		memcpy(o, e->toks[i].s, e->toks[i].len);
		o += e->toks[i].len;
	}
	*o = '\0';
	return s;
}

/* The text of a quoted token without quotes and escapes (\X, \DDD). */
static char *unquote(const struct zf_token *t)
{
	const char *s = t->s + 1, *end = t->s + t->len - 1;
	char *out = malloc(t->len), *o = out;

	if (out == NULL)
		return NULL;
	while (s < end) {
		if (*s == '\\' && s + 3 < end &&
		    isdigit((unsigned char)s[1]) &&
		    isdigit((unsigned char)s[2]) &&
		    isdigit((unsigned char)s[3])) {
			*o++ = (char)((s[1] - '0') * 100 + (s[2] - '0') * 10 +
				      (s[3] - '0'));
			s += 4;
			continue;
		}
		if (*s == '\\' && s + 1 < end)
			s++;
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* The content handed to rr.c; a URL may be quoted (see render). */
static char *record_content(const struct zf_entry *e, size_t from,
			    const char *type)
{
	if (strcasecmp(type, "URL") == 0 && e->n == from + 1 &&
	    e->toks[from].quoted)
		return unquote(&e->toks[from]);
	return join_tokens(e, from);
}

static int push_record(struct zf_parser *p, rr_record *rec)
{
	zf_result *res = p->res;
	rr_record *recs;
	size_t cap;

	if (res->nrecs == p->cap) {
		cap = p->cap ? p->cap * 2 : 16;
		recs = realloc(res->recs, cap * sizeof(*recs));
		if (recs == NULL)
			return AX_ENOMEM;
		res->recs = recs;
		p->cap = cap;
	}
	res->recs[res->nrecs++] = *rec;
	memset(rec, 0, sizeof(*rec));
	return AX_OK;
}

static int add_record(struct zf_parser *p, const struct zf_entry *e,
		      size_t i, const char *type, long long ttl)
{
	rr_record rec;
	char *content;
	int rc;

	content = record_content(e, i, type);
	if (content == NULL)
		return AX_ENOMEM;
	rc = rr_record_normalize_at(p->zone, p->origin, p->owner, type, ttl,
				    content, p->default_ttl, &rec, p->ei);
	free(content);
	if (rc != AX_OK)
		return zf_at_line(p, e->line, rc);
	rc = push_record(p, &rec);
	rr_record_clear(&rec);
	return rc;
}

/* SOA MNAME: a host name; relative names are relative to the origin. */
static int soa_mname(struct zf_parser *p, const struct zf_entry *e,
		     const struct zf_token *t, char **out)
{
	char abs[ZF_NAME_BUF], *name = NULL;
	size_t n;
	int rc;

	rc = absolute_name(p, e->line, t, abs, sizeof(abs));
	if (rc != AX_OK)
		return rc;
	if (strcmp(abs, ".") == 0)
		return zf_fail(p, e->line, "soa.mname",
			       "must be the host name of the primary server");
	rc = rr_zone_name_normalize(abs, "soa.mname", &name, p->ei);
	if (rc != AX_OK)
		return zf_at_line(p, e->line, rc);
	n = strlen(name);
	*out = malloc(n + 2);
	if (*out != NULL)
		snprintf(*out, n + 2, "%s.", name);
	free(name);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

/* SOA RNAME: a mailbox as a name, where the first label may hold an
 * escaped dot (john\.doe), so ldns checks it rather than the host rules. */
static int soa_rname(struct zf_parser *p, const struct zf_entry *e,
		     const struct zf_token *t, char **out)
{
	char abs[ZF_NAME_BUF];
	ldns_rdf *d;
	int rc;

	rc = absolute_name(p, e->line, t, abs, sizeof(abs));
	if (rc != AX_OK)
		return rc;
	d = t->quoted ? NULL : ldns_dname_new_frm_str(abs);
	if (d == NULL)
		return zf_fail(p, e->line, "soa.rname",
			       "must be a mailbox written as a name, e.g. "
			       "\"hostmaster.%s.\"", p->zone);
	*out = ldns_rdf2str(d);
	ldns_rdf_deep_free(d);
	return *out != NULL ? AX_OK : AX_ENOMEM;
}

static int soa_serial(struct zf_parser *p, const struct zf_entry *e,
		      const struct zf_token *t, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < t->len && !t->quoted && v <= ZF_SERIAL_MAX; i++) {
		if (!isdigit((unsigned char)t->s[i]))
			break;
		v = v * 10 + (uint64_t)(t->s[i] - '0');
	}
	if (t->quoted || i != t->len || t->len == 0 || v > ZF_SERIAL_MAX)
		return zf_fail(p, e->line, "soa.serial",
			       "must be a number between 0 and %u",
			       ZF_SERIAL_MAX);
	*out = (uint32_t)v;
	return AX_OK;
}

/* The four SOA timers, which accept BIND units. */
static int soa_timers(struct zf_parser *p, const struct zf_entry *e,
		      const struct zf_token *t, zf_soa *soa)
{
	static const char *const fields[] = {
		"soa.refresh", "soa.retry", "soa.expire", "soa.minimum",
	};
	uint32_t *vals[] = { &soa->refresh, &soa->retry, &soa->expire,
			     &soa->minimum };
	size_t i;

	for (i = 0; i < 4; i++)
		if (!parse_duration(&t[i], RR_TTL_MAX, vals[i]))
			return bad_duration(p, e->line, fields[i], &t[i]);
	return AX_OK;
}

static int soa_fields(struct zf_parser *p, const struct zf_entry *e,
		      size_t i, zf_soa *soa)
{
	int rc;

	if (e->n - i != 7)
		return zf_fail(p, e->line, "soa",
			       "an SOA needs 7 fields: primary server, "
			       "mailbox, serial, refresh, retry, expire and "
			       "minimum, e.g. \"ns1.%s. hostmaster.%s. 1 "
			       "3600 900 604800 300\"", p->zone, p->zone);
	rc = soa_mname(p, e, &e->toks[i], &soa->mname);
	if (rc == AX_OK)
		rc = soa_rname(p, e, &e->toks[i + 1], &soa->rname);
	if (rc == AX_OK)
		rc = soa_serial(p, e, &e->toks[i + 2], &soa->serial);
	if (rc == AX_OK)
		rc = soa_timers(p, e, &e->toks[i + 3], soa);
	return rc;
}

static int add_soa(struct zf_parser *p, const struct zf_entry *e, size_t i,
		   long long ttl)
{
	zf_soa soa;
	char *rel = NULL;
	int rc;

	rc = rr_name_normalize(p->zone, p->owner, &rel, p->ei);
	if (rc != AX_OK)
		return zf_at_line(p, e->line, rc);
	if (rel[0] != '\0')
		rc = zf_fail(p, e->line, "name",
			     "an SOA record is only allowed at the zone apex "
			     "(%s.), not at %s", p->zone, p->owner);
	free(rel);
	if (rc != AX_OK)
		return rc;
	if (p->res->has_soa)
		return zf_fail(p, e->line, "type",
			       "a second SOA record (the first one is on line "
			       "%u)", p->soa_line);
	memset(&soa, 0, sizeof(soa));
	rc = soa_fields(p, e, i, &soa);
	if (rc != AX_OK) {
		zf_soa_clear(&soa);
		return rc;
	}
	soa.ttl = ttl < 0 ? p->default_ttl : (uint32_t)ttl;
	p->res->soa = soa;
	p->res->has_soa = true;
	p->soa_line = e->line;
	return AX_OK;
}

static int record(struct zf_parser *p, const struct zf_entry *e)
{
	long long ttl = -1;
	char *type;
	size_t i = 0;
	int rc;

	if (e->indented && p->owner[0] == '\0')
		return zf_fail(p, e->line, "name",
			       "the line starts with a blank, which repeats the "
			       "previous owner name, but there is none yet");
	if (!e->indented) {
		rc = absolute_name(p, e->line, &e->toks[0], p->owner,
				   sizeof(p->owner));
		if (rc != AX_OK)
			return rc;
		i = 1;
	}
	rc = ttl_and_class(p, e, &i, &ttl);
	if (rc != AX_OK)
		return rc;
	if (i >= e->n)
		return zf_fail(p, e->line, "type", "the record type is missing");
	type = tok_dup(&e->toks[i]);
	if (type == NULL)
		return AX_ENOMEM;
	if (strcasecmp(type, "SOA") == 0)
		rc = add_soa(p, e, i + 1, ttl);
	else
		rc = add_record(p, e, i + 1, type, ttl);
	free(type);
	return rc;
}

static int entry(struct zf_parser *p, const struct zf_entry *e)
{
	if (!e->indented && !e->toks[0].quoted && e->toks[0].s[0] == '$')
		return directive(p, e);
	return record(p, e);
}

/* NUL bytes would cut strings short behind our back. */
static int check_nul(struct zf_parser *p)
{
	const char *nul, *s;
	unsigned line = 1;

	if (p->len == 0)
		return AX_OK;
	nul = memchr(p->text, '\0', p->len);
	if (nul == NULL)
		return AX_OK;
	for (s = p->text; s < nul; s++)
		line += *s == '\n';
	return zf_fail(p, line, ZF_FIELD,
		       "the text contains a NUL byte (is it a binary file?)");
}

static int parser_init(struct zf_parser *p, const char *zone,
		       const char *text, size_t len, uint32_t default_ttl,
		       zf_result *res, ax_errinfo *ei)
{
	memset(p, 0, sizeof(*p));
	p->zone = zone;
	p->text = text;
	p->len = len;
	p->line = 1;
	p->default_ttl = default_ttl;
	p->res = res;
	p->ei = ei;
	if (zone == NULL || (text == NULL && len > 0) ||
	    !rr_owner_fqdn(zone, "", p->origin, sizeof(p->origin)))
		return ax_fail(ei, AX_EINVAL, ZF_FIELD,
			       "no zone or no text given");
	/* Editors on Windows like to start files with a UTF-8 BOM. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p->pos = 3;
	return check_nul(p);
}

int zonefile_parse(const char *zone, const char *text, size_t len,
		   uint32_t default_ttl, zf_result *res, ax_errinfo *ei)
{
	struct zf_parser p;
	struct zf_entry e;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&e, 0, sizeof(e));
	rc = parser_init(&p, zone, text, len, default_ttl, res, ei);
	while (rc == AX_OK && (rc = next_entry(&p, &e)) == 1)
		rc = entry(&p, &e);
	free(e.toks);
	if (rc != AX_OK)
		zf_result_clear(res);
	return rc;
}

/* A growing string for the renderer; a failed allocation sticks. */
struct zf_buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void buf_add(struct zf_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void buf_add(struct zf_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *s;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if (b->len + (size_t)n + 1 > b->cap) {
		cap = (b->len + (size_t)n + 1) * 2;
		s = realloc(b->s, cap);
		if (s == NULL)
			goto fail;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return;
fail:
	b->failed = true;
}

/* A URL is stored as given; characters that mean something in a master
 * file (';' comment, parentheses, quotes) make us quote it. */
static void render_url(struct zf_buf *b, const char *url)
{
	const char *s;

	if (strpbrk(url, ";()\"\\") == NULL) {
		buf_add(b, "%s", url);
		return;
	}
	buf_add(b, "\"");
	for (s = url; *s != '\0'; s++)
		buf_add(b, "%s%c", (*s == '"' || *s == '\\') ? "\\" : "", *s);
	buf_add(b, "\"");
}

static void render_record(struct zf_buf *b, const char *zone,
			  const rr_record *r)
{
	const char *name = r->name ? r->name : "";
	const char *type = r->type ? r->type : "";
	const char *content = r->content ? r->content : "";

	if (name[0] == '\0')
		buf_add(b, "%s.", zone);
	else
		buf_add(b, "%s.%s.", name, zone);
	buf_add(b, "\t%u\tIN\t%s\t", r->ttl, type);
	if (strcasecmp(type, "URL") == 0)
		render_url(b, content);
	else
		buf_add(b, "%s", content);
	buf_add(b, "\n");
}

char *zonefile_render(const char *zone, const zf_soa *soa,
		      const rr_record *recs, size_t nrecs)
{
	struct zf_buf b = { NULL, 0, 0, false };
	size_t i;

	if (zone == NULL)
		return NULL;
	buf_add(&b, "$ORIGIN %s.\n", zone);
	if (soa != NULL && soa->mname != NULL && soa->rname != NULL)
		buf_add(&b, "%s.\t%u\tIN\tSOA\t%s %s %u %u %u %u %u\n", zone,
			soa->ttl, soa->mname, soa->rname, soa->serial,
			soa->refresh, soa->retry, soa->expire, soa->minimum);
	for (i = 0; i < nrecs; i++)
		render_record(&b, zone, &recs[i]);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
