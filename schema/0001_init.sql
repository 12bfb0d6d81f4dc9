-- Kantor store, version 1: directory, mail store, change log, blobs and outbound queue.
-- Applied once, in a transaction, and recorded in schema_migrations (see server/store/src/sqlite/migrate.rs).

-- Organization directory ------------------------------------------------------------------------
CREATE TABLE domains (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at  INTEGER NOT NULL
);

-- One mailbox owner (a person or a shared mailbox). Its change counter `modseq` is bumped in the
-- same transaction as every change to anything it owns; `changes` is the log of those bumps.
CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    domain_id      INTEGER NOT NULL REFERENCES domains(id),
    local          TEXT NOT NULL COLLATE NOCASE,
    password_hash  TEXT NOT NULL,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    quota_bytes    INTEGER NOT NULL DEFAULT 0,     -- 0 = unlimited
    used_bytes     INTEGER NOT NULL DEFAULT 0,
    modseq         INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (domain_id, local)
);

-- Extra addresses delivering to a local address; local = '' is the domain's catch-all.
CREATE TABLE aliases (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id),
    local      TEXT NOT NULL COLLATE NOCASE,
    target     TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (domain_id, local, target)
);

-- Distribution lists: mail to the group goes to every member (users, aliases or other groups).
CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id),
    local      TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (domain_id, local)
);
CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member    TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (group_id, member)
) WITHOUT ROWID;
-- Accounts allowed to send with the group's address as envelope sender and From ("Send As").
CREATE TABLE group_senders (
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, account_id)
) WITHOUT ROWID;

-- Mail store -----------------------------------------------------------------------------------
CREATE TABLE mailboxes (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    role            TEXT,                           -- inbox, drafts, sent, junk, trash, archive
    uidvalidity     INTEGER NOT NULL,
    uidnext         INTEGER NOT NULL DEFAULT 1,
    highest_modseq  INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    unseen          INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL DEFAULT 0,
    subscribed      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
);

-- Content-addressed message bodies (BLAKE3, hex), shared by every message that holds them.
CREATE TABLE blobs (
    hash      TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    refcount  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid            INTEGER NOT NULL,
    modseq         INTEGER NOT NULL,
    flags          INTEGER NOT NULL DEFAULT 0,     -- bit set of the system flags (see store::Flags)
    keywords       TEXT,                           -- JSON array of other keywords, NULL when none
    blob_hash      TEXT NOT NULL REFERENCES blobs(hash),
    size           INTEGER NOT NULL,
    internal_date  INTEGER NOT NULL,               -- unix seconds
    saved_date     INTEGER NOT NULL,
    thread_id      INTEGER NOT NULL,
    meta           TEXT NOT NULL,                  -- JSON MessageMeta: envelope, structure, preview
    UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_by_account ON messages(account_id);

-- Message-ID -> thread, per account, to thread replies at delivery.
CREATE TABLE thread_refs (
    account_id  INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    thread_id   INTEGER NOT NULL,
    PRIMARY KEY (account_id, message_id)
) WITHOUT ROWID;

-- The change log: one row per object changed, tagged with the account's modseq at that change.
-- IMAP MODSEQ/CONDSTORE/QRESYNC, IDLE and JMAP /changes all read this one log.
CREATE TABLE changes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    modseq      INTEGER NOT NULL,
    object      INTEGER NOT NULL,                  -- 1 message, 2 mailbox, 3 account
    kind        INTEGER NOT NULL,                  -- 1 created, 2 updated, 3 destroyed
    object_id   INTEGER NOT NULL,
    mailbox_id  INTEGER,
    uid         INTEGER
);
CREATE INDEX changes_by_account ON changes(account_id, modseq);

-- Outbound queue: one row per remote recipient of a submitted message.
CREATE TABLE queue (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER,
    blob_hash        TEXT NOT NULL REFERENCES blobs(hash),
    mail_from        TEXT NOT NULL,
    rcpt_to          TEXT NOT NULL,
    envid            TEXT,
    ret              TEXT,
    notify           TEXT,
    orcpt            TEXT,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT
);
CREATE INDEX queue_by_next_attempt ON queue(next_attempt_at);
