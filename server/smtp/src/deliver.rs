//! The end of a transaction: trace headers (RFC 5321 §4.4), submission fix-ups (RFC 6409 §8),
//! the store calls, and the reply that tells the client whether its message is safe.
//!
//! Durability: `250` is sent only once `Store::deliver` / `Store::enqueue` returned, that is
//! after the blob and the transaction are fsynced.

use crate::receiving::{Body, Received};
use crate::replies;
use crate::session::{Session, Transaction};
use chrono::Utc;
use kantor_smtp_proto::{DsnRet, Reply};
use kantor_store::{
    BlobRef, Flags, IncomingMessage, MailboxRole, OutgoingMessage, QuotaRule, StoreError,
};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

/// Where the parts of a message being received lie in its buffer.
pub(crate) struct Layout {
    /// Length of the leading `Return-Path:` field (0 if none): copies queued for remote
    /// delivery leave it out (§4.4: only the final delivery adds it).
    pub return_path_len: usize,
    /// Where the client's message starts, after our trace headers.
    pub body_start: usize,
}

impl Session {
    /// A buffer for the message, holding the trace headers: `Return-Path` when there are local
    /// recipients, then `Received` (§4.4). Room is reserved for the declared SIZE.
    pub(crate) fn start_message(&self, tx: &Transaction, id: &str) -> (Vec<u8>, Layout) {
        let declared = tx
            .params
            .size
            .unwrap_or(0)
            .min(self.max_size())
            .min(1 << 26);
        let mut message = Vec::with_capacity(1024 + (16 * 1024).max(declared as usize));
        let mut head = String::with_capacity(512);
        if !tx.local.is_empty() {
            let _ = write!(head, "Return-Path: {}\r\n", tx.from);
        }
        let return_path_len = head.len();
        self.received(tx, id, &mut head);
        message.extend_from_slice(head.as_bytes());
        let body_start = message.len();
        (
            message,
            Layout {
                return_path_len,
                body_start,
            },
        )
    }

    /// `Received: from <helo> ([ip]) by <host> (Kantor) with <proto> id <id> [for <rcpt>]; date`
    /// (RFC 5321 §4.4, protocol names from RFC 3848 and RFC 6531 §3.7.3). `for` only with a
    /// single recipient, so the header does not reveal Bcc recipients.
    fn received(&self, tx: &Transaction, id: &str, out: &mut String) {
        let helo = self.helo.as_ref().map_or("unknown", |h| h.name.as_str());
        let ip = match self.conn.peer.ip().to_canonical() {
            IpAddr::V4(ip) => format!("[{ip}]"),
            IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
        };
        let extended = self.helo.as_ref().is_none_or(|h| h.extended);
        let mut proto = String::from(match (tx.params.smtputf8, extended) {
            (true, _) => "UTF8SMTP",
            (false, true) => "ESMTP",
            (false, false) => "SMTP",
        });
        if extended {
            if self.conn.is_tls() {
                proto.push('S');
            }
            if self.account.is_some() {
                proto.push('A');
            }
        }
        let _ = write!(
            out,
            "Received: from {helo} ({ip})\r\n\tby {} (Kantor) with {proto}",
            self.ctx.hostname
        );
        if let Some(tls) = self.conn.tls_description() {
            let _ = write!(out, " ({tls})");
        }
        let _ = write!(out, "\r\n\tid {id}");
        if let (1, Some(rcpt)) = (tx.accepted, tx.rcpts.first()) {
            let _ = write!(out, "\r\n\tfor <{rcpt}>");
        }
        let _ = write!(out, ";\r\n\t{}\r\n", Utc::now().to_rfc2822());
    }

