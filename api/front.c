/* front.c -- the API's accept loop: one thread, one epoll set. A new
 * connection is kept here until its request head is complete; the head is
 * peeked (MSG_PEEK), so libmicrohttpd later reads it again from the
 * socket. A refused head gets the JSON error, then the connection is
 * drained until the client closes it (closing with unread data would
 * reset the connection and could destroy the answer in flight).
 *
 * A request with a chunked body is not handed over: libmicrohttpd gets
 * one end of a socketpair (with the client's address), and the front
 * relays the bytes both ways, checking the chunk framing (chunked.c) on
 * the way in. A malformed body is not passed on: the client gets the JSON
 * 400 (unless libmicrohttpd has begun its answer) and libmicrohttpd sees
 * the request cut short, so no handler runs. Each direction has one
 * bounded buffer; a side is not read while the other side's buffer is
 * full, so a client that does not read holds at most those buffers. */
#include "front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"
#include "chunked.h"
#include "head.h"
#include "axfrd/log.h"
#include "axfrd/metrics.h"

/* How long a refused connection is drained before it is closed. */
#define DRAIN_MS 2000

/* How long the listening socket is not watched after accept() ran out of
 * file descriptors or memory (the socket stays readable meanwhile). */
#define ACCEPT_PAUSE_MS 100

/* Each direction's buffer of a relayed (chunked) request. */
#define RELAY_BUF 16384

/* What libmicrohttpd sends before reading a body the client waits to
 * send ("Expect: 100-continue"): not yet its answer. */
static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

struct pend;

/* What an epoll event is about: a connection's client socket, or the
 * front's end of its socketpair to libmicrohttpd. */
typedef struct ep_tag {
	struct pend *p;
	bool mhd;
} ep_tag;

typedef struct iobuf {
	size_t off, len;       /* bytes [off, off + len) are still to send */
	char b[RELAY_BUF];
} iobuf;

/* The relay of a chunked request (see the top of the file). */
typedef struct relay {
	int mfd;               /* the front's end of the socketpair, or -1 */
	api_chunked ck;
	size_t head_left;      /* head bytes still to pass before the body */
	bool body_end;         /* the body is complete, or refused: no more is
				  passed on; the client's bytes are discarded */
	bool client_eof;       /* the client has sent all it will */
	bool mhd_wr_shut;      /* libmicrohttpd was told that */
	bool mhd_eof;          /* libmicrohttpd closed its end */
	size_t from_mhd;       /* bytes libmicrohttpd sent so far */
	bool answered;         /* they go past an interim 100 Continue */
	iobuf up;              /* client -> libmicrohttpd */
	iobuf down;            /* libmicrohttpd -> client */
} relay;

/* A connection whose request head is not complete yet, one that was
 * answered and is being drained, or a relayed chunked request. */
typedef struct pend {
	int fd;
	ep_tag tag, mtag;      /* for fd, and for the relay's socketpair end */
	struct sockaddr_storage addr;
	socklen_t alen;
	int64_t deadline;      /* monotonic ms: closed then */
	bool closing;          /* answered; reading until the client closes */
	bool dead;             /* closed; freed after the current events */
	relay *r;              /* relaying a chunked request */
	struct pend *prev, *next;
} pend;

struct api_front {
	const config *cfg;
	struct MHD_Daemon *mhd;
	int lfd, ep, stopfd;
	pthread_t thread;
	pend *list;            /* every pending connection */
	size_t npend;
	pend *dead;            /* dropped during the current events */
	int64_t accept_again;  /* monotonic ms: the listening socket is not
				  watched until then (0: it is) */
	bool accept_warned;    /* the pause was logged since the last accept */
	char buf[API_HEAD_MAX];
};

/* epoll tags for the two sockets that are not connections. */
static char tag_listen, tag_stop;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unlink_pend(api_front *f, pend *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		f->list = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	f->npend--;
}

static void free_relay(pend *p)
{
	if (p->r == NULL)
		return;
	if (p->r->mfd >= 0)
		close(p->r->mfd);
	free(p->r);
	p->r = NULL;
}

