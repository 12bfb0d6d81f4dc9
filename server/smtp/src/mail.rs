//! MAIL FROM (RFC 5321 §4.1.1.2): opens a transaction with the envelope sender.

use crate::replies;
use crate::session::{Session, Transaction};
use kantor_directory::Address;
use kantor_directory::address::normalize_domain;
use kantor_smtp_proto::{MailParams, Mailbox, Reply, ReversePath};
use kantor_store::{Account, AccountState};

impl Session {
    /// Checks the sender and its parameters and opens the transaction. The command table has
    /// already required HELO/EHLO, no open transaction and, for submission, a logged-in user;
    /// a user disabled or removed since AUTH is refused here (and logged out).
    pub(crate) fn mail(&mut self, from: ReversePath, params: MailParams) -> Reply {
        // RFC 1870 §6.1: a declared size over the limit is refused at once.
        if params.size.is_some_and(|size| size > self.max_size()) {
            return Reply::message_too_big();
        }
        // RFC 6531 §3.4: a non-ASCII address needs the SMTPUTF8 parameter.
        if !params.smtputf8 && from.mailbox().is_some_and(|m| !m.is_ascii()) {
            return Reply::smtputf8_required();
        }
        if let Some(account) = &self.account
            && self.account_revoked(account.id)
        {
            tracing::info!(user = %account.address(), "submission: account disabled or removed since AUTH");
            self.account = None;
            return replies::account_disabled();
        }
        if let Some(account) = &self.account {
            // RFC 6409 §8.1: the MSA may insist that the envelope sender is the user's own.
            let owned = match &from {
                ReversePath::Null => return replies::null_sender_not_allowed(),
                ReversePath::Mailbox(mailbox) => self.owns(account, mailbox),
            };
            match owned {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(user = %account.address(), sender = %from, "sender not owned");
                    let address = from.mailbox().map(|m| m.to_string()).unwrap_or_default();
                    return replies::sender_not_owned(&address);
                }
                Err(reply) => return reply,
            }
        }
        tracing::debug!(%from, "MAIL FROM accepted");
        self.tx = Some(Transaction::new(from, params));
        Reply::sender_ok()
    }

    /// Whether the logged-in account has been disabled or removed since AUTH (one indexed
    /// read per message; a store fault is logged and lets the message go on).
    fn account_revoked(&self, id: kantor_store::AccountId) -> bool {
        match self.ctx.directory.store().account_state(id) {
            Ok(state) => state != AccountState::Active,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the account");
                false
            }
        }
    }

    /// Whether `account` may use `mailbox` as envelope sender: an address it may send as or
    /// on behalf of (`kantor_directory::sending`). `Err` carries the reply for a directory
    /// failure; a domain that is not a valid domain name (an address literal, say) is never
    /// the user's.
    fn owns(&self, account: &Account, mailbox: &Mailbox) -> Result<bool, Reply> {
        let Ok(domain) = normalize_domain(&mailbox.domain) else {
            return Ok(false);
        };
        let address = Address {
            local: mailbox.local.clone(),
            domain,
        };
        self.ctx
            .directory
            .may_use_as_envelope(account, &address)
            .map_err(|e| {
                tracing::error!(error = %e, "directory lookup failed");
                Reply::local_error()
            })
    }
}
