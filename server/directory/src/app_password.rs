//! App passwords: a secret per client, usable wherever the password is (HTTP Basic, HTTP
//! Bearer, IMAP, POP3, SMTP AUTH), listed with when each was last used, revoked one by one
//! without changing the password.
//!
//! A secret is [`PREFIX`] and 32 random bytes in base64url (RFC 4648 §5, no padding): 256
//! bits, recognisable by its prefix (in a log, by a secret scanner, and by [`looks_like`], so
//! that a login tries the cheap lookup only for what looks like one). It is shown once, when
//! made, and stored as its BLAKE3 hash (derive-key mode, a context of its own). A fast hash is
//! right here, where argon2id is right for passwords: argon2 makes guessing a low-entropy human
//! password from its hash slow, but nobody guesses 256 random bits, slow hash or not; and a
//! fast, unsalted hash lets a secret be found by its hash (an index), with no per-request
//! hashing cost, which a client that sends it with every HTTP request needs.
//!
//! Failed attempts go through the login throttle as passwords do: a wrong app password in
//! Basic or a login is a wrong password; a wrong Bearer token names no account, so it counts
//! as a failure of an account nobody has (one per token, [`bearer_key`]): slowed, and its
//! source address refused after `source_failures_before_lockout` as for one guessing many
//! accounts, without one address's bad tokens locking out every other client behind it
//! sooner than that. Use is written at most every
//! [`USE_RECORD_INTERVAL`] seconds per app password, without waiting for the write.

use crate::{AuthOutcome, Directory, DirectoryError, unix_now};
use kantor_store::{Account, AppPassword, NewAppPassword};
use std::net::IpAddr;

/// What every secret starts with.
pub const PREFIX: &str = "kapp_";
/// Random bytes in a secret.
const SECRET_BYTES: usize = 32;
/// Characters after the prefix: 32 bytes in unpadded base64url.
const ENCODED_LEN: usize = 43;
/// The throttle's key for a Bearer token, which names no user: its hash, shortened.
fn bearer_key(token: &str) -> String {
    let digest = blake3::derive_key("kantor 2026 bearer throttle key", token.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("(bearer {hex})")
}
/// Seconds between two writes of an app password's last use.
pub const USE_RECORD_INTERVAL: i64 = 300;
/// Longest name.
const MAX_NAME: usize = 64;

/// A new secret.
pub fn generate() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    format!("{PREFIX}{}", base64url(&bytes))
}

