/* axfr_count.c -- the benchmark's lean AXFR client (tests/bench/run.py).
 *
 * Not part of the CMake project; built by run.py with
 *     cc -O2 -pthread -o build-bench/axfr_count tests/bench/axfr_count.c
 *
 * usage: axfr_count [-c N] [-H MS] [-s MS] [-d MS] [-r BYTES] [-t SEC] [-b BYTES]
 *                   ADDR PORT ZONE
 *
 * Connects over TCP to ADDR:PORT (IPv4 or IPv6 literal), sends one AXFR
 * query (class IN, no EDNS, no TSIG) for ZONE and reads the length-prefixed
 * answer messages with large reads into one buffer. Per message it checks
 * the ID, QR, opcode and RCODE 0 and walks the records only as far as needed
 * to find each one's type (names are skipped label by label, compression
 * pointers end a name): it counts records, notes the serial of the first SOA
 * and stops after the second SOA, which must be the last record of its
 * message. Nothing is printed per record. One line on stdout:
 *
 *   records=N messages=M bytes=B ttfb_ms=T total_ms=S rate=R serial=X
 *
 * records: the zone's records as transferred, the SOA counted once (the
 * closing SOA is not counted); bytes: payload bytes received (length
 * prefixes included); ttfb_ms: from the start of connect() to the first byte
 * of the answer; total_ms: from the start of connect() to the closing SOA;
 * rate: records / total (records per second).
 *
 * -c N: N transfers at once (one thread each); prints one line per failed
 *   transfer on stderr, then
 *   clients=N complete=K failed=F records_min=A records_max=B equal=yes|no
 *   wall_ms=W rate=R (all records / wall time) ttfb_ms_max=T
 *   complete counts transfers that ended with the second SOA; equal is yes
 *   when every transfer completed with the same record count.
 * -H MS (with -c): every transfer stops reading after its first complete
 *   message until all have got that far (or failed); then "hold" is printed
 *   on stdout (flushed), and after MS milliseconds all go on (all N are
 *   then open at once; run.py does not use it: Knot cuts off a client that
 *   reads nothing for 0.5 s, tcp-io-timeout).
 * -d MS: a slow reader: sleep MS milliseconds after every read (with -c, the
 *   N transfers then overlap even when each would take a few ms).
 * -s MS (with -c): transfer i connects i * MS milliseconds after the first,
 *   so that N connects do not arrive as one burst (several servers listen
 *   with a backlog of 10; the connects beyond it wait for SYN retransmits).
 * -r BYTES: SO_RCVBUF of the socket, set before connect() (the kernel
 *   doubles it); with -d it bounds what each read gets.
 * -t SEC: receive timeout per read (default 120 s).
 * -b BYTES: receive buffer size (default 1 MiB; 256 KiB with -c).
 *
 * Exit status: 0 when every transfer completed, 1 otherwise, 2 on usage
 * errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define T_SOA 6
#define T_AXFR 252

struct xfr {
	/* input */
	const struct sockaddr *sa;
	socklen_t salen;
	const uint8_t *query;
	size_t qlen;
	uint16_t id;
	size_t bufsize;
	int timeout_s;
	int hold;		/* stop after the first message until released */
	int delay_ms;		/* sleep after every read */
	int rcvbuf;		/* SO_RCVBUF, 0: the default */
	int start_delay_ms;	/* wait before connecting */
	/* output */
	int ok;
	unsigned long long records, messages, bytes;
	double ttfb_ms, total_ms;
	uint32_t serial;
	char err[256];
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fail(struct xfr *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	x->ok = 0;
}

/* Skips a (possibly compressed) name at p; returns the offset after it or
 * 0 when it runs past end. */
static size_t skip_name(const uint8_t *m, size_t p, size_t end)
{
	while (p < end) {
		uint8_t l = m[p];
		if (l == 0)
			return p + 1;
		if ((l & 0xC0) == 0xC0)
			return p + 2 <= end ? p + 2 : 0;
		if (l & 0xC0)
			return 0;
		p += 1 + (size_t)l;
	}
	return 0;
}

