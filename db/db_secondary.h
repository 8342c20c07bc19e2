/* db_secondary.h -- secondary DNS: provider presets, a zone's
 * configuration, its change events, and what the DNS side reads from them
 * (the transfer policy, TSIG keys and NOTIFY targets). */
#ifndef AXFRD_DB_SECONDARY_H
#define AXFRD_DB_SECONDARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "axfrd/acl.h"
#include "db.h"
#include "db_strv.h"
#include "db_tsig.h"

/* A provider preset, as shipped by the migrations. */
typedef struct db_preset {
	char id[32];                 /* "dyn", "easydns", "dnsmadeeasy", "custom" */
	char name[64];
	int64_t version;
	db_strv name_servers;        /* absolute, trailing dot */
	db_strv transfer_ips;        /* addresses transfers come from */
	db_strv transfer_hosts;      /* the hosts behind them (informational) */
	bool requires_allowed_ips;   /* the user must give allowed_ips */
	bool requires_name_servers;  /* the user must give name_servers */
} db_preset;

void db_preset_clear(db_preset *p);
void db_preset_array_free(db_preset *p, size_t n);

/* The preset id; AX_ENOTFOUND when there is none. */
int db_preset_get(db *d, const char *id, db_preset *out);

/* Every preset in listing order; free with db_preset_array_free. */
int db_preset_list(db *d, db_preset **out, size_t *n);

/* A zone's secondary DNS configuration. Lists are owned
 * (db_secondary_clear). */
typedef struct db_secondary {
	int64_t zone_id;
	char source_type[16];      /* "provider", "name_server_set" or "custom" */
	char source_id[32];        /* preset id or set id; "" for custom */
	char source_name[128];     /* preset or set name when it was copied */
	int64_t source_version;    /* preset version copied; 0 otherwise */
	int64_t preset_version;    /* read only: the preset's version now (0) */
	db_strv name_servers;      /* absolute, trailing dot */
	db_strv allowed_ips;       /* normalized addresses and prefixes */
	db_strv notify_targets;    /* "ADDR:PORT" or "[V6ADDR]:PORT" */
	bool notify_default;       /* notify_targets follow allowed_ips */
	int64_t tsig_key_id;       /* 0: no key required */
	char tsig_key[TSIG_NAME_MAX + 1]; /* read only: the key's name, "" */
	int64_t created_at, updated_at;
} db_secondary;

void db_secondary_clear(db_secondary *s);

/* The configuration of zone_id; AX_ENOTFOUND when it has none. */
int db_secondary_get(db *d, int64_t zone_id, db_secondary *out);

/* Creates or replaces the configuration of s->zone_id (created_at is kept
 * on replace). */
int db_secondary_put(db *d, const db_secondary *s);

/* Deletes the configuration of zone_id; AX_ENOTFOUND when there is none. */
int db_secondary_delete(db *d, int64_t zone_id);

/*
 * Forgets every trace of zone_id's secondaries, for a zone that changes
 * owner: the configuration (its allowed_ips, NOTIFY targets and the key
 * of the old owner's account), its events, the NOTIFY state and the
 * transfer log. *had says whether there was a configuration. The apex NS
 * records it managed are the caller's to remove first (with the journal).
 */
int db_secondary_forget(db *d, int64_t zone_id, bool *had);

/* Whether zone_id has a configuration. */
int db_secondary_exists(db *d, int64_t zone_id, bool *exists);

/* Ids of every zone that has a configuration, ascending; *ids malloc'd. */
int db_secondary_zones(db *d, int64_t **ids, size_t *n);

/* One change of a zone's configuration. */
typedef struct db_secondary_event {
	int64_t id;
	int64_t zone_id;
	int64_t account_id;        /* who made it; 0 when the account is gone */
	char action[8];            /* "create", "update" or "delete" */
	char *before, *after;      /* JSON text, NULL when there was none */
	int64_t created_at;
} db_secondary_event;

void db_secondary_event_array_free(db_secondary_event *ev, size_t n);

/* Records a change; before and after are JSON text or NULL. */
int db_secondary_event_add(db *d, int64_t zone_id, int64_t account_id,
			   const char *action, const char *before,
			   const char *after, int64_t now);

/* A zone's events, newest first, one page; *total counts all. */
int db_secondary_event_list(db *d, int64_t zone_id, int64_t offset,
			    int64_t limit, db_secondary_event **out, size_t *n,
			    int64_t *total);

/*
 * For the DNS side: who may transfer zone_id. The ACL holds the
 * configuration's allowed_ips; with a key, require_tsig is set and key
 * holds its name, algorithm and secret. A zone without a configuration (or
 * no such zone) gets an empty policy, which refuses everybody, and AX_OK.
 * out is zeroed first; free with xfr_policy_clear.
 */
int db_xfr_policy(db *d, int64_t zone_id, xfr_policy *out);

/* For the DNS side: the key named name (lower case, absolute, trailing
 * dot) with its secret; AX_ENOTFOUND when there is none. */
int db_tsig_key_find(db *d, const char *name, tsig_key *out);

/* For the DNS side: where NOTIFYs for zone_id go (port 53 unless the
 * configuration says otherwise). None for a zone without a configuration.
 * *out is malloc'd (free()). */
int db_notify_targets(db *d, int64_t zone_id, struct sockaddr_storage **out,
		      size_t *n);

/* For the DNS side: the key NOTIFYs for zone_id are signed with (the
 * configuration's tsig_key, secret included; the caller cleanses it);
 * AX_ENOTFOUND when the zone has no configuration or no key. */
int db_notify_key(db *d, int64_t zone_id, tsig_key *out);

/* The normalized name of zone_id in *name (malloc'd); AX_ENOTFOUND. */
int db_zone_name_by_id(db *d, int64_t zone_id, char **name);

#endif
