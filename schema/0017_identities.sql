-- JMAP Identity (RFC 8621 §6): who a user sends as, with a display name and signatures. Every
-- account has its primary identity (`email` NULL: the account's own address, whatever it becomes);
-- others name an address the user may send as (checked by the directory when created). `id` is
-- global and never reused.
CREATE TABLE identities (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email           TEXT,
    name            TEXT NOT NULL DEFAULT '',
    reply_to        TEXT,            -- JSON EmailAddress[] or NULL
    bcc             TEXT,            -- JSON EmailAddress[] or NULL
    text_signature  TEXT NOT NULL DEFAULT '',
    html_signature  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identities_by_account ON identities(account_id, id);
INSERT INTO identities (account_id) SELECT id FROM accounts;
