-- The header SEARCH texts of each email (RFC 9051 §6.4.4) move out of `email_keys` into a table
-- of their own. SORT and THREAD read `email_keys` for a whole mailbox at a time; with the texts
-- beside them its rows were three times as long (more with long To and Cc lists), and a THREAD
-- of 100,000 messages read 8,300 pages instead of 3,200.
--
-- A row of `email_texts` is written with the email's `email_keys` row, in the same
-- transaction, when its keys are complete; it has no version of its own (`email_keys.v` is
-- the version of both). The keys of version 1 (references kept as JSON) are not kept: the
-- store computes every email's keys again at start (kantor-message's keys VERSION 2), and
-- readers read the message itself meanwhile.
CREATE TABLE email_texts (
    email_id      INTEGER PRIMARY KEY REFERENCES emails(id) ON DELETE CASCADE,
    -- Case-folded, one per field occurrence joined by NUL; NULL when the message has no such
    -- field. h_*: the decoded field values; a_*: the addresses as parsed (mailbox@host,
    -- decoded display and group names).
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

DELETE FROM email_keys;
ALTER TABLE email_keys DROP COLUMN h_from;
ALTER TABLE email_keys DROP COLUMN h_sender;
ALTER TABLE email_keys DROP COLUMN h_reply_to;
ALTER TABLE email_keys DROP COLUMN h_to;
ALTER TABLE email_keys DROP COLUMN h_cc;
ALTER TABLE email_keys DROP COLUMN h_bcc;
ALTER TABLE email_keys DROP COLUMN h_subject;
ALTER TABLE email_keys DROP COLUMN h_message_id;
ALTER TABLE email_keys DROP COLUMN a_from;
ALTER TABLE email_keys DROP COLUMN a_to;
ALTER TABLE email_keys DROP COLUMN a_cc;
ALTER TABLE email_keys DROP COLUMN a_bcc;
