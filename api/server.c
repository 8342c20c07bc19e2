/* server.c -- libmicrohttpd glue: accepts requests, routes them, checks
 * the token, the content type and the body size, calls the handler and
 * sends its response. Runs on libmicrohttpd's single internal thread, so
 * the store handle is used by that one thread only. */
#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api_internal.h"
#include "front.h"
#include "head.h"
#include "pct.h"
#include "axfrd/log.h"
#include "axfrd/metrics.h"
#include "axfrd/token.h"

/* How much of an oversized body is drained before the connection is
 * closed without an answer. */
#define API_MAX_DISCARD (64u << 20)

/* libmicrohttpd's memory per connection: room for the largest head the
 * front lets through (API_HEAD_MAX), its parsed fields and the answer's
 * header, so that libmicrohttpd never answers "too big" itself. */
#define API_CONN_MEMORY (4 * API_HEAD_MAX)

struct api_server {
	struct MHD_Daemon *mhd;
	api_front *front;      /* accepts, checks each head, hands over to mhd */
	api_ctx ctx;
};

/* Per-request state, from the first call of the access handler to the
 * completion callback. */
typedef struct req_state {
	const api_route *route;
	char *path;            /* copy of the raw URL path, split for captures */
	const char *params[API_MAX_PARAMS];
	char *decoded[API_MAX_PARAMS]; /* the captures, percent-decoded */
	api_qarg query[API_MAX_QUERY];
	size_t nquery;
	bool bad_query;        /* an argument was malformed or too many */
	char *body;
	size_t body_len, body_cap;
	bool too_large;        /* the body went over api-max-body */
	size_t discarded;      /* bytes dropped after that */
	bool responded;        /* a response was queued before the body */
	db_account account;
} req_state;

static void req_state_free(req_state *st)
{
	if (st == NULL)
		return;
	free(st->path);
	for (size_t i = 0; i < API_MAX_PARAMS; i++)
		free(st->decoded[i]);
	for (size_t i = 0; i < st->nquery; i++) {
		free(st->query[i].key);
		free(st->query[i].value);
	}
	/* A body may hold a secret (a TSIG key): do not leave it in the heap. */
	if (st->body != NULL)
		explicit_bzero(st->body, st->body_cap);
	free(st->body);
	free(st);
}

#define MAX_SEGMENTS 12

/* Splits path ("/a/b/c") in place into its segments. Returns their
 * number, or -1 when the path is not absolute or has too many. */
static int split_path(char *path, char **seg)
{
	int n = 0;

	if (path[0] != '/')
		return -1;
	while (*path == '/') {
		*path++ = '\0';
		if (n == MAX_SEGMENTS)
			return -1;
		seg[n++] = path;
		path += strcspn(path, "/");
	}
	return n;
}

/* Matches the segments of a request path against a route pattern,
 * capturing "{x}" segments into params. */
static bool match_pattern(const char *pattern, char **seg, int nseg,
			  const char **params)
{
	const char *p = pattern;
	int np = 0;

	for (int i = 0; i < nseg; i++) {
		if (*p++ != '/')
			return false;
		size_t plen = strcspn(p, "/");
		if (p[0] == '{') {
			if (seg[i][0] == '\0' || np == API_MAX_PARAMS)
				return false;
			params[np++] = seg[i];
		} else if (strlen(seg[i]) != plen || strncmp(p, seg[i], plen) != 0) {
			return false;
		}
		p += plen;
	}
	if (*p != '\0')
		return false;
	while (np < API_MAX_PARAMS)
		params[np++] = NULL;
	return true;
}

/* Finds the route for method and path segments. *path_known tells
 * whether some route has this path with another method (405, not 404);
 * allow collects those methods. */
static const api_route *find_route(const char *method, char **seg, int nseg,
				   const char **params, bool *path_known,
				   char *allow, size_t allow_len)
{
	*path_known = false;
	allow[0] = '\0';
	for (size_t i = 0; i < api_nroutes; i++) {
		const api_route *r = &api_routes[i];
		if (!match_pattern(r->pattern, seg, nseg, params))
			continue;
		if (strcmp(r->method, method) == 0)
			return r;
		*path_known = true;
		if (strstr(allow, r->method) == NULL) {
			size_t used = strlen(allow);
			snprintf(allow + used, allow_len - used, "%s%s",
				 used ? ", " : "", r->method);
		}
	}
	return NULL;
}

