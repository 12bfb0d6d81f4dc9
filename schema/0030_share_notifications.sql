-- JMAP Sharing (RFC 9670 §5): a notice to a user that their rights on a mailbox of another
-- account changed (IMAP SETACL, `kantor admin acl`), written in the same transaction as the ACL
-- change and logged in that user's change log (object kind 9), so ShareNotification/changes
-- and push see it. The user destroys it when dismissed; the oldest go past 100 per user.
CREATE TABLE share_notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created         INTEGER NOT NULL,
    -- Who made the change: a user, or NULL for the administrator.
    changed_by      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    object_account  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- Not a reference: the notice outlives the mailbox it was about.
    mailbox_id      INTEGER NOT NULL,
    name            TEXT NOT NULL,
    old_rights      INTEGER NOT NULL,
    new_rights      INTEGER NOT NULL
);
CREATE INDEX share_notifications_by_account ON share_notifications (account_id, id);
