-- Zones with their SOA fields, and the records users manage. The SOA is
-- not a row of records: the zone holds it, and every change bumps serial.
CREATE TABLE zones (
    id             INTEGER PRIMARY KEY,
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
    updated_at     INTEGER NOT NULL
);
CREATE INDEX zones_account ON zones(account_id, name);

CREATE TABLE records (
    id          INTEGER PRIMARY KEY,
    zone_id     INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    name        TEXT NOT NULL COLLATE NOCASE,  -- relative to the zone, '' = apex
    type        TEXT NOT NULL,                 -- mnemonic, incl. ALIAS and URL
    ttl         INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 2147483647),
    content     TEXT NOT NULL,                 -- normalized presentation format
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (zone_id, name, type, content)
);
CREATE INDEX records_zone_type ON records(zone_id, type);
