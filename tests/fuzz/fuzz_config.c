/* fuzz_config.c -- the config-file parser (config.c): config_load_file on
 * arbitrary text (through a memfd, the path the daemon reads), then the
 * cross-field validation. The property: a file that loads leaves every
 * string setting set, and validates or fails with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axfrd/config.h"
#include "axfrd/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERROR);
	if ((fd = memfd_create("fuzz_config", 0)) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ax_errinfo ei = {0};
	config cfg;
	int rc;

	if (size > 65536)
		return 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (config_defaults(&cfg) != AX_OK)
		abort();
	rc = config_load_file(&cfg, path, &ei);
	if (rc != AX_OK && ei.msg[0] == '\0')
		abort();                /* an error without a message */
	if (rc == AX_OK) {
		ax_errinfo_clear(&ei);
		if (config_validate(&cfg, &ei) != AX_OK && ei.msg[0] == '\0')
			abort();
	}
	config_free(&cfg);
	return 0;
}
