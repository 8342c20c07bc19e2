/* db_notify.h -- NOTIFY state per zone and target, and the log of
 * transfers served. */
#ifndef AXFRD_DB_NOTIFY_H
#define AXFRD_DB_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct db_notify {
	char target[64];          /* "ADDR:PORT" or "[V6ADDR]:PORT" */
	uint32_t serial;          /* to announce */
	bool acked;               /* acked_serial is set */
	uint32_t acked_serial;
	int tries;
	int64_t last_sent_at;
	char last_result[96];     /* "acknowledged", "refused", "no reply"... */
	char last_message[320];   /* the likely cause, for the operator; "" */
	int64_t last_result_at;
} db_notify;

/* The state of one target; AX_ENOTFOUND when there is none. */
int db_notify_get(db *d, int64_t zone_id, const char *target, db_notify *out);
/* Creates or replaces the state of n->target. */
int db_notify_put(db *d, int64_t zone_id, const db_notify *n);
/* Every target's state of a zone, by target; *out malloc'd. */
int db_notify_list(db *d, int64_t zone_id, db_notify **out, size_t *n);
/* Deletes the states of targets no longer configured (keep: the current
 * targets). */
int db_notify_prune(db *d, int64_t zone_id, char *const *keep, size_t nkeep);

/* One transfer served or refused. */
typedef struct db_xfr_log {
	char peer[64];
	int64_t at;
	uint32_t serial;
	char kind[8];             /* "AXFR" or "IXFR" */
	int64_t messages, records, bytes;
	char result[96];
} db_xfr_log;

int db_xfr_log_add(db *d, int64_t zone_id, const db_xfr_log *l);
/* The newest entry of zone from peer (address text); AX_ENOTFOUND. When
 * ok_only, only successful transfers count. */
int db_xfr_log_last(db *d, int64_t zone_id, const char *peer, bool ok_only,
		    db_xfr_log *out);
/* The newest successful transfer of zone from anybody; AX_ENOTFOUND. */
int db_xfr_log_last_any(db *d, int64_t zone_id, db_xfr_log *out);

#endif
