//! Mailbox commands of the authenticated state: CREATE with USE (RFC 9051 §6.3.4, RFC 6154 §5),
//! DELETE (§6.3.5), RENAME (§6.3.6), SUBSCRIBE and UNSUBSCRIBE (§6.3.7-8).

use crate::access::{self, Target};
use crate::names::{self, InvalidName};
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::command::mailbox::Create;
use kantor_imap_proto::types::SpecialUse;
use kantor_imap_proto::{Code, Mailbox};
use kantor_store::MailboxRole;

fn target(session: &Session, mailbox: &Mailbox) -> Result<Target, Refusal> {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    access::resolve(
        &session.store(),
        user.account_id,
        mailbox,
        session.enabled.utf8_names(),
    )
}

/// A name a mailbox cannot be created under is `NO [CANNOT]`, not "no such mailbox".
fn cannot_create(refusal: Refusal) -> Refusal {
    match refusal {
        Refusal::No {
            code: Some(Code::NonExistent),
            ..
        } => Refusal::no_code(Code::Cannot, "Mailbox name is not valid modified UTF-7"),
        other => other,
    }
}

/// A name fit for CREATE or RENAME's destination, without its trailing delimiter.
fn valid_name(target: &Target) -> Result<String, Refusal> {
    names::validate(&target.name).map_err(|e| {
        let text = match e {
            InvalidName::Empty => "Mailbox name is empty",
            InvalidName::EmptyLevel => "Mailbox name has an empty hierarchy level",
            InvalidName::BadCharacter => "Mailbox name contains *, % or a control character",
        };
        Refusal::no_code(Code::Cannot, text)
    })
}

/// The store role a special-use attribute stands for; `\All` and `\Flagged` are virtual
/// mailboxes we do not have.
fn role(special_use: &[SpecialUse]) -> Result<Option<MailboxRole>, Refusal> {
    let roles: Vec<MailboxRole> = special_use
        .iter()
        .map(|u| match u {
            SpecialUse::Archive => Ok(MailboxRole::Archive),
            SpecialUse::Drafts => Ok(MailboxRole::Drafts),
            SpecialUse::Junk => Ok(MailboxRole::Junk),
            SpecialUse::Sent => Ok(MailboxRole::Sent),
            SpecialUse::Trash => Ok(MailboxRole::Trash),
            other => Err(Refusal::no_code(
                Code::UseAttr,
                format!("{other} is not supported"),
            )),
        })
        .collect::<Result<_, _>>()?;
    match roles.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(Refusal::no_code(
            Code::UseAttr,
            "Only one special use per mailbox",
        )),
    }
}

/// Tells NOTIFY's bookkeeping about mailboxes this client created, so they are not reported
/// back to it (RFC 5465 §5).
fn learn(session: &mut Session, created: &[kantor_store::Mailbox]) {
    if let Some(notifier) = session.notify.as_mut() {
        created.iter().for_each(|m| notifier.learn(m));
    }
}

/// RFC 9051 §6.3.4; `OK [MAILBOXID (...)]` (RFC 8474 §4.1).
pub(crate) async fn create(session: &mut Session, create: Create) -> Outcome {
    let target = target(session, &create.mailbox).map_err(cannot_create)?;
    let name = valid_name(&target)?;
    if name == "INBOX" {
        return Err(Refusal::no_code(Code::AlreadyExists, "INBOX always exists"));
    }
    let role = role(&create.special_use)?;
    let store = session.store();
    if let Some(role) = role
        && store.mailbox_by_role(target.account_id, role)?.is_some()
    {
        return Err(Refusal::no_code(
            Code::UseAttr,
            "A mailbox with this special use already exists",
        ));
    }
    if store.mailbox_by_name(target.account_id, &name)?.is_some() {
        return Err(Refusal::no_code(
            Code::AlreadyExists,
            "Mailbox already exists",
        ));
    }
    // RFC 9051 §6.3.4: "SHOULD create any superior hierarchical names"; one transaction.
    let created = store
        .create_mailbox_path(target.account_id, &name, role)
        .await?;
    let id = created.last().map_or(0, |m| m.id);
    learn(session, &created);
    Ok(Done::with_code(
        Code::MailboxId(access::mailbox_object_id(id)),
        "CREATE completed",
    ))
}

