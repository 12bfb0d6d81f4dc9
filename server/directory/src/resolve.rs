//! Recipient resolution (RFC 5321 §3.6, §4.1.1.3): where does mail for an address go?
//!
//! In order: an account with that address; a group (expanded to its members, recursively); an
//! alias (to its targets, recursively); the sub-address `local+tag` as `local`; `postmaster`
//! (RFC 5321 §4.5.1) to the administrators when nothing else claims it; then the domain's
//! catch-all. Each account is delivered to once, however many paths reach it.

use crate::{Address, DirectoryError};
use kantor_store::{AccountId, Store};
use std::collections::BTreeSet;

/// How deep aliases and groups may nest before expansion stops (loops end here too).
const MAX_DEPTH: usize = 8;

/// Where mail for an address goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A local domain; these accounts receive it (each once).
    Local(Vec<AccountId>),
    /// A local domain, but nobody has this address: 550 5.1.1.
    UnknownLocal,
    /// Not one of our domains.
    Remote,
}

pub(crate) fn resolve(store: &Store, address: &Address) -> Result<Recipient, DirectoryError> {
    if store.domain(&address.domain)?.is_none() {
        return Ok(Recipient::Remote);
    }
    let mut accounts = BTreeSet::new();
    let mut seen = BTreeSet::new();
    expand(store, address, 0, &mut accounts, &mut seen)?;
    if accounts.is_empty()
        && let Some((base, _tag)) = address.local.split_once('+')
    {
        let base = Address {
            local: base.to_string(),
            domain: address.domain.clone(),
        };
        expand(store, &base, 0, &mut accounts, &mut seen)?;
    }
    if accounts.is_empty() && address.local.eq_ignore_ascii_case("postmaster") {
        accounts.extend(
            store
                .accounts(None)?
                .into_iter()
                .filter(|a| a.is_admin)
                .map(|a| a.id),
        );
    }
    if accounts.is_empty() {
        for target in store.alias_targets("", &address.domain)? {
            if let Ok(target) = Address::parse(&target) {
                expand(store, &target, 1, &mut accounts, &mut seen)?;
            }
        }
    }
    Ok(match accounts.is_empty() {
        true => Recipient::UnknownLocal,
        false => Recipient::Local(accounts.into_iter().collect()),
    })
}

/// Adds the accounts `address` reaches; `seen` stops loops between aliases and groups.
fn expand(
    store: &Store,
    address: &Address,
    depth: usize,
    accounts: &mut BTreeSet<AccountId>,
    seen: &mut BTreeSet<String>,
) -> Result<(), DirectoryError> {
    let key = address.to_string().to_lowercase();
    if depth > MAX_DEPTH || !seen.insert(key) {
        return Ok(());
    }
    if let Some(account) = store.account_by_address(&address.local, &address.domain)? {
        accounts.insert(account.id);
        return Ok(());
    }
    let targets = match store.group(&address.local, &address.domain)? {
        Some(group) => group.members,
        None => store.alias_targets(&address.local, &address.domain)?,
    };
    for target in targets {
        match Address::parse(&target) {
            Ok(target) => expand(store, &target, depth + 1, accounts, seen)?,
            Err(_) => tracing::warn!(%address, target, "ignoring malformed alias or member"),
        }
    }
    Ok(())
}
