//! `kantor admin group ...`.

use super::output;
use crate::cli::admin::GroupCommand;
use anyhow::Result;
use kantor_directory::Directory;
use kantor_directory::admin::Dangling;

pub(super) async fn run(d: &Directory, command: GroupCommand) -> Result<()> {
    match command {
        GroupCommand::Add { address } => {
            d.add_group(&address).await?;
            println!("added group {address}");
        }
        GroupCommand::Remove { address } => {
            d.remove_group(&address).await?;
            println!("removed group {address}");
        }
        GroupCommand::AddMember {
            group,
            member,
            force,
        } => {
            let exists = d
                .add_group_member(&group, &member, Dangling::forced(force))
                .await?;
            println!("added member {member} to group {group}");
            output::warn_if_dangling(&member, exists);
        }
        GroupCommand::RemoveMember { group, member } => {
            d.remove_group_member(&group, &member).await?;
            println!("removed member {member} from group {group}");
        }
        GroupCommand::AllowSender { group, user } => {
            d.set_group_sender(&group, &user, true).await?;
            println!("{user} may send as group {group}");
        }
        GroupCommand::DenySender { group, user } => {
            d.set_group_sender(&group, &user, false).await?;
            println!("{user} may no longer send as group {group}");
        }
        GroupCommand::List(args) => {
            let groups = d.list_groups(args.domain.as_deref())?;
            if args.json {
                let groups: Vec<_> = groups
                    .iter()
                    .map(|g| {
                        serde_json::json!({
                            "group": output::group_address(g),
                            "members": g.members,
                            "senders": g.senders,
                        })
                    })
                    .collect();
                return output::json(&groups.into());
            }
            for g in groups {
                println!(
                    "{}: members [{}] senders [{}]",
                    output::group_address(&g),
                    g.members.join(", "),
                    g.senders.join(", ")
                );
            }
        }
    }
    Ok(())
}
