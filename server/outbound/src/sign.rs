//! DKIM signing of outgoing mail (RFC 6376 §5, RFC 8463): a message whose From (or, failing
//! that, envelope sender) is at a local domain is signed with each of that domain's keys (an
//! Ed25519 signature and an RSA one, so that verifiers that know only RSA still find one), the
//! signatures prepended to the message as sent. A message that cannot be signed goes unsigned,
//! with a warning: a signature is a help to its delivery, never a reason to hold it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kantor_directory::Directory;
use kantor_store::DkimKey;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{DkimSigner, Done};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The header fields signed (RFC 6376 §5.4.1), each listed once more than it may appear, so
/// that none can be added afterwards.
const SIGNED: [&str; 12] = [
    "From",
    "From",
    "To",
    "Cc",
    "Subject",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
];

/// How long a domain's parsed keys are reused before the directory is read again (a key
/// added or rotated is used from then on).
const KEYS_FRESH_FOR: Duration = Duration::from_secs(60);

/// One parsed key, ready to sign.
enum Signer {
    Ed25519(DkimSigner<Ed25519Key, Done>),
    Rsa(DkimSigner<RsaKey<Sha256>, Done>),
}

impl Signer {
    fn new(key: &DkimKey, domain: &str) -> mail_auth::Result<Signer> {
        Ok(match key.algorithm.as_str() {
            "ed25519-sha256" => Signer::Ed25519(
                DkimSigner::from_key(Ed25519Key::from_pkcs8_der(&key.private_key)?)
                    .domain(domain)
                    .selector(&key.selector)
                    .headers(SIGNED),
            ),
            _ => Signer::Rsa(
                DkimSigner::from_key(RsaKey::<Sha256>::from_key_der(PrivateKeyDer::Pkcs8(
                    PrivatePkcs8KeyDer::from(key.private_key.as_slice()),
                ))?)
                .domain(domain)
                .selector(&key.selector)
                .headers(SIGNED),
            ),
        })
    }

    /// The DKIM-Signature field for `message`.
    fn sign(&self, message: &[u8]) -> mail_auth::Result<String> {
        Ok(match self {
            Signer::Ed25519(signer) => signer.sign(message)?.to_header(),
            Signer::Rsa(signer) => signer.sign(message)?.to_header(),
        })
    }
}

/// The signing keys of local domains, parsed once and kept for [`KEYS_FRESH_FOR`]: parsing and
/// checking an RSA key costs more than signing with it.
#[derive(Default)]
pub(crate) struct Signers {
    by_domain: Mutex<HashMap<String, Parsed>>,
}

/// A domain's signers and when they were read.
type Parsed = (Instant, Arc<Vec<Signer>>);

impl Signers {
    /// The message with its DKIM-Signature fields first, or as it is when its domain has no
    /// keys.
    pub(crate) fn sign(&self, directory: &Directory, mail_from: &str, message: &[u8]) -> Vec<u8> {
        let Some(domain) = signing_domain(directory, mail_from, message) else {
            return message.to_vec();
        };
        let mut signatures = String::new();
        for signer in self.for_domain(directory, &domain).iter() {
            match signer.sign(message) {
                Ok(header) => signatures.push_str(&header),
                Err(e) => tracing::warn!(%domain, error = %e, "outbound: cannot sign"),
            }
        }
        let mut out = Vec::with_capacity(signatures.len() + message.len());
        out.extend_from_slice(signatures.as_bytes());
        out.extend_from_slice(message);
        out
    }

    fn for_domain(&self, directory: &Directory, domain: &str) -> Arc<Vec<Signer>> {
        let now = Instant::now();
        let mut cache = self.by_domain.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, signers)) = cache.get(domain)
            && now.duration_since(*at) < KEYS_FRESH_FOR
        {
            return Arc::clone(signers);
        }
        let mut keys = directory.dkim_keys(domain);
        // Ed25519 first: RFC 8463 §3 lets a verifier stop at the first good signature.
        keys.sort_by_key(|k| !k.algorithm.starts_with("ed25519"));
        let signers: Vec<Signer> = keys
            .iter()
            .filter_map(|key| match Signer::new(key, domain) {
                Ok(signer) => Some(signer),
                Err(e) => {
                    tracing::warn!(%domain, selector = %key.selector, error = %e, "outbound: unusable DKIM key");
                    None
                }
            })
            .collect();
        let signers = Arc::new(signers);
        cache.insert(domain.to_string(), (now, Arc::clone(&signers)));
        signers
    }
}

/// The local domain a message is signed for: its From address's, else its sender's.
fn signing_domain(directory: &Directory, mail_from: &str, message: &[u8]) -> Option<String> {
    let from = from_domain(message);
    let sender = mail_from
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase());
    [from, sender]
        .into_iter()
        .flatten()
        .find(|d| directory.is_local_domain(d).unwrap_or(false))
}

/// The domain of the first address in the From field.
fn from_domain(message: &[u8]) -> Option<String> {
    let root = kantor_message::mime::parse_header(message);
    let fields = root.fields(message);
    let list = kantor_message::address::parse_list(&kantor_message::header::text(&fields, "From")?);
    let first = kantor_message::address::mailboxes(&list).next()?;
    first
        .domain
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::from_domain;

    #[test]
    fn the_from_domain_is_found_in_folded_and_plain_forms() {
        assert_eq!(
            from_domain(b"To: a@b\r\nFrom: \"Jo\"\r\n <jo@One.Test>\r\n\r\nx").as_deref(),
            Some("one.test")
        );
        assert_eq!(
            from_domain(b"From: jo@two.test\r\n\r\n").as_deref(),
            Some("two.test")
        );
        assert_eq!(from_domain(b"Subject: none\r\n\r\n"), None);
    }
}
