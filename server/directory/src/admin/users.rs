//! Users: creating, showing, changing, disabling, unlocking, renaming and removing them.

use super::Result;
use crate::{Address, Directory, DirectoryError, password};
use kantor_store::{Account, Alias, Group, NewAccount, Renamed, StoreError};

/// What `kantor admin user show` tells about a user.
#[derive(Debug, Clone)]
pub struct UserDetails {
    pub account: Account,
    /// Aliases (and catch-alls) with a target naming the user's address.
    pub aliases: Vec<Alias>,
    /// Groups that list the user's address as a member.
    pub groups: Vec<Group>,
    /// Groups the user may send as.
    pub send_as: Vec<Group>,
    /// Source addresses the failed-login throttle refuses for this user now.
    pub lockouts: Vec<kantor_store::Lockout>,
}

impl Directory {
    /// Creates a user with an argon2id-hashed password and the special-use mailboxes.
    pub async fn add_user(
        &self,
        address: &str,
        password: &str,
        quota_bytes: u64,
        is_admin: bool,
    ) -> Result<Account> {
        let address = Address::parse(address)?;
        check_password(password)?;
        let password_hash = hash_off_thread(password).await;
        let new = NewAccount {
            local: address.local,
            domain: address.domain,
            password_hash,
            is_admin,
            quota_bytes,
        };
        Ok(self.store().create_account(new).await?)
    }

    /// Every user, or those of one local domain.
    pub fn list_users(&self, domain: Option<&str>) -> Result<Vec<Account>> {
        let domain = self.domain_filter(domain)?;
        Ok(self.store().accounts(domain.as_deref())?)
    }

    pub fn user(&self, address: &str) -> Result<Account> {
        let address = Address::parse(address)?;
        self.store()
            .account_by_address(&address.local, &address.domain)?
            .ok_or_else(|| StoreError::NotFound(format!("user {address}")).into())
    }

    /// A user with what names it: its aliases, the groups it is in and those it may send as.
    pub fn user_details(&self, address: &str) -> Result<UserDetails> {
        let account = self.user(address)?;
        let own = account.address();
        let send_as = self
            .store()
            .groups(None)?
            .into_iter()
            .filter(|g| g.senders.iter().any(|s| s.eq_ignore_ascii_case(&own)))
            .collect();
        Ok(UserDetails {
            lockouts: self.store().lockouts(account.id, crate::unix_now())?,
            aliases: self.store().aliases_to(&own)?,
            groups: self.store().groups_with_member(&own)?,
            send_as,
            account,
        })
    }

    pub async fn set_password(&self, address: &str, password: &str) -> Result<()> {
        let account = self.user(address)?;
        check_password(password)?;
        let hash = hash_off_thread(password).await;
        Ok(self.store().set_password_hash(account.id, hash).await?)
    }

    pub async fn set_quota(&self, address: &str, bytes: u64) -> Result<()> {
        let account = self.user(address)?;
        Ok(self.store().set_quota(account.id, bytes).await?)
    }

    /// Disables (every login refused, open sessions ended at their next command; mail still
    /// delivered) or enables a user. Returns false when it already was so (nothing written).
    pub async fn set_disabled(&self, address: &str, disabled: bool) -> Result<bool> {
        let account = self.user(address)?;
        if account.disabled == disabled {
            return Ok(false);
        }
        self.store().set_disabled(account.id, disabled).await?;
        Ok(true)
    }

    /// Forgets the user's failed logins, in whatever process counts them (the running
    /// server): raises its authentication generation, which [`Directory::authenticate`] reads
    /// with the account.
    pub async fn unlock(&self, address: &str) -> Result<()> {
        let account = self.user(address)?;
        self.store().reset_auth(account.id).await?;
        Ok(())
    }

    /// Gives a user a new address: it keeps its mail, id, password and "Send As" rights;
    /// aliases and group memberships naming the old address follow (counted in the result).
    pub async fn rename_user(&self, old: &str, new: &str) -> Result<(Account, Renamed)> {
        let account = self.user(old)?;
        let new = Address::parse(new)?;
        let renamed = self
            .store()
            .rename_account(account.id, &new.local, &new.domain)
            .await?;
        let account = self
            .store()
            .account(account.id)?
            .ok_or_else(|| StoreError::NotFound(format!("user {new}")))?;
        Ok((account, renamed))
    }

    pub async fn remove_user(&self, address: &str) -> Result<()> {
        let account = self.user(address)?;
        Ok(self.store().remove_account(account.id).await?)
    }
}

fn check_password(password: &str) -> Result<()> {
    if password.is_empty() || password.contains(['\r', '\n', '\0']) {
        return Err(DirectoryError::Invalid(
            "password must be one non-empty line".into(),
        ));
    }
    Ok(())
}

async fn hash_off_thread(password: &str) -> String {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .expect("password hashing task")
}
