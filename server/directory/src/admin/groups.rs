//! Groups (distribution lists): members and permitted senders ("Send As").

use super::{Dangling, Result};
use crate::{Address, Directory};
use kantor_store::Group;

impl Directory {
    pub async fn add_group(&self, address: &str) -> Result<()> {
        let group = Address::parse(address)?;
        Ok(self.store().add_group(&group.local, &group.domain).await?)
    }

    pub async fn remove_group(&self, address: &str) -> Result<()> {
        let group = Address::parse(address)?;
        Ok(self
            .store()
            .remove_group(&group.local, &group.domain)
            .await?)
    }

    /// Adds a member, which must name something unless `dangling` allows it; a member that is
    /// there already is an error saying so. Returns whether the member names something now.
    pub async fn add_group_member(
        &self,
        group: &str,
        member: &str,
        dangling: Dangling,
    ) -> Result<bool> {
        let (group, member) = (Address::parse(group)?, Address::parse(member)?);
        let exists = self.check_target(&member, "member", dangling)?;
        self.store()
            .add_group_member(&group.local, &group.domain, &member.to_string())
            .await?;
        Ok(exists)
    }

    pub async fn remove_group_member(&self, group: &str, member: &str) -> Result<()> {
        let (group, member) = (Address::parse(group)?, Address::parse(member)?);
        Ok(self
            .store()
            .remove_group_member(&group.local, &group.domain, &member.to_string())
            .await?)
    }

    /// Grants or revokes a user's right to send as the group ("Send As").
    pub async fn set_group_sender(&self, group: &str, user: &str, allowed: bool) -> Result<()> {
        let group = Address::parse(group)?;
        let account = self.user(user)?;
        Ok(self
            .store()
            .set_group_sender(&group.local, &group.domain, account.id, allowed)
            .await?)
    }

    /// Every group, or those of one local domain.
    pub fn list_groups(&self, domain: Option<&str>) -> Result<Vec<Group>> {
        let domain = self.domain_filter(domain)?;
        Ok(self.store().groups(domain.as_deref())?)
    }
}
