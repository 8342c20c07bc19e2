-- NOTIFY state per zone and target: what to announce, what was
-- acknowledged, and the last result, so that NOTIFYs still pending at a
-- restart are sent again and the API can show each target's result.
CREATE TABLE notify_state (
    zone_id         INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    target          TEXT NOT NULL,       -- "ADDR:PORT" or "[V6ADDR]:PORT"
    serial          INTEGER NOT NULL,    -- the serial to announce
    acked_serial    INTEGER,             -- the last serial acknowledged
    tries           INTEGER NOT NULL DEFAULT 0,
    last_sent_at    INTEGER,
    last_result     TEXT,                -- "acknowledged", "timeout", ...
    last_result_at  INTEGER,
    PRIMARY KEY (zone_id, target)
) WITHOUT ROWID;

-- Transfers served (and refused), for the sync status: who fetched which
-- serial of a zone from us, when, how, and how much.
CREATE TABLE xfr_log (
    id        INTEGER PRIMARY KEY,
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
CREATE INDEX xfr_log_zone ON xfr_log(zone_id, peer, id);