    /// Stores the message for its recipients and says how it went. Local recipients get one
    /// copy each of one shared blob; remote ones (submission) are queued. Local delivery goes
    /// first, as it is the one that can be refused (quota): should queueing then fail, the
    /// client retries and local recipients may see the message twice, but nothing is lost.
    pub(crate) async fn deliver(
        &self,
        tx: Transaction,
        message: Received,
        layout: Layout,
        id: &str,
    ) -> Reply {
        // Accounts that keep a copy of what the user sent for them (`authors`).
        let mut sent_copies = Vec::new();
        let blob = match message.finish().await {
            Ok(Body::Memory(message)) => match self.submitted(message, &layout) {
                Ok((message, copies)) => {
                    sent_copies = copies;
                    blob_of(message.into()).await
                }
                Err(reply) => Err(reply),
            },
            // Spooled: a session without login, whose message is stored as received.
            Ok(Body::Spooled(blob)) => Ok(blob),
            Err(reply) => Err(reply),
        };
        let blob = match blob {
            Ok(blob) => blob,
            Err(reply) => return reply,
        };
        // Port 25: SPF, DKIM, ARC and DMARC, then policy (`inbound`).
        let (blob, mailbox) = match self.checks_inbound() {
            true => match self.authenticate(&tx, blob, &layout, id).await {
                Ok(checked) => checked,
                Err(reply) => return reply,
            },
            false => (blob, MailboxRole::Inbox),
        };
        let Transaction {
            from,
            params,
            local,
            local_rcpts,
            remote,
            rcpts,
            ..
        } = tx;
        let rcpts = rcpts.join(",");
        let (local_count, remote_count) = (local.len(), remote.len());
        let size = blob.size();
        let store = self.ctx.directory.store();
        let mut full = Vec::new();
        let mut rejected = Vec::new();
        // Kept for a DSN to the sender should a local recipient lack room.
        let (original, sender) = (blob.data.clone(), from.mailbox().map(|m| m.to_string()));
        let (envid, ret) = (
            params.envid.clone(),
            params.ret.map(|r| ret_text(r).to_owned()),
        );
        if !local.is_empty() {
            let incoming = IncomingMessage {
                blob: blob.clone(),
                recipients: local.clone(),
                flags: Flags::default(),
                internal_date: Utc::now().timestamp(),
                // A full mailbox loses only its own copy: the others get theirs.
                quota: QuotaRule::SkipFull,
                mailbox,
            };
            let delivery = kantor_sieve::Delivery {
                message: incoming,
                mail_from: sender.clone().unwrap_or_default(),
                rcpt_to: local_rcpts,
            };
            match self.ctx.rules.deliver(&self.ctx.directory, delivery).await {
                Ok(outcome) => {
                    kantor_metrics::metrics()
                        .messages_delivered
                        .inc_by(outcome.filed as u64);
                    full = local
                        .iter()
                        .filter(|a| !outcome.handled.contains(a))
                        .map(|&a| self.address_of(a))
                        .collect();
                    rejected = outcome
                        .rejected
                        .into_iter()
                        .map(|(a, why)| (self.address_of(a), why))
                        .collect();
                }
                Err(e) => {
                    tracing::warn!(id, %from, rcpts, size, error = %e, "message refused");
                    kantor_metrics::metrics().messages_refused.inc();
                    return store_error_reply(e, id);
                }
            }
        }
        // RFC 5429 §2.1: refused in the protocol when every recipient's script rejected it.
        if !rejected.is_empty() && rejected.len() == local_count && remote.is_empty() {
            let reasons: Vec<&str> = rejected.iter().map(|(_, why)| why.as_str()).collect();
            tracing::info!(id, %from, rcpts, "message rejected by the recipients' rules");
            return replies::rejected_by_rules(&reasons.join("; "));
        }
        if !remote.is_empty() {
            let queued = match layout.return_path_len {
                0 => blob,
                n => match blob_of(blob.data[n..].into()).await {
                    Ok(blob) => blob,
                    Err(reply) => return reply,
                },
            };
            let outgoing = OutgoingMessage {
                blob: queued,
                account_id: self.account.as_ref().map(|a| a.id),
                mail_from: from.mailbox().map(|m| m.to_string()).unwrap_or_default(),
                recipients: remote,
                envid: envid.clone(),
                ret: ret.clone(),
            };
            if let Err(e) = store.enqueue(outgoing).await {
                return store_error_reply(e, id);
            }
        }
        for rcpt in &full {
            tracing::warn!(id, %from, %rcpt, size, "recipient refused after DATA: quota exceeded");
        }
        let submitted = original.get(layout.body_start..).unwrap_or_default();
        self.copy_to_sent(&sent_copies, submitted, id).await;
        if let Some(sender) = sender.as_deref().filter(|_| !rejected.is_empty()) {
            self.ctx
                .rules
                .notify_rejected(&self.ctx.directory, sender, &rejected, &original)
                .await;
        }
        if let Some(sender) = sender.filter(|_| !full.is_empty()) {
            // RFC 5321 §3.3: the message was accepted for all; those left out get a DSN.
            self.bounce_full(&sender, &full, &original, envid, ret)
                .await;
        }
        tracing::info!(
            id,
            %from,
            local = local_count - full.len(),
            remote = remote_count,
            size,
            rcpts,
            "message accepted"
        );
        kantor_metrics::metrics().messages_received.inc();
        match full.is_empty() {
            true => Reply::queued(id),
            false => Reply::queued_except_full(id, &full),
        }
    }

    /// Tells `sender` that the local recipients in `full` could not take the message (their
    /// mailbox is over quota) with a delivery status notification (RFC 3464).
    async fn bounce_full(
        &self,
        sender: &str,
        full: &[String],
        original: &[u8],
        envid: Option<String>,
        ret: Option<String>,
    ) {
        let entries: Vec<kantor_store::QueueEntry> = full
            .iter()
            .map(|rcpt| kantor_store::QueueEntry {
                id: 0,
                account_id: self.account.as_ref().map(|a| a.id),
                mail_from: sender.to_string(),
                rcpt_to: rcpt.clone(),
                blob: kantor_store::BlobHash::of(original),
                envid: envid.clone(),
                ret: ret.clone(),
                notify: None,
                orcpt: None,
                created_at: Utc::now().timestamp(),
                attempts: 1,
                next_attempt_at: 0,
                status: kantor_store::QueueStatus::Bounced,
                last_error: None,
                remote_reply: None,
                warned: false,
            })
            .collect();
        let why = "5.2.2 the recipient's mailbox is full".to_string();
        let reasons: Vec<(&kantor_store::QueueEntry, String)> =
            entries.iter().map(|e| (e, why.clone())).collect();
        kantor_outbound::notify_sender(
            &self.ctx.directory,
            self.ctx.rules.as_ref(),
            &self.ctx.hostname,
            &reasons,
            kantor_outbound::DsnAction::Failed,
            original,
        )
        .await;
    }

