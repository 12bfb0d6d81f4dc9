//! `email_keys`: the search, sort and threading keys of each email (`crate::keys`), written in
//! the email's own transaction at delivery and APPEND, copied with an email COPY duplicates,
//! computed for older emails by [`crate::Store::backfill_keys`], and read a mailbox at a time.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx};
use crate::access::{Actor, Rights};
use crate::keys::{EmailKeys, KeyColumn, MessageKeys, VERSION};
use crate::{MailboxId, MessageId, Result, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};

/// Emails given their keys per write job of the backfill.
const BACKFILL_BATCH: usize = 256;
/// How often (in emails) the backfill logs its progress.
const BACKFILL_PROGRESS: u64 = 10_000;

/// The columns of `EmailKeys::fields` and `EmailKeys::addresses`, in order.
const FIELD_COLUMNS: [&str; 8] = [
    "h_from",
    "h_sender",
    "h_reply_to",
    "h_to",
    "h_cc",
    "h_bcc",
    "h_subject",
    "h_message_id",
];
const ADDRESS_COLUMNS: [&str; 4] = ["a_from", "a_to", "a_cc", "a_bcc"];

fn columns(column: KeyColumn) -> &'static [&'static str] {
    match column {
        KeyColumn::Sent => &["sent"],
        KeyColumn::Subject => &["subject", "reply"],
        KeyColumn::SortFrom => &["sort_from"],
        KeyColumn::SortTo => &["sort_to"],
        KeyColumn::SortCc => &["sort_cc"],
        KeyColumn::DisplayFrom => &["display_from"],
        KeyColumn::DisplayTo => &["display_to"],
        KeyColumn::Threading => &["message_id", "refs"],
        KeyColumn::Field(i) => std::slice::from_ref(&FIELD_COLUMNS[i]),
        KeyColumn::Addresses(i) => std::slice::from_ref(&ADDRESS_COLUMNS[i]),
    }
}

impl SqliteBackend {
    /// The keys of the messages of a mailbox that have keys of the current [`VERSION`], in UID
    /// order, with only `wanted` filled in (one read; `complete` false for an email whose keys
    /// were too large to keep). Messages without such keys are left out: read them.
    pub(super) fn message_keys(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        wanted: &[KeyColumn],
    ) -> Result<Vec<MessageKeys>> {
        let mut wanted = wanted.to_vec();
        wanted.dedup();
        let mut select = String::from("SELECT m.uid, m.email_id, k.complete");
        for &column in &wanted {
            for name in columns(column) {
                select.push_str(", k.");
                select.push_str(name);
            }
        }
        select.push_str(
            " FROM memberships m JOIN email_keys k ON k.email_id = m.email_id \
             WHERE m.mailbox_id = ?1 AND k.v = ?2 ORDER BY m.uid",
        );
        self.read_long_checked(|c| {
            self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            let total: i64 = c
                .prepare_cached("SELECT total FROM mailboxes WHERE id = ?1")?
                .query_row([mailbox_id], |r| r.get(0))?;
            let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
            let mut statement = c.prepare_cached(&select)?;
            let rows = statement.query_map(params![mailbox_id, VERSION], |r| {
                message_keys_row(r, &wanted)
            })?;
            for row in rows {
                out.push(row?);
            }
            Ok(out)
        })
    }
}