/* Closes a connection. Its memory is kept until the current batch of
 * events is handled, as another event of the batch may name it. */
static void drop(api_front *f, pend *p)
{
	unlink_pend(f, p);
	close(p->fd);  /* also leaves the epoll set */
	free_relay(p);
	p->dead = true;
	p->next = f->dead;
	f->dead = p;
}

static void free_dead(api_front *f)
{
	while (f->dead != NULL) {
		pend *p = f->dead;
		f->dead = p->next;
		free(p);
	}
}

/* The idle limit of a connection: api-connection-timeout from now. */
static int64_t idle_deadline(const api_front *f)
{
	return now_ms() + (int64_t)f->cfg->api_connection_timeout * 1000;
}

static bool same_host(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr,
			      sizeof(struct in_addr)) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

static size_t pending_from(const api_front *f, const struct sockaddr_storage *a)
{
	size_t n = 0;

	for (const pend *p = f->list; p != NULL; p = p->next)
		n += same_host(&p->addr, a);
	return n;
}

static const char *reason(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* The JSON error response, written to out (cap bytes: it is small, a
 * message is a fixed text). Returns its length, 0 when it does not fit. */
static size_t error_response(char *out, size_t cap, unsigned status,
			     const char *code, const char *msg)
{
	api_resp rs = {0};
	char *body;
	int n;

	api_error(&rs, status, code, NULL, "%s", msg);
	body = rs.json ? json_dumps(rs.json, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(rs.json);
	n = snprintf(out, cap, "HTTP/1.1 %u %s\r\nContent-Type: "
		     "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n"
		     "Cache-Control: no-store\r\n\r\n%s", status, reason(status),
		     body ? strlen(body) : 0, body ? body : "");
	free(body);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void log_refused(const pend *p, unsigned status, const char *msg)
{
	char addr[INET6_ADDRSTRLEN + 8];

	metric_api(status);
	addr_text(&p->addr, addr, sizeof(addr));
	log_debug("api", "%s: refused a request: %u %s", addr, status, msg);
}

/* Sends the JSON error (small: it fits in the socket buffer) and starts
 * the drain. */
static void answer(pend *p, unsigned status, const char *code, const char *msg)
{
	char out[1024];
	size_t n = error_response(out, sizeof(out), status, code, msg);

	if (n > 0)
		(void)send(p->fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	log_refused(p, status, msg);
	shutdown(p->fd, SHUT_WR);
	p->closing = true;
	p->deadline = now_ms() + DRAIN_MS;
}

/* Reads and discards what an answered client still sends. */
static void drain(api_front *f, pend *p)
{
	ssize_t r;

	while ((r = recv(p->fd, f->buf, sizeof(f->buf), 0)) > 0)
		;
	if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		drop(f, p);
}

/* Sends what b holds to fd, as much as fd takes now. Returns the bytes
 * sent, -1 when fd is broken. */
static ssize_t flush(int fd, iobuf *b)
{
	size_t sent = 0;

	while (b->len > 0) {
		ssize_t w = send(fd, b->b + b->off, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0)
			return -1;
		b->off += (size_t)w;
		b->len -= (size_t)w;
		sent += (size_t)w;
	}
	if (b->len == 0)
		b->off = 0;
	return (ssize_t)sent;
}

/* The free room at the end of b (its bytes moved to the front first). */
static size_t room(iobuf *b)
{
	if (b->off > 0) {
		memmove(b->b, b->b + b->off, b->len);
		b->off = 0;
	}
	return sizeof(b->b) - b->len;
}

/* A malformed chunked body: libmicrohttpd gets no more of it (its end is
 * closed, so it drops the request unanswered and no handler runs) and the
 * client gets the JSON 400 after whatever libmicrohttpd said before (at
 * most an interim 100 Continue) -- unless libmicrohttpd had begun its
 * answer: then that is all the client gets. */
static void refuse_body(pend *p)
{
	relay *r = p->r;
	const char *msg = r->ck.msg ? r->ck.msg : "malformed chunked body";

	r->body_end = true;
	r->up.len = 0;
	close(r->mfd);
	r->mfd = -1;
	r->mhd_eof = true;
	if (!r->answered) {
		size_t cap = room(&r->down);
		r->down.len += error_response(r->down.b + r->down.len, cap, 400,
					      "bad_request", msg);
		log_refused(p, 400, msg);
	}
}

/* Reads what the client sent: the head and the checked body go into
 * r->up (while it has room), bytes after the body are discarded. Returns
 * -1 when the client's socket is broken. */
static int read_client(api_front *f, pend *p, bool *moved)
{
	relay *r = p->r;

	while (!r->client_eof) {
		char *dst = f->buf;
		size_t cap = sizeof(f->buf), k, head, used;
		ssize_t n;

		if (!r->body_end) {
			if ((cap = room(&r->up)) == 0)
				return 0;  /* libmicrohttpd reads first */
			dst = r->up.b + r->up.len;
		}
		n = recv(p->fd, dst, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -1;
		*moved = true;
		if (n == 0) {
			r->client_eof = true;
			return 0;
		}
		if (r->body_end)
			continue;
		k = (size_t)n;
		head = k < r->head_left ? k : r->head_left;
		r->head_left -= head;
		r->up.len += head;
		if (k == head)
			continue;
		switch (api_chunked_feed(&r->ck, dst + head, k - head, &used)) {
		case API_CHUNKED_MORE:
			r->up.len += used;
			break;
		case API_CHUNKED_DONE:
			r->up.len += used;
			r->body_end = true;
			break;
		case API_CHUNKED_BAD:
			refuse_body(p);
			break;
		}
	}
	return 0;
}

/* Reads what libmicrohttpd answers into r->down, while it has room. */
static void read_mhd(relay *r, bool *progress)
{
	while (r->mfd >= 0 && !r->mhd_eof) {
		size_t cap = room(&r->down);
		char *dst = r->down.b + r->down.len;
		ssize_t n;

		if (cap == 0)
			return;  /* the client reads first */
		n = recv(r->mfd, dst, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			r->mhd_eof = true;
			return;
		}
		for (size_t i = 0; i < (size_t)n && !r->answered; i++)
			r->answered = r->from_mhd + i >= sizeof(continue_line) - 1 ||
				      dst[i] != continue_line[r->from_mhd + i];
		r->from_mhd += (size_t)n;
		r->down.len += (size_t)n;
		*progress = true;
	}
}

/* True when the relay waits for libmicrohttpd alone: the body is all
 * passed on and nothing is owed to the client. libmicrohttpd's own
 * timeout applies then (a handler may take its time). */
static bool waits_for_mhd(const relay *r)
{
	return r->body_end && r->up.len == 0 && r->down.len == 0 && r->mfd >= 0 &&
	       !r->mhd_eof;
}

/* Moves what can be moved, both ways, until nothing moves (the events are
 * edge-triggered, and a side not read while the other's buffer was full
 * is read again once it has room); then, once libmicrohttpd is done and
 * all it said is sent, the client is drained like an answered one. */
static void pump(api_front *f, pend *p)
{
	relay *r = p->r;
	bool progress, moved = false;

	do {
		bool m = false;
		ssize_t w;

		progress = false;
		if (read_client(f, p, &m) < 0) {
			drop(f, p);
			return;
		}
		if (r->mfd >= 0 && r->up.len > 0) {
			if ((w = flush(r->mfd, &r->up)) < 0) {
				/* libmicrohttpd closed its end: it wants no more */
				r->up.len = 0;
				r->body_end = true;
			}
			progress |= w != 0;
		}
		if (r->mfd >= 0 && r->client_eof && r->up.len == 0 && !r->mhd_wr_shut) {
			shutdown(r->mfd, SHUT_WR);
			r->mhd_wr_shut = true;
		}
		read_mhd(r, &progress);
		if (r->down.len > 0) {
			if ((w = flush(p->fd, &r->down)) < 0) {
				drop(f, p);
				return;
			}
			m |= w > 0;
		}
		moved |= m;
		progress |= m;
	} while (progress);
	if (moved)
		p->deadline = idle_deadline(f);
	if (r->mhd_eof && r->down.len == 0) {
		free_relay(p);
		shutdown(p->fd, SHUT_WR);
		p->closing = true;
		p->deadline = now_ms() + DRAIN_MS;
		drain(f, p);
	}
}

/* A good head with a chunked body: libmicrohttpd gets a socketpair end
 * in place of the client's socket, under the client's address. */
static void start_relay(api_front *f, pend *p, size_t head_len)
{
	struct epoll_event ev = {0};
	int sv[2];
	relay *r = calloc(1, sizeof(*r));

	if (r == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("api", "cannot relay a chunked request: %s", strerror(errno));
		free(r);
		drop(f, p);
		return;
	}
	r->mfd = sv[0];
	r->head_left = head_len;
	api_chunked_init(&r->ck);
	p->r = r;
	p->mtag.p = p;
	p->mtag.mhd = true;
	p->deadline = idle_deadline(f);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = &p->mtag;
	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, sv[0], &ev) != 0) {
		close(sv[1]);
		drop(f, p);
		return;
	}
	ev.data.ptr = &p->tag;
	(void)epoll_ctl(f->ep, EPOLL_CTL_MOD, p->fd, &ev);
	/* libmicrohttpd closes sv[1] itself when it cannot take it. */
	if (MHD_add_connection(f->mhd, sv[1], (struct sockaddr *)&p->addr,
			       p->alen) != MHD_YES) {
		log_warn("api", "libmicrohttpd refused a connection");
		drop(f, p);
		return;
	}
	pump(f, p);
}

/* New bytes on a pending connection. */
static void on_data(api_front *f, pend *p)
{
	const char *code = NULL, *msg = NULL;
	api_head_info info = {0, false};
	unsigned status = 0;
	ssize_t r;

	if (p->closing) {
		drain(f, p);
		return;
	}
	r = recv(p->fd, f->buf, sizeof(f->buf), MSG_PEEK);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r <= 0) {
		drop(f, p);
		return;
	}
	switch (api_head_check(f->buf, (size_t)r, sizeof(f->buf), &status, &code, &msg,
			       &info)) {
	case API_HEAD_MORE:
		return;
	case API_HEAD_BAD:
		answer(p, status, code, msg);
		drain(f, p);
		return;
	case API_HEAD_OK:
		if (info.chunked) {
			start_relay(f, p, info.len);
			return;
		}
		epoll_ctl(f->ep, EPOLL_CTL_DEL, p->fd, NULL);
		unlink_pend(f, p);
		/* libmicrohttpd closes the socket itself when it cannot take it. */
		if (MHD_add_connection(f->mhd, p->fd, (struct sockaddr *)&p->addr,
				       p->alen) != MHD_YES)
			log_warn("api", "libmicrohttpd refused a connection");
		free(p);
		return;
	}
}

/* accept() is out of descriptors or memory: the waiting connection stays
 * in the backlog, and the level-triggered listening socket would wake the
 * loop at once, again and again. It is left out for ACCEPT_PAUSE_MS. */
static void pause_accept(api_front *f)
{
	struct epoll_event ev = {0};

	if (!f->accept_warned)
		log_warn("api", "cannot accept a connection: %s; waiting",
			 strerror(errno));
	f->accept_warned = true;
	ev.data.ptr = &tag_listen;
	if (epoll_ctl(f->ep, EPOLL_CTL_MOD, f->lfd, &ev) == 0)
		f->accept_again = now_ms() + ACCEPT_PAUSE_MS;
}

static void resume_accept(api_front *f)
{
	struct epoll_event ev = {0};

	if (f->accept_again == 0 || now_ms() < f->accept_again)
		return;
	ev.events = EPOLLIN;
	ev.data.ptr = &tag_listen;
	if (epoll_ctl(f->ep, EPOLL_CTL_MOD, f->lfd, &ev) == 0)
		f->accept_again = 0;
}

static void accept_all(api_front *f)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t alen = sizeof(ss);
		struct epoll_event ev = {0};
		int fd = accept4(f->lfd, (struct sockaddr *)&ss, &alen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		pend *p;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				pause_accept(f);
			return;  /* EAGAIN, or a passing error */
		}
		f->accept_warned = false;
		/* The same limits libmicrohttpd applies to its connections. */
		if (f->npend >= (size_t)f->cfg->api_connection_limit ||
		    pending_from(f, &ss) >= (size_t)f->cfg->api_per_ip_limit ||
		    (p = calloc(1, sizeof(*p))) == NULL) {
			close(fd);
			continue;
		}
		p->fd = fd;
		p->tag.p = p;
		p->addr = ss;
		p->alen = alen;
		p->deadline = now_ms() + (int64_t)f->cfg->api_connection_timeout * 1000;
		p->next = f->list;
		if (f->list != NULL)
			f->list->prev = p;
		f->list = p;
		f->npend++;
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = &p->tag;
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			drop(f, p);
	}
}

