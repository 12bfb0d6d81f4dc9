-- An account's Sieve scripts (RFC 5228), as ManageSieve (RFC 5804) names and stores them: at
-- most one active per account (§1.1), the one run at delivery. `id` is global and never
-- reused; every change is logged in the account's change log (object kind 8).
CREATE TABLE sieve_scripts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    content     TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, name)
);
CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(account_id) WHERE active;
