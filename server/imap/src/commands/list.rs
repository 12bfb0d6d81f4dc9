//! LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154), CHILDREN
//! (RFC 3348) and LIST-STATUS (RFC 5819); LSUB (RFC 3501 §6.3.9).
//!
//! Levels of the hierarchy without a mailbox of their own (`a` when only `a/b` exists, after a
//! DELETE of `a`) are listed `\Noselect` (RFC 9051 §6.3.5 example). Subscriptions are names
//! (`Store::subscriptions`): LIST (SUBSCRIBED) also lists those no mailbox has, `\NonExistent`
//! (RFC 9051 §6.3.9.1, §6.3.9.6 table 3). Child and special-use attributes are always
//! included: cheap here, and what CHILDREN and SPECIAL-USE servers may do unasked. Other
//! accounts' mailboxes the user may see are listed under `Other Users/` and `Shared Folders/`
//! (`access::visible`), those levels `\Noselect`.

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

/// The hierarchy's names strictly below `name`.
fn children<'a, V>(all: &'a BTreeMap<String, V>, name: &str) -> impl Iterator<Item = &'a str> {
    let prefix = format!("{name}{DELIMITER}");
    all.range(prefix.clone()..)
        .map(|(k, _)| k.as_str())
        .take_while(move |k| k.starts_with(&prefix))
}

/// The subscribed names strictly below `name`.
fn subscribed_below<'a>(
    subscriptions: &'a BTreeSet<String>,
    name: &str,
) -> impl Iterator<Item = &'a str> {
    let prefix = format!("{name}{DELIMITER}");
    subscriptions
        .range(prefix.clone()..)
        .map(String::as_str)
        .take_while(move |k| k.starts_with(&prefix))
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
    // The user's own and, under their namespace's prefix, other accounts' with `l`.
    let mailboxes = crate::access::visible(&session.store(), user.account_id)?;
    let all = hierarchy(&mailboxes);
    let subscriptions: BTreeSet<String> = session
        .store()
        .subscriptions(user.account_id)?
        .into_iter()
        .collect();
    let select = list.select;
    let show_subscribed = list.ret.subscribed || select.subscribed;
    let matched = |name: &str| {
        patterns
            .iter()
            .filter(|p| !p.is_empty())
            .any(|p| names::matches(&reference, p, name))
    };
    // The names that can be listed: the hierarchy, and with SUBSCRIBED the subscribed names
    // (existing or not) and the levels above them (RECURSIVEMATCH, RFC 9051 §6.3.9.1).
    let mut candidates: BTreeSet<&str> = all.keys().map(String::as_str).collect();
    if select.subscribed {
        for name in &subscriptions {
            candidates.insert(name);
            candidates.extend(names::ancestors(name));
        }
    }
    let mut responses = Vec::new();
    for name in candidates {
        if !matched(name) {
            continue;
        }
        // `None`: no such name; `Some(None)`: a level without a mailbox of its own.
        let entry = all.get(name);
        let mailbox = entry.copied().flatten();
        let subscribed = subscriptions.contains(name);
        let special = mailbox.and_then(|m| role_attribute(m.role));
        // CHILDINFO (RFC 9051 §6.3.9.6): a subscribed descendant that is not itself listed
        // (redundant CHILDINFO SHOULD be suppressed).
        let child_info_subscribed = select.subscribed
            && select.recursive_match
            && subscribed_below(&subscriptions, name).any(|child| !matched(child));
        let selected = !select.subscribed || subscribed;
        if !selected && !child_info_subscribed {
            continue;
        }
        if select.special_use && special.is_none() {
            continue;
        }
        let mut attributes = Vec::new();
        match entry {
            None => attributes.push(ListAttribute::NonExistent),
            Some(None) => attributes.push(ListAttribute::NoSelect),
            Some(Some(_)) => {}
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
            mailbox: name.to_string(),
            child_info_subscribed,
            old_name: None,
        }));
        // Example 11 of §6.3.9.8: no STATUS for a name listed only for its children.
        if let (Some(items), Some(mailbox), true) = (&list.ret.status, mailbox, selected) {
            // Another account's mailbox read again: a shared account member's UNSEEN is their own.
            let reread = match mailbox.account_id != user.account_id {
                true => session.store().mailbox(mailbox.id)?,
                false => None,
            };
            let values = super::status::values(
                &session.store(),
                reread.as_ref().unwrap_or(mailbox),
                items,
                session.ctx.config.max_literal,
            );
            // Another account's mailbox seen (`l`) but not readable (`r`): no STATUS for it.
            let values = match values {
                Err(_) if mailbox.account_id != user.account_id => continue,
                values => values?,
            };
            responses.push(Data::Status {
                mailbox: name.to_string(),
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

/// RFC 3501 §6.3.9: the subscribed names matching the pattern, whether or not a mailbox has
/// them (a name without one cannot be selected: `\Noselect`). A level above a subscribed name
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
    let mailboxes: BTreeSet<String> = crate::access::visible(&session.store(), user.account_id)?
        .into_iter()
        .map(|m| m.name)
        .collect();
    let subscribed: BTreeSet<String> = session
        .store()
        .subscriptions(user.account_id)?
        .into_iter()
        .collect();
    let mut listed: BTreeMap<&str, bool> = BTreeMap::new();
    for name in &subscribed {
        if names::matches(&reference, &pattern, name) {
            listed.insert(name, !mailboxes.contains(name));
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
