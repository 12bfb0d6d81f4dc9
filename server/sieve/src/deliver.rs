//! Local delivery through the rules: the recipients without an active script in one store
//! call (one transaction, one shared blob), then each recipient with one: its script run, its
//! plan carried out. Filing a recipient's copies is one append (one transaction: all or, over
//! quota, none). Whatever fails after the run falls back to INBOX, so mail is never lost to a
//! script (RFC 5228 §2.10.6: an error cancels the actions and the implicit keep remains).

use crate::Rules;
use crate::run::{Filing, Lookup, Plan, RunEnvelope};
use kantor_directory::Directory;
use kantor_store::{
    AccountId, Actor, BlobRef, Flags, IncomingMessage, Mail, MailboxRole, NewMessage, StoreError,
};

/// A message to deliver locally, with its envelope.
pub struct Delivery {
    pub message: IncomingMessage,
    /// MAIL FROM; empty for the null reverse-path (a bounce).
    pub mail_from: String,
    /// The address each recipient was reached by (RCPT TO), where known; otherwise its own.
    pub rcpt_to: Vec<(AccountId, String)>,
}

/// How a delivery went, per recipient.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Recipients whose copies were filed (for the delivery metric).
    pub filed: usize,
    /// Recipients whose copy was taken care of: filed, discarded, redirected or rejected.
    /// A recipient missing here had no room (quota).
    pub handled: Vec<AccountId>,
    /// Recipients whose script rejected the message (RFC 5429), with the reason.
    pub rejected: Vec<(AccountId, String)>,
}

/// What a run reads: the recipient's mailboxes and vacation answers.
struct StoreLookup<'a> {
    mail: &'a Mail,
    account: AccountId,
    now: i64,
}

impl Lookup for StoreLookup<'_> {
    fn mailbox_exists(&self, name: &str) -> bool {
        find_mailbox(self.mail, self.account, name).is_some()
    }

    fn answered(&self, key: &str) -> bool {
        self.mail
            .sieve_replied(self.account, key, self.now)
            .unwrap_or(false)
    }
}

/// The recipient's mailbox of this name (INBOX in any case, RFC 9051 §5.1).
fn find_mailbox(mail: &Mail, account: AccountId, name: &str) -> Option<kantor_store::MailboxId> {
    let found = match name.eq_ignore_ascii_case("INBOX") {
        true => mail.mailbox_by_role(account, MailboxRole::Inbox),
        false => mail.mailbox_by_name(account, name),
    };
    found.ok().flatten().map(|m| m.id)
}

/// A Sieve flag as the store keeps it: a system flag, or a keyword.
fn add_flag(flag: &str, flags: &mut Flags, keywords: &mut Vec<String>) {
    let system = match flag.to_ascii_lowercase().as_str() {
        "\\seen" => Flags::SEEN,
        "\\answered" => Flags::ANSWERED,
        "\\flagged" => Flags::FLAGGED,
        "\\deleted" => Flags::DELETED,
        "\\draft" => Flags::DRAFT,
        _ if flag.starts_with('\\') || flag.is_empty() => return,
        _ => {
            keywords.push(flag.to_string());
            return;
        }
    };
    *flags = flags.with(system);
}

