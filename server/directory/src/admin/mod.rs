//! The directory's administrative operations, validated: what `kantor admin` (and later the
//! admin API and web console) call. Each returns a one-line error on wrong input.
//!
//! - `domains`, `users`, `aliases`, `groups`, `sending`: the operations, by entity.
//! - [`size`]: sizes as people write and read them (`1.5G`, `500 MiB`; `1.0 MiB`).
//!
//! Rules shared by all: an address is parsed and normalised once ([`Address`]); a filter
//! naming a domain that is not local is an error, not an empty list; an alias target or a
//! group member must name something (a user, an alias, a group, a sub-address of one, or
//! `postmaster`) unless the caller allows a dangling one ([`Dangling::Allow`]).

mod aliases;
mod domains;
mod groups;
mod sending;
pub mod size;
mod users;

pub use size::{format_size, parse_size};
pub use users::UserDetails;

use crate::address::normalize_domain;
use crate::{Address, Directory, DirectoryError};
use kantor_store::StoreError;

type Result<T> = std::result::Result<T, DirectoryError>;

/// What to do with an alias target or a group member that names nothing (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dangling {
    /// Refuse it: most likely a typing error.
    Refuse,
    /// Add it anyway (`--force`): the user or group is to be created later.
    Allow,
}

impl Dangling {
    /// `Allow` when the administrator forced it, else `Refuse`.
    pub fn forced(force: bool) -> Dangling {
        match force {
            true => Dangling::Allow,
            false => Dangling::Refuse,
        }
    }
}

impl Directory {
    /// Whether `address` names something mail can be delivered to without the domain's
    /// catch-all: a user, an alias or a group; a sub-address (`local+tag`) of one; or
    /// `postmaster`, which goes to the administrators (RFC 5321 §4.5.1).
    pub fn names_something(&self, address: &Address) -> Result<bool> {
        let exists = |local: &str| -> Result<bool> {
            let store = self.store();
            Ok(store.account_by_address(local, &address.domain)?.is_some()
                || store.group(local, &address.domain)?.is_some()
                || !store.alias_targets(local, &address.domain)?.is_empty())
        };
        if exists(&address.local)? || address.local.eq_ignore_ascii_case("postmaster") {
            return Ok(true);
        }
        match address.local.split_once('+') {
            Some((base, _tag)) => exists(base),
            None => Ok(false),
        }
    }

    /// Refuses `target` (a would-be alias target or group member, `what` in the message)
    /// when it names nothing and dangling ones are refused; returns whether it names
    /// something.
    fn check_target(&self, target: &Address, what: &str, dangling: Dangling) -> Result<bool> {
        let exists = self.names_something(target)?;
        if !exists && dangling == Dangling::Refuse {
            return Err(DirectoryError::Invalid(format!(
                "{what} {target} is no user, alias or group (use --force to add it anyway)"
            )));
        }
        Ok(exists)
    }

    /// A listing's domain filter, normalised; a domain that is not local is an error.
    fn domain_filter(&self, domain: Option<&str>) -> Result<Option<String>> {
        let Some(domain) = domain else {
            return Ok(None);
        };
        let domain = normalize_domain(domain)?;
        if !self.is_local_domain(&domain)? {
            return Err(StoreError::NotFound(format!("domain {domain}")).into());
        }
        Ok(Some(domain))
    }
}
