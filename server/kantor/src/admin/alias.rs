//! `kantor admin alias ...`.

use super::output;
use crate::cli::admin::AliasCommand;
use anyhow::Result;
use kantor_directory::Directory;
use kantor_directory::admin::Dangling;

pub(super) async fn run(d: &Directory, command: AliasCommand) -> Result<()> {
    match command {
        AliasCommand::Add {
            alias,
            target,
            force,
        } => {
            let exists = d
                .add_alias(&alias, &target, Dangling::forced(force))
                .await?;
            println!("added alias {alias} -> {target}");
            output::warn_if_dangling(&target, exists);
        }
        AliasCommand::List(args) => {
            let aliases = d.list_aliases(args.domain.as_deref())?;
            if args.json {
                let aliases: Vec<_> = aliases
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "alias": output::alias_address(a),
                            "target": a.target,
                        })
                    })
                    .collect();
                return output::json(&aliases.into());
            }
            for a in aliases {
                println!("{} -> {}", output::alias_address(&a), a.target);
            }
        }
        AliasCommand::Remove { alias, target } => {
            d.remove_alias(&alias, target.as_deref()).await?;
            match target {
                Some(target) => println!("removed alias {alias} -> {target}"),
                None => println!("removed alias {alias}"),
            }
        }
    }
    Ok(())
}
