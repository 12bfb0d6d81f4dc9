-- A covering index for listing a mailbox's message summaries (IMAP SELECT, refresh, POP3): the
-- rows of `messages` carry the parsed metadata (`meta`, a kilobyte or more), so reading 1,000
-- summaries through the table touched hundreds of pages; through this index, a few dozen.
-- Numbered 0004 to leave 0003 to the subscriptions change developed beside it.
CREATE INDEX messages_summary ON messages(
    mailbox_id, uid, id, modseq, flags, keywords, size, blob_hash, internal_date, saved_date,
    thread_id
);
