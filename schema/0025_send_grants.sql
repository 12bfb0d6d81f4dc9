-- Sending for others (issue 13, RFC 5322 §3.6.2): a grantor (an account or a group) lets a
-- grantee (an account, or every member of a group) send with the grantor's address as From:
-- 'as' ("Send As": From is the grantor, nothing says who sent it) or 'on-behalf' ("Send on
-- Behalf": From is the grantor and Sender must be the grantee's own address). One level per
-- pair. Exactly one column of each side is set.
CREATE TABLE send_grants (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    grantor_account  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    grantor_group    INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    grantee_account  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    grantee_group    INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    level            TEXT NOT NULL CHECK (level IN ('as', 'on-behalf')),
    CHECK ((grantor_account IS NULL) <> (grantor_group IS NULL)),
    CHECK ((grantee_account IS NULL) <> (grantee_group IS NULL))
);
-- One row per (grantor, grantee): groups are told from accounts by a negative id.
CREATE UNIQUE INDEX send_grants_pair ON send_grants (
    coalesce(grantor_account, -grantor_group), coalesce(grantee_account, -grantee_group));
CREATE INDEX send_grants_grantor_group ON send_grants (grantor_group);
CREATE INDEX send_grants_grantee_account ON send_grants (grantee_account);
CREATE INDEX send_grants_grantee_group ON send_grants (grantee_group);

-- A group's permitted senders (migration 0001) are its 'as' grants to accounts.
INSERT INTO send_grants (grantor_group, grantee_account, level)
    SELECT group_id, account_id, 'as' FROM group_senders;
DROP TABLE group_senders;

-- Accounts that keep a copy of what others send as them, or on their behalf, in their Sent
-- mailbox (`kantor admin send-as copy-to-sent`).
CREATE TABLE send_copy_to_sent (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE
) WITHOUT ROWID;
