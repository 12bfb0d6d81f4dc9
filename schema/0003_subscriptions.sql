-- IMAP subscriptions (RFC 9051 §6.3.7-8) are names, not mailboxes: a name stays subscribed when
-- its mailbox is deleted or renamed (§6.3.6: RENAME does not update subscriptions), and a name
-- may be subscribed before any mailbox has it. They were a column of `mailboxes` until now.
CREATE TABLE subscriptions (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
INSERT INTO subscriptions (account_id, name)
    SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
ALTER TABLE mailboxes DROP COLUMN subscribed;
-- The change log records (un)subscribing as object 4 (subscription): kind 1 subscribed,
-- 3 unsubscribed, object_id the mailbox of that name when one exists, else 0.
