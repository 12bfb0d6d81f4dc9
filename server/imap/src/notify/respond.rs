//! NOTIFY's untagged responses: `STATUS` for message events in other mailboxes (RFC 5465 §5.1-5.3,
//! and `NOTIFY SET STATUS`, §3.1), `LIST` for mailbox events (§5.4, §5.5), and the FETCH a
//! MessageNew event asked for in the selected mailbox (§5.2).

use super::Notifier;
use super::filter::Events;
use super::translate::{Known, ListNotice, Notice};
use crate::names::DELIMITER;
use crate::session::output::Output;
use crate::session::state::Enabled;
use crate::view::{Entry, MailboxView};
use kantor_imap_message::fetch::{self, FetchOptions};
use kantor_imap_proto::Data;
use kantor_imap_proto::command::fetch::FetchAttribute;
use kantor_imap_proto::response::data::{ListAttribute, ListItem, StatusValue};
use kantor_store::{Mail, Mailbox, Uid};
use std::num::NonZeroU32;

/// What a NOTIFY STATUS carries: MESSAGES, UIDNEXT, UIDVALIDITY and UNSEEN, which covers what
/// §3.1 and §5.2-5.3 require for MessageNew and MessageExpunge; HIGHESTMODSEQ too when
/// CONDSTORE is on or FlagChange is reported for the mailbox (§5.1).
pub(crate) fn status_values(mailbox: &Mailbox, highest_modseq: bool) -> Vec<StatusValue> {
    let one = NonZeroU32::MIN;
    let mut values = vec![
        StatusValue::Messages(mailbox.total),
        StatusValue::UidNext(NonZeroU32::new(mailbox.uidnext).unwrap_or(one)),
        StatusValue::UidValidity(NonZeroU32::new(mailbox.uidvalidity).unwrap_or(one)),
        StatusValue::Unseen(mailbox.unseen),
    ];
    if highest_modseq {
        values.push(StatusValue::HighestModSeq(mailbox.highest_modseq));
    }
    values
}

