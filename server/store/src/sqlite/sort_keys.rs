//! `email_keys` and `email_texts`: the sort and threading keys of each email, and its header
//! search texts (`crate::keys`), written in the email's own transaction at delivery and APPEND,
//! copied with an email COPY duplicates, computed for older emails by
//! [`crate::Store::backfill_keys`], and read a mailbox at a time. The texts have a table of
//! their own so that SORT and THREAD, which read none of them, read short rows.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx};
use crate::access::{Actor, Rights};
use crate::keys::{EmailKeys, KeyColumn, KeysRef, KeysRow, KeysTable, VERSION};
use crate::{MailboxId, MessageId, Result, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};

/// Emails given their keys per write job of the backfill.
const BACKFILL_BATCH: usize = 256;
/// How often (in emails) the backfill logs its progress.
const BACKFILL_PROGRESS: u64 = 10_000;

/// The columns of `SearchTexts::fields` and `SearchTexts::addresses` in `email_texts`, in
/// order, as the read names them.
const FIELD_COLUMNS: [&str; 8] = [
    "t.h_from",
    "t.h_sender",
    "t.h_reply_to",
    "t.h_to",
    "t.h_cc",
    "t.h_bcc",
    "t.h_subject",
    "t.h_message_id",
];
const ADDRESS_COLUMNS: [&str; 4] = ["t.a_from", "t.a_to", "t.a_cc", "t.a_bcc"];

/// The columns a key column is read from (`k.`: `email_keys`, `t.`: `email_texts`).
fn columns(column: KeyColumn) -> &'static [&'static str] {
    match column {
        KeyColumn::Sent => &["k.sent"],
        KeyColumn::Subject => &["k.subject", "k.reply"],
        KeyColumn::SortFrom => &["k.sort_from"],
        KeyColumn::SortTo => &["k.sort_to"],
        KeyColumn::SortCc => &["k.sort_cc"],
        KeyColumn::DisplayFrom => &["k.display_from"],
        KeyColumn::DisplayTo => &["k.display_to"],
        KeyColumn::Threading => &["k.message_id", "k.refs"],
        KeyColumn::Field(i) => std::slice::from_ref(&FIELD_COLUMNS[i]),
        KeyColumn::Addresses(i) => std::slice::from_ref(&ADDRESS_COLUMNS[i]),
    }
}

