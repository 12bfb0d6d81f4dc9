-- Listing a mailbox (IMAP SELECT, a view's refresh, POP3) reads only its memberships, in UID order
-- from the table's own key, as the covering index of 0004 read the old message rows: each
-- membership keeps a copy of what a listing shows of its email. The email stays the one source
-- of truth; the store writes the copy in the same statement that changes the email (flags and
-- keywords) or files it (the rest never changes). Joining every membership to its email cost a
-- B-tree descent per message and halved SELECTs per second.
ALTER TABLE memberships ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN keywords TEXT;
ALTER TABLE memberships ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN blob_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN internal_date INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0;
UPDATE memberships SET (flags, keywords, size, blob_hash, internal_date, thread_id) =
    (SELECT e.flags, e.keywords, e.size, e.blob_hash, e.internal_date, e.thread_id
     FROM emails e WHERE e.id = memberships.email_id);
