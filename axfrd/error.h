/* error.h -- the project's one error enum, and error details for users. */
#ifndef AXFRD_ERROR_H
#define AXFRD_ERROR_H

#include <stddef.h>

/*
 * Every fallible function returns an ax_err: 0 is success, failures are
 * negative. ldns_status, SQLITE_* and errno are converted once, at the
 * module boundary that calls the library.
 */
typedef enum ax_err {
	AX_OK = 0,
	AX_ENOMEM = -1,    /* allocation failed */
	AX_EINVAL = -2,    /* input is malformed or out of range */
	AX_ENOTFOUND = -3, /* no such zone, record, account or token */
	AX_EEXIST = -4,    /* the object already exists */
	AX_ECONFLICT = -5, /* the change breaks a rule of the zone (CNAME...) */
	AX_EDB = -6,       /* the store failed (I/O, corruption, constraint) */
	AX_EIO = -7,       /* a file or socket operation failed */
	AX_ETOOBIG = -8,   /* input exceeds a configured limit */
	AX_EVERSION = -9,  /* database schema is newer than this binary */
	AX_EBUSY = -10,    /* the store is locked by another writer */
	AX_EDENIED = -11,  /* not allowed (authentication or permission) */
} ax_err;

/* Returns a static, human-readable text for err. Never NULL. */
const char *ax_strerror(int err);

/*
 * Details of a failure that are shown to the user: which input field was
 * wrong and why, and for zone files the line. Callers own the struct
 * (usually on the stack); functions that take one fill it on failure only.
 */
typedef struct ax_errinfo {
	char field[48];  /* offending field ("ttl", "records[2].content"), "" */
	char msg[320];   /* what is wrong, for humans; never holds secrets */
	unsigned line;   /* 1-based line in a zone file, 0 when not relevant */
} ax_errinfo;

/* Clears ei (accepts NULL). */
void ax_errinfo_clear(ax_errinfo *ei);

/* Sets field and a printf-style message; returns err so callers can
 * write `return ax_fail(ei, AX_EINVAL, "ttl", "must be ...")`. ei may be
 * NULL. field may be NULL. */
int ax_fail(ax_errinfo *ei, int err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
