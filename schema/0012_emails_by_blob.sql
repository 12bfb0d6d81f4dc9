-- Finds the emails holding a blob: JMAP download (RFC 8620 §6.2) serves a blob only to an
-- account with an email made of it, and asks at every download.
CREATE INDEX emails_by_blob ON emails(blob_hash, account_id);
