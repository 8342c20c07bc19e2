/* dns_tcp.c -- DNS over TCP: length-prefixed messages (a prefix may
 * arrive split, several queries may arrive in one segment), one response
 * message in flight per connection so a reader that stops reading holds
 * one message and a snapshot reference, never the zone; timeouts that
 * measure progress; connection limits in total and per address. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns_internal.h"
#include "log.h"
#include "tcp_frame.h"

#define TCP_MSG_MAX TCP_FRAME_MSG_MAX

struct tcp_conn {
	dns_server *srv;
	int fd;
	loop_handle *h;
	struct sockaddr_storage peer;
	char peer_text[80];
	tcp_frame in;             /* received, not yet handled */
	uint8_t *out;             /* 2-byte length + message being sent */
	size_t outlen, outoff, outcap;
	dns_reply rep;            /* the transfer in progress, if any */
	uint64_t xfr_started;     /* ms, for the log */
	size_t xfr_bytes, xfr_msgs;
	uint64_t last_progress;   /* ms of the last byte read or written */
	bool eof;                 /* the client closed its side */
	tcp_conn *prev, *next;
};

static void conn_close(tcp_conn *c, const char *why)
{
	dns_server *s = c->srv;

	if (c->rep.xfr != NULL) {
		char result[96];
		log_warn("dns", "zone %s: transfer to %s aborted after %zu messages: %s",
			 c->rep.zone, c->peer_text, c->xfr_msgs, why);
		snprintf(result, sizeof(result), "aborted: %s", why);
		dns_xfr_log(s, c->rep.zone_id, (struct sockaddr *)&c->peer, c->rep.serial,
			    xfr_is_ixfr(c->rep.xfr), c->xfr_msgs, xfr_records(c->rep.xfr),
			    c->xfr_bytes, result);
		xfr_free(c->rep.xfr);
	} else {
		log_debug("dns", "tcp %s closed: %s", c->peer_text, why);
	}
	loop_del(s->lp, c->h);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
	tcp_frame_free(&c->in);
	free(c->out);
	free(c);
}

/* Something is to be sent: a message in part, or more of a transfer. */
static bool writing(const tcp_conn *c)
{
	return c->outlen > c->outoff || c->rep.xfr != NULL;
}

static void set_events(tcp_conn *c)
{
	uint32_t ev = writing(c) ? EPOLLOUT : (c->eof ? 0 : EPOLLIN);

	loop_mod(c->srv->lp, c->h, ev | EPOLLRDHUP);
}

/* Makes room for a message of n bytes (and its length) in c->out. */
static bool out_room(tcp_conn *c, size_t n)
{
	uint8_t *grown;

	if (c->outcap >= n + 2)
		return true;
	if ((grown = realloc(c->out, n + 2)) == NULL)
		return false;
	c->out = grown;
	c->outcap = n + 2;
	return true;
}

/* Frames the response of length n that is already at c->out + 2. */
static void queue_out(tcp_conn *c, size_t n)
{
	c->out[0] = (uint8_t)(n >> 8);
	c->out[1] = (uint8_t)n;
	c->outlen = n + 2;
	c->outoff = 0;
}

static void xfr_done(tcp_conn *c)
{
	uint64_t ms = loop_clock_ms() - c->xfr_started;

	log_info("dns", "zone %s: %s of serial %u to %s done: %zu records, "
		 "%zu messages, %zu bytes, %llu ms", c->rep.zone,
		 xfr_is_ixfr(c->rep.xfr) ? "IXFR" : "AXFR", c->rep.serial,
		 c->peer_text, xfr_records(c->rep.xfr), c->xfr_msgs, c->xfr_bytes,
		 (unsigned long long)ms);
	dns_xfr_log(c->srv, c->rep.zone_id, (struct sockaddr *)&c->peer, c->rep.serial,
		    xfr_is_ixfr(c->rep.xfr), c->xfr_msgs, xfr_records(c->rep.xfr),
		    c->xfr_bytes, "ok");
	xfr_free(c->rep.xfr);
	c->rep.xfr = NULL;
	dns_serial_progress_later(c->srv, c->rep.zone);
}

/*
 * Transfer messages go out XFR_BATCH at a time with one send(): on
 * loopback, and on any fast path, the cost of a send (and of waking the
 * reader) per 16 KiB message is as large as writing the message. They
 * are written into the server's one batch buffer; what the socket does
 * not take is not kept: the connection keeps the rest of the message the
 * send stopped in (at most one message, as before), and the cursor (and
 * the TSIG state) go back to where the first unsent message began, to
 * write it again when the socket has room. A transfer therefore holds no
 * more memory than one message, however slow its reader.
 */
#define XFR_BATCH 4


