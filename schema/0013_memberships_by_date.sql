-- A mailbox's emails newest first (JMAP Email/query sorted by receivedAt, RFC 8621 §4.4): the
-- first page of a 100,000-message INBOX reads its first rows, not all of them. Covering what
-- the query needs (the email and its thread), so no row of the table is read.
CREATE INDEX memberships_by_date
    ON memberships(mailbox_id, internal_date, email_id, thread_id, size);
