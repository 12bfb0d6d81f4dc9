-- IMAP \Recent (RFC 3501 §2.3.2): the highest UID of each mailbox that a read-write session has
-- already been told about. Messages above it are "recent" for the next session that selects the
-- mailbox, which then claims them. Mail that was already there when this column arrived is old.
ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET recent_uid = uidnext - 1;
