//! `kantor admin domain ...`.

use super::{confirm, output};
use crate::cli::admin::DomainCommand;
use anyhow::Result;
use kantor_directory::Directory;

pub(super) async fn run(d: &Directory, command: DomainCommand) -> Result<()> {
    match command {
        DomainCommand::Add { name } => {
            println!("added domain {}", d.add_domain(&name).await?.name);
        }
        DomainCommand::Dns {
            name,
            hostname,
            config,
        } => {
            let config = super::server_config(config.as_deref())?;
            let hostname = hostname.unwrap_or_else(|| crate::serve::server_hostname(&config));
            let policy = config.mta_sts.policy(&name, &hostname);
            let id = kantor_config::MtaStsConfig::policy_id(&policy);
            for line in d.dns_records(&name, &hostname, (&policy, &id)).await? {
                println!("{line}");
            }
        }
        DomainCommand::List(args) => {
            let domains = d.list_domains()?;
            if args.json {
                let names: Vec<_> = domains
                    .iter()
                    .map(|dom| serde_json::json!({ "name": dom.name }))
                    .collect();
                return output::json(&names.into());
            }
            domains.iter().for_each(|dom| println!("{}", dom.name));
        }
        DomainCommand::Remove { name, yes } => {
            let domain = d.domain(&name)?;
            confirm(&format!("Remove domain {}?", domain.name), yes)?;
            d.remove_domain(&domain.name).await?;
            println!("removed domain {}", domain.name);
        }
    }
    Ok(())
}
