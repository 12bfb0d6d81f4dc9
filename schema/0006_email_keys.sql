-- What SEARCH, SORT and THREAD read of an email, extracted once when it is stored, so that a
-- SORT or a header SEARCH over a mailbox of 100,000 messages reads one row per message instead
-- of parsing every message's header again (server/store/src/keys.rs says what each column holds;
-- kantor-imap-message computes them, with the very functions its own parsing path uses).
--
-- Filled at delivery and APPEND, copied with an email duplicated by COPY, and for the emails
-- stored before this migration by a backfill in the server's background (`Store::backfill_keys`:
-- batches of emails without a row, or with a row of an older `v`). Until then, and for rows with
-- `complete = 0` (keys too large to keep), the message itself is read: the keys only ever make
-- answers faster, never different.
CREATE TABLE email_keys (
    email_id      INTEGER PRIMARY KEY REFERENCES emails(id) ON DELETE CASCADE,
    v             INTEGER NOT NULL,   -- version of the extraction that wrote the row
    complete      INTEGER NOT NULL,   -- 0: too large to keep; read the message
    sent          INTEGER,            -- Date header, unix seconds (RFC 5256 §2.2); NULL: none
    subject       TEXT,               -- base subject (RFC 5256 §2.1), case-folded
    reply         INTEGER,            -- the subject marked a reply or forward (RFC 5256 §4)
    sort_from     TEXT,               -- SORT FROM / TO / CC values (RFC 5256 §3), case-folded
    sort_to       TEXT,
    sort_cc       TEXT,
    display_from  TEXT,               -- SORT DISPLAYFROM / DISPLAYTO values (RFC 5957)
    display_to    TEXT,
    message_id    TEXT,               -- first valid Message-ID, normalised (RFC 5256 §4)
    refs          TEXT,               -- the REFERENCES parents (RFC 5256 §4), NUL-separated (JSON in keys v1)
    -- SEARCH texts (RFC 9051 §6.4.4), case-folded, one per field occurrence joined by NUL; NULL
    -- when the message has no such field. h_*: the decoded field values; a_*: the addresses as
    -- parsed (mailbox@host, decoded display and group names).
    h_from        TEXT,
    h_sender      TEXT,
    h_reply_to    TEXT,
    h_to          TEXT,
    h_cc          TEXT,
    h_bcc         TEXT,
    h_subject     TEXT,
    h_message_id  TEXT,
    a_from        TEXT,
    a_to          TEXT,
    a_cc          TEXT,
    a_bcc         TEXT
);
