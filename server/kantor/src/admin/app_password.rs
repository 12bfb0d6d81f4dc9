//! `kantor admin app-password ...`.

use super::output;
use crate::cli::admin::AppPasswordCommand;
use anyhow::Result;
use kantor_directory::Directory;

pub(super) async fn run(d: &Directory, command: AppPasswordCommand) -> Result<()> {
    match command {
        AppPasswordCommand::Add { user, name } => {
            if d.user(&user)?.shared {
                anyhow::bail!("{user} is a shared mailbox: nobody logs in to it");
            }
            let (added, secret) = d.add_app_password(&user, name.as_deref()).await?;
            eprintln!(
                "added app password {:?} for {user}; its secret (shown only once):",
                added.name
            );
            println!("{secret}");
        }
        AppPasswordCommand::List { user, json } => {
            let passwords = d.app_passwords(&user)?;
            if json {
                let list: Vec<_> = passwords
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name,
                            "created": output::timestamp(p.created_at),
                            "last_used": p.last_used_at.map(output::timestamp),
                        })
                    })
                    .collect();
                return output::json(&list.into());
            }
            for p in passwords {
                let used = p.last_used_at.map_or_else(
                    || "never used".to_string(),
                    |t| format!("last used {}", output::timestamp(t)),
                );
                println!(
                    "{}  created {}  {used}",
                    p.name,
                    output::timestamp(p.created_at)
                );
            }
        }
        AppPasswordCommand::Revoke { user, name } => {
            d.revoke_app_password(&user, &name).await?;
            println!("revoked app password {name:?} of {user}");
        }
    }
    Ok(())
}
