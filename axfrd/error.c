/* error.c -- texts for the error enum and the error-detail helpers. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ax_strerror(int err)
{
	switch ((ax_err)err) {
	case AX_OK: return "success";
	case AX_ENOMEM: return "out of memory";
	case AX_EINVAL: return "invalid input";
	case AX_ENOTFOUND: return "not found";
	case AX_EEXIST: return "already exists";
	case AX_ECONFLICT: return "conflicts with the zone's contents";
	case AX_EDB: return "database error";
	case AX_EIO: return "input/output error";
	case AX_ETOOBIG: return "too large";
	case AX_EVERSION: return "database schema is newer than this program";
	case AX_EBUSY: return "database is busy";
	case AX_EDENIED: return "permission denied";
	}
	return "unknown error";
}

void ax_errinfo_clear(ax_errinfo *ei)
{
	if (ei != NULL)
		memset(ei, 0, sizeof(*ei));
}

int ax_fail(ax_errinfo *ei, int err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (ei == NULL)
		return err;
	snprintf(ei->field, sizeof(ei->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(ei->msg, sizeof(ei->msg), fmt, ap);
	va_end(ap);
	return err;
}
