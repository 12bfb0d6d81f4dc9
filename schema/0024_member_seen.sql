-- `\Seen` per member in shared accounts (RFC 4314 §4, right `s`): in an account nobody logs in
-- to (`accounts.shared`, a team's mailbox), each member keeps their own read state. A row says
-- that `user_id` has seen email `email_id` of shared account `account_id`; the email's own
-- `\Seen` (emails.flags) is not what members see. Other flags and keywords stay shared. A
-- removed email, member or account takes its rows with it.
CREATE TABLE member_seen (
    user_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email_id    INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, account_id, email_id)
) WITHOUT ROWID;
CREATE INDEX member_seen_by_email ON member_seen(email_id);
CREATE INDEX member_seen_by_account ON member_seen(account_id);
