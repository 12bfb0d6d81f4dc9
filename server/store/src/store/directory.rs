//! The directory's persistence, as the front forwards it: domains, accounts, aliases and
//! groups. The rules (address syntax, password hashing, recipient resolution) are
//! `kantor-directory`'s.

use super::Store;
use crate::{
    Account, AccountId, AccountState, Alias, Domain, Group, NewAccount, Principal, Renamed, Result,
    SendGrant, SendLevel,
};

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

    /// Creates a shared mailbox account (`kantor admin shared add`): no password opens it;
    /// members reach its mailboxes through their ACLs.
    pub async fn create_shared_account(&self, local: &str, domain: &str) -> Result<Account> {
        self.backend.create_shared_account(local, domain).await
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

    /// Whether the account may still be used (an open session asks before each command): one
    /// indexed read.
    pub fn account_state(&self, id: AccountId) -> Result<AccountState> {
        self.backend.account_state(id)
    }

    /// Disables (every login refused, open sessions ended at their next command; mail still
    /// delivered) or enables an account. Logged as an account change.
    pub async fn set_disabled(&self, id: AccountId, disabled: bool) -> Result<()> {
        self.backend.set_disabled(id, disabled).await
    }

    /// Raises the account's authentication generation (`kantor admin user unlock`): failed-login
    /// counters kept under an older one stop counting, in whatever process keeps them, and the
    /// recorded lockouts are forgotten. Returns the new generation.
    pub async fn reset_auth(&self, id: AccountId) -> Result<u64> {
        self.backend.reset_auth(id).await
    }

    /// Notes a successful login at `at` (Unix seconds); not an account change.
    pub async fn record_login(&self, id: AccountId, at: i64) -> Result<()> {
        self.backend.record_login(id, at).await
    }

    /// Notes that the failed-login throttle refuses `source` logins to the account until
    /// `until` (Unix seconds), for `kantor admin user show`; [`Store::reset_auth`] forgets it.
    pub async fn record_lockout(&self, id: AccountId, source: String, until: i64) -> Result<()> {
        self.backend.record_lockout(id, source, until).await
    }

    /// The sources refused logins to the account at `now` (Unix seconds).
    pub fn lockouts(&self, id: AccountId, now: i64) -> Result<Vec<crate::Lockout>> {
        self.backend.lockouts(id, now)
    }

    /// Adds an app password (its secret's hash only); `AlreadyExists` for a name the account
    /// already uses.
    pub async fn add_app_password(&self, new: crate::NewAppPassword) -> Result<crate::AppPassword> {
        self.backend.add_app_password(new).await
    }

    /// The account's app passwords, by name.
    pub fn app_passwords(&self, account_id: AccountId) -> Result<Vec<crate::AppPassword>> {
        self.backend.app_passwords(account_id)
    }

    /// The app password whose secret hashes to `hash`.
    pub fn app_password_by_hash(&self, hash: &[u8]) -> Result<Option<crate::AppPassword>> {
        self.backend.app_password_by_hash(hash)
    }

    /// Revokes the account's app password `name`; `NotFound` when there is none.
    pub async fn remove_app_password(&self, account_id: AccountId, name: String) -> Result<()> {
        self.backend.remove_app_password(account_id, name).await
    }

    /// Notes when app password `id` was last used (Unix seconds).
    pub async fn record_app_password_use(&self, id: i64, at: i64) -> Result<()> {
        self.backend.record_app_password_use(id, at).await
    }

    /// Gives the account the address `local@domain`: it keeps its id, mail, password and
    /// "Send As" rights, and alias targets and group members naming the old address follow.
    pub async fn rename_account(
        &self,
        id: AccountId,
        local: &str,
        domain: &str,
    ) -> Result<Renamed> {
        self.backend.rename_account(id, local, domain).await
    }

    /// Targets of the alias `local@domain` (`local = ""` for the catch-all).
    pub fn alias_targets(&self, local: &str, domain: &str) -> Result<Vec<String>> {
        self.backend.alias_targets(local, domain)
    }

    pub fn aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>> {
        self.backend.aliases(domain)
    }

    /// The aliases (and catch-alls) with a target naming `target`.
    pub fn aliases_to(&self, target: &str) -> Result<Vec<Alias>> {
        self.backend.aliases_to(target)
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

    /// The groups that list `member` among their members.
    pub fn groups_with_member(&self, member: &str) -> Result<Vec<Group>> {
        self.backend.groups_with_member(member)
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

    /// Every right to send for others, or those `grantor` gave.
    pub fn send_grants(&self, grantor: Option<Principal>) -> Result<Vec<SendGrant>> {
        self.backend.send_grants(grantor)
    }

    /// The rights to send for others given to `account` itself or to one of `groups`.
    pub fn send_grants_to(&self, account: AccountId, groups: &[i64]) -> Result<Vec<SendGrant>> {
        self.backend.send_grants_to(account, groups)
    }

    /// Grants `grantee` the right to send for `grantor` at `level` (replacing another level),
    /// or revokes it with `None`.
    pub async fn set_send_grant(
        &self,
        grantor: Principal,
        grantee: Principal,
        level: Option<SendLevel>,
    ) -> Result<()> {
        self.backend.set_send_grant(grantor, grantee, level).await
    }

    /// Whether mail others send as `account`, or on its behalf, is copied to its Sent.
    pub fn copies_to_sent(&self, account: AccountId) -> Result<bool> {
        self.backend.copies_to_sent(account)
    }

    pub async fn set_copies_to_sent(&self, account: AccountId, on: bool) -> Result<()> {
        self.backend.set_copies_to_sent(account, on).await
    }
}
