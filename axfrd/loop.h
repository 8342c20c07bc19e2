/* loop.h -- a small epoll event loop (in the spirit of Redis's ae): file
 * descriptors with callbacks, and one-shot timers. Everything runs on the
 * thread that calls loop_run. */
#ifndef AXFRD_LOOP_H
#define AXFRD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

typedef struct loop loop;
typedef struct loop_handle loop_handle;
typedef struct loop_timer loop_timer;

/* Called with the epoll events that are ready (EPOLLIN, EPOLLOUT,
 * EPOLLERR, EPOLLHUP). */
typedef void (*loop_fd_fn)(loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_fn)(loop *l, void *arg);

loop *loop_new(void);
/* Frees the loop; the caller has closed its descriptors (accepts NULL). */
void loop_free(loop *l);

/* Watches fd for events. The handle stays valid until loop_del. */
loop_handle *loop_add(loop *l, int fd, uint32_t events, loop_fd_fn fn,
		      void *arg);
/* Changes the events watched. */
int loop_mod(loop *l, loop_handle *h, uint32_t events);
/* Stops watching (does not close the fd). Safe inside a callback: no
 * callback of this handle runs afterwards, even for events already
 * collected in the same round. */
void loop_del(loop *l, loop_handle *h);

/* Runs fn once after ms milliseconds. The timer belongs to the loop:
 * it is freed after it ran or was cancelled. */
loop_timer *loop_after(loop *l, uint64_t ms, loop_timer_fn fn, void *arg);
/* The same, for an arg the timer owns: drop(arg) is called when the
 * timer is cancelled or the loop freed before it ran. */
loop_timer *loop_after_owned(loop *l, uint64_t ms, loop_timer_fn fn, void *arg,
			     void (*drop)(void *arg));

/* Cancels a timer that has not run yet (accepts NULL). */
void loop_cancel(loop *l, loop_timer *t);

/* Milliseconds of a monotonic clock, as of the current round. */
uint64_t loop_now(const loop *l);

/* The monotonic clock now, in ms (loop_now is the time the current
 * round of callbacks began: a long transfer written in one callback
 * needs this to measure itself). */
uint64_t loop_clock_ms(void);

/* Runs until loop_stop. Returns 0, or -1 when epoll fails. */
int loop_run(loop *l);
void loop_stop(loop *l);

#endif
