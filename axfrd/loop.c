/* loop.c -- epoll event loop with a binary heap of timers. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct loop_handle {
	int fd;
	loop_fd_fn fn;
	void *arg;
	bool dead;               /* deleted; freed after the current round */
	loop_handle *next_dead;
	loop_handle *prev, *next;/* live handles, freed by loop_free */
};

struct loop_timer {
	uint64_t when;
	uint64_t seq;            /* ties run in the order they were set */
	loop_timer_fn fn;
	void *arg;
	void (*drop)(void *arg); /* frees arg when the timer does not run */
	bool cancelled;
};

struct loop {
	int epfd;
	bool stop;
	uint64_t now;
	uint64_t seq;
	loop_timer **heap;       /* min-heap by (when, seq) */
	size_t nheap, capheap;
	loop_handle *dead;       /* handles deleted during this round */
	loop_handle *live;       /* handles not deleted yet */
};

uint64_t loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

loop *loop_new(void)
{
	loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(l);
		return NULL;
	}
	l->now = loop_clock_ms();
	return l;
}

static void free_dead(loop *l)
{
	while (l->dead != NULL) {
		loop_handle *h = l->dead;
		l->dead = h->next_dead;
		free(h);
	}
}

void loop_free(loop *l)
{
	if (l == NULL)
		return;
	free_dead(l);
	while (l->live != NULL) {
		loop_handle *h = l->live;
		l->live = h->next;
		free(h);
	}
	for (size_t i = 0; i < l->nheap; i++) {
		if (l->heap[i]->drop != NULL)
			l->heap[i]->drop(l->heap[i]->arg);
		free(l->heap[i]);
	}
	free(l->heap);
	close(l->epfd);
	free(l);
}

loop_handle *loop_add(loop *l, int fd, uint32_t events, loop_fd_fn fn,
		      void *arg)
{
	loop_handle *h = calloc(1, sizeof(*h));
	struct epoll_event ev = {.events = events, .data.ptr = h};

	if (h == NULL)
		return NULL;
	h->fd = fd;
	h->fn = fn;
	h->arg = arg;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		free(h);
		return NULL;
	}
	h->next = l->live;
	if (l->live != NULL)
		l->live->prev = h;
	l->live = h;
	return h;
}

int loop_mod(loop *l, loop_handle *h, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev);
}

void loop_del(loop *l, loop_handle *h)
{
	if (h == NULL || h->dead)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		l->live = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->dead = true;
	h->next_dead = l->dead;
	l->dead = h;
}

static bool timer_before(const loop_timer *a, const loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_up(loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_before(l->heap[i], l->heap[p]))
			break;
		loop_timer *t = l->heap[i];
		l->heap[i] = l->heap[p];
		l->heap[p] = t;
		i = p;
	}
}

static void heap_down(loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->nheap && timer_before(l->heap[c], l->heap[m]))
			m = c;
		if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[m]))
			m = c + 1;
		if (m == i)
			return;
		loop_timer *t = l->heap[i];
		l->heap[i] = l->heap[m];
		l->heap[m] = t;
		i = m;
	}
}

loop_timer *loop_after(loop *l, uint64_t ms, loop_timer_fn fn, void *arg)
{
	loop_timer *t;

	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 64;
		loop_timer **grown = realloc(l->heap, cap * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		l->heap = grown;
		l->capheap = cap;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->when = loop_clock_ms() + ms;
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	l->heap[l->nheap++] = t;
	heap_up(l, l->nheap - 1);
	return t;
}

loop_timer *loop_after_owned(loop *l, uint64_t ms, loop_timer_fn fn, void *arg,
			     void (*drop)(void *arg))
{
	loop_timer *t = loop_after(l, ms, fn, arg);

	if (t != NULL)
		t->drop = drop;
	return t;
}

void loop_cancel(loop *l, loop_timer *t)
{
	(void)l;
	if (t != NULL)
		t->cancelled = true;
}

uint64_t loop_now(const loop *l)
{
	return l->now;
}

/* Runs the timers that are due; returns the wait until the next one in
 * milliseconds (-1: none). */
static int run_timers(loop *l)
{
	while (l->nheap > 0 && !l->stop) {
		loop_timer *t = l->heap[0];
		if (!t->cancelled && t->when > l->now)
			return (int)(t->when - l->now > 60000 ? 60000 : t->when - l->now);
		l->heap[0] = l->heap[--l->nheap];
		heap_down(l, 0);
		if (!t->cancelled)
			t->fn(l, t->arg);
		else if (t->drop != NULL)
			t->drop(t->arg);
		free(t);
		l->now = loop_clock_ms();
	}
	return -1;
}

int loop_run(loop *l)
{
	struct epoll_event evs[256];

	l->stop = false;
	while (!l->stop) {
		l->now = loop_clock_ms();
		int wait = run_timers(l);
		if (l->stop)
			break;
		int n = epoll_wait(l->epfd, evs, 256, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("loop", "epoll_wait: %s", strerror(errno));
			return -1;
		}
		l->now = loop_clock_ms();
		for (int i = 0; i < n; i++) {
			loop_handle *h = evs[i].data.ptr;
			if (!h->dead)
				h->fn(l, h->fd, evs[i].events, h->arg);
		}
		free_dead(l);
	}
	return 0;
}

void loop_stop(loop *l)
{
	l->stop = true;
}
