//! The directory's persistence, as the front forwards it: domains, accounts, aliases and
//! groups. The rules (address syntax, password hashing, recipient resolution) are
//! `kantor-directory`'s.

use super::Store;
use crate::{Account, AccountId, Alias, Domain, Group, NewAccount, Result};

impl Store {
    /// A local domain by name (case-insensitive).
    pub fn domain(&self, name: &str) -> Result<Option<Domain>> {
        self.backend.domain(name)
    }

    pub fn domains(&self) -> Result<Vec<Domain>> {
        self.backend.domains()
    }

    pub async fn add_domain(&self, name: &str) -> Result<Domain> {
        self.backend.add_domain(name).await
    }

    /// Removes a domain that no longer holds users, aliases or groups.
    pub async fn remove_domain(&self, name: &str) -> Result<()> {
        self.backend.remove_domain(name).await
    }

    pub fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.backend.account(id)
    }

    /// The account whose primary address is `local@domain` (case-insensitive).
    pub fn account_by_address(&self, local: &str, domain: &str) -> Result<Option<Account>> {
        self.backend.account_by_address(local, domain)
    }

    /// All accounts, or those of one domain, ordered by address.
    pub fn accounts(&self, domain: Option<&str>) -> Result<Vec<Account>> {
        self.backend.accounts(domain)
    }

    /// Creates an account with its special-use mailboxes (RFC 6154), subscribed, in one
    /// transaction.
    pub async fn create_account(&self, new: NewAccount) -> Result<Account> {
        self.backend.create_account(new).await
    }

    pub async fn set_password_hash(&self, id: AccountId, hash: String) -> Result<()> {
        self.backend.set_password_hash(id, hash).await
    }

    /// Sets the account's quota in bytes (0 = unlimited).
    pub async fn set_quota(&self, id: AccountId, bytes: u64) -> Result<()> {
        self.backend.set_quota(id, bytes).await
    }

    /// Removes an account with all its mail. Its blobs are released now (none of its sessions
    /// can read on) and deleted by the collector once nothing else references them.
    pub async fn remove_account(&self, id: AccountId) -> Result<()> {
        self.backend.remove_account(id).await
    }

    /// Targets of the alias `local@domain` (`local = ""` for the catch-all).
    pub fn alias_targets(&self, local: &str, domain: &str) -> Result<Vec<String>> {
        self.backend.alias_targets(local, domain)
    }

    pub fn aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>> {
        self.backend.aliases(domain)
    }

    pub async fn add_alias(&self, alias: Alias) -> Result<()> {
        self.backend.add_alias(alias).await
    }

    /// Removes one target of an alias, or all of them when `target` is `None`.
    pub async fn remove_alias(
        &self,
        local: &str,
        domain: &str,
        target: Option<&str>,
    ) -> Result<()> {
        self.backend.remove_alias(local, domain, target).await
    }

    /// The group `local@domain` with its members and permitted senders.
    pub fn group(&self, local: &str, domain: &str) -> Result<Option<Group>> {
        self.backend.group(local, domain)
    }

    pub fn groups(&self, domain: Option<&str>) -> Result<Vec<Group>> {
        self.backend.groups(domain)
    }

    pub async fn add_group(&self, local: &str, domain: &str) -> Result<()> {
        self.backend.add_group(local, domain).await
    }

    pub async fn remove_group(&self, local: &str, domain: &str) -> Result<()> {
        self.backend.remove_group(local, domain).await
    }

    pub async fn add_group_member(&self, local: &str, domain: &str, member: &str) -> Result<()> {
        self.backend.add_group_member(local, domain, member).await
    }

    pub async fn remove_group_member(&self, local: &str, domain: &str, member: &str) -> Result<()> {
        self.backend
            .remove_group_member(local, domain, member)
            .await
    }

    /// Allows (or with `allowed = false`, stops) an account to send as the group.
    pub async fn set_group_sender(
        &self,
        local: &str,
        domain: &str,
        account: AccountId,
        allowed: bool,
    ) -> Result<()> {
        self.backend
            .set_group_sender(local, domain, account, allowed)
            .await
    }
}
