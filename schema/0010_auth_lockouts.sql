-- Sources locked out of an account by the failed-login throttle (`kantor_directory::throttle`),
-- so that `kantor admin user show` can say who is locked out, whatever process counted the
-- failures. The counters themselves stay in the server's memory; a row is written once per
-- lockout (when an (account, source address) pair reaches its limit), never per failure.
-- `kantor admin user unlock` deletes the account's rows with the counters' generation raise.
CREATE TABLE auth_lockouts (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,      -- the source address, as the logs write it
    until       INTEGER NOT NULL,   -- Unix seconds: refused until then
    PRIMARY KEY (account_id, source)
) WITHOUT ROWID;
