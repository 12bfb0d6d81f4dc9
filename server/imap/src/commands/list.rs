//! LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154), CHILDREN
//! (RFC 3348) and LIST-STATUS (RFC 5819); LSUB (RFC 3501 §6.3.9).
//!
//! Levels of the hierarchy without a mailbox of their own (`a` when only `a/b` exists, after a
//! DELETE of `a`) are listed `\Noselect` (RFC 9051 §6.3.5 example). Child and special-use
//! attributes are always included: cheap here, and what CHILDREN and SPECIAL-USE servers may do
//! unasked.

use crate::names::{self, DELIMITER};
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::Data;
use kantor_imap_proto::command::list::{List, Lsub};
use kantor_imap_proto::mutf7;
use kantor_imap_proto::response::data::{ListAttribute, ListItem};
use kantor_imap_proto::types::SpecialUse;
use kantor_store::{Mailbox, MailboxRole};
use std::collections::{BTreeMap, BTreeSet};

/// The special-use attribute of a role (RFC 6154 §2).
pub(crate) fn role_attribute(role: Option<MailboxRole>) -> Option<SpecialUse> {
    match role? {
        MailboxRole::Inbox => None,
        MailboxRole::Drafts => Some(SpecialUse::Drafts),
        MailboxRole::Sent => Some(SpecialUse::Sent),
        MailboxRole::Junk => Some(SpecialUse::Junk),
        MailboxRole::Trash => Some(SpecialUse::Trash),
        MailboxRole::Archive => Some(SpecialUse::Archive),
    }
}

/// Every name of the account's hierarchy: its mailboxes, and the levels above them that have
/// none (`None`).
fn hierarchy(mailboxes: &[Mailbox]) -> BTreeMap<String, Option<&Mailbox>> {
    let mut all: BTreeMap<String, Option<&Mailbox>> = BTreeMap::new();
    for mailbox in mailboxes {
        for parent in names::ancestors(&mailbox.name) {
            all.entry(parent.to_string()).or_insert(None);
        }
        all.insert(mailbox.name.clone(), Some(mailbox));
    }
    all
}

/// The names strictly below `name`.
fn children<'a, V>(
    all: &'a BTreeMap<String, V>,
    name: &str,
) -> impl Iterator<Item = (&'a String, &'a V)> {
    let prefix = format!("{name}{DELIMITER}");
    all.range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
}

/// A wire-form name from the client in UTF-8 (modified UTF-7 for IMAP4rev1, RFC 3501 §5.1.3).
fn decode(name: &str, utf8: bool) -> Result<String, Refusal> {
    if utf8 {
        Ok(name.to_string())
    } else {
        mutf7::decode(name).map_err(|_| Refusal::bad("Invalid modified UTF-7 name"))
    }
}

pub(crate) fn list(session: &mut Session, list: List) -> Outcome {
    let utf8 = session.enabled.utf8_names();
    let reference = decode(&list.reference, utf8)?;
    let patterns = list
        .patterns
        .iter()
        .map(|p| {
            p.decode(utf8)
                .map_err(|_| Refusal::bad("Invalid modified UTF-7 pattern"))
        })
        .collect::<Result<Vec<String>, Refusal>>()?;
    if !list.extended && patterns.iter().all(String::is_empty) {
        // RFC 9051 §6.3.9: the delimiter and the reference's root.
        session.out.data(Data::List(ListItem {
            attributes: vec![ListAttribute::NoSelect],
            delimiter: Some(DELIMITER),
            mailbox: String::new(),
            child_info_subscribed: false,
            old_name: None,
        }));
        return Ok(Done::new("LIST completed"));
    }
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let mailboxes = session.store().mailboxes(user.account_id)?;
    let all = hierarchy(&mailboxes);
    let select = list.select;
    let show_subscribed = list.ret.subscribed || select.subscribed;
    let mut responses = Vec::new();
    for (name, mailbox) in &all {
        let matched = patterns
            .iter()
            .filter(|p| !p.is_empty())
            .any(|p| names::matches(&reference, p, name));
        if !matched {
            continue;
        }
        let subscribed = mailbox.is_some_and(|m| m.subscribed);
        let special = mailbox.and_then(|m| role_attribute(m.role));
        let mut child_info_subscribed = false;
        if select.subscribed && !subscribed {
            let child_subscribed =
                children(&all, name).any(|(_, m)| m.is_some_and(|m| m.subscribed));
            if !(select.recursive_match && child_subscribed) {
                continue;
            }
            child_info_subscribed = true;
        }
        if select.special_use && special.is_none() {
            continue;
        }
        let mut attributes = Vec::new();
        if mailbox.is_none() {
            attributes.push(ListAttribute::NoSelect);
        }
        attributes.push(if children(&all, name).next().is_some() {
            ListAttribute::HasChildren
        } else {
            ListAttribute::HasNoChildren
        });
        if show_subscribed && subscribed {
            attributes.push(ListAttribute::Subscribed);
        }
        attributes.extend(special.map(ListAttribute::SpecialUse));
        responses.push(Data::List(ListItem {
            attributes,
            delimiter: Some(DELIMITER),
            mailbox: name.clone(),
            child_info_subscribed,
            old_name: None,
        }));
        if let (Some(items), Some(mailbox)) = (&list.ret.status, mailbox)
            && !child_info_subscribed
        {
            let values = super::status::values(
                session.store(),
                mailbox,
                items,
                session.ctx.config.max_literal,
            )?;
            responses.push(Data::Status {
                mailbox: name.clone(),
                items: values,
            });
        }
    }
    let asked_modseq = list.ret.status.as_ref().is_some_and(|items| {
        items.contains(&kantor_imap_proto::command::status::StatusItem::HighestModSeq)
    });
    if asked_modseq {
        super::select::enable_condstore(session);
    }
    for data in responses {
        session.out.data(data);
    }
    Ok(Done::new("LIST completed"))
}

/// RFC 3501 §6.3.9: the subscribed names matching the pattern. A level above a subscribed name
/// that is not subscribed itself but matches (the `%` case: `foo/bar` subscribed, `foo` not) is
/// returned once, flagged `\Noselect`.
pub(crate) fn lsub(session: &mut Session, lsub: Lsub) -> Outcome {
    let utf8 = session.enabled.utf8_names();
    let reference = decode(&lsub.reference, utf8)?;
    let pattern = lsub
        .pattern
        .decode(utf8)
        .map_err(|_| Refusal::bad("Invalid modified UTF-7 pattern"))?;
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let mailboxes = session.store().mailboxes(user.account_id)?;
    let subscribed: BTreeSet<&str> = mailboxes
        .iter()
        .filter(|m| m.subscribed)
        .map(|m| m.name.as_str())
        .collect();
    let mut listed: BTreeMap<&str, bool> = BTreeMap::new();
    for &name in &subscribed {
        if names::matches(&reference, &pattern, name) {
            listed.insert(name, false);
        }
        for parent in names::ancestors(name) {
            if !subscribed.contains(parent) && names::matches(&reference, &pattern, parent) {
                listed.insert(parent, true);
            }
        }
    }
    for (name, noselect) in listed {
        session.out.data(Data::Lsub(ListItem {
            attributes: if noselect {
                vec![ListAttribute::NoSelect]
            } else {
                Vec::new()
            },
            delimiter: Some(DELIMITER),
            mailbox: name.to_string(),
            child_info_subscribed: false,
            old_name: None,
        }));
    }
    Ok(Done::new("LSUB completed"))
}
