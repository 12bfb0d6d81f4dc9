-- The JMAP EmailSubmission (RFC 8621 §7) a queued recipient was sent with, if any: its
-- `deliveryStatus` is read from these rows, and each change of their status is logged as an
-- update of the submission in the account's change log.
ALTER TABLE queue ADD COLUMN submission_id INTEGER;
CREATE INDEX queue_by_submission ON queue(submission_id) WHERE submission_id IS NOT NULL;
