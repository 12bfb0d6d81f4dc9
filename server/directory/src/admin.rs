//! The directory's administrative operations, validated: what `kantor admin` (and later the
//! admin API and web console) call. Each returns a one-line error on wrong input.

use crate::address::normalize_domain;
use crate::{Address, Directory, DirectoryError, password};
use kantor_store::{Account, Alias, Domain, Group, NewAccount, StoreError};

type Result<T> = std::result::Result<T, DirectoryError>;

impl Directory {
    pub async fn add_domain(&self, name: &str) -> Result<Domain> {
        Ok(self.store().add_domain(&normalize_domain(name)?).await?)
    }

    pub async fn remove_domain(&self, name: &str) -> Result<()> {
        Ok(self.store().remove_domain(&normalize_domain(name)?).await?)
    }

    pub fn list_domains(&self) -> Result<Vec<Domain>> {
        Ok(self.store().domains()?)
    }

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

    pub fn list_users(&self, domain: Option<&str>) -> Result<Vec<Account>> {
        let domain = domain.map(normalize_domain).transpose()?;
        Ok(self.store().accounts(domain.as_deref())?)
    }

    pub fn user(&self, address: &str) -> Result<Account> {
        let address = Address::parse(address)?;
        self.store()
            .account_by_address(&address.local, &address.domain)?
            .ok_or_else(|| StoreError::NotFound(format!("user {address}")).into())
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

    pub async fn remove_user(&self, address: &str) -> Result<()> {
        let account = self.user(address)?;
        Ok(self.store().remove_account(account.id).await?)
    }

    /// Adds an alias (or, for `@domain`, the domain's catch-all) pointing at a local address.
    pub async fn add_alias(&self, alias: &str, target: &str) -> Result<()> {
        let alias = Address::parse_or_catch_all(alias)?;
        let target = Address::parse(target)?;
        if !self.is_local_domain(&target.domain)? {
            return Err(DirectoryError::Invalid(format!(
                "alias target {target} is not in a local domain"
            )));
        }
        let entry = Alias {
            local: alias.local,
            domain: alias.domain,
            target: target.to_string(),
        };
        Ok(self.store().add_alias(entry).await?)
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

    pub fn list_aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>> {
        let domain = domain.map(normalize_domain).transpose()?;
        Ok(self.store().aliases(domain.as_deref())?)
    }

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

    pub async fn add_group_member(&self, group: &str, member: &str) -> Result<()> {
        let (group, member) = (Address::parse(group)?, Address::parse(member)?);
        Ok(self
            .store()
            .add_group_member(&group.local, &group.domain, &member.to_string())
            .await?)
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

    pub fn list_groups(&self, domain: Option<&str>) -> Result<Vec<Group>> {
        let domain = domain.map(normalize_domain).transpose()?;
        Ok(self.store().groups(domain.as_deref())?)
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

/// Parses a size such as `500M`, `2G`, `1048576` or `0` (binary units; 0 = unlimited).
pub fn parse_size(text: &str) -> Result<u64> {
    let text = text.trim();
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let multiplier: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => {
            return Err(DirectoryError::Invalid(format!(
                "malformed size {text:?}: use e.g. 500M or 2G"
            )));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| {
            DirectoryError::Invalid(format!("malformed size {text:?}: use e.g. 500M or 2G"))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("0").unwrap(), 0);
        assert_eq!(super::parse_size("500M").unwrap(), 500 << 20);
        assert_eq!(super::parse_size("2g").unwrap(), 2 << 30);
        assert!(super::parse_size("2X").is_err());
        assert!(super::parse_size("M").is_err());
    }
}