    /// A submission's message after its checks and fix-ups (RFC 6409 §8): the author fields
    /// must be the user's to use (`authors`), and a missing Date or Message-ID is added.
    /// Unchanged without login. With it, the accounts that want a copy in their Sent.
    fn submitted(
        &self,
        mut message: Vec<u8>,
        layout: &Layout,
    ) -> Result<(Vec<u8>, Vec<kantor_store::AccountId>), Reply> {
        let mut copies = Vec::new();
        if let Some(account) = &self.account {
            copies = self.check_authors(account, &message[layout.body_start..])?;
            let missing = self.missing_fields(&message[layout.body_start..]);
            if !missing.is_empty() {
                let at = layout.body_start;
                message.splice(at..at, missing.into_bytes());
            }
        }
        Ok((message, copies))
    }

    /// An account's address for a reply or a log line.
    fn address_of(&self, account: kantor_store::AccountId) -> String {
        match self.ctx.directory.store().account(account) {
            Ok(Some(account)) => account.address(),
            _ => format!("account {account}"),
        }
    }

    /// `Date:` and `Message-ID:` fields to add, when the client left them out (RFC 6409 §8.2,
    /// §8.3).
    fn missing_fields(&self, body: &[u8]) -> String {
        let mut fields = String::new();
        if !has_field(body, b"date") {
            let _ = write!(fields, "Date: {}\r\n", Utc::now().to_rfc2822());
        }
        if !has_field(body, b"message-id") {
            let _ = write!(
                fields,
                "Message-ID: <{}@{}>\r\n",
                crate::ids::new_id(),
                self.ctx.hostname
            );
        }
        fields
    }
}

/// Messages from this size on are hashed on a blocking thread rather than an async worker.
const HASH_OFF_THREAD: usize = 1 << 20;

/// The blob for `data`, hashed (BLAKE3) off the async threads when it is large.
pub(crate) async fn blob_of(data: Arc<[u8]>) -> Result<BlobRef, Reply> {
    if data.len() < HASH_OFF_THREAD {
        return Ok(BlobRef::new(data));
    }
    tokio::task::spawn_blocking(move || BlobRef::new(data))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "hashing task failed");
            Reply::local_error()
        })
}

/// The reply for a failed store call (RFC 3463 X.2.2 for quota, §4.2.3 451 otherwise).
fn store_error_reply(error: StoreError, id: &str) -> Reply {
    match error {
        StoreError::QuotaExceeded {
            permanent: true, ..
        } => replies::mailbox_full_permanent(),
        StoreError::QuotaExceeded { .. } => replies::mailbox_full_transient(),
        e => {
            tracing::error!(id, error = %e, "cannot store message");
            Reply::local_error()
        }
    }
}

/// The RFC 3461 §4.3 form of a RET value, as the queue stores it.
fn ret_text(ret: DsnRet) -> &'static str {
    match ret {
        DsnRet::Full => "FULL",
        DsnRet::Hdrs => "HDRS",
    }
}

/// Whether the header section of `message` has a field named `name` (lowercase ASCII).
fn has_field(message: &[u8], name: &[u8]) -> bool {
    let mut rest = message;
    loop {
        if rest.is_empty() || rest.starts_with(b"\r\n") {
            return false;
        }
        if let Some(colon) = rest.iter().position(|&b| b == b':' || b == b'\n')
            && rest[colon] == b':'
            && rest[..colon].trim_ascii_end().eq_ignore_ascii_case(name)
        {
            return true;
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_field;

    #[test]
    fn has_field_table() {
        let cases: &[(&[u8], &[u8], bool)] = &[
            (b"Date: x\r\nSubject: y\r\n\r\nbody", b"date", true),
            (b"DATE : x\r\n\r\n", b"date", true),
            (b"Subject: y\r\n\r\nDate: in body\r\n", b"date", false),
            (b"Subject: a\r\n folded Date: no\r\n\r\n", b"date", false),
            (b"Message-Id: <a@b>\r\n\r\n", b"message-id", true),
            (b"", b"date", false),
            (b"X-Date: 1\r\n", b"date", false),
        ];
        for (message, name, want) in cases {
            assert_eq!(
                has_field(message, name),
                *want,
                "{:?}",
                String::from_utf8_lossy(message)
            );
        }
    }
}
