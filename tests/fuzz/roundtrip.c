/* roundtrip.c -- export-then-import property (see roundtrip.h). */
#include "roundtrip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mismatch(const char *what, const char *text, const rr_record *a,
		     const rr_record *b)
{
	fprintf(stderr, "export/import mismatch: %s\n--- export ---\n%s\n", what,
		text != NULL ? text : "(none)");
	if (a != NULL)
		fprintf(stderr, "stored:   '%s' %s %u '%s'\n", a->name, a->type, a->ttl,
			a->content);
	if (b != NULL)
		fprintf(stderr, "imported: '%s' %s %u '%s'\n", b->name, b->type, b->ttl,
			b->content);
	abort();
}

static void compare(const char *text, const rr_record *a, const rr_record *b)
{
	if (strcmp(a->name, b->name) != 0 || strcmp(a->type, b->type) != 0 ||
	    a->ttl != b->ttl || strcmp(a->content, b->content) != 0)
		mismatch("record differs", text, a, b);
}

void fuzz_roundtrip(const char *zone, const zf_soa *soa, const rr_record *recs,
		    size_t n)
{
	zf_result res = {0};
	ax_errinfo ei = {0};
	char *text = zonefile_render(zone, soa, recs, n);

	if (text == NULL)
		return;  /* out of memory: nothing to compare */
	if (zonefile_parse(zone, text, strlen(text), 3600, &res, &ei) != AX_OK) {
		fprintf(stderr, "import error line %d: %s\n", ei.line, ei.msg);
		mismatch("the export does not import", text, NULL, NULL);
	}
	if (soa != NULL && soa->mname != NULL && soa->rname != NULL &&
	    (!res.has_soa || strcmp(res.soa.mname, soa->mname) != 0 ||
	     strcmp(res.soa.rname, soa->rname) != 0 || res.soa.serial != soa->serial ||
	     res.soa.refresh != soa->refresh || res.soa.retry != soa->retry ||
	     res.soa.expire != soa->expire || res.soa.minimum != soa->minimum ||
	     res.soa.ttl != soa->ttl))
		mismatch("the SOA differs", text, NULL, NULL);
	if (res.nrecs != n)
		mismatch("record count differs", text, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		compare(text, &recs[i], &res.recs[i]);
	zf_result_clear(&res);
	free(text);
}
