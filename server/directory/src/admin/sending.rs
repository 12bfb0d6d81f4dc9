//! Rights to send for others ("Send As", "Send on Behalf"; the rule is `crate::sending`) and
//! the Sent copies of such mail, as `kantor admin send-rights` manages them.

use super::Result;
use crate::{Address, Directory};
use kantor_store::{Principal, SendGrant, SendLevel, StoreError};

impl Directory {
    /// The account or group `address` names (an alias is neither: name what it points at).
    pub fn principal(&self, address: &str) -> Result<Principal> {
        let address = Address::parse(address)?;
        let store = self.store();
        if let Some(account) = store.account_by_address(&address.local, &address.domain)? {
            return Ok(Principal::Account(account.id));
        }
        if let Some(group) = store.group(&address.local, &address.domain)? {
            return Ok(Principal::Group(group.id));
        }
        Err(StoreError::NotFound(format!("user or group {address}")).into())
    }

    /// Lets `grantee` (a user, or every member of a group) send for `grantor` (a user, a
    /// shared mailbox or a group) at `level`, replacing another level of the same pair.
    pub async fn grant_send(&self, grantor: &str, grantee: &str, level: SendLevel) -> Result<()> {
        let (grantor, grantee) = (self.principal(grantor)?, self.principal(grantee)?);
        if grantor == grantee {
            return Err(crate::DirectoryError::Invalid(
                "a user or group always sends as itself".into(),
            ));
        }
        Ok(self
            .store()
            .set_send_grant(grantor, grantee, Some(level))
            .await?)
    }

    /// Takes back what `grantor` granted `grantee`; the next message sent is checked without
    /// it.
    pub async fn revoke_send(&self, grantor: &str, grantee: &str) -> Result<()> {
        let (grantor, grantee) = (self.principal(grantor)?, self.principal(grantee)?);
        Ok(self.store().set_send_grant(grantor, grantee, None).await?)
    }

    /// Every grant, or those of one grantor.
    pub fn list_send_grants(&self, grantor: Option<&str>) -> Result<Vec<SendGrant>> {
        let grantor = grantor.map(|g| self.principal(g)).transpose()?;
        Ok(self.store().send_grants(grantor)?)
    }

    /// Whether mail others send as the user (or on its behalf) is copied to its Sent mailbox.
    pub async fn set_copy_to_sent(&self, user: &str, on: bool) -> Result<()> {
        let account = self.user(user)?;
        Ok(self.store().set_copies_to_sent(account.id, on).await?)
    }

    /// Whether the user keeps such copies.
    pub fn copy_to_sent(&self, user: &str) -> Result<bool> {
        let account = self.user(user)?;
        Ok(self.store().copies_to_sent(account.id)?)
    }
}
