-- App passwords: secrets a user gives one client each (a phone, a script), usable where the
-- password is (HTTP Basic and Bearer, IMAP, POP3, SMTP AUTH) and revocable one by one without
-- changing the password. Only a hash of each secret is kept (kantor-directory's
-- `app_password` says which and why); `last_used_at` is written at most every few minutes.
CREATE TABLE app_passwords (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    UNIQUE (account_id, name)
);
