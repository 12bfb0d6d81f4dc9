//! `kantor admin`: directory management on the server's data directory. It opens the same store
//! as the running server (SQLite handles the concurrency) and the server reads the directory on
//! every lookup, so a change takes effect at once without a restart.

use crate::cli::{
    AdminArgs, AdminCommand, AliasCommand, DomainCommand, GroupCommand, QueueCommand, UserCommand,
};
use anyhow::{Context, Result, bail};
use kantor_directory::admin::{Dangling, parse_size};
use kantor_directory::{AuthPolicy, Directory, password};
use kantor_store::{Store, StoreOptions};
use std::io::BufRead;

pub fn run(args: AdminArgs) -> Result<()> {
    if !Store::exists_in(&args.data) {
        bail!(
            "no Kantor data in {} (start `kantor serve --data {0}` once, or pass --data)",
            args.data.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::open(
            &args.data,
            StoreOptions {
                max_batch: 16,
                read_connections: 1,
                header_cache_bytes: 0,
                ..StoreOptions::default()
            },
        )?;
        let directory = Directory::new(store, AuthPolicy::default());
        execute(&directory, args.command).await
    })
}

async fn execute(d: &Directory, command: AdminCommand) -> Result<()> {
    match command {
        AdminCommand::Domain(c) => match c {
            DomainCommand::Add { name } => {
                println!("added domain {}", d.add_domain(&name).await?.name)
            }
            DomainCommand::List => d
                .list_domains()?
                .iter()
                .for_each(|dom| println!("{}", dom.name)),
            DomainCommand::Remove { name } => {
                d.remove_domain(&name).await?;
                println!("removed domain {name}");
            }
        },
        AdminCommand::User(c) => user(d, c).await?,
        AdminCommand::Alias(c) => match c {
            AliasCommand::Add { alias, target } => {
                d.add_alias(&alias, &target, Dangling::Refuse).await?;
                println!("added alias {alias} -> {target}");
            }
            AliasCommand::List { domain } => {
                for a in d.list_aliases(domain.as_deref())? {
                    println!("{}@{} -> {}", a.local, a.domain, a.target);
                }
            }
            AliasCommand::Remove { alias, target } => {
                d.remove_alias(&alias, target.as_deref()).await?;
                println!("removed alias {alias}");
            }
        },
        AdminCommand::Group(c) => group(d, c).await?,
        AdminCommand::Gc {
            grace,
            change_log_days,
        } => {
            let defaults = kantor_config::StoreConfig::default();
            let grace = grace.unwrap_or(defaults.gc_grace_secs);
            let days = change_log_days.unwrap_or(defaults.change_log_days);
            let report = d
                .store()
                .collect_garbage(std::time::Duration::from_secs(grace))
                .await?;
            let pruned = d
                .store()
                .prune_changes(std::time::Duration::from_secs(days * 86_400))
                .await?;
            println!(
                "removed {} expunged emails, {} blobs ({} bytes), {} unreferenced blob files, \
                 {pruned} change log entries",
                report.emails, report.blobs, report.bytes, report.orphan_files
            );
        }
        AdminCommand::Queue(QueueCommand::List) => {
            for q in d.store().queue_entries()? {
                println!(
                    "{}  from <{}> to <{}>  attempts {}  blob {}",
                    q.id, q.mail_from, q.rcpt_to, q.attempts, q.blob
                );
            }
        }
    }
    Ok(())
}

async fn user(d: &Directory, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            address,
            password_stdin,
            quota,
            admin,
        } => {
            let (password, generated) = password_from(password_stdin)?;
            let account = d
                .add_user(&address, &password, parse_size(&quota)?, admin)
                .await?;
            println!("added user {}", account.address());
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List { domain } => {
            for a in d.list_users(domain.as_deref())? {
                let quota = match a.quota_bytes {
                    0 => "unlimited".to_string(),
                    q => format!("{q} bytes"),
                };
                let role = if a.is_admin { " admin" } else { "" };
                println!(
                    "{}  used {} bytes of {quota}{role}",
                    a.address(),
                    a.used_bytes
                );
            }
        }
        UserCommand::Passwd {
            address,
            password_stdin,
        } => {
            let (password, generated) = password_from(password_stdin)?;
            d.set_password(&address, &password).await?;
            println!("password changed for {address}");
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::Remove { address } => {
            d.remove_user(&address).await?;
            println!("removed user {address} and all its mail");
        }
        UserCommand::Quota { address, size } => {
            d.set_quota(&address, parse_size(&size)?).await?;
            println!("quota of {address} set to {size}");
        }
    }
    Ok(())
}

async fn group(d: &Directory, command: GroupCommand) -> Result<()> {
    match command {
        GroupCommand::Add { address } => d.add_group(&address).await?,
        GroupCommand::Remove { address } => d.remove_group(&address).await?,
        GroupCommand::AddMember { group, member } => {
            d.add_group_member(&group, &member, Dangling::Refuse)
                .await?;
        }
        GroupCommand::RemoveMember { group, member } => {
            d.remove_group_member(&group, &member).await?
        }
        GroupCommand::AllowSender { group, user } => {
            d.set_group_sender(&group, &user, true).await?
        }
        GroupCommand::DenySender { group, user } => {
            d.set_group_sender(&group, &user, false).await?
        }
        GroupCommand::List { domain } => {
            for g in d.list_groups(domain.as_deref())? {
                println!(
                    "{}@{}: members [{}] senders [{}]",
                    g.local,
                    g.domain,
                    g.members.join(", "),
                    g.senders.join(", ")
                );
            }
            return Ok(());
        }
    }
    println!("ok");
    Ok(())
}

/// The password from the first line of stdin, or a generated one (second value: generated).
fn password_from(stdin: bool) -> Result<(String, bool)> {
    if !stdin {
        return Ok((password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("empty password on standard input");
    }
    Ok((password, false))
}