static int queue(struct MHD_Connection *conn, api_resp *rs, const char *allow)
{
	struct MHD_Response *resp;
	char *buf;
	size_t len;
	const char *ctype;
	int ret;

	if (rs->json != NULL) {
		buf = json_dumps(rs->json, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(rs->json);
		rs->json = NULL;
		if (buf == NULL)
			return MHD_NO;
		len = strlen(buf);
		ctype = "application/json";
	} else if (rs->text != NULL) {
		buf = rs->text;
		rs->text = NULL;
		len = strlen(buf);
		ctype = rs->ctype ? rs->ctype : "text/plain";
	} else {
		buf = NULL;
		len = 0;
		ctype = NULL;
	}
	resp = MHD_create_response_from_buffer(len, buf, buf ? MHD_RESPMEM_MUST_FREE :
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	if (allow != NULL && allow[0] != '\0')
		MHD_add_response_header(resp, "Allow", allow);
	if (rs->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
	if (rs->retry_after > 0) {
		char secs[16];
		snprintf(secs, sizeof(secs), "%u", rs->retry_after);
		MHD_add_response_header(resp, "Retry-After", secs);
	}
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	/* One request per connection, so that each request head passes the
	 * front's checks (front.c) before libmicrohttpd parses it. */
	MHD_add_response_header(resp, "Connection", "close");
	metric_api(rs->status);
	ret = MHD_queue_response(conn, rs->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int respond_error(struct MHD_Connection *conn, unsigned status,
			 const char *code, const char *msg, const char *allow)
{
	api_resp rs = {0};

	api_error(&rs, status, code, NULL, "%s", msg);
	return queue(conn, &rs, allow);
}

/* Checks the bearer token. Returns 0 when the caller may go on, else the
 * HTTP status to answer (401 or 403). */
static unsigned authenticate(api_ctx *ctx, struct MHD_Connection *conn,
			     api_auth need, db_account *acct)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "Authorization");
	char hash[65];

	if (need == AUTH_NONE)
		return 0;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 401;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0' || strlen(h) > 256)
		return 401;
	token_hash(h, hash);
	if (db_token_lookup(ctx->d, hash, acct) != AX_OK)
		return 401;
	if (need == AUTH_ADMIN && !acct->is_admin)
		return 403;
	return 0;
}

/* True when the request's Content-Type fits what the route reads. */
static bool content_type_ok(struct MHD_Connection *conn, api_body body)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Content-Type");
	size_t n;

	if (ct == NULL)
		return false;
	n = strcspn(ct, "; \t");
	if (body == BODY_JSON)
		return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
	return (n == 8 && strncasecmp(ct, "text/dns", 8) == 0) ||
	       (n == 10 && strncasecmp(ct, "text/plain", 10) == 0);
}

/* A request that carries no body (no length, or length 0, and not
 * chunked). */
static bool has_no_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Content-Length");
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Transfer-Encoding");

	return te == NULL && (cl == NULL || strtoull(cl, NULL, 10) == 0);
}

/* Decodes one query argument (key and value are raw: see unescape_none). */
static enum MHD_Result take_query_arg(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	req_state *st = cls;
	api_qarg *q;

	(void)kind;
	if (st->nquery == API_MAX_QUERY) {
		st->bad_query = true;
		return MHD_NO;
	}
	q = &st->query[st->nquery];
	if (api_pct_decode(key, strlen(key), &q->key) != AX_OK ||
	    api_pct_decode(value ? value : "", value ? strlen(value) : 0,
			   &q->value) != AX_OK) {
		free(q->key);
		q->key = NULL;
		st->bad_query = true;
		return MHD_NO;
	}
	st->nquery++;
	return MHD_YES;
}

/* Decodes the path captures (matched raw, so that "%2F" stays inside its
 * segment) and the query arguments. False when one is malformed. */
static bool decode_request(struct MHD_Connection *conn, req_state *st)
{
	for (size_t i = 0; i < API_MAX_PARAMS && st->params[i] != NULL; i++) {
		if (api_pct_decode(st->params[i], strlen(st->params[i]),
				   &st->decoded[i]) != AX_OK)
			return false;
		st->params[i] = st->decoded[i];
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, take_query_arg, st);
	return !st->bad_query;
}

/* First call of a request: route, authenticate, check the headers.
 * Returns a status to answer at once (with code/msg), or 0 to go on. */
static unsigned admit(api_server *srv, struct MHD_Connection *conn,
		      const char *method, req_state *st,
		      const char **code, const char **msg, char *allow,
		      size_t allow_len)
{
	bool path_known = false;
	char *seg[MAX_SEGMENTS];
	int nseg = split_path(st->path, seg);
	const char *cl;
	unsigned status;

	st->route = nseg < 0 ? NULL : find_route(method, seg, nseg, st->params,
						 &path_known, allow, allow_len);
	if (st->route == NULL) {
		*code = path_known ? "method_not_allowed" : "not_found";
		*msg = path_known ? "method not allowed on this resource" :
		       "no such resource";
		return path_known ? 405 : 404;
	}
	if (!decode_request(conn, st)) {
		*code = "bad_request";
		*msg = st->bad_query ?
		       "a query argument is malformed: bad %-escape, NUL, control "
		       "character or invalid UTF-8" :
		       "a path segment is malformed: bad %-escape, NUL, control "
		       "character or invalid UTF-8";
		return 400;
	}
	status = authenticate(&srv->ctx, conn, st->route->auth, &st->account);
	if (status != 0) {
		*code = status == 401 ? "unauthorized" : "forbidden";
		*msg = status == 401 ? "a valid bearer token is required" :
		       "this needs an admin token";
		return status;
	}
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl != NULL && strtoull(cl, NULL, 10) > (unsigned long long)srv->ctx.cfg->api_max_body) {
		*code = "payload_too_large";
		*msg = "the request body is larger than api-max-body";
		return 413;
	}
	if (st->route->body != BODY_NONE && !has_no_body(conn) &&
	    !content_type_ok(conn, st->route->body)) {
		*code = "unsupported_media_type";
		*msg = st->route->body == BODY_JSON ?
		       "the body must be sent as Content-Type: application/json" :
		       "the body must be sent as Content-Type: text/dns or text/plain";
		return 415;
	}
	return 0;
}

