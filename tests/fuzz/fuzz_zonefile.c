/* fuzz_zonefile.c -- the zone-file parser (zonefile.c) on arbitrary text,
 * and the export property: a file that imports exports (as ?view=stored
 * does) to text that imports again to the same records. */
#include <stdint.h>
#include <stdlib.h>

#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const zf_soa dflt = {"ns1.example.com.", "hostmaster.example.com.",
				    1, 3600, 600, 86400, 300, 3600};
	zf_result res = {0};
	ax_errinfo ei = {0};

	if (size > 65536)
		return 0;
	if (zonefile_parse("example.com", (const char *)data, size, 3600, &res,
			   &ei) == AX_OK)
		fuzz_roundtrip("example.com", res.has_soa ? &res.soa : &dflt,
			       res.recs, res.nrecs);
	zf_result_clear(&res);
	return 0;
}
