-- Secondary DNS: the provider presets (shipped as data), name server sets,
-- TSIG keys, one configuration per zone, the apex NS records that a
-- configuration manages, and the history of every configuration change.
-- Lists are stored as space-separated text (host names and addresses have
-- no spaces); '' is the empty list.

-- A preset is copied into a configuration when applied. A later migration
-- that changes a preset's values must also raise its version: a
-- configuration copied from an older version is then reported as outdated.
CREATE TABLE secondary_presets (
    id                    TEXT PRIMARY KEY,      -- the API's "provider" value
    name                  TEXT NOT NULL,         -- for people
    position              INTEGER NOT NULL,      -- listing order
    version               INTEGER NOT NULL CHECK (version >= 1),
    name_servers          TEXT NOT NULL,         -- absolute, trailing dot
    transfer_ips          TEXT NOT NULL,         -- addresses transfers come from
    transfer_hosts        TEXT NOT NULL,         -- the hosts behind them, informational
    requires_allowed_ips  INTEGER NOT NULL CHECK (requires_allowed_ips IN (0, 1)),
    requires_name_servers INTEGER NOT NULL CHECK (requires_name_servers IN (0, 1))
) WITHOUT ROWID;

-- Dyn's values are those of its customer page; easyDNS transfers from
-- xfr0.easydns.com; DNS Made Easy does not publish its transfer addresses
-- (each account gets its own), so the user must supply them.
INSERT INTO secondary_presets VALUES
    ('dyn', 'Dyn', 1, 1,
     'ns2.mydyndns.org. ns3.mydyndns.org. ns4.mydyndns.org. ns5.mydyndns.org.',
     '204.13.249.76 208.78.69.76 91.198.22.76 203.62.195.76', '', 0, 0),
    ('easydns', 'easyDNS', 2, 1,
     'dns1.easydns.com. dns2.easydns.net. dns3.easydns.org. dns4.easydns.info.',
     '64.68.200.91', 'xfr0.easydns.com.', 0, 0),
    ('dnsmadeeasy', 'DNS Made Easy', 3, 1,
     'ns5.dnsmadeeasy.com. ns6.dnsmadeeasy.com. ns7.dnsmadeeasy.com.',
     '', '', 1, 0),
    ('custom', 'Custom', 4, 1, '', '', '', 1, 1);

-- An account's own lists of secondary name servers (and optionally the
-- addresses they transfer from), applied to zones by copying.
CREATE TABLE name_server_sets (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_servers  TEXT NOT NULL,
    addresses     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

-- TSIG keys (RFC 8945). The name is unique across accounts because a key
-- is found by its name in a DNS message. The secret is never returned by
-- the API nor logged.
CREATE TABLE tsig_keys (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL UNIQUE,   -- lower case, absolute, trailing dot
    algorithm   TEXT NOT NULL CHECK (algorithm IN ('hmac-sha256', 'hmac-sha512')),
    secret      BLOB NOT NULL,          -- raw bytes
    created_at  INTEGER NOT NULL
);
CREATE INDEX tsig_keys_account ON tsig_keys(account_id, name);

-- A zone's secondary DNS configuration: the values copied from its source
-- (a preset, a name server set, or given by the user) and where they came
-- from. allowed_ips is exactly the transfer ACL; a key, when set, is
-- required as well. The key reference has no ON DELETE action: a key in
-- use cannot be deleted (transfers would silently stop needing it).
CREATE TABLE secondary_dns (
    zone_id         INTEGER PRIMARY KEY REFERENCES zones(id) ON DELETE CASCADE,
    source_type     TEXT NOT NULL
                    CHECK (source_type IN ('provider', 'name_server_set', 'custom')),
    source_id       TEXT NOT NULL,          -- preset id or set id; '' for custom
    source_name     TEXT NOT NULL,          -- preset or set name when copied
    source_version  INTEGER NOT NULL,       -- preset version copied; 0 otherwise
    name_servers    TEXT NOT NULL,
    allowed_ips     TEXT NOT NULL,          -- normalized addresses and prefixes
    notify_targets  TEXT NOT NULL,          -- "ADDR:PORT" or "[V6ADDR]:PORT"
    notify_default  INTEGER NOT NULL CHECK (notify_default IN (0, 1)),
                                            -- 1: targets follow allowed_ips
    tsig_key_id     INTEGER REFERENCES tsig_keys(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX secondary_dns_key ON secondary_dns(tsig_key_id);

-- Apex NS records added by a secondary DNS configuration are marked, so
-- that deleting or replacing the configuration removes exactly them and
-- never an NS record the user added (NULL: the user's own record).
ALTER TABLE records ADD COLUMN managed_by TEXT
    CHECK (managed_by IS NULL OR managed_by = 'secondary_dns');

-- Every create, update and delete of a configuration: who, when, and the
-- configuration before and after as JSON (NULL when there was none).
CREATE TABLE secondary_dns_events (
    id           INTEGER PRIMARY KEY,
    zone_id      INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    account_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    action       TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    before_json  TEXT,
    after_json   TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX secondary_dns_events_zone ON secondary_dns_events(zone_id, id);