/// Unpadded base64url (RFC 4648 §5).
fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` has the form of a secret (not whether it is one).
pub fn looks_like(text: &str) -> bool {
    text.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == ENCODED_LEN
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The stored form of a secret.
fn hash(secret: &str) -> Vec<u8> {
    blake3::derive_key("kantor 2026 app password", secret.as_bytes()).to_vec()
}

/// A name as given, checked: 1 to 64 printable characters.
fn check_name(name: &str) -> Result<String, DirectoryError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(DirectoryError::Invalid(format!(
            "an app password's name has 1 to {MAX_NAME} printable characters, not {name:?}"
        )));
    }
    Ok(name.to_string())
}

impl Directory {
    /// Makes an app password for the user at `address`, named `name` (else `app-` and a few
    /// random characters); returns it and its secret, which is not kept.
    pub async fn add_app_password(
        &self,
        address: &str,
        name: Option<&str>,
    ) -> Result<(AppPassword, String), DirectoryError> {
        let account = self.user(address)?;
        let name = match name {
            Some(name) => check_name(name)?,
            None => format!("app-{}", &generate()[PREFIX.len()..PREFIX.len() + 6]),
        };
        let secret = generate();
        let new = NewAppPassword {
            account_id: account.id,
            name,
            secret_hash: hash(&secret),
            created_at: unix_now(),
        };
        let added = self.store().add_app_password(new).await?;
        Ok((added, secret))
    }

    /// The user's app passwords, by name.
    pub fn app_passwords(&self, address: &str) -> Result<Vec<AppPassword>, DirectoryError> {
        let account = self.user(address)?;
        Ok(self.store().app_passwords(account.id)?)
    }

    /// Revokes the user's app password `name`: it fails at its next use (HTTP does not
    /// remember app passwords as it does passwords).
    pub async fn revoke_app_password(
        &self,
        address: &str,
        name: &str,
    ) -> Result<(), DirectoryError> {
        let account = self.user(address)?;
        Ok(self
            .store()
            .remove_app_password(account.id, name.trim().to_string())
            .await?)
    }

    /// The app password `secret` is, if it is one of `account`'s (for [`Directory::authenticate`]).
    pub(crate) fn app_password_of(&self, account: &Account, secret: &str) -> Option<AppPassword> {
        if !looks_like(secret) {
            return None;
        }
        let found = self.store().app_password_by_hash(&hash(secret)).ok()??;
        (found.account_id == account.id).then_some(found)
    }

    /// Checks an HTTP Bearer token (RFC 6750 §2.1): an app password, of whichever account.
    pub async fn authenticate_bearer(&self, token: &str, ip: IpAddr) -> AuthOutcome {
        let key = bearer_key(token);
        if let Some(refused) = self.throttle.refused(ip, &key, 0) {
            tracing::warn!(%ip, ?refused, "bearer token refused: too many failures");
            kantor_metrics::metrics().login("throttled");
            return AuthOutcome::Throttled {
                retry_after: refused.retry_after(),
            };
        }
        let found = looks_like(token)
            .then(|| {
                self.store()
                    .app_password_by_hash(&hash(token))
                    .ok()
                    .flatten()
            })
            .flatten();
        let account = found
            .as_ref()
            .and_then(|p| self.store().account(p.account_id).ok().flatten());
        match (found, account) {
            (Some(password), Some(account)) => {
                let user = account.address();
                self.logged_in_with(&password, account, ip, &user)
            }
            _ => {
                let delay = self.throttle.failed(ip, &key, 0);
                tracing::warn!(%ip, delay_ms = delay.as_millis() as u64, "bearer token refused");
                kantor_metrics::metrics().login("failure");
                tokio::time::sleep(delay).await;
                AuthOutcome::Failed
            }
        }
    }

    /// The outcome of a login with an app password of `account` (disabled accounts refused),
    /// its use noted.
    pub(crate) fn logged_in_with(
        &self,
        password: &AppPassword,
        account: Account,
        ip: IpAddr,
        key: &str,
    ) -> AuthOutcome {
        if account.disabled {
            tracing::warn!(%ip, user = %key, "login refused: account disabled");
            kantor_metrics::metrics().login("disabled");
            return AuthOutcome::Disabled;
        }
        self.throttle.succeeded(ip, key);
        tracing::info!(%ip, user = %key, app_password = %password.name, "login succeeded");
        kantor_metrics::metrics().login("success");
        self.note_app_password_use(password);
        AuthOutcome::Success(account)
    }

    /// Writes the app password's use in the background, unless one was written in the last
    /// [`USE_RECORD_INTERVAL`] seconds.
    fn note_app_password_use(&self, password: &AppPassword) {
        let now = unix_now();
        if password
            .last_used_at
            .is_some_and(|at| (0..USE_RECORD_INTERVAL).contains(&(now - at)))
        {
            return;
        }
        let (store, id) = (self.store().clone(), password.id);
        tokio::spawn(async move {
            if let Err(e) = store.record_app_password_use(id, now).await {
                tracing::warn!(app_password = id, error = %e, "cannot record the use");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_form_they_are_recognised_by() {
        let a = generate();
        assert!(looks_like(&a), "{a}");
        assert_eq!(a.len(), PREFIX.len() + ENCODED_LEN);
        assert_ne!(a, generate());
        assert!(!looks_like("kapp_short"));
        assert!(!looks_like(&a.replace(PREFIX, "kapx_")));
        assert!(!looks_like(&format!("{a}=")));
        assert_ne!(hash(&a), hash(&generate()));
        assert_eq!(hash(&a).len(), 32);
    }

    #[test]
    fn base64url_of_known_bytes() {
        // RFC 4648 §10's vectors, and the two characters of the url alphabet.
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(check_name(" phone ").unwrap(), "phone");
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
