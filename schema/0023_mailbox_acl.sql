-- Shared mailboxes and IMAP ACL (RFC 4314).
--
-- `accounts.shared`: 1 for a shared mailbox account (`kantor admin shared add`): nobody logs in
--   to it (its password hash is no PHC string, so no password matches), mail to its address is
--   delivered to its INBOX, and its members reach it through the ACL below.
-- `mailbox_acl`: one row per (mailbox, grantee): the RFC 4314 rights the grantee holds on one
--   mailbox of `account_id` (the owner, kept here to find an account's grants by index), as a
--   bit set (`kantor_store::Rights`). The grantee is an account (`grantee_account`), a group
--   (`grantee_group`: its members, and the members of groups that are members, recursively) or,
--   with both NULL, `anyone` (every authenticated user). The owner holds every right without a
--   row. A removed mailbox, owner, grantee account or group takes its rows with it.
ALTER TABLE accounts ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;

CREATE TABLE mailbox_acl (
    mailbox_id       INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    grantee_account  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    grantee_group    INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    rights           INTEGER NOT NULL,
    CHECK (grantee_account IS NULL OR grantee_group IS NULL)
);
CREATE UNIQUE INDEX mailbox_acl_entry
    ON mailbox_acl(mailbox_id, IFNULL(grantee_account, 0), IFNULL(grantee_group, 0));
CREATE INDEX mailbox_acl_by_owner ON mailbox_acl(account_id);
CREATE INDEX mailbox_acl_by_grantee_account ON mailbox_acl(grantee_account);
CREATE INDEX mailbox_acl_by_grantee_group ON mailbox_acl(grantee_group);
