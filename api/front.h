/* front.h -- the API's accept loop in front of libmicrohttpd: each new
 * connection's request head is looked at (peeked, not consumed) and a
 * malformed or oversized one is answered here with the project's JSON
 * error body; a well-formed one is handed to libmicrohttpd (one with a
 * chunked body through a relay that checks the chunk framing). Every API
 * response closes its connection, so every request comes through here.
 * (libmicrohttpd's own error pages are HTML, some with their headers
 * written twice.) */
#ifndef AXFRD_API_FRONT_H
#define AXFRD_API_FRONT_H

#include <microhttpd.h>

#include "axfrd/config.h"
#include "axfrd/error.h"

typedef struct api_front api_front;

/* Starts the accept thread on listen_fd (bound, listening, owned by the
 * front from now on, closed by api_front_stop). Connections go to mhd,
 * which must run with MHD_USE_NO_LISTEN_SOCKET. Pending connections are
 * limited like libmicrohttpd's (api-connection-limit, api-per-ip-limit)
 * and dropped after api-connection-timeout seconds. */
int api_front_start(const config *cfg, struct MHD_Daemon *mhd, int listen_fd,
		    api_front **out, ax_errinfo *ei);

/* Stops the thread, closes the listening socket and the pending
 * connections. NULL is fine. */
void api_front_stop(api_front *f);

#endif
