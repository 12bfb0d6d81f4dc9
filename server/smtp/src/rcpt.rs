//! RCPT TO (RFC 5321 §4.1.1.3): recipient resolution, relay control and quota.
//!
//! On the MX listener only our own domains are accepted: whatever the sender claims, a remote
//! recipient is refused (no open relay). On submission listeners the user is authenticated
//! (the command table saw to it), so remote recipients are queued for outbound delivery.

use crate::replies;
use crate::session::Session;
use kantor_directory::address::normalize_domain;
use kantor_directory::{Address, Recipient};
use kantor_smtp_proto::{DsnNotify, Mailbox, RcptParams, Reply};
use kantor_store::{AccountId, QueueRecipient};

impl Session {
    /// Checks one recipient and adds it to the transaction.
    pub(crate) fn rcpt(&mut self, to: Mailbox, params: RcptParams) -> Reply {
        let Some(tx) = &self.tx else {
            return replies::mail_first();
        };
        // Reverse DNS or a DNS blocklist refused the client (`inbound::client`).
        if let Some(refusal) = &self.screening.refusal {
            return refusal.clone();
        }
        // RFC 6531 §3.4: non-ASCII addresses only with SMTPUTF8 on MAIL.
        if !tx.params.smtputf8 && !to.is_ascii() {
            return Reply::smtputf8_required();
        }
        // §4.5.3.1.10: past the limit, 452 tells the client to send the rest later.
        if tx.accepted >= self.ctx.config.max_recipients {
            return Reply::too_many_recipients();
        }
        let declared_size = tx.params.size;
        let address = match self.recipient_address(&to) {
            Some(address) => address,
            None if self.mode.is_submission() => return self.add_remote(&to, params),
            None => return replies::relay_denied(),
        };
        let resolved = match self.ctx.directory.resolve(&address) {
            Ok(resolved) => resolved,
            Err(e) => {
                tracing::error!(error = %e, "recipient resolution failed");
                return Reply::local_error();
            }
        };
        match resolved {
            Recipient::Local(accounts) => match self.with_room(accounts, declared_size) {
                Ok(accounts) => self.add_local(&to, accounts),
                Err(reply) => {
                    tracing::warn!(rcpt = %to, %reply, "recipient refused: quota");
                    reply
                }
            },
            Recipient::UnknownLocal => {
                tracing::info!(rcpt = %to, "recipient refused: unknown user");
                Reply::no_such_user()
            }
            Recipient::Remote if self.mode.is_submission() => self.add_remote(&to, params),
            Recipient::Remote => {
                tracing::warn!(rcpt = %to, "recipient refused: relaying denied");
                replies::relay_denied()
            }
        }
    }

    /// The address to resolve; `None` when the domain cannot be one of ours (an address
    /// literal). `<Postmaster>` without a domain (§4.5.1) is our first domain's postmaster.
    fn recipient_address(&self, to: &Mailbox) -> Option<Address> {
        let domain = if to.domain.is_empty() {
            let domains = self.ctx.directory.list_domains().unwrap_or_default();
            domains
                .into_iter()
                .next()
                .map_or_else(|| self.ctx.hostname.clone(), |d| d.name)
        } else {
            normalize_domain(&to.domain).ok()?
        };
        Some(Address {
            local: to.local.clone(),
            domain,
        })
    }

    /// Drops accounts whose quota is already used up (or cannot take the size declared with
    /// MAIL FROM, RFC 1870 §6.2). Errs when none is left: `552 5.2.2` if the message can never
    /// fit, else `452 4.2.2` (RFC 3463). A group keeps its members that have room.
    fn with_room(
        &self,
        accounts: Vec<AccountId>,
        declared_size: Option<u64>,
    ) -> Result<Vec<AccountId>, Reply> {
        let store = self.ctx.directory.store();
        let size = declared_size.unwrap_or(0);
        let mut permanent = false;
        let mut room = Vec::with_capacity(accounts.len());
        for id in accounts {
            let account = match store.account(id) {
                Ok(Some(account)) => account,
                Ok(None) => continue,
                Err(e) => {
                    tracing::error!(error = %e, account = id, "account lookup failed");
                    return Err(Reply::local_error());
                }
            };
            let quota = account.quota_bytes;
            if quota == 0 {
                room.push(id);
            } else if size > quota {
                permanent = true;
            } else if account.used_bytes < quota && account.used_bytes.saturating_add(size) <= quota
            {
                room.push(id);
            }
        }
        match (room.is_empty(), permanent) {
            (false, _) => Ok(room),
            (true, true) => Err(replies::mailbox_full_permanent()),
            (true, false) => Err(replies::mailbox_full_transient()),
        }
    }

    fn add_local(&mut self, to: &Mailbox, accounts: Vec<AccountId>) -> Reply {
        let Some(tx) = self.tx.as_mut() else {
            return replies::mail_first();
        };
        for id in accounts {
            if !tx.local.contains(&id) {
                tx.local.push(id);
                tx.local_rcpts.push((id, to.to_string()));
            }
        }
        self.accepted(to)
    }

    /// A remote recipient of a submitted message, queued with its DSN parameters (RFC 3461 §4).
    fn add_remote(&mut self, to: &Mailbox, params: RcptParams) -> Reply {
        let Some(tx) = self.tx.as_mut() else {
            return replies::mail_first();
        };
        let address = to.to_string();
        if !tx
            .remote
            .iter()
            .any(|r| r.address.eq_ignore_ascii_case(&address))
        {
            tx.remote.push(QueueRecipient {
                address,
                notify: params.notify.map(notify_text),
                orcpt: params.orcpt,
            });
        }
        self.accepted(to)
    }

    fn accepted(&mut self, to: &Mailbox) -> Reply {
        if let Some(tx) = self.tx.as_mut() {
            tx.accepted += 1;
            tx.rcpts.push(to.to_string());
        }
        tracing::debug!(rcpt = %to, "RCPT TO accepted");
        Reply::recipient_ok()
    }
}

/// The RFC 3461 §4.1 form of a NOTIFY value, as the queue stores it.
fn notify_text(n: DsnNotify) -> String {
    if n.never {
        return "NEVER".into();
    }
    let flags = [
        (n.success, "SUCCESS"),
        (n.failure, "FAILURE"),
        (n.delay, "DELAY"),
    ];
    let names: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
    names.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_forms() {
        let n = |never, success, failure, delay| DsnNotify {
            never,
            success,
            failure,
            delay,
        };
        assert_eq!(notify_text(n(true, false, false, false)), "NEVER");
        assert_eq!(notify_text(n(false, true, true, false)), "SUCCESS,FAILURE");
        assert_eq!(notify_text(n(false, false, false, true)), "DELAY");
    }
}
