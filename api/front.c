/* front.c -- the API's accept loop: one thread, one epoll set. A new
 * connection is kept here until its request head is complete; the head is
 * peeked (MSG_PEEK), so libmicrohttpd later reads it again from the
 * socket. A refused head gets the JSON error, then the connection is
 * drained until the client closes it (closing with unread data would
 * reset the connection and could destroy the answer in flight). */
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
#include "head.h"
#include "axfrd/log.h"
#include "axfrd/metrics.h"

/* How long a refused connection is drained before it is closed. */
#define DRAIN_MS 2000

/* A connection whose request head is not complete yet, or that was
 * answered and is being drained. */
typedef struct pend {
	int fd;
	struct sockaddr_storage addr;
	socklen_t alen;
	int64_t deadline;      /* monotonic ms: closed then */
	bool closing;          /* answered; reading until the client closes */
	struct pend *prev, *next;
} pend;

struct api_front {
	const config *cfg;
	struct MHD_Daemon *mhd;
	int lfd, ep, stopfd;
	pthread_t thread;
	pend *list;            /* every pending connection */
	size_t npend;
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

static void drop(api_front *f, pend *p)
{
	unlink_pend(f, p);
	close(p->fd);  /* also leaves the epoll set */
	free(p);
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

/* Sends the JSON error (small: it fits in the socket buffer) and starts
 * the drain. */
static void answer(api_front *f, pend *p, unsigned status, const char *code,
		   const char *msg)
{
	api_resp rs = {0};
	char head[256], addr[INET6_ADDRSTRLEN + 8];
	char *body;
	int n;

	api_error(&rs, status, code, NULL, "%s", msg);
	body = rs.json ? json_dumps(rs.json, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(rs.json);
	n = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\nContent-Type: "
		     "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n"
		     "Cache-Control: no-store\r\n\r\n", status, reason(status),
		     body ? strlen(body) : 0);
	if (send(p->fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n && body)
		(void)send(p->fd, body, strlen(body), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(body);
	metric_api(status);
	addr_text(&p->addr, addr, sizeof(addr));
	log_debug("api", "%s: refused a request head: %u %s", addr, status, msg);
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

/* New bytes on a pending connection. */
static void on_data(api_front *f, pend *p)
{
	const char *code = NULL, *msg = NULL;
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
	switch (api_head_check(f->buf, (size_t)r, sizeof(f->buf), &status, &code, &msg)) {
	case API_HEAD_MORE:
		return;
	case API_HEAD_BAD:
		answer(f, p, status, code, msg);
		drain(f, p);
		return;
	case API_HEAD_OK:
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

static void accept_all(api_front *f)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t alen = sizeof(ss);
		struct epoll_event ev = {0};
		int fd = accept4(f->lfd, (struct sockaddr *)&ss, &alen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		pend *p;

		if (fd < 0)
			return;  /* EAGAIN, or a passing error (EMFILE...) */
		/* The same limits libmicrohttpd applies to its connections. */
		if (f->npend >= (size_t)f->cfg->api_connection_limit ||
		    pending_from(f, &ss) >= (size_t)f->cfg->api_per_ip_limit ||
		    (p = calloc(1, sizeof(*p))) == NULL) {
			close(fd);
			continue;
		}
		p->fd = fd;
		p->addr = ss;
		p->alen = alen;
		p->deadline = now_ms() + (int64_t)f->cfg->api_connection_timeout * 1000;
		p->next = f->list;
		if (f->list != NULL)
			f->list->prev = p;
		f->list = p;
		f->npend++;
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = p;
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			drop(f, p);
	}
}

/* Closes the connections whose time is up: a head that never completes
 * (a slow client holding a slot) or a drain the client does not end. */
static void sweep(api_front *f)
{
	int64_t now = now_ms();

	for (pend *p = f->list, *next; p != NULL; p = next) {
		next = p->next;
		if (now >= p->deadline)
			drop(f, p);
	}
}

static void *run(void *arg)
{
	api_front *f = arg;
	struct epoll_event ev[64];

	for (;;) {
		int n = epoll_wait(f->ep, ev, 64, 250);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &tag_stop)
				return NULL;
			if (ev[i].data.ptr == &tag_listen)
				accept_all(f);
			else
				on_data(f, ev[i].data.ptr);
		}
		sweep(f);
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
	close(f->lfd);
	close(f->stopfd);
	close(f->ep);
	free(f);
}