/* Writes and sends one batch; tsigs (signed transfers: room for the TSIG
 * state before each message, else NULL) lets the rewind restore it. */
static int write_batch(tcp_conn *c, tsig_ctx *tsigs)
{
	dns_server *s = c->srv;
	/* A transfer message is at most xfr-message-size, plus its TSIG. */
	size_t max = (size_t)s->cfg->xfr_message_size + XFR_TSIG_ROOM;
	xfr_mark marks[XFR_BATCH];
	size_t ends[XFR_BATCH], total = 0, k = 0, counted, bytes;
	bool ended = false;
	ssize_t sent;

	if (max > TCP_MSG_MAX)
		max = TCP_MSG_MAX;
	if (s->xfr_batch_cap < XFR_BATCH * (max + 2)) {
		uint8_t *grown = realloc(s->xfr_batch, XFR_BATCH * (max + 2));
		if (grown == NULL) {
			conn_close(c, "out of memory");
			return -1;
		}
		s->xfr_batch = grown;
		s->xfr_batch_cap = XFR_BATCH * (max + 2);
	}
	for (; k < XFR_BATCH; k++) {
		xfr_save(c->rep.xfr, &marks[k]);
		if (tsigs != NULL)
			tsigs[k] = c->rep.tsig;
		long n = dns_xfr_next(s, &c->rep, s->xfr_batch + total + 2, max);
		if (n < 0) {
			conn_close(c, "transfer failed");
			return -1;
		}
		if (n == 0) {
			ended = true;
			break;
		}
		s->xfr_batch[total] = (uint8_t)(n >> 8);
		s->xfr_batch[total + 1] = (uint8_t)n;
		total += (size_t)n + 2;
		ends[k] = total;
	}
	if (k == 0) {                 /* nothing was left to write */
		xfr_done(c);
		return 1;
	}
	do
		sent = send(c->fd, s->xfr_batch, total, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		conn_close(c, strerror(errno));
		return -1;
	}
	if (sent < 0)
		sent = 0;
	if (sent > 0)
		c->last_progress = loop_now(s->lp);
	/* The first message not sent completely, and what it began with. */
	size_t i = 0;
	while (i < k && ends[i] <= (size_t)sent)
		i++;
	size_t start = i == 0 ? 0 : ends[i - 1];
	if (i == k) {
		counted = k;
	} else if ((size_t)sent > start) {
		/* Message i went out in part: keep its rest, write the ones
		 * after it again later. */
		if (!out_room(c, ends[i] - (size_t)sent)) {
			conn_close(c, "out of memory");
			return -1;
		}
		memcpy(c->out, s->xfr_batch + sent, ends[i] - (size_t)sent);
		c->outlen = ends[i] - (size_t)sent;
		c->outoff = 0;
		counted = i + 1;
	} else {
		counted = i;
	}
	if (counted < k) {
		xfr_restore(c->rep.xfr, &marks[counted]);
		if (tsigs != NULL)
			c->rep.tsig = tsigs[counted];
		ended = false;
	}
	bytes = counted == 0 ? 0 : ends[counted - 1] - 2 * counted;
	c->xfr_msgs += counted;
	c->xfr_bytes += bytes;
	if (i < k)
		return 0;
	if (ended)
		xfr_done(c);
	return 1;
}

/* -1: the connection was closed; 0: the socket is full; 1: all sent. */
static int send_xfr_batch(tcp_conn *c)
{
	tsig_ctx tsigs[XFR_BATCH];
	bool signed_xfr = c->rep.tsig_on;
	int rc = write_batch(c, signed_xfr ? tsigs : NULL);

	/* The saved states hold the key: not left on the stack. */
	if (signed_xfr)
		explicit_bzero(tsigs, sizeof(tsigs));
	return rc;
}

/* Handles the complete messages in the input buffer, one at a time:
 * the next one waits until the previous response has been sent. */
static bool handle_input(tcp_conn *c)
{
	const uint8_t *msg;
	const char *why;
	size_t len;

	while (c->outlen == c->outoff && c->rep.xfr == NULL) {
		tcp_frame_result fr = tcp_frame_peek(&c->in, &msg, &len, &why);
		if (fr == TCP_FRAME_BAD) {
			conn_close(c, why);
			return false;
		}
		if (fr == TCP_FRAME_MORE)
			break;  /* wait for the rest */
		/* Answers are written to the server's scratch buffer and kept
		 * at their own size: an idle connection holds little. */
		dns_handle(c->srv, msg, len, (struct sockaddr *)&c->peer, true,
			   c->srv->scratch, TCP_MSG_MAX, &c->rep);
		tcp_frame_pop(&c->in);
		if (c->rep.len > 0) {
			if (!out_room(c, c->rep.len)) {
				conn_close(c, "out of memory");
				return false;
			}
			memcpy(c->out + 2, c->srv->scratch, c->rep.len);
			queue_out(c, c->rep.len);
		}
		if (c->rep.xfr != NULL) {
			c->xfr_started = loop_clock_ms();
			c->xfr_msgs = 1;
			c->xfr_bytes = c->rep.len;
		}
	}
	return true;
}

