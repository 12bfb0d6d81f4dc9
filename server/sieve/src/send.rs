//! Messages a script sends: redirects (RFC 5228 §4.2) and vacation replies (RFC 5230 §5),
//! to a local recipient straight into the INBOX (not through that recipient's own script, so
//! two users redirecting to each other cannot loop), otherwise through the outbound queue.
//! Redirects leave the server only when `[sieve] allow_external_redirect`, or the user's
//! domain's `[sieve.domains."DOMAIN"]`, allows it. And the
//! notice to a sender whose message a script rejected (RFC 5429 §2.1).

use crate::Rules;
use crate::run::Outgoing;
use kantor_directory::{Address, Directory, Recipient};
use kantor_outbound::DsnAction;
use kantor_store::{
    AccountId, BlobRef, Flags, IncomingMessage, MailboxRole, OutgoingMessage, QueueEntry,
    QueueRecipient, QueueStatus, QuotaRule,
};

impl Rules {
    /// Sends one message of a script for `account` (whose address is `user`).
    pub(crate) async fn send(
        &self,
        directory: &Directory,
        account: AccountId,
        user: &str,
        send: &Outgoing,
        blob: BlobRef,
    ) -> Result<(), String> {
        let address = Address::parse(&send.to).map_err(|e| format!("{e}"))?;
        let store = directory.store();
        let blob = match send.reply {
            true => blob,
            false => BlobRef::new(without_return_path(&blob.data).to_vec()),
        };
        match directory.resolve(&address).map_err(|e| e.to_string())? {
            Recipient::Local(accounts) => store
                .deliver(IncomingMessage {
                    blob,
                    recipients: accounts,
                    flags: Flags::default(),
                    internal_date: chrono::Utc::now().timestamp(),
                    quota: QuotaRule::SkipFull,
                    mailbox: MailboxRole::Inbox,
                })
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Recipient::UnknownLocal => Err("no such local recipient".into()),
            Recipient::Remote if !send.reply && !self.redirects_out(user) => {
                Err("redirecting outside this server is not allowed".into())
            }
            Recipient::Remote => store
                .enqueue(OutgoingMessage {
                    blob,
                    account_id: Some(account),
                    // RFC 5230 §5 / RFC 3834 §3.3: replies go with the null reverse-path; a
                    // redirect's bounces come back to the user (RFC 5228 §4.2 lets us choose),
                    // unless it redirects a bounce, which keeps the null reverse-path (§4.2).
                    mail_from: match send.reply || send.null_sender {
                        true => String::new(),
                        false => user.to_string(),
                    },
                    recipients: vec![QueueRecipient {
                        address: send.to.clone(),
                        notify: None,
                        orcpt: None,
                    }],
                    envid: None,
                    ret: None,
                })
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }

    /// Whether the scripts of `user` (an address) may redirect outside this server: their
    /// domain's policy, else the server's.
    fn redirects_out(&self, user: &str) -> bool {
        let domain = user.rsplit_once('@').map_or("", |(_, domain)| domain);
        self.config.allows_external_redirect(domain)
    }

    /// Tells `sender` with a delivery status notification (RFC 3464) that the scripts of these
    /// recipients (address and reason) rejected the message (RFC 5429 §2.1 allows a DSN). A
    /// message with the null reverse-path is never answered.
    pub async fn notify_rejected(
        &self,
        directory: &Directory,
        sender: &str,
        rejected: &[(String, String)],
        original: &[u8],
    ) {
        if sender.is_empty() || rejected.is_empty() {
            return;
        }
        let entries: Vec<(QueueEntry, String)> = rejected
            .iter()
            .map(|(rcpt, reason)| {
                let entry = QueueEntry {
                    id: 0,
                    account_id: None,
                    mail_from: sender.to_string(),
                    rcpt_to: rcpt.clone(),
                    blob: kantor_store::BlobHash::of(original),
                    envid: None,
                    ret: None,
                    notify: None,
                    orcpt: None,
                    created_at: chrono::Utc::now().timestamp(),
                    attempts: 1,
                    next_attempt_at: 0,
                    status: QueueStatus::Bounced,
                    last_error: None,
                    remote_reply: None,
                    warned: false,
                };
                (
                    entry,
                    format!("5.7.1 rejected by the recipient's rules: {reason}"),
                )
            })
            .collect();
        let reasons: Vec<(&QueueEntry, String)> =
            entries.iter().map(|(e, why)| (e, why.clone())).collect();
        kantor_outbound::notify_sender(
            directory,
            self,
            &self.hostname,
            &reasons,
            DsnAction::Failed,
            original,
        )
        .await;
    }
}

/// The message without the `Return-Path:` field local delivery put first (RFC 5321 §4.4:
/// only the final delivery adds it; a redirected copy gets a new one where it lands).
fn without_return_path(message: &[u8]) -> &[u8] {
    if message.len() >= 12 && message[..12].eq_ignore_ascii_case(b"return-path:") {
        let mut at = 0;
        while let Some(nl) = message[at..].iter().position(|&b| b == b'\n') {
            at += nl + 1;
            if !matches!(message.get(at), Some(b' ' | b'\t')) {
                return &message[at..];
            }
        }
    }
    message
}

#[cfg(test)]
mod tests {
    #[test]
    fn return_path_is_left_out() {
        let cases: &[(&[u8], &[u8])] = &[
            (
                b"Return-Path: <a@b>\r\nSubject: x\r\n\r\nb",
                b"Subject: x\r\n\r\nb",
            ),
            (b"Return-Path: <a@b>\r\n folded\r\nX: y\r\n", b"X: y\r\n"),
            (b"Subject: x\r\n\r\n", b"Subject: x\r\n\r\n"),
        ];
        for (input, want) in cases {
            assert_eq!(super::without_return_path(input), *want);
        }
    }
}
