-- JMAP EmailSubmission (RFC 8621 §7): each message a user sent over JMAP, with its envelope, kept
-- so that clients can list what was sent and when. `id` is global and never reused; recipients'
-- delivery is the queue's (one row per remote recipient) or was local at submission.
CREATE TABLE email_submissions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    identity_id  TEXT NOT NULL,
    email_id     INTEGER NOT NULL,
    thread_id    INTEGER NOT NULL,
    envelope     TEXT NOT NULL,      -- JSON: {"mailFrom": {...}, "rcptTo": [...]} as RFC 8621 §7
    send_at      INTEGER NOT NULL,   -- Unix seconds
    destroyed    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_submissions_by_account ON email_submissions(account_id, id);
