//! Local domains.

use super::Result;
use crate::Directory;
use crate::address::normalize_domain;
use kantor_store::{Domain, StoreError};

impl Directory {
    /// Adds a local domain with its DKIM keys.
    pub async fn add_domain(&self, name: &str) -> Result<Domain> {
        let domain = self.store().add_domain(&normalize_domain(name)?).await?;
        self.ensure_dkim_keys(&domain.name).await?;
        Ok(domain)
    }

    /// Removes a domain that no longer holds users, aliases or groups.
    pub async fn remove_domain(&self, name: &str) -> Result<()> {
        Ok(self.store().remove_domain(&normalize_domain(name)?).await?)
    }

    /// A local domain by name (in any spelling: case, trailing dot, IDNA).
    pub fn domain(&self, name: &str) -> Result<Domain> {
        let name = normalize_domain(name)?;
        self.store()
            .domain(&name)?
            .ok_or_else(|| StoreError::NotFound(format!("domain {name}")).into())
    }

    pub fn list_domains(&self) -> Result<Vec<Domain>> {
        Ok(self.store().domains()?)
    }
}
