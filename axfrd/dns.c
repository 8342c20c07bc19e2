/* dns.c -- the DNS server's start-up, sockets, UDP, signals and the queue
 * of zones the API changed. */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "alias.h"
#include "dns_internal.h"
#include "notify.h"
#include "log.h"

#define UDP_BUF 65535

static int bind_socket(const config_addr *a, int type, uint16_t port)
{
	struct sockaddr_storage ss = a->ss;
	int one = 1;
	int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	addr_set_port(&ss, port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, a->len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	return addr_get_port(&ss);
}

/* Binds UDP and TCP to the same port; with port 0 the kernel picks the
 * UDP port and TCP takes the same one (retried if it is busy). */
static int open_sockets(dns_server *s, ax_errinfo *ei)
{
	const config_addr *a = &s->cfg->dns_listen;
	uint16_t want = addr_get_port(&a->ss);

	for (int attempt = 0; attempt < 20; attempt++) {
		s->udp_fd = bind_socket(a, SOCK_DGRAM, want);
		if (s->udp_fd < 0)
			break;
		s->port = bound_port(s->udp_fd);
		s->tcp_fd = bind_socket(a, SOCK_STREAM, s->port);
		if (s->tcp_fd >= 0)
			return AX_OK;
		close(s->udp_fd);
		s->udp_fd = -1;
		if (want != 0)
			break;
	}
	return ax_fail(ei, AX_EIO, "dns-listen", "cannot listen on %s: %s", a->text,
		       strerror(errno));
}

/* The dns-listen-also addresses, each on its own port or (port 0) on the
 * port of dns-listen. */
static int open_also(dns_server *s, ax_errinfo *ei)
{
	const char *list = s->cfg->dns_listen_also ? s->cfg->dns_listen_also : "";
	char item[300];

	for (const char *p = list; config_list_next(&p, item, sizeof(item)); ) {
		struct dns_listener *l = &s->also[s->nalso];
		if (s->nalso == CONFIG_MAX_LISTEN_ALSO ||
		    config_parse_addr(item, &l->addr) != AX_OK)
			return ax_fail(ei, AX_EINVAL, "dns-listen-also",
				       "dns-listen-also: '%s' is not usable", item);
		l->port = addr_get_port(&l->addr.ss) ? addr_get_port(&l->addr.ss) : s->port;
		l->udp_fd = bind_socket(&l->addr, SOCK_DGRAM, l->port);
		l->tcp_fd = l->udp_fd < 0 ? -1 : bind_socket(&l->addr, SOCK_STREAM, l->port);
		s->nalso++;
		if (l->udp_fd < 0 || l->tcp_fd < 0)
			return ax_fail(ei, AX_EIO, "dns-listen-also",
				       "dns-listen-also: cannot listen on %s (port %u): %s", item,
				       l->port, strerror(errno));
	}
	return AX_OK;
}

void dns_log_listeners(const dns_server *s)
{
	for (size_t i = 0; i < s->nalso; i++) {
		struct sockaddr_storage ss = s->also[i].addr.ss;
		char text[INET6_ADDRSTRLEN + 8];
		addr_set_port(&ss, s->also[i].port);
		addr_text(&ss, text, sizeof(text));
		log_info("dns", "also listening on dns://%s", text);
	}
}

static void on_udp(loop *l, int fd, uint32_t events, void *arg)
{
	dns_server *s = arg;
	static uint8_t in[UDP_BUF], out[UDP_BUF];

	(void)l;
	(void)events;
	/* Bounded, so a flood on UDP cannot starve TCP and timers. */
	for (int i = 0; i < 256; i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		dns_reply rep;
		ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&peer, &pl);

		if (n < 0)
			return;
		dns_handle(s, in, (size_t)n, (struct sockaddr *)&peer, false, out,
			   sizeof(out), &rep);
		if (rep.len > 0)
			sendto(fd, out, rep.len, 0, (struct sockaddr *)&peer, pl);
	}
}

void dns_zone_queue(dns_server *s, const char *zone, bool full)
{
	uint64_t one = 1;
	char *copy;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->npending; i++) {
		if (strcmp(s->pending[i].name, zone) == 0) {
			s->pending[i].full = s->pending[i].full || full;
			pthread_mutex_unlock(&s->mu);
			return;
		}
	}
	if (s->npending == s->cappending) {
		size_t cap = s->cappending ? s->cappending * 2 : 16;
		struct pending_zone *grown = realloc(s->pending, cap * sizeof(*grown));
		if (grown == NULL) {
			pthread_mutex_unlock(&s->mu);
			log_err("dns", "zone %s: out of memory queueing a reload", zone);
			return;
		}
		s->pending = grown;
		s->cappending = cap;
	}
	if ((copy = strdup(zone)) != NULL)
		s->pending[s->npending++] = (struct pending_zone){copy, full};
	pthread_mutex_unlock(&s->mu);
	if (write(s->ev_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("dns", "eventfd: %s", strerror(errno));
}

void dns_zone_changed(void *arg, const char *zone)
{
	dns_zone_queue(arg, zone, false);
}

/* Zones changed: reload each (a burst of changes to one zone coalesces
 * into one reload). */
static void on_changes(loop *l, int fd, uint32_t events, void *arg)
{
	dns_server *s = arg;
	struct pending_zone *zones;
	uint64_t cnt;
	size_t n;

	(void)l;
	(void)events;
	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_warn("dns", "eventfd: %s", strerror(errno));
	pthread_mutex_lock(&s->mu);
	zones = s->pending;
	n = s->npending;
	s->pending = NULL;
	s->npending = s->cappending = 0;
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < n; i++) {
		dns_zone_reload(s, zones[i].name, zones[i].full);
		free(zones[i].name);
	}
	free(zones);
}

