//! From the mailbox names a client sends to mailboxes of an account (RFC 9051 §5.1, §5.1.2),
//! and back.
//!
//! Every name lives in a namespace (RFC 9051 §6.3.10, RFC 2342), all with the delimiter `/`:
//! - personal, prefix `""`: the logged-in account's own mailboxes;
//! - other users, prefix `Other Users/`: `Other Users/alice@corp.test/INBOX` is alice's INBOX,
//!   for a user she shared it with (RFC 4314 `l`); the second level is always the owner's
//!   address, so two owners never collide and the name says whose it is;
//! - shared, prefix `Shared Folders/`: the mailboxes of shared mailbox accounts, named the
//!   same way (`Shared Folders/sales@corp.test/INBOX`).
//!
//! [`resolve`] maps a name to a [`Target`] (the owning account and the name there); the
//! commands act on the target and the store decides, with the rights the owner granted, what
//! they may do. LIST shows what [`visible`] returns.

use crate::names::{self, DELIMITER};
use crate::outcome::Refusal;
use kantor_imap_proto::response::data::{NamespaceDescr, Namespaces};
use kantor_imap_proto::{Code, Mailbox};
use kantor_store::{AccountId, Mail};

/// The top level of other users' mailboxes.
pub(crate) const OTHER_USERS: &str = "Other Users";
/// The top level of shared mailbox accounts' mailboxes.
pub(crate) const SHARED: &str = "Shared Folders";

/// Whether a name is in, or is the top of, the other users' or the shared namespace.
pub(crate) fn is_other_namespace(name: &str) -> bool {
    let top = name.split_once(DELIMITER).map_or(name, |(top, _)| top);
    top == OTHER_USERS || top == SHARED
}

/// Which namespace a name is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Namespace {
    /// The user's own mailboxes, no prefix.
    Personal,
    /// Another account's: `Other Users/` (a user) or `Shared Folders/` (a shared mailbox
    /// account), then its address.
    Other { owner: String, shared: bool },
}

impl Namespace {
    /// The prefix of this namespace's names, ending with the delimiter (empty for personal).
    pub fn prefix(&self) -> String {
        match self {
            Namespace::Personal => String::new(),
            Namespace::Other { owner, shared } => {
                let top = if *shared { SHARED } else { OTHER_USERS };
                format!("{top}{DELIMITER}{owner}{DELIMITER}")
            }
        }
    }
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
    /// The store's mailbox of this name, if it exists (and the user may see it).
    pub fn find(&self, store: &Mail) -> Result<Option<kantor_store::Mailbox>, Refusal> {
        Ok(store.mailbox_by_name(self.account_id, &self.name)?)
    }

    /// The name as the client sees it, the namespace prefix included.
    pub fn display(&self) -> String {
        format!("{}{}", self.namespace.prefix(), self.name)
    }

    pub fn is_inbox(&self) -> bool {
        self.name == "INBOX"
    }
}

/// Resolves a mailbox name from a command. `utf8` is whether the client sends UTF-8 names
/// (IMAP4rev2, UTF8=ACCEPT) rather than modified UTF-7 (RFC 3501 §5.1.3).
pub(crate) fn resolve(
    store: &Mail,
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
    resolve_name(store, account_id, &name)
}

/// Resolves a mailbox name already in UTF-8 (an IMAP URL's, RFC 5092). A name under another
/// namespace whose owner does not exist, is the user, or is of the other kind, names nothing.
pub(crate) fn resolve_name(
    store: &Mail,
    account_id: AccountId,
    name: &str,
) -> Result<Target, Refusal> {
    let personal = || Target {
        account_id,
        name: names::normalize(name),
        namespace: Namespace::Personal,
    };
    let Some((top, rest)) = name.split_once(DELIMITER) else {
        return Ok(personal());
    };
    let shared = match top {
        OTHER_USERS => false,
        SHARED => true,
        _ => return Ok(personal()),
    };
    let missing = || Refusal::no_code(Code::NonExistent, "No such mailbox");
    let (owner, inner) = rest.split_once(DELIMITER).unwrap_or((rest, ""));
    let (local, domain) = owner.rsplit_once('@').ok_or_else(missing)?;
    let account = store
        .account_by_address(local, domain)?
        .filter(|a| a.id != account_id && a.shared == shared)
        .ok_or_else(missing)?;
    Ok(Target {
        account_id: account.id,
        name: names::normalize(inner),
        namespace: Namespace::Other {
            owner: account.address(),
            shared,
        },
    })
}

/// Every mailbox the user may see, under the name the client sees it by: their own, then
/// other accounts' with `l` (RFC 4314) under their namespace's prefix. Other accounts'
/// mailboxes carry no special use (the user's Sent is theirs).
pub(crate) fn visible(
    store: &Mail,
    account_id: AccountId,
) -> Result<Vec<kantor_store::Mailbox>, Refusal> {
    let mut all = store.mailboxes(account_id)?;
    for shared in store.shared_mailboxes()? {
        let namespace = Namespace::Other {
            owner: shared.owner,
            shared: shared.owner_shared,
        };
        let mut mailbox = shared.mailbox;
        mailbox.name = format!("{}{}", namespace.prefix(), mailbox.name);
        mailbox.role = None;
        all.push(mailbox);
    }
    Ok(all)
}

/// The NAMESPACE response (RFC 9051 §6.3.10, RFC 2342 §5): personal `""`, other users
/// `Other Users/`, shared `Shared Folders/`, all with `/`.
pub(crate) fn namespaces() -> Namespaces {
    let one = |prefix: String| {
        vec![NamespaceDescr {
            prefix,
            delimiter: Some(DELIMITER),
        }]
    };
    Namespaces {
        personal: one(String::new()),
        other_users: one(format!("{OTHER_USERS}{DELIMITER}")),
        shared: one(format!("{SHARED}{DELIMITER}")),
    }
}

/// The MAILBOXID of a mailbox (RFC 8474 §4): stable for its life, never reused.
pub(crate) fn mailbox_object_id(id: i64) -> kantor_imap_proto::ObjectId {
    kantor_imap_proto::ObjectId::new(format!("M{id}")).expect("M followed by digits is an objectid")
}
