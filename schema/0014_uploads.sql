-- Blobs an account uploaded over JMAP (RFC 8620 §6.1), so that the uploader (and only it) may
-- use them: Email/import, download. The blob file itself is unreferenced until an email is
-- made of it: the collector deletes it after the grace period, as any unreferenced blob, and
-- the upload's row with it. RFC 8620 §6 asks that an upload be kept at least an hour.
CREATE TABLE uploads (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blob_hash   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    type        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, blob_hash)
) WITHOUT ROWID;
CREATE INDEX uploads_by_age ON uploads(created_at);