static void on_signal(loop *l, int fd, uint32_t events, void *arg)
{
	dns_server *s = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		s->signal = (int)si.ssi_signo;
		loop_stop(l);
	}
}

static int open_events(dns_server *s, ax_errinfo *ei)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->sig_fd < 0 || s->ev_fd < 0)
		return ax_fail(ei, AX_EIO, "dns", "signalfd/eventfd: %s", strerror(errno));
	s->sig_h = loop_add(s->lp, s->sig_fd, EPOLLIN, on_signal, s);
	s->ev_h = loop_add(s->lp, s->ev_fd, EPOLLIN, on_changes, s);
	s->udp_h = loop_add(s->lp, s->udp_fd, EPOLLIN, on_udp, s);
	s->tcp_h = loop_add(s->lp, s->tcp_fd, EPOLLIN, dns_tcp_accept, s);
	s->sweep = loop_after(s->lp, 1000, dns_tcp_sweep, s);
	if (!s->sig_h || !s->ev_h || !s->udp_h || !s->tcp_h || !s->sweep)
		return AX_ENOMEM;
	for (size_t i = 0; i < s->nalso; i++) {
		struct dns_listener *l = &s->also[i];
		l->udp_h = loop_add(s->lp, l->udp_fd, EPOLLIN, on_udp, s);
		l->tcp_h = loop_add(s->lp, l->tcp_fd, EPOLLIN, dns_tcp_accept, s);
		if (!l->udp_h || !l->tcp_h)
			return AX_ENOMEM;
	}
	return AX_OK;
}

int dns_start(const config *cfg, budget *bud, dns_server **out, uint16_t *port,
	      ax_errinfo *ei)
{
	/* What this thread writes can all be recovered after a power loss
	 * (the transfer log, NOTIFY state, IXFR steps that fall back to
	 * AXFR, export state re-derived at start-up), so its commits need
	 * not wait for the disk: WAL with synchronous=NORMAL stays
	 * crash-safe, and the loop is not stalled by an fsync per transfer. */
	db_options opt = {
		.sync_full = false,
		.busy_timeout_ms = (int)cfg->db_busy_timeout,
	};
	dns_server *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AX_ENOMEM;
	s->cfg = cfg;
	s->budget = bud;
	s->udp_fd = s->tcp_fd = s->sig_fd = s->ev_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	if ((rc = export_opts_from_config(cfg, &s->eo, ei)) != AX_OK ||
	    (rc = db_open(cfg->db, &opt, &s->d, ei)) != AX_OK ||
	    (rc = open_sockets(s, ei)) != AX_OK || (rc = open_also(s, ei)) != AX_OK)
		goto fail;
	if ((s->lp = loop_new()) == NULL || (s->scratch = malloc(65535)) == NULL ||
	    (s->rrl = rrl_new(&(rrl_opts){
		    .rate = (uint32_t)cfg->rrl_rate,
		    .slip = (uint32_t)cfg->rrl_slip,
		    .v4_prefix = (unsigned)cfg->rrl_ipv4_prefix,
		    .v6_prefix = (unsigned)cfg->rrl_ipv6_prefix,
		    .slots = (size_t)cfg->rrl_table_size})) == NULL) {
		rc = AX_ENOMEM;
		goto fail;
	}
	if ((rc = open_events(s, ei)) != AX_OK ||
	    (rc = alias_new(s, &s->alias, ei)) != AX_OK ||
	    (rc = notify_new(s, &s->notify, ei)) != AX_OK ||
	    (rc = dns_zones_load_all(s)) != AX_OK)
		goto fail;
	*port = s->port;
	*out = s;
	return AX_OK;
fail:
	dns_free(s);
	return rc;
}

int dns_run(dns_server *s)
{
	loop_run(s->lp);
	return s->signal;
}

void dns_free(dns_server *s)
{
	if (s == NULL)
		return;
	dns_tcp_close_all(s);
	if (s->lp != NULL) {
		alias_free(s->alias);
		notify_free(s->notify);
	}
	loop_free(s->lp);
	for (int *fd = &s->udp_fd; fd <= &s->ev_fd; fd++)
		if (*fd >= 0)
			close(*fd);
	for (size_t i = 0; i < s->nalso; i++) {
		if (s->also[i].udp_fd >= 0)
			close(s->also[i].udp_fd);
		if (s->also[i].tcp_fd >= 0)
			close(s->also[i].tcp_fd);
	}
	dns_zones_free(s);
	for (size_t i = 0; i < s->npending; i++)
		free(s->pending[i].name);
	free(s->pending);
	pthread_mutex_destroy(&s->mu);
	free(s->scratch);
	free(s->xfr_batch);
	rrl_free(s->rrl);
	db_close(s->d);
	free(s);
}
