/* udpflood.c -- the amplification benchmark's flood tool
 * (tests/bench/amplification.py). Not a test, not part of the CMake
 * project; built by amplification.py with
 *     cc -O2 -pthread -o build-bench/udpflood tests/bench/udpflood.c
 *
 * usage: udpflood [-r RATE] [-t SEC] [-w SEC] [-e EDNS] [-P PREFIXES]
 *                 [-H HOSTS] [-b BASE] SERVER PORT NAME:TYPE...
 *
 * Sends UDP queries to SERVER:PORT (an IPv4 literal, on loopback) at RATE
 * queries per second for SEC seconds, then listens WAIT more seconds for
 * late answers, and prints one JSON object on stdout. The queries cycle
 * through the NAME:TYPE list (TYPE: A, TXT, ANY or a number; at most 8),
 * each with an EDNS OPT record of UDP size EDNS (0: no EDNS), and through
 * PREFIXES x HOSTS source addresses: prefix i is the /24 BASE + i * 256
 * (BASE an address like 127.64.0.0; the third octet counts up, then the
 * second), host h is .(h + 1) in it. All of 127.0.0.0/8 is local on Linux's
 * loopback, so one socket bound to the wildcard address sends from each of
 * them (IP_PKTINFO's ipi_spec_dst) and receives every answer.
 *
 * The message ID carries the index of the query in the list (low 3 bits).
 * Answers are counted per query and per second of the run, as
 *   full: TC=0, RCODE 0, at least one answer record;
 *   tc:   TC=1 (an RRL slip, or an answer too large for UDP);
 *   other: anything else (an error RCODE, an empty answer).
 * Bytes are UDP payload bytes (the IP and UDP headers, 28 bytes a
 * datagram over IPv4, are not included; the counts let the caller add
 * them).
 *
 * Output: {"port":P, "sources":N, "sent":N, "sent_bytes":B, "send_errors":E,
 *  "sendmmsg_calls":C (sent / C: datagrams per burst), "seconds":S,
 *  "queries":[{"q":"NAME:TYPE", "sent":..., "sent_bytes":...,
 *  "full":..., "full_bytes":..., "tc":..., "tc_bytes":..., "other":...,
 *  "other_bytes":..., "max_answer":...}], "per_second":[[sent, sent_bytes,
 *  answers, answer_bytes], ...]}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXQ 8
#define BATCH 64
#define MAXSEC 600

struct query {
	char text[300];
	uint8_t wire[300];
	size_t len;
};

struct counts {
	uint64_t sent, sent_bytes, full, full_bytes, tc, tc_bytes, other, other_bytes;
	uint64_t max_answer;
};

static struct query queries[MAXQ];
static int nq;
static struct counts cnt[MAXQ];
static uint64_t sec_sent[MAXSEC], sec_sent_bytes[MAXSEC];
static uint64_t sec_ans[MAXSEC], sec_ans_bytes[MAXSEC];
static int fd;
static struct timespec t0;
static atomic_int stop_recv;

static double since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "udpflood: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int type_code(const char *t)
{
	if (strcmp(t, "A") == 0)
		return 1;
	if (strcmp(t, "TXT") == 0)
		return 16;
	if (strcmp(t, "AAAA") == 0)
		return 28;
	if (strcmp(t, "ANY") == 0)
		return 255;
	return atoi(t);
}

/* Builds the query NAME:TYPE (ID filled in per send). */
static void make_query(struct query *q, const char *spec, int edns)
{
	char name[256];
	const char *colon = strrchr(spec, ':');
	size_t p = 12, nl;
	int type;

	if (colon == NULL || (nl = (size_t)(colon - spec)) == 0 || nl >= sizeof(name)) {
		fprintf(stderr, "udpflood: bad query %s (NAME:TYPE)\n", spec);
		exit(2);
	}
	memcpy(name, spec, nl);
	name[nl] = 0;
	if ((type = type_code(colon + 1)) <= 0 || type > 65535) {
		fprintf(stderr, "udpflood: bad type in %s\n", spec);
		exit(2);
	}
	snprintf(q->text, sizeof(q->text), "%s", spec);
	memset(q->wire, 0, sizeof(q->wire));
	q->wire[5] = 1;                                   /* QDCOUNT */
	q->wire[11] = edns > 0;                           /* ARCOUNT */
	for (char *lab = strtok(name, "."); lab; lab = strtok(NULL, ".")) {
		size_t l = strlen(lab);
		if (l > 63 || p + l + 1 > 260) {
			fprintf(stderr, "udpflood: bad name in %s\n", spec);
			exit(2);
		}
		q->wire[p++] = (uint8_t)l;
		memcpy(q->wire + p, lab, l);
		p += l;
	}
	q->wire[p++] = 0;
	q->wire[p++] = (uint8_t)(type >> 8);
	q->wire[p++] = (uint8_t)type;
	q->wire[p++] = 0;
	q->wire[p++] = 1;                                 /* class IN */
	if (edns > 0) {
		q->wire[p++] = 0;                         /* root */
		q->wire[p++] = 0;
		q->wire[p++] = 41;                        /* OPT */
		q->wire[p++] = (uint8_t)(edns >> 8);
		q->wire[p++] = (uint8_t)edns;
		p += 6;                                   /* TTL 0, RDLEN 0 */
	}
	q->len = p;
}

