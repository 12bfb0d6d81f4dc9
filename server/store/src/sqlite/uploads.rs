//! Uploads (RFC 8620 §6.1): blobs an account sent over JMAP before making emails of them. The
//! row says whose the blob is; the collector removes the row with the blob file once the grace
//! period has passed and no email was made of it.

use super::acl::require_on_some_mailbox;
use super::{SqliteBackend, now};
use crate::access::{Actor, Rights};
use crate::{AccountId, BlobHash, BlobRef, Result, Upload};
use rusqlite::{OptionalExtension, params};

impl SqliteBackend {
    /// Stores the blob (fsynced) and records that `account_id` uploaded it: its owner, or a
    /// member who may file into one of its mailboxes (`i`).
    pub(super) async fn record_upload(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: BlobRef,
        media_type: String,
    ) -> Result<Upload> {
        self.read_checked(|c| require_on_some_mailbox(c, actor, account_id, Rights::INSERT))?;
        self.put_blob(&blob).await?;
        let upload = Upload {
            blob: blob.hash.clone(),
            size: blob.size(),
            media_type,
            created_at: now(),
        };
        let row = upload.clone();
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO uploads (account_id, blob_hash, size, type, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    account_id,
                    row.blob.as_str(),
                    row.size as i64,
                    row.media_type,
                    row.created_at
                ])?;
            Ok(())
        })
        .await?;
        Ok(upload)
    }

    /// The account's upload of this blob, if it has one: for its owner, or a member who may
    /// file into one of its mailboxes (`i`: who may upload there, and import).
    pub(super) fn upload(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: &BlobHash,
    ) -> Result<Option<Upload>> {
        self.read_checked(|c| {
            require_on_some_mailbox(c, actor, account_id, Rights::INSERT)?;
            Ok(c.prepare_cached(
                "SELECT size, type, created_at FROM uploads WHERE account_id = ?1 AND blob_hash = ?2",
            )?
            .query_row(params![account_id, blob.as_str()], |r| {
                Ok(Upload {
                    blob: blob.clone(),
                    size: r.get::<_, i64>(0)? as u64,
                    media_type: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })
            .optional()?)
        })
    }
}