static bool do_read(tcp_conn *c)
{
	for (;;) {
		uint8_t *at;
		size_t space;
		if (!tcp_frame_room(&c->in, &at, &space))
			break;  /* a full message is buffered: handle it first */
		ssize_t n = recv(c->fd, at, space, 0);
		if (n > 0) {
			tcp_frame_received(&c->in, (size_t)n);
			c->last_progress = loop_now(c->srv->lp);
			continue;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == EINTR)
			continue;
		conn_close(c, strerror(errno));
		return false;
	}
	return true;
}

/* Bytes one connection may send per turn of the loop: a reader that keeps
 * up would otherwise get a whole transfer in one callback (27 MB, tens of
 * milliseconds) while queries, NOTIFYs and other transfers wait. */
#define WRITE_TURN (512u << 10)

static bool do_write(tcp_conn *c)
{
	size_t before = c->xfr_bytes;

	for (;;) {
		if (c->outoff == c->outlen) {
			c->outlen = c->outoff = 0;
			if (c->rep.xfr == NULL)
				return true;
			if (c->xfr_bytes - before >= WRITE_TURN)
				return true;   /* EPOLLOUT brings it back next turn */
			int rc = send_xfr_batch(c);
			if (rc < 0)
				return false;
			if (rc == 0 && c->outoff == c->outlen)
				return true;   /* full: wait for EPOLLOUT */
			continue;
		}
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			c->last_progress = loop_now(c->srv->lp);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		conn_close(c, n < 0 ? strerror(errno) : "send failed");
		return false;
	}
}

static void on_conn(loop *l, int fd, uint32_t events, void *arg)
{
	tcp_conn *c = arg;

	(void)l;
	(void)fd;
	if (events & EPOLLERR) {
		conn_close(c, "socket error");
		return;
	}
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !c->eof && !do_read(c))
		return;
	/* Send what is pending, then handle the next buffered message, until
	 * the socket is full or nothing complete is left to handle. */
	for (;;) {
		if (!do_write(c))
			return;
		if (writing(c))
			break;
		size_t before = c->in.len;
		if (!handle_input(c))
			return;
		if (c->outlen == c->outoff && c->in.len == before)
			break;
	}
	if (!writing(c) && c->eof) {
		conn_close(c, c->in.len > 0 ? "client closed with a partial message" :
			   "client closed");
		return;
	}
	set_events(c);
}

static size_t conns_from(dns_server *s, const struct sockaddr_storage *ss)
{
	size_t n = 0;

	for (tcp_conn *c = s->conns; c != NULL; c = c->next)
		n += addr_same((struct sockaddr *)&c->peer, (const struct sockaddr *)ss, false);
	return n;
}

static void accept_one(dns_server *s, int fd, struct sockaddr_storage *ss)
{
	tcp_conn *c;
	char who[80];

	dns_peer_text((struct sockaddr *)ss, who, sizeof(who));
	if (s->nconns >= (size_t)s->cfg->tcp_max_connections ||
	    conns_from(s, ss) >= (size_t)s->cfg->tcp_max_per_ip) {
		log_warn("dns", "tcp %s refused: connection limit reached", who);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	c->peer = *ss;
	memcpy(c->peer_text, who, sizeof(who));
	c->last_progress = loop_now(s->lp);
	if ((c->h = loop_add(s->lp, fd, EPOLLIN | EPOLLRDHUP, on_conn, c)) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
}

void dns_tcp_accept(loop *l, int fd, uint32_t events, void *arg)
{
	dns_server *s = arg;

	(void)l;
	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("dns", "accept: %s", strerror(errno));
			return;
		}
		accept_one(s, cfd, &ss);
	}
}

void dns_tcp_sweep(loop *l, void *arg)
{
	dns_server *s = arg;
	uint64_t limit = (uint64_t)s->cfg->tcp_idle_timeout * 1000u;
	tcp_conn *c = s->conns;

	while (c != NULL) {
		tcp_conn *next = c->next;
		if (loop_now(l) - c->last_progress > limit)
			conn_close(c, "no progress within tcp-idle-timeout");
		c = next;
	}
	s->sweep = loop_after(l, 1000, dns_tcp_sweep, s);
}

void dns_tcp_close_all(dns_server *s)
{
	while (s->conns != NULL)
		conn_close(s->conns, "shutting down");
}
