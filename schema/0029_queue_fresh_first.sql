-- Outbound: mail never tried goes before retries, so a backlog of deferred mail (a destination
-- down for a day, 100,000 messages waiting) never delays new mail (docs/benchmarks.md, "Relay").
-- One partial index per status: the worker reads 'queued' recipients first, then 'deferred'
-- ones, each in next_attempt_at order, without scanning past the other kind.
DROP INDEX queue_pending;
CREATE INDEX queue_fresh ON queue(next_attempt_at) WHERE status = 'queued';
CREATE INDEX queue_retries ON queue(next_attempt_at) WHERE status = 'deferred';
