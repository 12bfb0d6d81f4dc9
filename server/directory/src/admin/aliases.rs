//! Aliases and catch-alls.

use super::{Dangling, Result};
use crate::{Address, Directory, DirectoryError};
use kantor_store::Alias;

impl Directory {
    /// Adds an alias (or, for `@domain`, the domain's catch-all) pointing at a local address,
    /// which must name something unless `dangling` allows it. Returns whether the target
    /// names something now.
    pub async fn add_alias(&self, alias: &str, target: &str, dangling: Dangling) -> Result<bool> {
        let alias = Address::parse_or_catch_all(alias)?;
        let target = Address::parse(target)?;
        if !self.is_local_domain(&target.domain)? {
            return Err(DirectoryError::Invalid(format!(
                "alias target {target} is not in a local domain"
            )));
        }
        let exists = self.check_target(&target, "alias target", dangling)?;
        let entry = Alias {
            local: alias.local,
            domain: alias.domain,
            target: target.to_string(),
        };
        self.store().add_alias(entry).await?;
        Ok(exists)
    }

    pub async fn remove_alias(&self, alias: &str, target: Option<&str>) -> Result<()> {
        let alias = Address::parse_or_catch_all(alias)?;
        let target = target
            .map(Address::parse)
            .transpose()?
            .map(|t| t.to_string());
        Ok(self
            .store()
            .remove_alias(&alias.local, &alias.domain, target.as_deref())
            .await?)
    }

    /// Every alias, or those of one local domain.
    pub fn list_aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>> {
        let domain = self.domain_filter(domain)?;
        Ok(self.store().aliases(domain.as_deref())?)
    }
}
