-- Whom an account's Sieve vacation answered, and until when it must not answer them again
-- (RFC 5230 §4.2 `:days`, keyed by sender and `:handle` or reason, §4.4). Rows past
-- `expires_at` are ignored and pruned when the same key is answered again.
CREATE TABLE sieve_replies (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    reply_key   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, reply_key)
) WITHOUT ROWID;