impl SqliteBackend {
    /// Computes the keys of every email that has none of the current [`VERSION`] (emails
    /// stored before the keys existed, or by another version), a batch per write job, and
    /// logs the progress. Returns how many emails it went through. Safe beside deliveries: a
    /// row is written only while its email exists.
    pub(super) async fn backfill_keys(&self) -> Result<u64> {
        let version = VERSION;
        let missing: i64 = self.read_long(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM emails e LEFT JOIN email_keys k ON k.email_id = e.id \
                 WHERE e.destroyed_at IS NULL AND (k.v IS NULL OR k.v != ?1)",
                [version],
                |r| r.get(0),
            )
        })?;
        if missing == 0 {
            return Ok(0);
        }
        let missing = missing as u64;
        tracing::info!(emails = missing, "store: computing search and sort keys");
        let (mut after, mut done, mut next_log) = (0, 0u64, BACKFILL_PROGRESS);
        loop {
            let batch: Vec<(MessageId, String)> = self.read_long(|c| {
                c.prepare_cached(
                    "SELECT e.id, e.blob_hash FROM emails e \
                     LEFT JOIN email_keys k ON k.email_id = e.id \
                     WHERE e.id > ?1 AND e.destroyed_at IS NULL AND (k.v IS NULL OR k.v != ?2) \
                     ORDER BY e.id LIMIT ?3",
                )?
                .query_map(params![after, version, BACKFILL_BATCH as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect()
            })?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            after = last;
            done += batch.len() as u64;
            let blobs = self.blobs.clone();
            let computed = tokio::task::spawn_blocking(move || {
                batch
                    .into_iter()
                    .filter_map(|(id, hash)| {
                        let raw = blobs.get(&crate::BlobHash::parse(&hash)?).ok()?;
                        Some((id, EmailKeys::extract(&raw)))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
            self.write(move |ctx| {
                for (id, keys) in &computed {
                    insert(ctx, *id, version, keys, true)?;
                }
                Ok(())
            })
            .await?;
            if done >= next_log {
                tracing::info!(done, of = missing, "store: search and sort keys");
                next_log += BACKFILL_PROGRESS;
            }
        }
        tracing::info!(emails = done, "store: search and sort keys computed");
        Ok(done)
    }
}

impl SqliteBackend {
    /// Forgets every email's keys, as if they had all been stored before the keys existed (for
    /// the tests of the readers' other path and of the backfill: `crate::testing::forget_keys`).
    pub(crate) async fn forget_keys(&self) -> Result<()> {
        self.write(|ctx| {
            ctx.conn().execute("DELETE FROM email_keys", [])?;
            Ok(())
        })
        .await
    }
}

fn message_keys_row(r: &Row<'_>, wanted: &[KeyColumn]) -> rusqlite::Result<MessageKeys> {
    let mut keys = EmailKeys {
        complete: r.get(2)?,
        ..EmailKeys::default()
    };
    let mut at = 3;
    let text = |at: &mut usize| -> rusqlite::Result<Option<String>> {
        *at += 1;
        r.get(*at - 1)
    };
    for &column in wanted {
        match column {
            KeyColumn::Sent => {
                keys.sent = r.get(at)?;
                at += 1;
            }
            KeyColumn::Subject => {
                keys.subject = text(&mut at)?.unwrap_or_default();
                keys.reply = r.get::<_, Option<bool>>(at)?.unwrap_or_default();
                at += 1;
            }
            KeyColumn::SortFrom => keys.sort_from = text(&mut at)?.unwrap_or_default(),
            KeyColumn::SortTo => keys.sort_to = text(&mut at)?.unwrap_or_default(),
            KeyColumn::SortCc => keys.sort_cc = text(&mut at)?.unwrap_or_default(),
            KeyColumn::DisplayFrom => keys.display_from = text(&mut at)?.unwrap_or_default(),
            KeyColumn::DisplayTo => keys.display_to = text(&mut at)?.unwrap_or_default(),
            KeyColumn::Threading => {
                keys.message_id = text(&mut at)?;
                // Parsed where SQLite holds it: no copy of the JSON per row.
                keys.references = match r.get_ref(at)? {
                    ValueRef::Text(json) => serde_json::from_slice(json).unwrap_or_default(),
                    _ => Vec::new(),
                };
                at += 1;
            }
            KeyColumn::Field(i) => keys.texts.get_or_insert_default().fields[i] = text(&mut at)?,
            KeyColumn::Addresses(i) => {
                keys.texts.get_or_insert_default().addresses[i] = text(&mut at)?;
            }
        }
    }
    Ok(MessageKeys {
        uid: r.get(0)?,
        email_id: r.get(1)?,
        keys,
    })
}

/// Writes an email's keys (replacing older ones). With `if_exists`, nothing is written for an
/// email that is gone (the backfill, racing the collector).
pub(super) fn insert(
    ctx: &WriteCtx<'_>,
    email_id: MessageId,
    version: u32,
    keys: &EmailKeys,
    if_exists: bool,
) -> DbResult<()> {
    let refs = (!keys.references.is_empty())
        .then(|| serde_json::to_string(&keys.references).unwrap_or_default());
    let texts = keys.texts.as_deref().cloned().unwrap_or_default();
    let [f0, f1, f2, f3, f4, f5, f6, f7] = &texts.fields;
    let [a0, a1, a2, a3] = &texts.addresses;
    insert_statement(ctx.conn(), if_exists)?.execute(params![
        email_id,
        version,
        keys.complete,
        keys.sent,
        keys.subject,
        keys.reply,
        keys.sort_from,
        keys.sort_to,
        keys.sort_cc,
        keys.display_from,
        keys.display_to,
        keys.message_id,
        refs,
        f0,
        f1,
        f2,
        f3,
        f4,
        f5,
        f6,
        f7,
        a0,
        a1,
        a2,
        a3,
    ])?;
    Ok(())
}

fn insert_statement(
    conn: &Connection,
    if_exists: bool,
) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
    let columns = "email_id, v, complete, sent, subject, reply, sort_from, sort_to, sort_cc, \
                   display_from, display_to, message_id, refs, h_from, h_sender, h_reply_to, \
                   h_to, h_cc, h_bcc, h_subject, h_message_id, a_from, a_to, a_cc, a_bcc";
    let values = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
                  ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25";
    if if_exists {
        conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO email_keys ({columns}) SELECT {values} \
             WHERE EXISTS (SELECT 1 FROM emails WHERE id = ?1)"
        ))
    } else {
        conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO email_keys ({columns}) VALUES ({values})"
        ))
    }
}

/// Gives `to` (a new email with the content of `from`, IMAP COPY) the keys of `from`.
pub(super) fn duplicate(ctx: &WriteCtx<'_>, from: MessageId, to: MessageId) -> DbResult<()> {
    ctx.conn()
        .prepare_cached(
            "INSERT INTO email_keys SELECT ?2, v, complete, sent, subject, reply, sort_from, \
             sort_to, sort_cc, display_from, display_to, message_id, refs, h_from, h_sender, \
             h_reply_to, h_to, h_cc, h_bcc, h_subject, h_message_id, a_from, a_to, a_cc, a_bcc \
             FROM email_keys WHERE email_id = ?1",
        )?
        .execute(params![from, to])?;
    Ok(())
}
