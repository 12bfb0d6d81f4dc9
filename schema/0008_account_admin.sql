-- What an administrator manages of an account beyond its address, password and quota
-- (`kantor admin user show / disable / enable / unlock / rename`), and the indexes that find
-- what names an address (the aliases and groups that `user show` lists and `user rename`
-- carries over).
--
-- `disabled`: 1 refuses every login (IMAP, POP3, SMTP AUTH) and ends the account's open
--   sessions at their next command; mail for it is still delivered.
-- `last_login_at`: the last successful login, Unix seconds (NULL: never); the server writes it
--   at most once a minute per account.
-- `auth_generation`: raised by `kantor admin user unlock`. The server keeps failed-login
--   counters in memory, stamped with the generation they were counted under; counters of an
--   older generation are ignored, so an unlock made by another process reaches the running
--   server at the account's next login attempt (which reads the account anyway).
ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_login_at INTEGER;
ALTER TABLE accounts ADD COLUMN auth_generation INTEGER NOT NULL DEFAULT 0;

CREATE INDEX aliases_by_target ON aliases(target);
CREATE INDEX group_members_by_member ON group_members(member);
