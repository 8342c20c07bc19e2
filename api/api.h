/* api.h -- the REST API server (libmicrohttpd on its own thread). */
#ifndef AXFRD_API_H
#define AXFRD_API_H

#include <stdint.h>

#include "axfrd/budget.h"
#include "axfrd/config.h"
#include "axfrd/error.h"
#include "axfrd/psl.h"
#include "db/db.h"

typedef struct api_server api_server;

/* Called on the API thread after a committed change to what a zone
 * exports or to who may transfer it (records, SOA, secondary DNS), and
 * after a zone is deleted. Must be thread-safe and quick. */
typedef void (*api_change_fn)(void *arg, const char *zone);

/*
 * Starts the API on cfg->api_listen. The server takes over d: from now on
 * only the API thread uses it, and api_stop closes it. cfg must outlive
 * the server, and so must bud (the accounts' outbound budgets, which status
 * checks and "notify now" spend) and psl (the public suffix list zone names
 * are checked against). *port receives the bound port (useful with port 0).
 * on_change (may be NULL) hears of every zone change.
 */
int api_start(const config *cfg, const psl_list *psl, db *d, budget *bud,
	      api_change_fn on_change, void *arg, api_server **out, uint16_t *port,
	      ax_errinfo *ei);

/* Stops accepting, lets the request in progress finish, closes the
 * store. Accepts NULL. */
void api_stop(api_server *s);

#endif
