//! Who may send what (RFC 6409 §8.1, RFC 5322 §3.6.2): the one rule behind SMTP submission
//! (MAIL FROM and the author fields) and JMAP (Identity, EmailSubmission).
//!
//! An address is the user's own (its account's address or an alias pointing at it), one the
//! user may send as (a "Send As" grant of the account or group it names, to the user or a group
//! the user is a member of; a group's permitted senders are such grants), or one the user may
//! send on behalf of (a "Send on Behalf" grant): From may then name it only with `Sender:` the
//! user's own address. Anything else is refused, naming the address.

use crate::{Address, Directory, DirectoryError};
use kantor_message::authors::Authors;
use kantor_store::{
    Account, AccountId, Actor, BlobRef, Flags, MailboxRole, NewMessage, Principal, SendLevel,
};
use std::fmt;

/// What a user may do with an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRight {
    /// The user's own address or one of its aliases.
    Own,
    /// Granted: "Send As" or "Send on Behalf" of `grantor` (an account or a group).
    Granted {
        level: SendLevel,
        grantor: Principal,
    },
}

/// Why the author fields of a message were refused: the text of a `550 5.7.1` and of a JMAP
/// `forbiddenFrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `field` names `address`, which the user may not send as.
    NotAllowed {
        field: &'static str,
        address: String,
    },
    /// `field` (From, Resent-From) names no address at all.
    NoAddress { field: &'static str },
    /// `field` (Sender, Resent-Sender) names more than one address (RFC 5322 §3.6.2).
    OneSender { field: &'static str },
    /// From names several addresses and there is no Sender (RFC 5322 §3.6.2 requires one).
    SenderRequired { field: &'static str },
    /// From names `address`, which the user may only send on behalf of, and the sender field
    /// is missing or not the user's own address.
    OnBehalf {
        field: &'static str,
        address: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotAllowed { field, address } => {
                write!(f, "{field} <{address}> is not an address you may send as")
            }
            Refusal::NoAddress { field } => write!(f, "{field} holds no address"),
            Refusal::OneSender { field } => write!(f, "{field} must be a single address"),
            Refusal::SenderRequired { field } => {
                write!(f, "a {field} with several addresses needs a Sender field")
            }
            Refusal::OnBehalf { field, address } => write!(
                f,
                "you may send only on behalf of <{address}>: {field} must be your own address"
            ),
        }
    }
}

/// Author fields that passed: whose addresses were used by grant, for the Sent copies.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The accounts that want a copy in their Sent mailbox of what others send for them
    /// (`send_copy_to_sent`), each once, never the user's own.
    pub copy_to_sent: Vec<AccountId>,
}

/// Two spellings of an address are one address when they differ only in case (local parts
/// compared case-insensitively, as the directory stores them).
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

impl Directory {
    /// What `account` may do with `address` (see the module), or `None`.
    pub fn send_right(
        &self,
        account: &Account,
        address: &Address,
    ) -> Result<Option<SendRight>, DirectoryError> {
        let own = account.address();
        if same(&address.to_string(), &own) {
            return Ok(Some(SendRight::Own));
        }
        if address.local.is_empty() || !self.is_local_domain(&address.domain)? {
            return Ok(None);
        }
        let store = self.store();
        let alias_targets = store.alias_targets(&address.local, &address.domain)?;
        if alias_targets.iter().any(|t| same(t, &own)) {
            return Ok(Some(SendRight::Own));
        }
        let groups: Vec<i64> = store
            .groups_with_member(&own)?
            .iter()
            .map(|g| g.id)
            .collect();
        let text = address.to_string();
        Ok(store
            .send_grants_to(account.id, &groups)?
            .into_iter()
            .filter(|g| same(&g.grantor_address, &text))
            .max_by_key(|g| g.level)
            .map(|g| SendRight::Granted {
                level: g.level,
                grantor: g.grantor,
            }))
    }

    /// Whether `account` may put `address` in From with nothing else said: its own, or "Send
    /// As" (JMAP identities).
    pub fn may_send_as(
        &self,
        account: &Account,
        address: &Address,
    ) -> Result<bool, DirectoryError> {
        Ok(matches!(
            self.send_right(account, address)?,
            Some(SendRight::Own)
                | Some(SendRight::Granted {
                    level: SendLevel::As,
                    ..
                })
        ))
    }

    /// Whether `account` may use `address` as envelope sender (MAIL FROM, RFC 6409 §8.1): any
    /// address it may send as or on behalf of (bounces then go to that mailbox).
    pub fn may_use_as_envelope(
        &self,
        account: &Account,
        address: &Address,
    ) -> Result<bool, DirectoryError> {
        Ok(self.send_right(account, address)?.is_some())
    }