/// Queues the notices of one account's mailboxes (`known`, named with `prefix`: empty for the
/// user's own, another account's namespace prefix otherwise); a mailbox deleted since is
/// skipped (its LIST says `\NonExistent`). STATUS counts are as the user sees them (in a
/// shared account, UNSEEN by their own `\Seen`).
pub(super) fn notices(
    out: &mut Output,
    store: &Mail,
    known: &Known,
    prefix: &str,
    notices: Vec<Notice>,
    condstore: bool,
) {
    for notice in notices {
        match notice {
            Notice::Status { mailbox_id, flags } => match store.mailbox(mailbox_id) {
                Ok(Some(mailbox)) => {
                    let items = status_values(&mailbox, condstore || flags);
                    out.data(Data::Status {
                        mailbox: format!("{prefix}{}", mailbox.name),
                        items,
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "imap: cannot read a mailbox for NOTIFY"),
            },
            Notice::List(list) => out.data(Data::List(list_item(known, list))),
        }
    }
}

/// `* LIST`: `\NonExistent` for a deleted mailbox; otherwise its children attribute and
/// `\Subscribed` when subscribed, with OLDNAME after a rename.
pub(super) fn list_item(known: &Known, list: ListNotice) -> ListItem {
    let mut attributes = Vec::new();
    if !list.exists {
        attributes.push(ListAttribute::NonExistent);
    } else {
        attributes.push(if super::has_children(known, &list.name) {
            ListAttribute::HasChildren
        } else {
            ListAttribute::HasNoChildren
        });
        if list.subscribed {
            attributes.push(ListAttribute::Subscribed);
        }
    }
    ListItem {
        attributes,
        delimiter: Some(DELIMITER),
        mailbox: list.name,
        child_info_subscribed: false,
        old_name: list.old_name,
    }
}

/// After the view's EXISTS: `* n FETCH (...)` with what MessageNew asked for, for each message
/// above `before` that this session did not add itself (§5.2). Bodies are rendered without
/// setting `\Seen`, as with PEEK; MODSEQ is added under CONDSTORE (RFC 7162 §3.1.4).
pub(super) fn new_messages(
    out: &mut Output,
    store: &Mail,
    view: &MailboxView,
    before: Uid,
    notifier: &mut Notifier,
    enabled: Enabled,
) {
    let mailbox_id = view.mailbox_id;
    let wanted = notifier
        .config
        .selected
        .as_ref()
        .filter(|s| s.events.contains(Events::NEW) && !s.fetch.is_empty());
    if let Some(selected) = wanted {
        let mut attributes = selected.fetch.clone();
        if enabled.condstore && !attributes.contains(&FetchAttribute::ModSeq) {
            attributes.push(FetchAttribute::ModSeq);
        }
        let options = FetchOptions {
            utf8: enabled.utf8_names(),
        };
        let first = view.entries().partition_point(|e| e.uid() <= before);
        let arrived: Vec<(u32, &Entry)> = (view.entries().iter().enumerate().skip(first))
            .filter(|(_, e)| !notifier.own_arrivals.contains(&(mailbox_id, e.uid())))
            .map(|(index, e)| (index as u32 + 1, e))
            .collect();
        let ids: Vec<_> = arrived.iter().map(|(_, e)| e.message.id).collect();
        let need = fetch::meta_need(&attributes);
        let metas = fetch::read_metas(store, view.account_id, &ids, need).unwrap_or_default();
        for (i, &(seq, entry)) in arrived.iter().enumerate() {
            let meta = metas.get(i).and_then(Option::as_ref);
            let message = entry.at(seq);
            match fetch::fetch(store, message, meta, &attributes, options) {
                Ok(items) => {
                    if let Some(seq) = NonZeroU32::new(seq) {
                        out.data(Data::Fetch { seq, items });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "imap: cannot render a new message for NOTIFY")
                }
            }
        }
    }
    let known = view.max_uid();
    notifier
        .own_arrivals
        .retain(|&(mailbox, uid)| mailbox != mailbox_id || uid > known);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_imap_proto::EncodeOptions;

    fn mailbox() -> Mailbox {
        Mailbox {
            id: 7,
            account_id: 1,
            name: "Lists/imap".into(),
            role: None,
            uidvalidity: 1234,
            uidnext: 45,
            highest_modseq: 99,
            total: 40,
            unseen: 3,
            size: 1000,
            subscribed: true,
            recent_uid: 0,
        }
    }

    fn encode(data: Data) -> String {
        String::from_utf8(Response::Data(data).to_bytes(EncodeOptions::default())).unwrap()
    }

    use kantor_imap_proto::Response;

    #[test]
    fn status_carries_counts_and_modseq_when_asked() {
        let m = mailbox();
        let status = |modseq| Data::Status {
            mailbox: m.name.clone(),
            items: status_values(&m, modseq),
        };
        assert_eq!(
            encode(status(false)),
            "* STATUS Lists/imap (MESSAGES 40 UIDNEXT 45 UIDVALIDITY 1234 UNSEEN 3)\r\n"
        );
        assert_eq!(
            encode(status(true)),
            "* STATUS Lists/imap (MESSAGES 40 UIDNEXT 45 UIDVALIDITY 1234 UNSEEN 3 HIGHESTMODSEQ 99)\r\n"
        );
    }

    #[test]
    fn list_notices_for_create_rename_delete_and_subscription() {
        let mut notifier =
            Notifier::new(Default::default(), 1, 0, &[mailbox()], Default::default());
        let list = |name: &str, old: Option<&str>, exists, subscribed| ListNotice {
            name: name.into(),
            old_name: old.map(Into::into),
            exists,
            subscribed,
        };
        let line = |n: &Notifier, l| encode(Data::List(list_item(&n.known, l)));
        assert_eq!(
            line(&notifier, list("Lists", None, true, false)),
            "* LIST (\\HasChildren) \"/\" Lists\r\n"
        );
        assert_eq!(
            line(&notifier, list("New", Some("Old"), true, true)),
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" New (\"OLDNAME\" (Old))\r\n"
        );
        assert_eq!(
            line(&notifier, list("Gone", None, false, false)),
            "* LIST (\\NonExistent) \"/\" Gone\r\n"
        );
        notifier.forget(7);
        assert_eq!(
            line(&notifier, list("Lists", None, true, false)),
            "* LIST (\\HasNoChildren) \"/\" Lists\r\n"
        );
    }
}
