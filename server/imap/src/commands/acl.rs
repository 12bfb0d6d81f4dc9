//! ACL commands (RFC 4314 §3): GETACL, SETACL, DELETEACL, LISTRIGHTS, MYRIGHTS. The store
//! decides who may (`a` for all but MYRIGHTS) and keeps the entries; identifiers are user and
//! group addresses, and `anyone`. On an account's INBOX the site-defined rights `0` (send on
//! behalf of the owner) and `1` (send as the owner) are how a user delegates sending; only the
//! owner may grant them (RFC 4314 §2.1 leaves digits to the implementation).

use crate::access::{self, Target};
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::command::acl::{MailboxIdentifier, RightsChange, SetAcl};
use kantor_imap_proto::{Code, Data, Mailbox};
use kantor_store::{Mailbox as StoredMailbox, Rights};

/// The mailbox a command names, which must exist for the user.
fn found(session: &Session, mailbox: &Mailbox) -> Result<(Target, StoredMailbox), Refusal> {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let store = session.store();
    let target = access::resolve(
        &store,
        user.account_id,
        mailbox,
        session.enabled.utf8_names(),
    )?;
    match target.find(&store)? {
        Some(found) => Ok((target, found)),
        None => Err(Refusal::no_code(Code::NonExistent, "No such mailbox")),
    }
}

/// Rights from a command: unknown letters are a BAD (RFC 4314 §3.1).
fn parse_rights(text: &str) -> Result<Rights, Refusal> {
    Rights::parse(text).map_err(|c| Refusal::bad(format!("Unknown right {c:?}")))
}

/// The owner's address of a mailbox, for GETACL and LISTRIGHTS.
fn owner(session: &Session, mailbox: &StoredMailbox) -> Result<String, Refusal> {
    Ok(session
        .store()
        .account(mailbox.account_id)?
        .map(|a| a.address())
        .unwrap_or_default())
}

/// RFC 4314 §3.3: the owner (every right, implicit) and the entries; needs `a`.
pub(crate) fn get_acl(session: &mut Session, mailbox: Mailbox) -> Outcome {
    let (target, found) = found(session, &mailbox)?;
    let entries = session.store().acl(found.id)?;
    let mut listed = vec![(owner(session, &found)?, Rights::ALL.to_string())];
    listed.extend(
        entries
            .into_iter()
            .map(|e| (e.grantee, e.rights.to_string())),
    );
    session.out.data(Data::Acl {
        mailbox: target.display(),
        entries: listed,
    });
    Ok(Done::new("GETACL completed"))
}

/// RFC 4314 §3.1: sets, adds to (`+`) or takes from (`-`) an identifier's rights; needs `a`.
/// Rights left empty remove the entry.
pub(crate) async fn set_acl(session: &mut Session, set: SetAcl) -> Outcome {
    let rights = parse_rights(&set.rights)?;
    let (_, found) = found(session, &set.mailbox)?;
    let store = session.store();
    let current = || -> Result<Rights, Refusal> {
        Ok(store
            .acl(found.id)?
            .into_iter()
            .find(|e| e.grantee.eq_ignore_ascii_case(&set.identifier))
            .map_or(Rights::NONE, |e| e.rights))
    };
    let new = match set.change {
        RightsChange::Replace => rights,
        RightsChange::Add => current()?.union(rights),
        RightsChange::Remove => current()?.without(rights),
    };
    store.set_acl(found.id, &set.identifier, Some(new)).await?;
    Ok(Done::new("SETACL completed"))
}

/// RFC 4314 §3.2: removes an identifier's entry; needs `a`.
pub(crate) async fn delete_acl(session: &mut Session, command: MailboxIdentifier) -> Outcome {
    let (_, found) = found(session, &command.mailbox)?;
    session
        .store()
        .set_acl(found.id, &command.identifier, None)
        .await?;
    Ok(Done::new("DELETEACL completed"))
}

/// RFC 4314 §3.4: what can be granted to an identifier; needs `a`. The owner always holds
/// every right; anyone else may be granted each right on its own, and on the INBOX a user or
/// group also the site-defined `0` (send on behalf of the owner) and `1` (send as the owner).
pub(crate) fn list_rights(session: &mut Session, command: MailboxIdentifier) -> Outcome {
    let (target, found) = found(session, &command.mailbox)?;
    // The same check as GETACL: `a`.
    session.store().acl(found.id)?;
    let (required, optional) = if owner(session, &found)?.eq_ignore_ascii_case(&command.identifier)
    {
        (Rights::ALL.to_string(), Vec::new())
    } else {
        let mut grantable = Rights::ALL;
        if found.name == "INBOX"
            && !command
                .identifier
                .eq_ignore_ascii_case(kantor_store::ANYONE)
        {
            grantable = grantable.union(Rights::SENDING);
        }
        let letters = grantable.to_string();
        (String::new(), letters.chars().map(String::from).collect())
    };
    session.out.data(Data::ListRights {
        mailbox: target.display(),
        identifier: command.identifier,
        required,
        optional,
    });
    Ok(Done::new("LISTRIGHTS completed"))
}

/// RFC 4314 §3.5: the user's own rights on the mailbox; any right at all lets them ask.
pub(crate) fn my_rights(session: &mut Session, mailbox: Mailbox) -> Outcome {
    let (target, found) = found(session, &mailbox)?;
    let rights = session.store().my_rights(found.id)?;
    session.out.data(Data::MyRights {
        mailbox: target.display(),
        rights: rights.to_string(),
    });
    Ok(Done::new("MYRIGHTS completed"))
}
