-- What the operator did to a zone's ownership: moving it to another
-- account, and creating a zone over zones of other accounts. Who did it,
-- from which account to which, whether the zone's secondary DNS
-- configuration (the old owner's transfer ACL, NOTIFY targets and key)
-- was cleared, the zone whose move or creation brought this one along
-- (cause), the zones that went along with this one (moved_zones,
-- space-separated), and another account's zone that encloses this one
-- and stayed where it was. A zone's events go with it; the log has them.
CREATE TABLE zone_events (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id               INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    account_id            INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    action                TEXT NOT NULL CHECK (action IN ('move', 'override_create')),
    from_account_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    to_account_id         INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    secondary_dns_cleared INTEGER NOT NULL CHECK (secondary_dns_cleared IN (0, 1)),
    cause                 TEXT,
    moved_zones           TEXT NOT NULL,
    enclosing_zone        TEXT,
    enclosing_account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at            INTEGER NOT NULL
);
CREATE INDEX zone_events_zone ON zone_events(zone_id, id);

-- Each zone's name reversed character by character ("tset.dnarb" for
-- brand.test), so that the zones inside a name are one range of an index
-- (those of brand.test start with "tset.dnarb."): the ownership check of
-- a new zone reads that range, not every zone. db_zone_insert writes it;
-- existing rows are filled here.
ALTER TABLE zones ADD COLUMN name_rev TEXT;
WITH RECURSIVE rev(id, rest, acc) AS (
    SELECT id, name, '' FROM zones
    UNION ALL
    SELECT id, substr(rest, 2), substr(rest, 1, 1) || acc FROM rev WHERE rest != ''
)
UPDATE zones SET name_rev = rev.acc FROM rev WHERE rev.id = zones.id AND rev.rest = '';
CREATE UNIQUE INDEX zones_name_rev ON zones(name_rev);
