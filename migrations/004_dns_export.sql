-- The DNS side's state in the store. A zone's export (what secondaries
-- receive: ALIAS and URL expanded) is derived from its records; the last
-- exported serial and a digest of that export let the daemon notice an
-- export that changed without a record change (ALIAS answers, URL
-- redirector addresses) and give it a new serial.
ALTER TABLE zones ADD COLUMN export_serial INTEGER;
ALTER TABLE zones ADD COLUMN export_digest TEXT;

-- IXFR journal of the exported zone: one row per step between two
-- consecutive exported versions. diff holds, in RFC 1995 order, the old
-- SOA, the removed records, the new SOA and the added records, each as
-- uncompressed wire data (owner, type, class, TTL, RDLENGTH, RDATA).
CREATE TABLE xfr_journal (
    id           INTEGER PRIMARY KEY,
    zone_id      INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    serial_from  INTEGER NOT NULL,
    serial_to    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    nremoved     INTEGER NOT NULL,
    nadded       INTEGER NOT NULL,
    diff         BLOB NOT NULL
);
CREATE INDEX xfr_journal_zone ON xfr_journal(zone_id, serial_from);

-- The answers of ALIAS targets, kept so that the last good addresses
-- are served when a target stops resolving, also across restarts.
CREATE TABLE alias_cache (
    target        TEXT NOT NULL,      -- absolute, lower case, trailing dot
    rrtype        INTEGER NOT NULL CHECK (rrtype IN (1, 28)),
    addresses     TEXT NOT NULL,      -- sorted, space separated; '' = none
    ttl           INTEGER NOT NULL,
    resolved_at   INTEGER,            -- last successful resolution
    expires_at    INTEGER NOT NULL,   -- when to ask again
    last_error    TEXT,               -- NULL after a success
    last_error_at INTEGER,
    PRIMARY KEY (target, rrtype)
) WITHOUT ROWID;
