-- Ids are never handed out again: every table whose id the API shows (or
-- that other rows point at) gets AUTOINCREMENT, so that a retried DELETE
-- of a deleted id is a 404, never the deletion of a newer row. SQLite can
-- only add AUTOINCREMENT by rebuilding a table: create the new table,
-- copy the rows with their ids, drop the old one, rename the new one and
-- create its indexes again. db.c runs migrations with foreign keys off
-- (a DROP TABLE would otherwise cascade into the child tables) and checks
-- them with PRAGMA foreign_key_check before it commits. Copying the rows
-- sets each table's sqlite_sequence entry to its largest id.

CREATE TABLE accounts_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    is_admin    INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at  INTEGER NOT NULL
);
INSERT INTO accounts_new (id, name, is_admin, created_at)
    SELECT id, name, is_admin, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;

CREATE TABLE tokens_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hash        TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the token
    prefix      TEXT NOT NULL,             -- first characters, to tell tokens apart
    created_at  INTEGER NOT NULL
);
INSERT INTO tokens_new (id, account_id, hash, prefix, created_at)
    SELECT id, account_id, hash, prefix, created_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE INDEX tokens_account ON tokens(account_id);

CREATE TABLE zones_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name           TEXT NOT NULL UNIQUE,   -- normalized: A-labels, lower case, no dot
    serial         INTEGER NOT NULL CHECK (serial BETWEEN 0 AND 4294967295),
    serial_policy  TEXT NOT NULL
                   CHECK (serial_policy IN ('increment', 'unixtime', 'dateserial')),
    soa_mname      TEXT NOT NULL,
    soa_rname      TEXT NOT NULL,
    soa_ttl        INTEGER NOT NULL,
    soa_refresh    INTEGER NOT NULL,
    soa_retry      INTEGER NOT NULL,
    soa_expire     INTEGER NOT NULL,
    soa_minimum    INTEGER NOT NULL,
    dnssec         INTEGER NOT NULL DEFAULT 0 CHECK (dnssec IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    export_serial  INTEGER,
    export_digest  TEXT,
    serial_target  INTEGER
);
INSERT INTO zones_new (id, account_id, name, serial, serial_policy, soa_mname,
        soa_rname, soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum,
        dnssec, created_at, updated_at, export_serial, export_digest,
        serial_target)
    SELECT id, account_id, name, serial, serial_policy, soa_mname, soa_rname,
        soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum, dnssec,
        created_at, updated_at, export_serial, export_digest, serial_target
    FROM zones;
DROP TABLE zones;
ALTER TABLE zones_new RENAME TO zones;
CREATE INDEX zones_account ON zones(account_id, name);

CREATE TABLE records_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id     INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    name        TEXT NOT NULL COLLATE NOCASE,  -- relative to the zone, '' = apex
    type        TEXT NOT NULL,                 -- mnemonic, incl. ALIAS and URL
    ttl         INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 2147483647),
    content     TEXT NOT NULL,                 -- normalized presentation format
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    managed_by  TEXT
                CHECK (managed_by IS NULL OR managed_by = 'secondary_dns'),
    rdata       BLOB,
    UNIQUE (zone_id, name, type, content)
);
INSERT INTO records_new (id, zone_id, name, type, ttl, content, created_at,
        updated_at, managed_by, rdata)
    SELECT id, zone_id, name, type, ttl, content, created_at, updated_at,
        managed_by, rdata FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_zone_type ON records(zone_id, type);

CREATE TABLE journal_changes_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id      INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    serial_from  INTEGER NOT NULL,
    serial_to    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
INSERT INTO journal_changes_new (id, zone_id, serial_from, serial_to, created_at)
    SELECT id, zone_id, serial_from, serial_to, created_at FROM journal_changes;
DROP TABLE journal_changes;
ALTER TABLE journal_changes_new RENAME TO journal_changes;
CREATE INDEX journal_changes_zone ON journal_changes(zone_id, id);

CREATE TABLE xfr_journal_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id      INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    serial_from  INTEGER NOT NULL,
    serial_to    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    nremoved     INTEGER NOT NULL,
    nadded       INTEGER NOT NULL,
    diff         BLOB NOT NULL
);
INSERT INTO xfr_journal_new (id, zone_id, serial_from, serial_to, created_at,
        nremoved, nadded, diff)
    SELECT id, zone_id, serial_from, serial_to, created_at, nremoved, nadded,
        diff FROM xfr_journal;
DROP TABLE xfr_journal;
ALTER TABLE xfr_journal_new RENAME TO xfr_journal;
CREATE INDEX xfr_journal_zone ON xfr_journal(zone_id, serial_from);

CREATE TABLE name_server_sets_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_servers  TEXT NOT NULL,
    addresses     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
INSERT INTO name_server_sets_new (id, account_id, name, name_servers,
        addresses, created_at, updated_at)
    SELECT id, account_id, name, name_servers, addresses, created_at,
        updated_at FROM name_server_sets;
DROP TABLE name_server_sets;
ALTER TABLE name_server_sets_new RENAME TO name_server_sets;

CREATE TABLE tsig_keys_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL UNIQUE,   -- lower case, absolute, trailing dot
    algorithm   TEXT NOT NULL CHECK (algorithm IN ('hmac-sha256', 'hmac-sha512')),
    secret      BLOB NOT NULL,          -- raw bytes
    created_at  INTEGER NOT NULL
);
INSERT INTO tsig_keys_new (id, account_id, name, algorithm, secret, created_at)
    SELECT id, account_id, name, algorithm, secret, created_at FROM tsig_keys;
DROP TABLE tsig_keys;
ALTER TABLE tsig_keys_new RENAME TO tsig_keys;
CREATE INDEX tsig_keys_account ON tsig_keys(account_id, name);

CREATE TABLE secondary_dns_events_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id      INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    account_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    action       TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    before_json  TEXT,
    after_json   TEXT,
    created_at   INTEGER NOT NULL
);
INSERT INTO secondary_dns_events_new (id, zone_id, account_id, action,
        before_json, after_json, created_at)
    SELECT id, zone_id, account_id, action, before_json, after_json,
        created_at FROM secondary_dns_events;
DROP TABLE secondary_dns_events;
ALTER TABLE secondary_dns_events_new RENAME TO secondary_dns_events;
CREATE INDEX secondary_dns_events_zone ON secondary_dns_events(zone_id, id);

CREATE TABLE xfr_log_new (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id   INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    peer      TEXT NOT NULL,            -- client address, without port
    at        INTEGER NOT NULL,
    serial    INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('AXFR', 'IXFR')),
    messages  INTEGER NOT NULL,
    records   INTEGER NOT NULL,
    bytes     INTEGER NOT NULL,
    result    TEXT NOT NULL             -- "ok", "refused", "aborted: ..."
);
INSERT INTO xfr_log_new (id, zone_id, peer, at, serial, kind, messages,
        records, bytes, result)
    SELECT id, zone_id, peer, at, serial, kind, messages, records, bytes,
        result FROM xfr_log;
DROP TABLE xfr_log;
ALTER TABLE xfr_log_new RENAME TO xfr_log;
CREATE INDEX xfr_log_zone ON xfr_log(zone_id, peer, id);
