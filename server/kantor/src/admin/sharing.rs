//! `kantor admin shared ...` and `kantor admin acl ...`: the administrator acts as the server
//! itself (`Actor::System`), which holds every right on every mailbox.

use super::output;
use crate::cli::sharing::{
    AclCommand, DEFAULT_MEMBER_RIGHTS, DelegateCommand, DelegateLevel, MemberCommand, SharedCommand,
};
use anyhow::{Result, bail};
use kantor_directory::{Address, Directory};
use kantor_store::{Account, Actor, Mail, Mailbox, Rights};

/// ACL entries as a JSON object, grantee to rights string.
fn entries_json(entries: &[kantor_store::AclEntry]) -> serde_json::Value {
    entries
        .iter()
        .map(|e| (e.grantee.clone(), e.rights.to_string().into()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn rights(text: &str) -> Result<Rights> {
    Rights::parse(text)
        .map_err(|c| anyhow::anyhow!("unknown right {c:?} (RFC 4314 letters lrswipkxtea; 0 and 1 on an INBOX: send on behalf, send as)"))
}

fn account(d: &Directory, address: &str) -> Result<Account> {
    let address = Address::parse(address)?;
    match d
        .store()
        .account_by_address(&address.local, &address.domain)?
    {
        Some(account) => Ok(account),
        None => bail!("no user or shared mailbox {address}"),
    }
}

fn shared_account(d: &Directory, address: &str) -> Result<Account> {
    let account = account(d, address)?;
    if !account.shared {
        bail!("{address} is a user, not a shared mailbox");
    }
    Ok(account)
}

/// The owner's mailboxes named by `--mailbox`, or all of them.
fn mailboxes(mail: &Mail, owner: &Account, only: Option<&str>) -> Result<Vec<Mailbox>> {
    let all = mail.mailboxes(owner.id)?;
    match only {
        None => Ok(all),
        Some(name) => match all.into_iter().find(|m| m.name == name) {
            Some(found) => Ok(vec![found]),
            None => bail!("{} has no mailbox {name}", owner.address()),
        },
    }
}

/// Sets (or with `None` removes) `grantee`'s entry on each mailbox.
/// Sets `grantee`'s entry on each of `boxes` (`None` removes it). The rights to send for the
/// owner (`0`, `1`) belong to the INBOX: given, they are set there (and left out elsewhere when
/// the INBOX is among `boxes`); not given, the INBOX keeps those the grantee holds, so that
/// letters alone never take back what `send-rights grant` gave.
async fn set_all(
    mail: &Mail,
    boxes: &[Mailbox],
    grantee: &str,
    rights: Option<Rights>,
) -> Result<()> {
    let inbox_among = boxes.iter().any(|m| m.name == "INBOX");
    for mailbox in boxes {
        let these = match rights {
            Some(r) if mailbox.name == "INBOX" && r.intersection(Rights::SENDING).is_empty() => {
                let kept = mail
                    .acl(mailbox.id)?
                    .into_iter()
                    .find(|e| e.grantee.eq_ignore_ascii_case(grantee))
                    .map_or(Rights::NONE, |e| e.rights.intersection(Rights::SENDING));
                Some(r.union(kept))
            }
            Some(r) if mailbox.name != "INBOX" && inbox_among => Some(r.without(Rights::SENDING)),
            other => other,
        };
        mail.set_acl(mailbox.id, grantee, these).await?;
    }
    Ok(())
}

pub(super) async fn shared(d: &Directory, command: SharedCommand) -> Result<()> {
    let mail = d.store().mail(Actor::System);
    match command {
        SharedCommand::Add {
            address,
            members,
            rights: text,
        } => {
            let granted = rights(&text)?;
            let parsed = Address::parse(&address)?;
            let account = d
                .store()
                .create_shared_account(&parsed.local, &parsed.domain)
                .await?;
            let boxes = mail.mailboxes(account.id)?;
            for member in &members {
                set_all(&mail, &boxes, member, Some(granted)).await?;
            }
            println!("added shared mailbox {}", account.address());
            for member in members {
                println!("{member} may {granted} on {}", account.address());
            }
        }
        SharedCommand::List { json } => {
            let mut listed = Vec::new();
            for account in d.store().accounts(None)?.into_iter().filter(|a| a.shared) {
                let inbox = mail.mailbox_by_name(account.id, "INBOX")?;
                let entries = match inbox {
                    Some(inbox) => mail.acl(inbox.id)?,
                    None => Vec::new(),
                };
                listed.push((account.address(), entries));
            }
            if json {
                let value: Vec<_> = listed
                    .iter()
                    .map(|(address, entries)| {
                        serde_json::json!({"shared": address, "members": entries_json(entries)})
                    })
                    .collect();
                return output::json(&value.into());
            }
            for (address, entries) in listed {
                let members: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{} {}", e.grantee, e.rights))
                    .collect();
                println!("{address}: members [{}]", members.join(", "));
            }
        }
        SharedCommand::Remove { address, yes } => {
            let account = shared_account(d, &address)?;
            super::confirm(
                &format!("Delete shared mailbox {address} and all its mail?"),
                yes,
            )?;
            d.store().remove_account(account.id).await?;
            println!("removed shared mailbox {address}");
        }
        SharedCommand::Member(MemberCommand::Add {
            shared,
            member,
            rights: text,
        }) => {
            let granted = rights(&text)?;
            let account = shared_account(d, &shared)?;
            let boxes = mail.mailboxes(account.id)?;
            set_all(&mail, &boxes, &member, Some(granted)).await?;
            println!("{member} may {granted} on {shared}");
        }
        SharedCommand::Member(MemberCommand::Remove { shared, member }) => {
            let account = shared_account(d, &shared)?;
            let boxes = mail.mailboxes(account.id)?;
            set_all(&mail, &boxes, &member, None).await?;
            println!("removed member {member} from {shared}");
        }
    }
    Ok(())
}

pub(super) async fn acl(d: &Directory, command: AclCommand) -> Result<()> {
    let mail = d.store().mail(Actor::System);
    match command {
        AclCommand::Get {
            owner,
            mailbox,
            json,
        } => {
            let owner = account(d, &owner)?;
            let boxes = mailboxes(&mail, &owner, mailbox.as_deref())?;
            let mut listed = Vec::new();
            for mailbox in boxes {
                let entries = mail.acl(mailbox.id)?;
                listed.push((mailbox.name, entries));
            }
            if json {
                let value: Vec<_> = listed
                    .iter()
                    .map(|(name, entries)| {
                        serde_json::json!({"mailbox": name, "rights": entries_json(entries)})
                    })
                    .collect();
                return output::json(&value.into());
            }
            for (name, entries) in listed {
                let shown: Vec<String> =
                    std::iter::once(format!("{} {}", owner.address(), Rights::ALL))
                        .chain(
                            entries
                                .iter()
                                .map(|e| format!("{} {}", e.grantee, e.rights)),
                        )
                        .collect();
                println!("{name}: {}", shown.join(", "));
            }
        }
        AclCommand::Set {
            owner,
            grantee,
            rights: text,
            mailbox,
        } => {
            let granted = rights(&text)?;
            let owner = account(d, &owner)?;
            let boxes = mailboxes(&mail, &owner, mailbox.as_deref())?;
            set_all(&mail, &boxes, &grantee, Some(granted)).await?;
            println!(
                "{grantee} may {granted} on {} ({} mailboxes)",
                owner.address(),
                boxes.len()
            );
        }
        AclCommand::Delete {
            owner,
            grantee,
            mailbox,
        } => {
            let owner = account(d, &owner)?;
            let boxes = mailboxes(&mail, &owner, mailbox.as_deref())?;
            set_all(&mail, &boxes, &grantee, None).await?;
            println!(
                "removed {grantee}'s rights on {} ({} mailboxes)",
                owner.address(),
                boxes.len()
            );
        }
    }
    Ok(())
}

/// `kantor admin delegate`: mailbox rights and send rights set together, at a level.
pub(super) async fn delegate(d: &Directory, command: DelegateCommand) -> Result<()> {
    let mail = d.store().mail(Actor::System);
    match command {
        DelegateCommand::Grant {
            owner,
            delegate,
            level,
            mailbox,
        } => {
            let owner_account = account(d, &owner)?;
            let boxes = mailboxes(&mail, &owner_account, mailbox.as_deref())?;
            let granted = match level {
                DelegateLevel::Read => rights("lr")?,
                _ => rights(DEFAULT_MEMBER_RIGHTS)?,
            };
            set_all(&mail, &boxes, &delegate, Some(granted)).await?;
            let send = match level {
                DelegateLevel::SendOnBehalf => Some(kantor_store::SendLevel::OnBehalf),
                DelegateLevel::SendAs => Some(kantor_store::SendLevel::As),
                DelegateLevel::Read | DelegateLevel::ReadWrite => None,
            };
            // A lower level takes back a send right an earlier delegation gave.
            match send {
                Some(level) => d.grant_send(&owner, &delegate, level).await?,
                None => {
                    let _ = d.revoke_send(&owner, &delegate).await;
                }
            }
            let sends = match send {
                Some(kantor_store::SendLevel::As) => ", and send as it",
                Some(kantor_store::SendLevel::OnBehalf) => ", and send on its behalf",
                None => "",
            };
            println!(
                "{delegate} may {granted} on {owner} ({} mailboxes){sends}",
                boxes.len()
            );
        }
        DelegateCommand::Revoke { owner, delegate } => {
            let owner_account = account(d, &owner)?;
            let boxes = mailboxes(&mail, &owner_account, None)?;
            set_all(&mail, &boxes, &delegate, None).await?;
            let _ = d.revoke_send(&owner, &delegate).await;
            println!("{delegate} no longer has access to {owner}'s mail");
        }
    }
    Ok(())
}
