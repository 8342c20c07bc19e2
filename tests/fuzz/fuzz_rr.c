/* fuzz_rr.c -- record validation (rr.c) for every type, and the export
 * property. Input: the first byte selects the type (17 types plus one
 * unsupported), then "name\ncontent" (no newline: the apex). A record that
 * validates must export (zonefile_render) and import again to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roundtrip.h"

static const char *const types[] = {
	"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "PTR", "NAPTR",
	"SSHFP", "TLSA", "DS", "HTTPS", "SVCB", "ALIAS", "URL", "SOA",
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const zf_soa soa = {"ns1.example.com.", "hostmaster.example.com.",
				   1, 3600, 600, 86400, 300, 3600};
	rr_record r = {0};
	ax_errinfo ei = {0};
	char *text, *nl, *name = "", *content;

	if (size < 1 || size > 4096)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	content = text;
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		name = text;
		content = nl + 1;
	}
	if (rr_record_normalize("example.com", name, types[data[0] % NTYPES], 300,
				content, 3600, &r, &ei) == AX_OK)
		fuzz_roundtrip("example.com", &soa, &r, 1);
	rr_record_clear(&r);
	free(text);
	return 0;
}
