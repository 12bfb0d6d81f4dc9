//! `email_meta`: the metadata kantor-message extracts from each email (`crate::meta`), written
//! in the email's own transaction by `filing` and copied with it by COPY; read here a batch of
//! emails at a time (FETCH of a message list: all of it, or the envelopes alone), and extracted
//! again by [`SqliteBackend::backfill_meta`] for the rows of another [`META_VERSION`].

use super::SqliteBackend;
use crate::access::{Actor, Rights};
use crate::meta::{Envelope, META_VERSION, MessageMeta};
use crate::{AccountId, BlobHash, MessageId, Result, StoreError};
use kantor_message::envelope_from_json;
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, params};

/// Emails extracted again per write job of the backfill.
const BACKFILL_BATCH: usize = 256;
/// How often (in emails) the backfill logs its progress.
const BACKFILL_PROGRESS: u64 = 10_000;

impl SqliteBackend {
    /// The stored metadata of these emails of `account_id`, in the order asked, in one read
    /// (also of an email expunged moments ago, until the collector removes it). `None` for an
    /// email the account does not have, and for a row of another version: parse the message.
    pub(super) fn message_metas(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<MessageMeta>>> {
        self.read_metas(actor, account_id, ids, MessageMeta::from_json)
    }

    /// [`SqliteBackend::message_metas`], the envelopes alone: the rest of each row is not built
    /// (a message list).
    pub(super) fn message_envelopes(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<Envelope>>> {
        self.read_metas(actor, account_id, ids, envelope_from_json)
    }

    /// [`SqliteBackend::message_metas`] without the body structure (a message list).
    pub(super) fn message_listings(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<kantor_message::MetaListing>>> {
        self.read_metas(
            actor,
            account_id,
            ids,
            kantor_message::MetaListing::from_json,
        )
    }

    fn read_metas<T>(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
        parse: fn(&[u8]) -> Option<T>,
    ) -> Result<Vec<Option<T>>> {
        self.read_sized_checked(ids.len(), |c| {
            super::acl::require_account_read(c, actor, account_id, Rights::READ)?;
            let mut statement = c.prepare_cached(
                "SELECT x.meta FROM email_meta x JOIN emails e ON e.id = x.email_id \
                 WHERE x.email_id = ?1 AND e.account_id = ?2",
            )?;
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                // Parsed where SQLite holds the text: no copy of the JSON per row.
                let meta = statement
                    .query_row(params![id, account_id], |r| {
                        Ok(match r.get_ref(0)? {
                            ValueRef::Text(json) => parse(json),
                            _ => None,
                        })
                    })
                    .optional()?;
                out.push(meta.flatten());
            }
            Ok(out)
        })
    }

    /// Extracts again the metadata of every email whose row was written with another layout
    /// (an older [`META_VERSION`]), a batch per write job, and logs the progress. Returns how
    /// many emails it extracted. Until it is done, readers parse those emails instead. Safe
    /// beside deliveries: a row is only ever replaced by the extraction of the same blob.
    pub(super) async fn backfill_meta(&self) -> Result<u64> {
        // Rows are written with `v` first (`MessageMeta`'s first field).
        let current = format!("{{\"v\":{META_VERSION},");
        let (mut after, mut done, mut next_log) = (0, 0u64, BACKFILL_PROGRESS);
        loop {
            let batch: Vec<(MessageId, String)> = self.read_long(|c| {
                c.prepare_cached(
                    "SELECT e.id, e.blob_hash FROM emails e JOIN email_meta x ON x.email_id = e.id \
                     WHERE e.id > ?1 AND e.destroyed_at IS NULL AND substr(x.meta, 1, ?2) != ?3 \
                     ORDER BY e.id LIMIT ?4",
                )?
                .query_map(
                    params![after, current.len() as i64, current, BACKFILL_BATCH as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect()
            })?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            if done == 0 {
                tracing::info!(
                    "store: extracting the metadata of emails stored by an older version"
                );
            }
            after = last;
            done += batch.len() as u64;
            let blobs = self.blobs.clone();
            let extracted = tokio::task::spawn_blocking(move || {
                batch
                    .into_iter()
                    .filter_map(|(id, hash)| {
                        let raw = blobs.get(&BlobHash::parse(&hash)?).ok()?;
                        Some((id, MessageMeta::extract(&raw).to_json()))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
            self.write(move |ctx| {
                let mut update = ctx
                    .conn()
                    .prepare_cached("UPDATE email_meta SET meta = ?2 WHERE email_id = ?1")?;
                for (id, json) in &extracted {
                    update.execute(params![id, json])?;
                }
                Ok(())
            })
            .await?;
            if done >= next_log {
                tracing::info!(done, "store: email metadata");
                next_log += BACKFILL_PROGRESS;
            }
        }
        if done > 0 {
            tracing::info!(emails = done, "store: email metadata extracted");
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteBackend;
    use crate::testing::with_alice;
    use crate::{BlobRef, Flags, MessageMeta, NewMessage, Store, StoreOptions};
    use std::sync::Arc;

    const RAW: [&[u8]; 2] = [
        b"Subject: one\r\nFrom: A <a@x.test>\r\n\r\nfirst\r\n",
        b"Subject: two\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nt\r\n--b--\r\n",
    ];

    /// A row as the store wrote it before kantor-message (META_VERSION 1).
    const VERSION_1: &str = r#"{"v":1,"envelope":{"date":null,"sent_at":null,"subject":"one","from":[],"sender":[],"reply_to":[],"to":[],"cc":[],"bcc":[],"in_reply_to":null,"message_id":null},"structure":{"content_type":"text","subtype":"plain","params":[],"id":null,"description":null,"encoding":null,"disposition":null,"disposition_params":[],"language":[],"location":null,"header_offset":0,"body_offset":36,"end_offset":43,"lines":1,"parts":[]},"preview":"first","has_attachment":false,"references":[]}"#;

    #[tokio::test]
    async fn metas_are_read_in_order_and_old_rows_extracted_again() {
        let dir = tempfile::tempdir().unwrap();
        let backend = Arc::new(SqliteBackend::open(dir.path(), StoreOptions::default()).unwrap());
        let (store, alice, inbox) = with_alice(Store::with_backend(backend.clone())).await;
        let added = store
            .append(
                RAW.iter()
                    .map(|raw| NewMessage {
                        account_id: alice.id,
                        mailbox_id: inbox,
                        blob: BlobRef::new(raw.to_vec()),
                        flags: Flags::default(),
                        keywords: vec![],
                        internal_date: 0,
                    })
                    .collect(),
            )
            .await
            .unwrap();
        let ids = [added[0].message_id, 9999, added[1].message_id];
        let fresh = RAW.map(|raw| Some(MessageMeta::extract(raw)));
        let expected = vec![fresh[0].clone(), None, fresh[1].clone()];
        assert_eq!(store.message_metas(alice.id, &ids).unwrap(), expected);
        let envelopes = expected
            .iter()
            .map(|m| m.as_ref().map(|m| m.envelope.clone()));
        let envelopes: Vec<_> = envelopes.collect();
        assert_eq!(store.message_envelopes(alice.id, &ids).unwrap(), envelopes);
        assert_eq!(store.backfill_meta().await.unwrap(), 0);

        let first = added[0].message_id;
        backend
            .write(move |ctx| {
                ctx.conn().execute(
                    "UPDATE email_meta SET meta = ?2 WHERE email_id = ?1",
                    rusqlite::params![first, VERSION_1],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        let read = store.message_metas(alice.id, &ids).unwrap();
        assert_eq!(
            read,
            vec![None, None, fresh[1].clone()],
            "a v1 row is not read"
        );
        assert_eq!(store.message_envelopes(alice.id, &ids).unwrap()[0], None);
        assert_eq!(store.backfill_meta().await.unwrap(), 1);
        assert_eq!(store.message_metas(alice.id, &ids).unwrap(), expected);
        assert_eq!(store.backfill_meta().await.unwrap(), 0);
    }
}
