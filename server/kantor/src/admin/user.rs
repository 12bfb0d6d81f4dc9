//! `kantor admin user ...`.

use super::{confirm, output};
use crate::cli::admin::UserCommand;
use anyhow::{Context, Result, bail};
use kantor_directory::admin::{UserDetails, format_size, parse_size};
use kantor_directory::{Directory, password};
use kantor_store::Account;
use std::io::BufRead;

pub(super) async fn run(d: &Directory, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            address,
            password_stdin,
            quota,
            admin,
        } => {
            let quota = parse_size(&quota)?;
            let (password, generated) = password_from(password_stdin)?;
            let account = d.add_user(&address, &password, quota, admin).await?;
            println!("added user {}", account.address());
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List(args) => {
            let users = d.list_users(args.domain.as_deref())?;
            if args.json {
                return output::json(&users.iter().map(account_json).collect());
            }
            for a in users {
                let admin = if a.is_admin { "  admin" } else { "" };
                let disabled = if a.disabled { "  disabled" } else { "" };
                println!(
                    "{}  used {} of {}{admin}{disabled}",
                    a.address(),
                    format_size(a.used_bytes),
                    output::quota(a.quota_bytes)
                );
            }
        }
        UserCommand::Show { address, json } => {
            let details = d.user_details(&address)?;
            if json.json {
                return output::json(&details_json(&details));
            }
            print_details(&details);
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
        UserCommand::Quota { address, size } => {
            let bytes = parse_size(&size)?;
            d.set_quota(&address, bytes).await?;
            println!("quota of {address} set to {}", output::quota(bytes));
        }
        UserCommand::Disable { address } => match d.set_disabled(&address, true).await? {
            true => println!(
                "disabled user {address}: logins refused, open sessions end, mail still delivered"
            ),
            false => println!("user {address} was already disabled"),
        },
        UserCommand::Enable { address } => match d.set_disabled(&address, false).await? {
            true => println!("enabled user {address}"),
            false => println!("user {address} was not disabled"),
        },
        UserCommand::Unlock { address } => {
            d.unlock(&address).await?;
            println!("unlocked user {address}: its failed logins are forgotten");
        }
        UserCommand::Rename { old, new } => {
            let (account, renamed) = d.rename_user(&old, &new).await?;
            println!(
                "renamed user {old} to {}; {} alias target(s) and {} group membership(s) follow",
                account.address(),
                renamed.alias_targets,
                renamed.group_memberships
            );
        }
        UserCommand::Remove { address, yes } => {
            let account = d.user(&address)?;
            let question = format!(
                "Remove user {} and all its mail ({})?",
                account.address(),
                format_size(account.used_bytes)
            );
            confirm(&question, yes)?;
            d.remove_user(&address).await?;
            println!("removed user {} and all its mail", account.address());
        }
    }
    Ok(())
}

/// A user as `user list --json` shows it (`user show --json` adds what names it).
fn account_json(a: &Account) -> serde_json::Value {
    serde_json::json!({
        "address": a.address(),
        "id": a.id,
        "admin": a.is_admin,
        "disabled": a.disabled,
        "quota_bytes": a.quota_bytes,
        "used_bytes": a.used_bytes,
        "last_login": a.last_login_at.map(output::timestamp),
    })
}

fn details_json(details: &UserDetails) -> serde_json::Value {
    let mut value = account_json(&details.account);
    value["aliases"] = details.aliases.iter().map(output::alias_address).collect();
    value["groups"] = details.groups.iter().map(output::group_address).collect();
    value["send_as"] = details.send_as.iter().map(output::group_address).collect();
    value["locked_out"] = details
        .lockouts
        .iter()
        .map(|l| serde_json::json!({"source": l.source, "until": output::timestamp(l.until)}))
        .collect();
    value
}

fn print_details(details: &UserDetails) {
    let a = &details.account;
    let list = |items: Vec<String>| match items.is_empty() {
        true => "none".to_string(),
        false => items.join(", "),
    };
    let aliases = details
        .aliases
        .iter()
        .map(|alias| match alias.local.is_empty() {
            true => format!("{} (catch-all)", output::alias_address(alias)),
            false => output::alias_address(alias),
        })
        .collect();
    let groups = details.groups.iter().map(output::group_address).collect();
    let send_as = details.send_as.iter().map(output::group_address).collect();
    let usage = match a.quota_bytes {
        0 => format!("{} used, no quota", format_size(a.used_bytes)),
        q => format!(
            "{} used of {} ({}%)",
            format_size(a.used_bytes),
            format_size(q),
            a.used_bytes.saturating_mul(100) / q
        ),
    };
    let status = match a.disabled {
        true => "disabled (logins refused, mail still delivered)",
        false => "enabled",
    };
    let locked = details
        .lockouts
        .iter()
        .map(|l| format!("{} until {}", l.source, output::timestamp(l.until)))
        .collect();
    println!("user        {}", a.address());
    println!("status      {status}");
    println!("locked out  {}", list(locked));
    println!("admin       {}", if a.is_admin { "yes" } else { "no" });
    println!("quota       {usage}");
    println!(
        "last login  {}",
        a.last_login_at
            .map_or("never".to_string(), output::timestamp)
    );
    println!("aliases     {}", list(aliases));
    println!("groups      {}", list(groups));
    println!("send as     {}", list(send_as));
    println!("id          {}", a.id);
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