/* hold barrier (-H) */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int hold_arrived, hold_released;

static void hold_arrive(void)
{
	pthread_mutex_lock(&hold_mu);
	hold_arrived++;
	pthread_cond_broadcast(&hold_cv);
	pthread_mutex_unlock(&hold_mu);
}

static void hold_wait_release(void)
{
	pthread_mutex_lock(&hold_mu);
	while (!hold_released)
		pthread_cond_wait(&hold_cv, &hold_mu);
	pthread_mutex_unlock(&hold_mu);
}

/* Parses one message; returns 1 when it held the closing SOA, 0 to go on,
 * -1 on an error (x->err set). */
static int message(struct xfr *x, const uint8_t *m, size_t len, int *soas)
{
	if (len < 12) {
		fail(x, "message %llu: %zu bytes, shorter than a header", x->messages + 1, len);
		return -1;
	}
	uint16_t id = (uint16_t)(m[0] << 8 | m[1]);
	uint8_t f1 = m[2], f2 = m[3];
	unsigned qd = (unsigned)(m[4] << 8 | m[5]), an = (unsigned)(m[6] << 8 | m[7]);
	if (id != x->id || !(f1 & 0x80) || ((f1 >> 3) & 0xF) != 0) {
		fail(x, "message %llu: not an answer to the query (id %u, flags %02x%02x)",
		     x->messages + 1, id, f1, f2);
		return -1;
	}
	if ((f2 & 0xF) != 0) {
		fail(x, "message %llu: rcode %u", x->messages + 1, f2 & 0xF);
		return -1;
	}
	size_t p = 12;
	for (unsigned i = 0; i < qd; i++) {
		p = skip_name(m, p, len);
		if (p == 0 || p + 4 > len)
			goto bad;
		p += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		p = skip_name(m, p, len);
		if (p == 0 || p + 10 > len)
			goto bad;
		uint16_t type = (uint16_t)(m[p] << 8 | m[p + 1]);
		size_t rdlen = (size_t)(m[p + 8] << 8 | m[p + 9]);
		size_t rd = p + 10;
		p = rd + rdlen;
		if (p > len)
			goto bad;
		if (type == T_SOA) {
			if (*soas == 0) {
				size_t q = skip_name(m, rd, p);
				if (q != 0)
					q = skip_name(m, q, p);
				if (q == 0 || q + 4 > p)
					goto bad;
				x->serial = (uint32_t)m[q] << 24 | (uint32_t)m[q + 1] << 16 |
					    (uint32_t)m[q + 2] << 8 | m[q + 3];
			}
			(*soas)++;
			if (*soas == 2) {
				x->records += i;	/* without the closing SOA */
				if (i + 1 != an) {
					fail(x, "message %llu: %u records after the closing SOA",
					     x->messages + 1, an - i - 1);
					return -1;
				}
				return 1;
			}
		} else if (*soas == 0) {
			fail(x, "the transfer does not start with the SOA");
			return -1;
		}
	}
	x->records += an;
	return 0;
bad:
	fail(x, "message %llu: malformed (%zu bytes, %u records)", x->messages + 1, len, an);
	return -1;
}