/* Closes the connections whose time is up: a head that never completes
 * (a slow client holding a slot), a drain the client does not end, a
 * relay whose client neither sends nor reads for api-connection-timeout. */
static void sweep(api_front *f)
{
	int64_t now = now_ms();

	for (pend *p = f->list, *next; p != NULL; p = next) {
		next = p->next;
		if (now < p->deadline)
			continue;
		if (p->r != NULL && waits_for_mhd(p->r))
			p->deadline = idle_deadline(f);
		else
			drop(f, p);
	}
}

static void *run(void *arg)
{
	api_front *f = arg;
	struct epoll_event ev[64];

	for (;;) {
		int n = epoll_wait(f->ep, ev, 64, f->accept_again ? ACCEPT_PAUSE_MS : 250);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &tag_stop)
				return NULL;
			if (ev[i].data.ptr == &tag_listen) {
				accept_all(f);
				continue;
			}
			ep_tag *t = ev[i].data.ptr;
			if (t->p->dead)
				continue;
			if (t->p->r != NULL)
				pump(f, t->p);
			else if (!t->mhd)
				on_data(f, t->p);
		}
		sweep(f);
		free_dead(f);
		resume_accept(f);
	}
}

static int watch(api_front *f, int fd, void *tag)
{
	struct epoll_event ev = {0};

	ev.events = EPOLLIN;
	ev.data.ptr = tag;
	return epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev);
}

