//! From the mailbox names a client sends to mailboxes of an account (RFC 9051 §5.1, §5.1.2).
//!
//! Every name lives in a namespace (RFC 9051 §6.3.10). Today there is one: the personal
//! namespace, prefix `""` and delimiter `/`, holding the logged-in account's own mailboxes.
//! Shared mailboxes (IMAP ACL, RFC 4314) will add "Other Users/" and "Shared/": [`resolve`] will
//! then map a prefixed name to another account (with the rights the owner granted), NAMESPACE
//! lists them through [`namespaces`], and LIST adds their names; the commands themselves only
//! ever see a [`Target`] and do not change.

use crate::names::{self, DELIMITER};
use crate::outcome::Refusal;
use kantor_imap_proto::response::data::{NamespaceDescr, Namespaces};
use kantor_imap_proto::{Code, Mailbox};
use kantor_store::{AccountId, Mail};

/// Which namespace a name is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Namespace {
    /// The user's own mailboxes, no prefix.
    Personal,
}

/// A mailbox name resolved to the account that holds it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub account_id: AccountId,
    /// The name within that account, normalised (`INBOX` in upper case).
    pub name: String,
    pub namespace: Namespace,
}

impl Target {
    /// The store's mailbox of this name, if it exists.
    pub fn find(&self, store: &Mail) -> Result<Option<kantor_store::Mailbox>, Refusal> {
        Ok(store.mailbox_by_name(self.account_id, &self.name)?)
    }

    /// The name as the client sees it (the namespace prefix included, once there are others).
    pub fn display(&self) -> &str {
        match self.namespace {
            Namespace::Personal => &self.name,
        }
    }

    pub fn is_inbox(&self) -> bool {
        self.name == "INBOX"
    }
}

/// Resolves a mailbox name from a command. `utf8` is whether the client sends UTF-8 names
/// (IMAP4rev2, UTF8=ACCEPT) rather than modified UTF-7 (RFC 3501 §5.1.3).
pub(crate) fn resolve(
    account_id: AccountId,
    mailbox: &Mailbox,
    utf8: bool,
) -> Result<Target, Refusal> {
    // A name that is not valid modified UTF-7 (RFC 3501 §5.1.3) is a well-formed astring that
    // names no mailbox: NO, as for any missing mailbox, not BAD (the command's syntax is fine).
    let name = mailbox.decode(utf8).map_err(|_| {
        Refusal::no_code(
            Code::NonExistent,
            "No such mailbox: the name is not valid modified UTF-7",
        )
    })?;
    Ok(resolve_name(account_id, &name))
}

/// Resolves a mailbox name already in UTF-8 (an IMAP URL's, RFC 5092).
pub(crate) fn resolve_name(account_id: AccountId, name: &str) -> Target {
    Target {
        account_id,
        name: names::normalize(name),
        namespace: Namespace::Personal,
    }
}

/// The NAMESPACE response (RFC 9051 §6.3.10): personal `""` with `/`; no other users' or shared
/// namespaces yet.
pub(crate) fn namespaces() -> Namespaces {
    Namespaces {
        personal: vec![NamespaceDescr {
            prefix: String::new(),
            delimiter: Some(DELIMITER),
        }],
        other_users: Vec::new(),
        shared: Vec::new(),
    }
}

/// The MAILBOXID of a mailbox (RFC 8474 §4): stable for its life, never reused.
pub(crate) fn mailbox_object_id(id: i64) -> kantor_imap_proto::ObjectId {
    kantor_imap_proto::ObjectId::new(format!("M{id}")).expect("M followed by digits is an objectid")
}
