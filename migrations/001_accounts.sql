-- Accounts own zones; API tokens belong to an account and are stored as
-- SHA-256 hashes only.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    is_admin    INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at  INTEGER NOT NULL
);

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hash        TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the token
    prefix      TEXT NOT NULL,             -- first characters, to tell tokens apart
    created_at  INTEGER NOT NULL
);
CREATE INDEX tokens_account ON tokens(account_id);