int api_front_start(const config *cfg, struct MHD_Daemon *mhd, int listen_fd,
		    api_front **out, ax_errinfo *ei)
{
	api_front *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (f == NULL) {
		close(listen_fd);
		return AX_ENOMEM;
	}
	f->cfg = cfg;
	f->mhd = mhd;
	f->lfd = listen_fd;
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	f->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->ep < 0 || f->stopfd < 0 || watch(f, f->lfd, &tag_listen) != 0 ||
	    watch(f, f->stopfd, &tag_stop) != 0 ||
	    pthread_create(&f->thread, NULL, run, f) != 0) {
		int e = errno;
		if (f->ep >= 0)
			close(f->ep);
		if (f->stopfd >= 0)
			close(f->stopfd);
		close(f->lfd);
		free(f);
		return ax_fail(ei, AX_EIO, "api-listen", "cannot start the API "
			       "accept loop: %s", strerror(e));
	}
	*out = f;
	return AX_OK;
}

void api_front_stop(api_front *f)
{
	uint64_t one = 1;

	if (f == NULL)
		return;
	if (write(f->stopfd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(f->thread, NULL);
	while (f->list != NULL)
		drop(f, f->list);
	free_dead(f);
	close(f->lfd);
	close(f->stopfd);
	close(f->ep);
	free(f);
}