impl SqliteBackend {
    /// Calls `visit` with the keys of each message of a mailbox that has keys of the current
    /// [`VERSION`], in UID order, with only `wanted` read (`complete` false for an email whose
    /// keys were too large to keep), until it returns false. Messages without such keys are
    /// left out: read them. One read; each row is visited where SQLite holds it, nothing of
    /// the mailbox is gathered.
    pub(super) fn visit_message_keys(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        wanted: &[KeyColumn],
        visit: &mut dyn FnMut(KeysRef<'_>) -> bool,
    ) -> Result<()> {
        // Each column once: the table gives each string one place in a row.
        let mut unique: Vec<KeyColumn> = Vec::with_capacity(wanted.len());
        for &column in wanted {
            if !unique.contains(&column) {
                unique.push(column);
            }
        }
        let wanted = unique;
        let mut select = String::from("SELECT m.uid, m.email_id, k.complete");
        for &column in &wanted {
            for name in columns(column) {
                select.push_str(", ");
                select.push_str(name);
            }
        }
        select.push_str(" FROM memberships m JOIN email_keys k ON k.email_id = m.email_id");
        if wanted
            .iter()
            .any(|c| matches!(c, KeyColumn::Field(_) | KeyColumn::Addresses(_)))
        {
            select.push_str(" LEFT JOIN email_texts t ON t.email_id = m.email_id");
        }
        select.push_str(" WHERE m.mailbox_id = ?1 AND k.v = ?2 ORDER BY m.uid");
        self.read_long_checked(|c| {
            self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            // One row at a time, its strings in a buffer reused from row to row.
            let mut one = KeysTable::new(&wanted, 1);
            let mut statement = c.prepare_cached(&select)?;
            let mut rows = statement.query(params![mailbox_id, VERSION])?;
            while let Some(row) = rows.next()? {
                one.clear();
                push_keys_row(&mut one, row, &wanted)?;
                if !one.get(0).is_some_and(&mut *visit) {
                    break;
                }
            }
            Ok(())
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
            ctx.conn().execute("DELETE FROM email_texts", [])?;
            Ok(())
        })
        .await
    }
}

/// Adds a row of [`SqliteBackend::message_keys`]'s query to the table: its strings are
/// copied from where SQLite holds them, in the order of `wanted` ([`KeysTable::push_text`]).
fn push_keys_row(table: &mut KeysTable, r: &Row<'_>, wanted: &[KeyColumn]) -> rusqlite::Result<()> {
    let mut row = KeysRow::new(r.get(0)?, r.get(1)?, r.get(2)?);
    // The sent date and reply mark are in the row, the strings after it: two passes.
    let mut at = 3;
    for &column in wanted {
        match column {
            KeyColumn::Sent => row.sent = r.get(at)?,
            KeyColumn::Subject => row.reply = r.get::<_, Option<bool>>(at + 1)?.unwrap_or_default(),
            _ => {}
        }
        at += columns(column).len();
    }
    table.push_row(row);
    let mut at = 3;
    for &column in wanted {
        let texts = match column {
            KeyColumn::Sent => 0,
            KeyColumn::Subject => 1,
            _ => columns(column).len(),
        };
        for i in at..at + texts {
            table.push_text(match r.get_ref(i)? {
                ValueRef::Text(text) => Some(std::str::from_utf8(text).unwrap_or_default()),
                _ => None,
            });
        }
        at += columns(column).len();
    }
    Ok(())
}

/// Writes an email's keys and search texts (replacing older ones; texts only for complete
/// keys). With `if_exists`, nothing is written for an email that is gone (the backfill,
/// racing the collector).
pub(super) fn insert(
    ctx: &WriteCtx<'_>,
    email_id: MessageId,
    version: u32,
    keys: &EmailKeys,
    if_exists: bool,
) -> DbResult<()> {
    let refs = keys.joined_references();
    upsert(ctx.conn(), "email_keys", KEY_COLUMNS, if_exists)?.execute(params![
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
    ])?;
    let Some(texts) = keys.texts.as_deref().filter(|_| keys.complete) else {
        ctx.conn()
            .prepare_cached("DELETE FROM email_texts WHERE email_id = ?1")?
            .execute([email_id])?;
        return Ok(());
    };
    let [f0, f1, f2, f3, f4, f5, f6, f7] = &texts.fields;
    let [a0, a1, a2, a3] = &texts.addresses;
    upsert(ctx.conn(), "email_texts", TEXT_COLUMNS, if_exists)?.execute(params![
        email_id, f0, f1, f2, f3, f4, f5, f6, f7, a0, a1, a2, a3,
    ])?;
    Ok(())
}

/// The columns of `email_keys` after its `email_id`.
const KEY_COLUMNS: &str = "v, complete, sent, subject, reply, sort_from, sort_to, sort_cc, \
                           display_from, display_to, message_id, refs";
/// The columns of `email_texts` after its `email_id`.
const TEXT_COLUMNS: &str = "h_from, h_sender, h_reply_to, h_to, h_cc, h_bcc, h_subject, \
                            h_message_id, a_from, a_to, a_cc, a_bcc";

/// `INSERT OR REPLACE` of `email_id` then `columns` (a comma-separated list) into `table`;
/// with `if_exists`, only while the email exists.
fn upsert<'c>(
    conn: &'c Connection,
    table: &str,
    columns: &str,
    if_exists: bool,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let count = columns.split(',').count() + 1;
    let values: Vec<String> = (1..=count).map(|i| format!("?{i}")).collect();
    let values = values.join(", ");
    if if_exists {
        conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO {table} (email_id, {columns}) SELECT {values} \
             WHERE EXISTS (SELECT 1 FROM emails WHERE id = ?1)"
        ))
    } else {
        conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO {table} (email_id, {columns}) VALUES ({values})"
        ))
    }
}

/// Gives `to` (a new email with the content of `from`, IMAP COPY) the keys and texts of
/// `from`.
pub(super) fn duplicate(ctx: &WriteCtx<'_>, from: MessageId, to: MessageId) -> DbResult<()> {
    for (table, columns) in [("email_keys", KEY_COLUMNS), ("email_texts", TEXT_COLUMNS)] {
        ctx.conn()
            .prepare_cached(&format!(
                "INSERT INTO {table} (email_id, {columns}) SELECT ?2, {columns} \
                 FROM {table} WHERE email_id = ?1"
            ))?
            .execute(params![from, to])?;
    }
    Ok(())
}