static void *run_xfr(void *arg)
{
	struct xfr *x = arg;
	uint8_t *buf = malloc(x->bufsize);
	int fd = -1, soas = 0, done = 0, held = !x->hold;
	size_t have = 0, pos = 0;
	double t0;

	x->ok = 1;
	if (x->start_delay_ms > 0)
		usleep((useconds_t)x->start_delay_ms * 1000);
	if (buf == NULL) {
		fail(x, "out of memory");
		goto out;
	}
	t0 = now_ms();
	fd = socket(x->sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail(x, "socket: %s", strerror(errno));
		goto out;
	}
	if (x->rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &x->rcvbuf, sizeof(x->rcvbuf));
	struct timeval tv = {.tv_sec = x->timeout_s};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, x->sa, x->salen) != 0) {
		fail(x, "connect: %s", strerror(errno));
		goto out;
	}
	if (send(fd, x->query, x->qlen, MSG_NOSIGNAL) != (ssize_t)x->qlen) {
		fail(x, "send: %s", strerror(errno));
		goto out;
	}
	while (!done) {
		if (pos > 0 && (x->bufsize - have < 65537 + 2)) {
			memmove(buf, buf + pos, have - pos);
			have -= pos;
			pos = 0;
		}
		ssize_t r = recv(fd, buf + have, x->bufsize - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				fail(x, "connection closed after %llu records, %llu messages",
				     x->records, x->messages);
			else
				fail(x, "recv after %llu records: %s", x->records, strerror(errno));
			goto out;
		}
		if (x->bytes == 0)
			x->ttfb_ms = now_ms() - t0;
		x->bytes += (unsigned long long)r;
		have += (size_t)r;
		while (have - pos >= 2) {
			size_t len = (size_t)(buf[pos] << 8 | buf[pos + 1]);
			if (have - pos < 2 + len)
				break;
			int rc = message(x, buf + pos + 2, len, &soas);
			x->messages++;
			pos += 2 + len;
			if (rc < 0)
				goto out;
			if (rc > 0) {
				done = 1;
				break;
			}
			if (!held) {
				held = 1;
				hold_arrive();
				hold_wait_release();
			}
		}
		if (pos == have)
			pos = have = 0;
		if (!done && x->delay_ms > 0)
			usleep((useconds_t)x->delay_ms * 1000);
	}
	x->total_ms = now_ms() - t0;
	if (pos != have)
		fail(x, "%zu bytes after the closing SOA", have - pos);