impl Rules {
    /// Delivers `delivery` to its local recipients, running each one's active script. An
    /// error comes back only when nobody's copy was taken care of (over quota: the quota
    /// error) or when the store failed for the recipients without a script.
    pub async fn deliver(
        &self,
        directory: &Directory,
        delivery: Delivery,
    ) -> Result<Outcome, StoreError> {
        let store = directory.store();
        let mail = store.mail(Actor::System);
        let message = &delivery.message;
        let mut plain = Vec::new();
        let mut scripted = Vec::new();
        for &account in &message.recipients {
            let script = mail.active_sieve_script(account).unwrap_or_else(|e| {
                tracing::warn!(account, error = %e, "sieve: cannot read the active script");
                None
            });
            let vacation = self.vacation_of(&mail, account);
            match (script, vacation) {
                (None, None) => plain.push(account),
                (script, vacation) => scripted.push((account, script, vacation)),
            }
        }
        let mut outcome = Outcome::default();
        let mut quota_error = None;
        if !plain.is_empty() {
            let incoming = IncomingMessage {
                recipients: plain,
                ..message.clone()
            };
            match store.deliver(incoming).await {
                Ok(delivered) => {
                    outcome.filed += delivered.len();
                    outcome
                        .handled
                        .extend(delivered.iter().map(|d| d.account_id));
                }
                Err(e @ StoreError::QuotaExceeded { .. }) => quota_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        for (account, script, vacation) in scripted {
            let to = delivery
                .rcpt_to
                .iter()
                .find(|(a, _)| *a == account)
                .map(|(_, to)| to.clone());
            let user = match store.account(account) {
                Ok(Some(a)) => a.address(),
                _ => continue,
            };
            let envelope = RunEnvelope {
                from: &delivery.mail_from,
                to: to.as_deref().unwrap_or(&user),
                user: &user,
            };
            let lookup = StoreLookup {
                mail: &mail,
                account,
                now: chrono::Utc::now().timestamp(),
            };
            let mut plan = Plan::keep();
            if let Some(vacation) = vacation {
                // The JMAP VacationResponse answers first; only its reply is taken.
                match self.run(vacation, &message.blob.data, &envelope, &lookup) {
                    Ok(reply) => plan.merge_replies(reply),
                    Err(e) => {
                        tracing::warn!(account, error = %e, "sieve: vacation response failed")
                    }
                }
            }
            if let Some(script) = script {
                let run = self
                    .compiled(&script)
                    .and_then(|s| self.run(s, &message.blob.data, &envelope, &lookup));
                match run {
                    Ok(mut own) => {
                        own.merge_replies(std::mem::take(&mut plan));
                        plan = own;
                    }
                    Err(e) => tracing::warn!(
                        account, script = %script.name, error = %e,
                        "sieve: script failed at delivery, message kept in INBOX"
                    ),
                }
            }
            match self
                .carry_out(directory, &mail, account, &user, message, plan)
                .await
            {
                Ok(Some(reason)) => {
                    outcome.handled.push(account);
                    outcome.rejected.push((account, reason));
                }
                Ok(None) => {
                    outcome.handled.push(account);
                    outcome.filed += 1;
                }
                Err(e @ StoreError::QuotaExceeded { .. }) => quota_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        match (outcome.handled.is_empty(), quota_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(outcome),
        }
    }

    /// Carries out one recipient's plan: sends, then files, then remembers the answers. The
    /// rejection's reason when the script rejected the message.
    async fn carry_out(
        &self,
        directory: &Directory,
        mail: &Mail,
        account: AccountId,
        user: &str,
        message: &IncomingMessage,
        mut plan: Plan,
    ) -> Result<Option<String>, StoreError> {
        let mut kept_for_refusal = false;
        for send in &plan.sends {
            let Some(blob) = blob_of(message, &plan, send.message) else {
                continue;
            };
            if let Err(e) = self.send(directory, account, user, send, blob).await {
                tracing::warn!(account, to = %send.to, error = %e, "sieve: message not sent");
                // A redirect that cannot go out must not lose the message.
                kept_for_refusal |= !send.reply;
            }
        }
        if kept_for_refusal && plan.files.is_empty() {
            plan.files = Plan::keep().files;
        }
        if let Some(reason) = plan.reject.take() {
            self.remember(mail, account, &plan.answered).await;
            return Ok(Some(reason));
        }
        if !plan.files.is_empty() {
            let filed = self.file(mail, account, message, &plan).await;
            if let Err(e) = filed {
                if matches!(e, StoreError::QuotaExceeded { .. }) {
                    return Err(e);
                }
                tracing::warn!(account, error = %e, "sieve: filing failed, message kept in INBOX");
                self.file(mail, account, message, &Plan::keep()).await?;
            }
        }
        self.remember(mail, account, &plan.answered).await;
        Ok(None)
    }

    /// Files every copy of the plan in one append (one transaction), creating the mailboxes
    /// `:create` asks for; a missing mailbox otherwise is INBOX (RFC 5228 §4.1).
    async fn file(
        &self,
        mail: &Mail,
        account: AccountId,
        message: &IncomingMessage,
        plan: &Plan,
    ) -> Result<(), StoreError> {
        let mut new = Vec::with_capacity(plan.files.len());
        let mut seen: Vec<(kantor_store::MailboxId, usize)> = Vec::new();
        for Filing {
            folder,
            create,
            flags,
            message: n,
        } in &plan.files
        {
            let name = folder.as_deref().unwrap_or("INBOX");
            // The implicit (or explicit) keep files where delivery would have: the Junk
            // mailbox for mail quarantined by its sender's DMARC policy, else the INBOX.
            let mut mailbox = match folder {
                None => mail
                    .mailbox_by_role(account, message.mailbox)
                    .ok()
                    .flatten()
                    .map(|m| m.id)
                    .or_else(|| find_mailbox(mail, account, "INBOX")),
                Some(name) => find_mailbox(mail, account, name),
            };
            if mailbox.is_none() && *create {
                mailbox = mail
                    .create_mailbox_path(account, name, None)
                    .await?
                    .last()
                    .map(|m| m.id);
            }
            let mailbox = match mailbox {
                Some(id) => id,
                None => {
                    tracing::info!(account, mailbox = %name, "sieve: no such mailbox, filed in INBOX");
                    find_mailbox(mail, account, "INBOX")
                        .ok_or_else(|| StoreError::NotFound("INBOX".into()))?
                }
            };
            // One copy per mailbox and message (RFC 5228 §2.10.3).
            if seen.contains(&(mailbox, *n)) {
                continue;
            }
            seen.push((mailbox, *n));
            let (mut sys, mut keywords) = (message.flags, Vec::new());
            for flag in flags {
                add_flag(flag, &mut sys, &mut keywords);
            }
            let Some(blob) = blob_of(message, plan, *n) else {
                continue;
            };
            new.push(NewMessage {
                account_id: account,
                mailbox_id: mailbox,
                blob,
                flags: sys,
                keywords,
                internal_date: message.internal_date,
            });
        }
        mail.append(new).await.map(|_| ())
    }

    /// Remembers whom the vacation answered, so it does not answer again within the period.
    async fn remember(&self, mail: &Mail, account: AccountId, answered: &[(String, u64)]) {
        let now = chrono::Utc::now().timestamp();
        for (key, secs) in answered {
            let until = now.saturating_add(*secs as i64);
            if let Err(e) = mail.record_sieve_reply(account, key.clone(), until).await {
                tracing::warn!(account, error = %e, "sieve: cannot remember a vacation answer");
            }
        }
    }
}

/// Message `n` of a run: 0 the one delivered, others made by the script.
fn blob_of(message: &IncomingMessage, plan: &Plan, n: usize) -> Option<BlobRef> {
    match n {
        0 => Some(message.blob.clone()),
        n => plan.made.get(&n).map(|m| BlobRef::new(m.clone())),
    }
}

impl Plan {
    /// Takes `other`'s replies and what it must remember (the JMAP vacation's run, beside the
    /// user's own script).
    fn merge_replies(&mut self, other: Plan) {
        let offset = self.made.keys().max().copied().unwrap_or(0) + 1000;
        for send in other.sends.into_iter().filter(|s| s.reply) {
            if let Some(m) = other.made.get(&send.message) {
                self.made.insert(send.message + offset, m.clone());
                self.sends.push(crate::run::Outgoing {
                    message: send.message + offset,
                    ..send
                });
            }
        }
        self.answered.extend(other.answered);
    }
}

/// DSNs to local senders go through the rules too (kantor-outbound writes them).
impl kantor_outbound::LocalDelivery for Rules {
    fn deliver_local<'a>(
        &'a self,
        directory: &'a Directory,
        message: IncomingMessage,
        rcpt_to: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let rcpt_to = message
                .recipients
                .iter()
                .map(|&account| (account, rcpt_to.to_string()))
                .collect();
            let delivery = Delivery {
                message,
                mail_from: String::new(),
                rcpt_to,
            };
            self.deliver(directory, delivery).await.map(|_| ())
        })
    }
}
