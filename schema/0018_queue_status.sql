-- Outbound delivery (RFC 5321 §4.5.4): each queued recipient's status, so a user's "did my mail
-- go out?" has an answer. `status`: 'queued' (not tried yet), 'deferred' (a temporary failure:
-- `last_error`, retried at `next_attempt_at`), 'delivered' (`remote_reply` is the server's 250),
-- 'bounced' (a permanent failure or expiry: `last_error`; the sender got a DSN). A recipient with a
-- final status no longer holds its blob; its row stays as history until the collector's cutoff.
ALTER TABLE queue ADD COLUMN status TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE queue ADD COLUMN remote_reply TEXT;
ALTER TABLE queue ADD COLUMN finished_at INTEGER;
-- Whether the sender was told the message is delayed (once, RFC 3464 action=delayed).
ALTER TABLE queue ADD COLUMN warned INTEGER NOT NULL DEFAULT 0;
DROP INDEX queue_by_next_attempt;
CREATE INDEX queue_pending ON queue(next_attempt_at) WHERE status IN ('queued', 'deferred');
