//! Kantor's organization directory: who has which address, who may log in, and where mail for an
//! address goes. Persistence is the store's; the rules live here.
//!
//! - [`address`]: parsing and normalising `local@domain` and domain names.
//! - [`app_password`]: app passwords (a secret per client, revocable), Bearer tokens.
//! - [`password`]: argon2id hashing and verification, generated passwords.
//! - [`resolve`]: recipient resolution (user, alias, catch-all, group, sub-address, postmaster).
//! - [`sending`]: who may send what (own addresses, Send As, Send on Behalf), one rule for
//!   SMTP submission and JMAP.
//! - [`throttle`]: slowing, then refusing, repeated failed logins per IP and per account.
//! - [`verifier`]: bounded, cached argon2id checks.
//! - [`admin`]: the validated operations behind `kantor admin` and the future admin API.
//! - [`Directory`]: the facade the protocol crates use.

pub mod address;
pub mod admin;
pub mod app_password;
pub mod dkim;
pub mod password;
pub mod resolve;
pub mod sending;
pub mod throttle;
pub mod verifier;

use kantor_store::{Account, Store, StoreError};
use std::net::IpAddr;
use std::time::Duration;

pub use address::{Address, AddressError};
pub use resolve::Recipient;
pub use sending::{Accepted, Refusal, SendRight};
pub use throttle::{AuthPolicy, AuthThrottle};

/// A login name in the one form used for the lookup, the throttle and the logs: the address
/// parsed and normalised (local part lowercased, domain lowercased, without a trailing dot, in
/// Unicode: see [`address::normalize_domain`]), or the trimmed, lowercased text when it is not
/// an address (it then matches no account but is still counted).
pub fn login_key(username: &str) -> (String, Option<Address>) {
    match Address::parse(username) {
        Ok(address) => (
            format!("{}@{}", address.local.to_lowercase(), address.domain),
            Some(address),
        ),
        Err(_) => (username.trim().to_lowercase(), None),
    }
}

/// Why a directory operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

/// The outcome of a login attempt.
#[derive(Debug)]
pub enum AuthOutcome {
    /// The credentials are right.
    Success(Account),
    /// Wrong user name or password (the two are never told apart).
    Failed,
    /// Too many recent failures from this IP or for this account: try again later.
    Throttled { retry_after: Duration },
    /// The credentials are right, but an administrator has disabled the account: the client
    /// is told so (the user should contact the administrator), not asked for a password again.
    Disabled,
}

/// A successful login is written to the account at most this often (seconds): a client that
/// logs in every few seconds must not cost a commit each time.
pub const LOGIN_RECORD_INTERVAL: i64 = 60;

/// The directory facade shared by every session.
#[derive(Clone)]
pub struct Directory {
    store: Store,
    throttle: std::sync::Arc<AuthThrottle>,
    verifier: std::sync::Arc<verifier::PasswordVerifier>,
}

