//! `kantor admin send-rights ...`.

use super::output;
use crate::cli::admin::{SendLevelArg, SendRightsCommand};
use anyhow::Result;
use kantor_directory::Directory;
use kantor_store::SendLevel;

pub(super) async fn run(d: &Directory, command: SendRightsCommand) -> Result<()> {
    match command {
        SendRightsCommand::Grant {
            grantor,
            grantee,
            level,
        } => {
            let level = match level {
                SendLevelArg::As => SendLevel::As,
                SendLevelArg::OnBehalf => SendLevel::OnBehalf,
            };
            d.grant_send(&grantor, &grantee, level).await?;
            println!("{grantee} may send {} {grantor}", wording(level));
        }
        SendRightsCommand::Revoke { grantor, grantee } => {
            d.revoke_send(&grantor, &grantee).await?;
            println!("{grantee} may no longer send for {grantor}");
        }
        SendRightsCommand::List { grantor, json } => {
            let grants = d.list_send_grants(grantor.as_deref())?;
            if json {
                let grants: Vec<_> = grants
                    .iter()
                    .map(|g| {
                        serde_json::json!({
                            "grantor": g.grantor_address,
                            "grantee": g.grantee_address,
                            "level": g.level.as_str(),
                            "copy_to_sent": d.copy_to_sent(&g.grantor_address).unwrap_or(false),
                        })
                    })
                    .collect();
                return output::json(&grants.into());
            }
            for g in grants {
                println!(
                    "{} may send {} {}",
                    g.grantee_address,
                    wording(g.level),
                    g.grantor_address
                );
            }
        }
        SendRightsCommand::CopyToSent { user, off } => {
            d.set_copy_to_sent(&user, !off).await?;
            match off {
                false => println!("mail sent as or on behalf of {user} is copied to its Sent"),
                true => println!("mail sent as or on behalf of {user} is no longer copied"),
            }
        }
    }
    Ok(())
}

fn wording(level: SendLevel) -> &'static str {
    match level {
        SendLevel::As => "as",
        SendLevel::OnBehalf => "on behalf of",
    }
}