out:
	if (!held) {		/* failed before the first message: do not block the others */
		hold_arrive();
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* The AXFR query with its 2-byte length prefix; 0 on a bad zone name. */
static size_t make_query(const char *zone, uint16_t id, uint8_t *out, size_t cap)
{
	size_t p = 2;
	uint8_t hdr[12] = {id >> 8, id & 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(out + p, hdr, 12);
	p += 12;
	const char *s = zone;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || p + l + 1 + 5 > cap)
			return 0;
		out[p++] = (uint8_t)l;
		memcpy(out + p, s, l);
		p += l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[p++] = 0;
	out[p++] = 0;
	out[p++] = T_AXFR;
	out[p++] = 0;
	out[p++] = 1;
	out[0] = (uint8_t)((p - 2) >> 8);
	out[1] = (uint8_t)((p - 2) & 0xFF);
	return p;
}

static void usage(void)
{
	fprintf(stderr, "usage: axfr_count [-c N] [-H MS] [-s MS] [-d MS] [-r BYTES] [-t SEC] "
		"[-b BYTES] ADDR PORT ZONE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int clients = 1, hold_ms = -1, timeout_s = 120, delay_ms = 0, rcvbuf = 0, spread_ms = 0;
	int opt;
	size_t bufsize = 0;

	while ((opt = getopt(argc, argv, "c:H:d:s:r:t:b:")) != -1) {
		switch (opt) {
		case 'c': clients = atoi(optarg); break;
		case 'H': hold_ms = atoi(optarg); break;
		case 'd': delay_ms = atoi(optarg); break;
		case 'r': rcvbuf = atoi(optarg); break;
		case 's': spread_ms = atoi(optarg); break;
		case 't': timeout_s = atoi(optarg); break;
		case 'b': bufsize = (size_t)strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (argc - optind != 3 || clients < 1 || timeout_s < 1)
		usage();
	if (bufsize == 0)
		bufsize = clients > 1 ? 256 * 1024 : 1024 * 1024;
	if (bufsize < 2 * 65537)
		bufsize = 2 * 65537;

	struct sockaddr_storage ss;
	socklen_t salen;
	memset(&ss, 0, sizeof(ss));
	int port = atoi(argv[optind + 1]);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[optind], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[optind], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		salen = sizeof(*s6);
	} else {
		fprintf(stderr, "axfr_count: %s is not an IP address\n", argv[optind]);
		return 2;
	}

	struct xfr *xs = calloc((size_t)clients, sizeof(*xs));
	uint8_t (*queries)[300] = calloc((size_t)clients, 300);
	pthread_t *th = calloc((size_t)clients, sizeof(*th));
	if (xs == NULL || queries == NULL || th == NULL) {
		fprintf(stderr, "axfr_count: out of memory\n");
		return 1;
	}
	srandom((unsigned)(time(NULL) ^ getpid()));
	for (int i = 0; i < clients; i++) {
		struct xfr *x = &xs[i];
		x->id = (uint16_t)random();
		x->qlen = make_query(argv[optind + 2], x->id, queries[i], sizeof(queries[i]));
		if (x->qlen == 0) {
			fprintf(stderr, "axfr_count: bad zone name %s\n", argv[optind + 2]);
			return 2;
		}
		x->query = queries[i];
		x->sa = (struct sockaddr *)&ss;
		x->salen = salen;
		x->bufsize = bufsize;
		x->timeout_s = timeout_s;
		x->hold = clients > 1 && hold_ms >= 0;
		x->delay_ms = delay_ms;
		x->rcvbuf = rcvbuf;
		x->start_delay_ms = i * spread_ms;
	}

	if (clients == 1) {
		run_xfr(&xs[0]);
		struct xfr *x = &xs[0];
		if (!x->ok) {
			fprintf(stderr, "axfr_count: %s\n", x->err);
			return 1;
		}
		printf("records=%llu messages=%llu bytes=%llu ttfb_ms=%.3f total_ms=%.3f "
		       "rate=%.0f serial=%u\n", x->records, x->messages, x->bytes, x->ttfb_ms,
		       x->total_ms, x->records / (x->total_ms / 1e3), x->serial);
		return 0;
	}

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	double t0 = now_ms();
	for (int i = 0; i < clients; i++) {
		if (pthread_create(&th[i], &attr, run_xfr, &xs[i]) != 0) {
			fprintf(stderr, "axfr_count: pthread_create failed at %d\n", i);
			return 1;
		}
	}
	if (hold_ms >= 0) {
		pthread_mutex_lock(&hold_mu);
		while (hold_arrived < clients)
			pthread_cond_wait(&hold_cv, &hold_mu);
		pthread_mutex_unlock(&hold_mu);
		printf("hold\n");
		fflush(stdout);
		usleep((useconds_t)hold_ms * 1000);
		pthread_mutex_lock(&hold_mu);
		hold_released = 1;
		pthread_cond_broadcast(&hold_cv);
		pthread_mutex_unlock(&hold_mu);
	}
	for (int i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	double wall = now_ms() - t0;

	int complete = 0;
	unsigned long long rmin = ~0ULL, rmax = 0, all = 0;
	double ttfb_max = 0;
	for (int i = 0; i < clients; i++) {
		struct xfr *x = &xs[i];
		if (!x->ok) {
			fprintf(stderr, "axfr_count: transfer %d: %s\n", i, x->err);
			continue;
		}
		complete++;
		all += x->records;
		if (x->records < rmin)
			rmin = x->records;
		if (x->records > rmax)
			rmax = x->records;
		if (x->ttfb_ms > ttfb_max)
			ttfb_max = x->ttfb_ms;
	}
	if (complete == 0)
		rmin = 0;
	printf("clients=%d complete=%d failed=%d records_min=%llu records_max=%llu equal=%s "
	       "wall_ms=%.3f rate=%.0f ttfb_ms_max=%.3f\n", clients, complete, clients - complete,
	       rmin, rmax, complete == clients && rmin == rmax ? "yes" : "no", wall,
	       all / (wall / 1e3), ttfb_max);
	return complete == clients ? 0 : 1;
}