    /// Checks a message's author fields for `account` (the module's rule), From with Sender and
    /// Resent-From with Resent-Sender alike. A message without From passes (the client may
    /// leave it to the server, RFC 6409 §8).
    pub fn check_authors(
        &self,
        account: &Account,
        authors: &Authors,
    ) -> Result<Result<Accepted, Refusal>, DirectoryError> {
        let mut grantors = Vec::new();
        let pairs = [
            ("From", &authors.from, "Sender", &authors.sender),
            (
                "Resent-From",
                &authors.resent_from,
                "Resent-Sender",
                &authors.resent_sender,
            ),
        ];
        for (from_field, from, sender_field, sender) in pairs {
            let checked = self.check_pair(
                account,
                (from_field, from.as_deref()),
                (sender_field, sender.as_deref()),
                &mut grantors,
            )?;
            if let Err(refusal) = checked {
                return Ok(Err(refusal));
            }
        }
        let mut copy_to_sent = Vec::new();
        for id in grantors {
            if id != account.id && !copy_to_sent.contains(&id) && self.store().copies_to_sent(id)? {
                copy_to_sent.push(id);
            }
        }
        Ok(Ok(Accepted { copy_to_sent }))
    }

    /// One From (or Resent-From) with its Sender; the accounts whose addresses were used by
    /// grant are added to `grantors`.
    fn check_pair(
        &self,
        account: &Account,
        (from_field, from): (&'static str, Option<&[String]>),
        (sender_field, sender): (&'static str, Option<&[String]>),
        grantors: &mut Vec<AccountId>,
    ) -> Result<Result<(), Refusal>, DirectoryError> {
        let right = |text: &str| -> Result<Option<SendRight>, DirectoryError> {
            match Address::parse(text) {
                Ok(address) => self.send_right(account, &address),
                Err(_) => Ok(None),
            }
        };
        let sender_is_own = match sender {
            None => false,
            Some([address]) => match right(address)? {
                Some(SendRight::Own) => true,
                Some(SendRight::Granted {
                    level: SendLevel::As,
                    ..
                }) => false,
                _ => {
                    return Ok(Err(Refusal::NotAllowed {
                        field: sender_field,
                        address: address.clone(),
                    }));
                }
            },
            Some(_) => {
                return Ok(Err(Refusal::OneSender {
                    field: sender_field,
                }));
            }
        };
        let Some(from) = from else {
            return Ok(Ok(()));
        };
        if from.is_empty() {
            return Ok(Err(Refusal::NoAddress { field: from_field }));
        }
        if from.len() > 1 && sender.is_none() {
            return Ok(Err(Refusal::SenderRequired { field: from_field }));
        }
        for address in from {
            match right(address)? {
                Some(SendRight::Own) => {}
                Some(SendRight::Granted { level, grantor }) => {
                    if level == SendLevel::OnBehalf && !sender_is_own {
                        return Ok(Err(Refusal::OnBehalf {
                            field: sender_field,
                            address: address.clone(),
                        }));
                    }
                    if let Principal::Account(id) = grantor {
                        grantors.push(id);
                    }
                }
                None => {
                    return Ok(Err(Refusal::NotAllowed {
                        field: from_field,
                        address: address.clone(),
                    }));
                }
            }
        }
        Ok(Ok(()))
    }

    /// Files a message the user sent for others (`Accepted::copy_to_sent`) in the Sent mailbox
    /// of each of `accounts`, seen, through the store's append (the one change log). The
    /// message has been delivered or queued already, so a failure here is logged and fails
    /// nothing (sending it again would send it twice); a full mailbox loses only its copy.
    pub async fn file_sent_copies(&self, accounts: &[AccountId], blob: BlobRef, id: &str) {
        let mail = self.store().mail(Actor::System);
        let now = crate::unix_now();
        for &account in accounts {
            let sent = match mail.mailbox_by_role(account, MailboxRole::Sent) {
                Ok(Some(sent)) => sent,
                Ok(None) => {
                    tracing::warn!(
                        id,
                        account,
                        "no Sent mailbox for the copy of mail sent for it"
                    );
                    continue;
                }
                Err(e) => {
                    tracing::warn!(id, account, error = %e, "cannot find the Sent mailbox");
                    continue;
                }
            };
            let copy = NewMessage {
                account_id: account,
                mailbox_id: sent.id,
                blob: blob.clone(),
                flags: Flags::SEEN,
                keywords: Vec::new(),
                internal_date: now,
            };
            match mail.append(vec![copy]).await {
                Ok(_) => tracing::info!(id, account, "copy filed in the Sent mailbox"),
                Err(e) => tracing::warn!(id, account, error = %e, "cannot file the Sent copy"),
            }
        }
    }
}
