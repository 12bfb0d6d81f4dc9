-- Store v2: emails apart from the mailboxes they are filed in, ids that are never reused, a
-- global change sequence, and blobs that only a garbage collector deletes.
--
-- Run with foreign key enforcement off (server/store/src/sqlite/migrate.rs turns it off around
-- the migrations and runs `PRAGMA foreign_key_check` after): tables are rebuilt the way SQLite
-- documents (create the new table, copy, drop the old one, rename), since AUTOINCREMENT cannot
-- be added to an existing table. Every id that clients have seen (EMAILID, THREADID, MAILBOXID)
-- keeps its value.

-- Ids are never reused: AUTOINCREMENT keeps the highest id ever given in sqlite_sequence, so a
-- deleted highest row does not hand its id to the next insert. ---------------------------------
CREATE TABLE domains_v2 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at  INTEGER NOT NULL
);
INSERT INTO domains_v2 (id, name, created_at) SELECT id, name, created_at FROM domains;
DROP TABLE domains;
ALTER TABLE domains_v2 RENAME TO domains;

CREATE TABLE accounts_v2 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id      INTEGER NOT NULL REFERENCES domains(id),
    local          TEXT NOT NULL COLLATE NOCASE,
    password_hash  TEXT NOT NULL,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    quota_bytes    INTEGER NOT NULL DEFAULT 0,     -- 0 = unlimited
    used_bytes     INTEGER NOT NULL DEFAULT 0,     -- each email counted once, however filed
    modseq         INTEGER NOT NULL DEFAULT 0,
    -- The change log of this account holds every change after this modseq; older rows were
    -- pruned (IMAP QRESYNC resyncs in full, JMAP answers cannotCalculateChanges).
    changes_floor  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (domain_id, local)
);
INSERT INTO accounts_v2 (id, domain_id, local, password_hash, is_admin, quota_bytes, used_bytes,
                         modseq, created_at)
    SELECT id, domain_id, local, password_hash, is_admin, quota_bytes, used_bytes, modseq,
           created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_v2 RENAME TO accounts;

CREATE TABLE aliases_v2 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id  INTEGER NOT NULL REFERENCES domains(id),
    local      TEXT NOT NULL COLLATE NOCASE,
    target     TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (domain_id, local, target)
);
INSERT INTO aliases_v2 SELECT id, domain_id, local, target FROM aliases;
DROP TABLE aliases;
ALTER TABLE aliases_v2 RENAME TO aliases;

CREATE TABLE groups_v2 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id  INTEGER NOT NULL REFERENCES domains(id),
    local      TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (domain_id, local)
);
INSERT INTO groups_v2 SELECT id, domain_id, local FROM groups;
DROP TABLE groups;
ALTER TABLE groups_v2 RENAME TO groups;

CREATE TABLE mailboxes_v2 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    role            TEXT,                           -- inbox, drafts, sent, junk, trash, archive
    uidvalidity     INTEGER NOT NULL,
    uidnext         INTEGER NOT NULL DEFAULT 1,
    highest_modseq  INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    unseen          INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL DEFAULT 0,
    recent_uid      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, name)
);
INSERT INTO mailboxes_v2 SELECT id, account_id, name, role, uidvalidity, uidnext, highest_modseq,
                                total, unseen, size, recent_uid FROM mailboxes;

-- Server-wide counters. `uidvalidity`: the last UIDVALIDITY given, so that no mailbox, even one
-- deleted and created again under the same name in the same second, gets one twice
-- (RFC 9051 §2.3.1.1).
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) SELECT 'uidvalidity', COALESCE(MAX(uidvalidity), 0) FROM mailboxes;

-- Blobs: `refcount` counts emails and queue rows. A blob whose count fell to zero is kept until
-- the garbage collector removes it after the grace period (`released_at`, unix seconds), so a
-- session still reading a message another session expunged can finish. --------------------------
ALTER TABLE blobs ADD COLUMN released_at INTEGER;