static void *receiver(void *arg)
{
	static uint8_t buf[BATCH][4096];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct timeval tv = {0, 50000};

	(void)arg;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die("SO_RCVTIMEO");
	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNREFUSED) {
				if (atomic_load(&stop_recv))
					return NULL;
				continue;
			}
			die("recvmmsg");
		}
		int sec = (int)since(&t0);
		if (sec >= MAXSEC)
			sec = MAXSEC - 1;
		for (int i = 0; i < n; i++) {
			const uint8_t *m = buf[i];
			size_t len = msgs[i].msg_len;
			if (len < 12 || !(m[2] & 0x80))
				continue;
			int qi = m[1] & 7;
			if (qi >= nq)
				continue;
			struct counts *c = &cnt[qi];
			int tc = m[2] & 0x02, rcode = m[3] & 0x0f;
			int an = m[6] << 8 | m[7];
			if (tc) {
				c->tc++;
				c->tc_bytes += len;
			} else if (rcode == 0 && an > 0) {
				c->full++;
				c->full_bytes += len;
			} else {
				c->other++;
				c->other_bytes += len;
			}
			if (len > c->max_answer)
				c->max_answer = len;
			sec_ans[sec]++;
			sec_ans_bytes[sec] += len;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: udpflood [-r RATE] [-t SEC] [-w SEC] [-e EDNS] [-P PREFIXES] "
		"[-H HOSTS] [-b BASE] SERVER PORT NAME:TYPE...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double rate = 10000, secs = 10, wait = 1;
	int edns = 4096, prefixes = 16, hosts = 4, opt;
	const char *base_text = "127.64.0.0";
	struct in_addr base, server;
	struct sockaddr_in to = {0}, me = {0};
	socklen_t ml = sizeof(me);
	pthread_t th;

	while ((opt = getopt(argc, argv, "r:t:w:e:P:H:b:")) != -1) {
		switch (opt) {
		case 'r': rate = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'w': wait = atof(optarg); break;
		case 'e': edns = atoi(optarg); break;
		case 'P': prefixes = atoi(optarg); break;
		case 'H': hosts = atoi(optarg); break;
		case 'b': base_text = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 3 || argc - optind - 2 > MAXQ || rate <= 0 || secs <= 0 ||
	    secs >= MAXSEC - 10 || prefixes < 1 || hosts < 1 || hosts > 254 ||
	    edns < 0 || edns > 65535)
		usage();
	if (inet_pton(AF_INET, base_text, &base) != 1 ||
	    inet_pton(AF_INET, argv[optind], &server) != 1)
		usage();
	to.sin_family = AF_INET;
	to.sin_addr = server;
	to.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	for (int i = optind + 2; i < argc; i++)
		make_query(&queries[nq++], argv[i], edns);

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		die("socket");
	int big = 64 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)) < 0)
		die("SO_RCVBUF");
	me.sin_family = AF_INET;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		die("bind");
	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0)
		die("getsockname");

	/* The sources: a control message per address. */
	size_t nsrc = (size_t)prefixes * (size_t)hosts;
	size_t cml = CMSG_SPACE(sizeof(struct in_pktinfo));
	uint8_t *ctl = calloc(nsrc, cml);
	if (ctl == NULL)
		die("calloc");
	uint32_t b = ntohl(base.s_addr) & 0xffffff00u;
	for (size_t i = 0; i < nsrc; i++) {
		struct msghdr mh = {.msg_control = ctl + i * cml, .msg_controllen = cml};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		struct in_pktinfo pi = {0};
		size_t p = i % (size_t)prefixes, h = i / (size_t)prefixes;
		pi.ipi_spec_dst.s_addr = htonl(b + (uint32_t)p * 256 + (uint32_t)h + 1);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pthread_create(&th, NULL, receiver, NULL) != 0)
		die("pthread_create");

	uint8_t wire[BATCH][300];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	uint64_t seq = 0, errs = 0, calls = 0, total = (uint64_t)(rate * secs);
	while (seq < total) {
		double el = since(&t0);
		uint64_t due = (uint64_t)(el * rate);
		if (due > total)
			due = total;
		if (due <= seq) {
			struct timespec nap = {0, 100000};
			nanosleep(&nap, NULL);
			continue;
		}
		int n = (int)(due - seq < BATCH ? due - seq : BATCH);
		memset(msgs, 0, sizeof(msgs[0]) * (size_t)n);
		for (int i = 0; i < n; i++) {
			uint64_t k = seq + (uint64_t)i;
			int qi = (int)(k % (uint64_t)nq);
			struct query *q = &queries[qi];
			uint16_t id = (uint16_t)(((k / (uint64_t)nq) & 0x1fff) << 3 | (uint64_t)qi);
			memcpy(wire[i], q->wire, q->len);
			wire[i][0] = (uint8_t)(id >> 8);
			wire[i][1] = (uint8_t)id;
			iov[i].iov_base = wire[i];
			iov[i].iov_len = q->len;
			msgs[i].msg_hdr.msg_name = &to;
			msgs[i].msg_hdr.msg_namelen = sizeof(to);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			/* every source sends the whole list in turn, then the
			 * next source (in the next prefix) the next round */
			msgs[i].msg_hdr.msg_control = ctl + ((k / (uint64_t)nq) % nsrc) * cml;
			msgs[i].msg_hdr.msg_controllen = cml;
		}
		int sent = sendmmsg(fd, msgs, (unsigned)n, 0);
		calls++;
		if (sent < 0) {
			if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED &&
			    errno != EINTR)
				die("sendmmsg");
			errs++;
			sent = 0;
			/* the datagrams were not sent; they count as not sent and
			 * the next due ones go out instead (the rate holds) */
			seq += (uint64_t)n;
			continue;
		}
		int sec = (int)el;
		for (int i = 0; i < sent; i++) {
			struct counts *c = &cnt[(seq + (uint64_t)i) % (uint64_t)nq];
			c->sent++;
			c->sent_bytes += iov[i].iov_len;
			sec_sent[sec]++;
			sec_sent_bytes[sec] += iov[i].iov_len;
		}
		if (sent < n)
			errs += (uint64_t)(n - sent);
		seq += (uint64_t)n;
	}
	double took = since(&t0);
	struct timespec w = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
	nanosleep(&w, NULL);
	atomic_store(&stop_recv, 1);
	pthread_join(th, NULL);

	uint64_t s_all = 0, sb_all = 0;
	for (int i = 0; i < nq; i++) {
		s_all += cnt[i].sent;
		sb_all += cnt[i].sent_bytes;
	}
	printf("{\"port\": %u, \"sources\": %zu, \"sent\": %llu, \"sent_bytes\": %llu, "
	       "\"send_errors\": %llu, \"sendmmsg_calls\": %llu, \"seconds\": %.3f, \"queries\": [",
	       ntohs(me.sin_port), nsrc, (unsigned long long)s_all,
	       (unsigned long long)sb_all, (unsigned long long)errs,
	       (unsigned long long)calls, took);
	for (int i = 0; i < nq; i++) {
		struct counts *c = &cnt[i];
		printf("%s{\"q\": \"%s\", \"query_bytes\": %zu, \"sent\": %llu, \"sent_bytes\": %llu, "
		       "\"full\": %llu, \"full_bytes\": %llu, \"tc\": %llu, \"tc_bytes\": %llu, "
		       "\"other\": %llu, \"other_bytes\": %llu, \"max_answer\": %llu}",
		       i ? ", " : "", queries[i].text, queries[i].len,
		       (unsigned long long)c->sent, (unsigned long long)c->sent_bytes,
		       (unsigned long long)c->full, (unsigned long long)c->full_bytes,
		       (unsigned long long)c->tc, (unsigned long long)c->tc_bytes,
		       (unsigned long long)c->other, (unsigned long long)c->other_bytes,
		       (unsigned long long)c->max_answer);
	}
	printf("], \"per_second\": [");
	int last = (int)(took + wait) + 1;
	if (last > MAXSEC)
		last = MAXSEC;
	for (int s = 0; s < last; s++)
		printf("%s[%llu, %llu, %llu, %llu]", s ? ", " : "",
		       (unsigned long long)sec_sent[s], (unsigned long long)sec_sent_bytes[s],
		       (unsigned long long)sec_ans[s], (unsigned long long)sec_ans_bytes[s]);
	printf("]}\n");
	return 0;
}