impl Directory {
    pub fn new(store: Store, policy: AuthPolicy) -> Directory {
        Directory {
            store,
            throttle: std::sync::Arc::new(AuthThrottle::new(policy)),
            verifier: std::sync::Arc::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether this server is the final destination for `domain`.
    pub fn is_local_domain(&self, domain: &str) -> Result<bool, DirectoryError> {
        Ok(self.store.domain(domain)?.is_some())
    }

    /// Where mail for `address` goes (see [`resolve`]).
    pub fn resolve(&self, address: &Address) -> Result<Recipient, DirectoryError> {
        resolve::resolve(&self.store, address)
    }

    /// Checks a login (user name = the account's address). Failures are slowed and then refused
    /// per (account, source), per source and (slowed only) per account ([`throttle`]), and
    /// logged with both; the hash check is bounded and cached ([`verifier`]). A missing account
    /// costs the same hash work as a wrong password. The user name is normalised once
    /// ([`login_key`]): the lookup, the throttle and the logs see the same form. The account
    /// is read first: its authentication generation tells the throttle which counters still
    /// count (an unlock by `kantor admin` raised it). A disabled account with the right
    /// password is refused as such; a successful login is noted in the account (at most
    /// every [`LOGIN_RECORD_INTERVAL`], without waiting for the write). One of the account's
    /// app passwords is as good as its password ([`app_password`]).
    pub async fn authenticate(&self, username: &str, password: &str, ip: IpAddr) -> AuthOutcome {
        let (key, address) = login_key(username);
        // A shared mailbox account is nobody's login: as if it did not exist (whatever password
        // or app password it was given), its members reach it with their own.
        let account = address.and_then(|a| {
            self.store
                .account_by_address(&a.local, &a.domain)
                .ok()
                .flatten()
                .filter(|a| !a.shared)
        });
        let generation = account.as_ref().map_or(0, |a| a.auth_generation);
        if let Some(refused) = self.throttle.refused(ip, &key, generation) {
            tracing::warn!(%ip, user = %key, ?refused, "login refused: too many failures");
            kantor_metrics::metrics().login("throttled");
            return AuthOutcome::Throttled {
                retry_after: refused.retry_after(),
            };
        }
        // An app password is found by its hash, without argon2 (app_password.rs).
        if let Some(account) = account.as_ref()
            && let Some(app) = self.app_password_of(account, password)
        {
            return self.logged_in_with(&app, account.clone(), ip, &key);
        }
        let hash = account
            .as_ref()
            .map(|a| a.password_hash.clone())
            .unwrap_or_else(|| password::DUMMY_HASH.to_string());
        let verified = self.verifier.verify(password, &hash).await;
        match account {
            Some(account) if verified && account.disabled => {
                tracing::warn!(%ip, user = %key, "login refused: account disabled");
                kantor_metrics::metrics().login("disabled");
                AuthOutcome::Disabled
            }
            Some(account) if verified => {
                self.throttle.succeeded(ip, &key);
                tracing::info!(%ip, user = %key, "login succeeded");
                kantor_metrics::metrics().login("success");
                self.note_login(&account);
                AuthOutcome::Success(account)
            }
            account => {
                let delay = self.throttle.failed(ip, &key, generation);
                tracing::warn!(%ip, user = %key, delay_ms = delay.as_millis() as u64, "login failed");
                kantor_metrics::metrics().login("failure");
                // A pair refused now was not before this failure (refused pairs stop above).
                if let (Some(account), Some(throttle::Refused::Pair(left))) =
                    (account, self.throttle.refused(ip, &key, generation))
                {
                    tracing::warn!(%ip, user = %key, secs = left.as_secs(), "login locked out");
                    self.note_lockout(&account, ip, left);
                }
                tokio::time::sleep(delay).await;
                AuthOutcome::Failed
            }
        }
    }

    /// Records in the background that `ip` is locked out of the account for `left` (for
    /// `kantor admin user show`; the throttle refuses it whether or not this is written).
    fn note_lockout(&self, account: &Account, ip: IpAddr, left: std::time::Duration) {
        let until = unix_now() + left.as_secs() as i64;
        let (store, id) = (self.store.clone(), account.id);
        tokio::spawn(async move {
            if let Err(e) = store.record_lockout(id, ip.to_string(), until).await {
                tracing::warn!(account = id, error = %e, "cannot record the lockout");
            }
        });
    }

    /// Writes the login's time to the account in the background, unless one was written in
    /// the last [`LOGIN_RECORD_INTERVAL`] (the login does not wait for the commit).
    fn note_login(&self, account: &Account) {
        let now = unix_now();
        if account
            .last_login_at
            .is_some_and(|at| (0..LOGIN_RECORD_INTERVAL).contains(&(now - at)))
        {
            return;
        }
        let (store, id) = (self.store.clone(), account.id);
        tokio::spawn(async move {
            if let Err(e) = store.record_login(id, now).await {
                tracing::warn!(account = id, error = %e, "cannot record the login time");
            }
        });
    }
}

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::login_key;

    #[test]
    fn every_spelling_of_a_login_name_is_one_key() {
        let key = |name| login_key(name).0;
        let one = key("alice@example.test");
        for spelling in [
            " Alice@Example.TEST ",
            "alice@example.test.",
            "alice@example.test..",
            "ALICE@EXAMPLE.TEST.",
        ] {
            assert_eq!(key(spelling), one, "{spelling:?}");
        }
        assert_eq!(key("josé@xn--bcher-kva.de"), key("JOSÉ@Bücher.de"));
        assert_eq!(key("josé@bücher.de"), "josé@bücher.de");
        assert_eq!(login_key("not an address").1, None);
    }
}