-- An email exists once (RFC 8621 §4), apart from the mailboxes it is filed in. ---------------
-- System flags other than \Deleted and keywords belong to the email (JMAP keywords); \Deleted,
-- the UID, its modseq and the save date belong to the membership (what IMAP EXPUNGE and
-- CONDSTORE need per mailbox). An email whose last membership went is a tombstone
-- (`destroyed_at`) until the collector removes it after the grace period.
CREATE TABLE emails (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blob_hash      TEXT NOT NULL REFERENCES blobs(hash),
    size           INTEGER NOT NULL,
    internal_date  INTEGER NOT NULL,               -- unix seconds
    thread_id      INTEGER NOT NULL,
    flags          INTEGER NOT NULL DEFAULT 0,     -- store::Flags without DELETED
    keywords       TEXT,                           -- JSON array of other keywords, NULL when none
    modseq         INTEGER NOT NULL,               -- last change to the email itself
    destroyed_at   INTEGER                         -- tombstone: no membership left
);
CREATE INDEX emails_by_account ON emails(account_id);
CREATE INDEX emails_destroyed ON emails(destroyed_at) WHERE destroyed_at IS NOT NULL;

-- What was extracted from the message once at delivery (JSON MessageMeta), apart from the
-- email row so that listing emails reads small rows.
CREATE TABLE email_meta (
    email_id  INTEGER PRIMARY KEY REFERENCES emails(id) ON DELETE CASCADE,
    meta      TEXT NOT NULL
);

-- Where an email is filed: one row per (mailbox, UID); an email is at most once in a mailbox.
-- Listing a mailbox reads these rows in UID order and the emails by id.
CREATE TABLE memberships (
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes_v2(id) ON DELETE CASCADE,
    uid         INTEGER NOT NULL,
    email_id    INTEGER NOT NULL REFERENCES emails(id),
    modseq      INTEGER NOT NULL,                  -- IMAP MODSEQ of the message in this mailbox
    deleted     INTEGER NOT NULL DEFAULT 0,        -- IMAP \Deleted
    saved_date  INTEGER NOT NULL,                  -- RFC 8514 SAVEDATE
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE UNIQUE INDEX memberships_by_email ON memberships(email_id, mailbox_id);

-- Every old message row becomes an email with the same id (EMAILID and THREADID unchanged for
-- clients) and one membership.
INSERT INTO emails (id, account_id, blob_hash, size, internal_date, thread_id, flags, keywords,
                    modseq)
    SELECT id, account_id, blob_hash, size, internal_date, thread_id, flags & ~8, keywords, modseq
    FROM messages;
INSERT INTO email_meta (email_id, meta) SELECT id, meta FROM messages;
INSERT INTO memberships (mailbox_id, uid, email_id, modseq, deleted, saved_date)
    SELECT mailbox_id, uid, id, modseq, (flags & 8) != 0, saved_date FROM messages;
DROP TABLE messages;
DROP TABLE mailboxes;
ALTER TABLE mailboxes_v2 RENAME TO mailboxes;

-- The change log, one for every kind of object. `id` is a global sequence (never reused): the
-- search indexer and other processes' wake-ups follow it. `at` (unix seconds) lets old rows be
-- pruned by age.
CREATE TABLE changes_v2 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL,
    modseq      INTEGER NOT NULL,
    object      INTEGER NOT NULL,                  -- store::changes::ObjectKind
    kind        INTEGER NOT NULL,                  -- 1 created, 2 updated, 3 destroyed
    object_id   INTEGER NOT NULL,
    mailbox_id  INTEGER,
    uid         INTEGER,
    at          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO changes_v2 (id, account_id, modseq, object, kind, object_id, mailbox_id, uid)
    SELECT id, account_id, modseq, object, kind, object_id, mailbox_id, uid FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v2 RENAME TO changes;
CREATE INDEX changes_by_account ON changes(account_id, modseq);

CREATE TABLE queue_v2 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO queue_v2 SELECT * FROM queue;
DROP TABLE queue;
ALTER TABLE queue_v2 RENAME TO queue;
CREATE INDEX queue_by_next_attempt ON queue(next_attempt_at);
