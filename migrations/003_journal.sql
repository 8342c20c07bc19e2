-- The change journal: one row per serial change of a zone, and the records
-- it removed and added (the SOA included, old and new), for IXFR.
CREATE TABLE journal_changes (
    id           INTEGER PRIMARY KEY,
    zone_id      INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    serial_from  INTEGER NOT NULL,
    serial_to    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX journal_changes_zone ON journal_changes(zone_id, id);

CREATE TABLE journal_rrs (
    change_id  INTEGER NOT NULL REFERENCES journal_changes(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('del', 'add')),
    name       TEXT NOT NULL,
    type       TEXT NOT NULL,
    ttl        INTEGER NOT NULL,
    content    TEXT NOT NULL,
    PRIMARY KEY (change_id, seq)
) WITHOUT ROWID;
