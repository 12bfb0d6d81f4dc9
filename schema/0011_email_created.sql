-- The modseq at which each email came to be, so that JMAP Email/changes and Thread/changes
-- (RFC 8620 §5.2) tell a created email from one updated since a client's state. Emails stored
-- before get 0: no JMAP client holds a state older than this migration (JMAP came with it).
ALTER TABLE emails ADD COLUMN created_modseq INTEGER NOT NULL DEFAULT 0;