/// RFC 9051 §6.3.5: removes the mailbox and its messages, never its children; INBOX cannot go.
pub(crate) async fn delete(session: &mut Session, mailbox: Mailbox) -> Outcome {
    let target = target(session, &mailbox)?;
    if target.is_inbox() {
        return Err(Refusal::no_code(Code::Cannot, "INBOX cannot be deleted"));
    }
    let store = session.store();
    let Some(found) = target.find(&store)? else {
        return Err(Refusal::no_code(Code::NonExistent, "No such mailbox"));
    };
    store.delete_mailbox(target.account_id, found.id).await?;
    if let Some(notifier) = session.notify.as_mut() {
        notifier.forget(found.id);
    }
    Ok(Done::new("DELETE completed"))
}

/// RFC 9051 §6.3.6: renames the mailbox and everything below it, keeping UIDVALIDITY and UIDs.
/// Renaming INBOX moves its messages to a new mailbox and leaves INBOX empty.
pub(crate) async fn rename(session: &mut Session, from: Mailbox, to: Mailbox) -> Outcome {
    let from = target(session, &from)?;
    let to_target = target(session, &to).map_err(cannot_create)?;
    let to = valid_name(&to_target)?;
    let account_id = from.account_id;
    if to_target.account_id != account_id {
        return Err(Refusal::no_code(
            Code::Cannot,
            "Cannot rename a mailbox into another account",
        ));
    }
    if to == "INBOX" {
        return Err(Refusal::no_code(Code::AlreadyExists, "INBOX always exists"));
    }
    if !from.is_inbox() && (names::is_descendant(&to, &from.name) || to == from.name) {
        return Err(Refusal::no_code(
            Code::Cannot,
            "Cannot rename a mailbox into itself",
        ));
    }
    let mail = session.store();
    let store = &mail;
    let Some(source) = from.find(store)? else {
        return Err(Refusal::no_code(Code::NonExistent, "No such mailbox"));
    };
    if store.mailbox_by_name(account_id, &to)?.is_some() {
        return Err(Refusal::no_code(
            Code::AlreadyExists,
            "Mailbox already exists",
        ));
    }
    // One transaction: missing parents, the mailbox and its subtree (or INBOX's messages).
    let done = store
        .rename_mailbox_tree(account_id, source.id, &to)
        .await?;
    let (created, renames) = (done.created, done.renamed);
    learn(session, &created);
    // As renamed, subscribed or not under the new name (RENAME leaves subscriptions alone).
    if let Some(notifier) = session.notify.as_mut() {
        for (id, _) in &renames {
            if let Some(renamed) = store.mailbox(*id)? {
                notifier.learn(&renamed);
            }
        }
    }
    if let Some(selected) = session.state.selected_mut()
        && let Some((_, name)) = renames
            .iter()
            .find(|(id, _)| *id == selected.view.mailbox_id)
    {
        selected.name = format!("{}{name}", from.namespace.prefix());
    }
    Ok(Done::new("RENAME completed"))
}

/// RFC 9051 §6.3.7-8: subscriptions are names, kept whether or not a mailbox has them. A server
/// MAY refuse to subscribe a name no mailbox has (§6.3.7); like Dovecot we accept it, as the
/// RFC's reason for keeping such names (a mailbox deleted and later re-created) wants. Both
/// answer OK when nothing changes (already subscribed, not subscribed).
pub(crate) async fn subscribe(
    session: &mut Session,
    mailbox: Mailbox,
    subscribed: bool,
) -> Outcome {
    let target = target(session, &mailbox)?;
    let name = match valid_name(&target) {
        Ok(name) => name,
        Err(refusal) if subscribed => return Err(refusal),
        // Whatever the name, it can be removed from the list (it is simply not there).
        Err(_) => target.name.clone(),
    };
    let store = session.store();
    // The user's own subscriptions, under the name they see (another account's mailboxes
    // with their namespace's prefix).
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let listed = format!("{}{name}", target.namespace.prefix());
    store
        .set_subscribed(user.account_id, &listed, subscribed)
        .await?;
    // Not reported back by NOTIFY (RFC 5465 §5): this client knows.
    if let Some(notifier) = session.notify.as_mut() {
        let found = store.mailbox_by_name(target.account_id, &name)?;
        notifier.learn_subscription(&listed, found.map(|m| m.id), subscribed);
    }
    Ok(Done::new(if subscribed {
        "SUBSCRIBE completed"
    } else {
        "UNSUBSCRIBE completed"
    }))
}