static int append_body(req_state *st, const char *data, size_t len, size_t max)
{
	if (st->too_large || st->body_len + len > max) {
		st->too_large = true;
		return AX_ETOOBIG;
	}
	if (st->body_len + len + 1 > st->body_cap) {
		size_t cap = st->body_cap ? st->body_cap : 4096;
		while (cap < st->body_len + len + 1)
			cap *= 2;
		char *grown = realloc(st->body, cap);
		if (grown == NULL)
			return AX_ENOMEM;
		st->body = grown;
		st->body_cap = cap;
	}
	memcpy(st->body + st->body_len, data, len);
	st->body_len += len;
	st->body[st->body_len] = '\0';
	return AX_OK;
}

static int dispatch(api_server *srv, struct MHD_Connection *conn,
		    const char *method, req_state *st)
{
	api_req rq = {0};
	api_resp rs = {0};

	rq.ctx = &srv->ctx;
	rq.conn = conn;
	rq.method = method;
	memcpy(rq.params, st->params, sizeof(rq.params));
	rq.query = st->query;
	rq.nquery = st->nquery;
	rq.body = st->body;
	rq.body_len = st->body_len;
	rq.account = st->account;
	rq.now = time(NULL);
	st->route->handler(&rq, &rs);
	if (rs.status == 0)
		api_error(&rs, 500, "internal", NULL, "handler gave no response");
	return queue(conn, &rs, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	api_server *srv = cls;
	req_state *st = *con_cls;
	char allow[64];

	if (st == NULL) {
		const char *code = NULL, *msg = NULL;
		unsigned status;

		if ((st = calloc(1, sizeof(*st))) == NULL ||
		    (st->path = strdup(url)) == NULL) {
			req_state_free(st);
			return MHD_NO;
		}
		*con_cls = st;
		status = admit(srv, conn, method, st, &code, &msg, allow,
			       sizeof(allow));
		if (status != 0) {
			st->responded = true;
			return (enum MHD_Result)respond_error(conn, status, code, msg,
							      allow);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t len = *upload_data_size;
		*upload_data_size = 0;
		if (st->responded)
			return MHD_YES;
		int rc = append_body(st, upload_data, len,
				     (size_t)srv->ctx.cfg->api_max_body);
		/* libmicrohttpd cannot answer in the middle of an upload: an
		 * oversized chunked body is drained and answered at its end,
		 * unless the client goes on far past the limit. */
		if (rc == AX_ETOOBIG) {
			st->discarded += len;
			return st->discarded > API_MAX_DISCARD ? MHD_NO : MHD_YES;
		}
		return rc == AX_OK ? MHD_YES : MHD_NO;
	}
	if (st->responded)
		return MHD_YES;
	st->responded = true;
	if (st->too_large)
		return (enum MHD_Result)respond_error(conn, 413, "payload_too_large",
			"the request body is larger than api-max-body", NULL);
	return (enum MHD_Result)dispatch(srv, conn, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	req_state_free(*con_cls);
	*con_cls = NULL;
}

/* Leaves the URL and the query arguments as they came: routes are matched
 * on the raw path, and decode_request() decodes each piece on its own. */
static size_t unescape_none(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	/* A relayed chunked request reaches libmicrohttpd over a socketpair
	 * (front.c), where its TCP options do not apply: no cause for a
	 * warning on each such request. */
	if (strncmp(buf, "Setting TCP_NODELAY", 19) == 0 ||
	    strncmp(buf, "Setting TCP_CORK", 16) == 0 ||
	    strncmp(buf, "Failed to push the data", 23) == 0) {
		log_debug("api", "libmicrohttpd: %s", buf);
		return;
	}
	log_warn("api", "libmicrohttpd: %s", buf);
}

/* The API's listening socket, bound to api-listen; -1 (and errno) when
 * it cannot be had. */
static int listen_socket(const config *cfg, uint16_t *port)
{
	const struct sockaddr_storage *ss = &cfg->api_listen.ss;
	struct sockaddr_storage got;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
			sizeof(struct sockaddr_in);
	int one = 1, fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
				 SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 ||
	    listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &(socklen_t){sizeof(got)}) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(got.ss_family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&got)->sin6_port :
		      ((struct sockaddr_in *)&got)->sin_port);
	return fd;
}

int api_start(const config *cfg, const psl_list *psl, db *d, budget *bud,
	      api_change_fn on_change, void *arg, api_server **out, uint16_t *port,
	      ax_errinfo *ei)
{
	api_server *srv;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	int lfd, rc;

	*out = NULL;
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return AX_ENOMEM;
	srv->ctx.d = d;
	srv->ctx.cfg = cfg;
	srv->ctx.budget = bud;
	srv->ctx.psl = psl;
	srv->ctx.on_change = on_change;
	srv->ctx.change_arg = arg;
	if ((lfd = listen_socket(cfg, port)) < 0) {
		int e = errno;
		free(srv);
		return ax_fail(ei, AX_EIO, "api-listen", "cannot listen on %s: %s",
			       cfg->api_listen.text, strerror(e));
	}
	if (cfg->api_listen.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->api_connection_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->api_connection_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->api_per_ip_limit,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, srv,
		MHD_OPTION_END);
	if (srv->mhd == NULL) {
		close(lfd);
		free(srv);
		return ax_fail(ei, AX_EIO, "api-listen", "cannot listen on %s",
			       cfg->api_listen.text);
	}
	if ((rc = api_front_start(cfg, srv->mhd, lfd, &srv->front, ei)) != AX_OK) {
		MHD_stop_daemon(srv->mhd);
		free(srv);
		return rc;
	}
	*out = srv;
	return AX_OK;
}

void api_stop(api_server *s)
{
	if (s == NULL)
		return;
	api_front_stop(s->front);
	MHD_stop_daemon(s->mhd);
	db_close(s->ctx.d);
	free(s);
}
