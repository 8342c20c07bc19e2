/* alias.h -- resolving ALIAS targets through the configured resolver, on
 * the DNS event loop. Answers go to the store's alias cache; when a
 * target's addresses change, the zones that use it are reloaded (and get
 * a new serial, because their export changed). A failure keeps the last
 * good addresses and is logged and recorded. */
#ifndef AXFRD_ALIAS_H
#define AXFRD_ALIAS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct dns_server;
typedef struct alias_resolver alias_resolver;

/* Opens a UDP socket towards the configured resolver. */
int alias_new(struct dns_server *s, alias_resolver **out, ax_errinfo *ei);
void alias_free(alias_resolver *a);

/* Zone (owned by account) now uses exactly these targets (lower case,
 * trailing dot). New targets are resolved at once, or when their cached
 * answer expires. Each lookup spends a token of one of the accounts whose
 * zones use the target (outbound-rate-per-account); when none has one it
 * waits until one does. */
void alias_watch(alias_resolver *a, const char *zone, int64_t account,
		 char *const *targets, size_t n);

#endif
