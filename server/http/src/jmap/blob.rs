//! Blob ids (RFC 8620 §6): an email's blob (its hash: the whole message), an upload, or a
//! message's blob and an IMAP section (`<hash>-1_2`, as Email/get gives each body part): that
//! part's body, its transfer encoding undone; or a Sieve script's content (its hash, RFC 9661
//! §2.2). A blob is an account's only when one of its emails is made of it, it uploaded it or
//! one of its scripts is that text; to anyone else it does not exist.

use kantor_message::decode::transfer_decode;
use kantor_message::structure::BodyPart;
use kantor_store::{AccountId, BlobHash, Mail};
use std::num::NonZeroU32;

/// The bytes of a blob id, if the account may read it.
pub(crate) fn read(mail: &Mail, account: AccountId, blob_id: &str) -> Option<Vec<u8>> {
    let (hash, section) = match blob_id.split_once('-') {
        Some((hash, section)) => (hash, Some(section)),
        None => (blob_id, None),
    };
    let hash = BlobHash::parse(hash)?;
    if !readable(mail, account, &hash) {
        return match section {
            None => script(mail, account, &hash).map(String::into_bytes),
            Some(_) => None,
        };
    }
    let raw = match mail.read_blob(&hash) {
        Ok(raw) => raw,
        Err(e) => {
            tracing::warn!(error = %e, "jmap: cannot read a blob");
            return None;
        }
    };
    match section {
        None => Some(raw),
        Some(section) => part_body(&raw, section),
    }
}

/// Whether the account has an email made of the blob, or uploaded it.
pub(crate) fn readable(mail: &Mail, account: AccountId, hash: &BlobHash) -> bool {
    mail.account_has_blob(account, hash).unwrap_or(false)
        || mail.upload(account, hash).ok().flatten().is_some()
}

/// The content of the account's script whose blob is `hash`, if it has one.
pub(crate) fn script(mail: &Mail, account: AccountId, hash: &BlobHash) -> Option<String> {
    let scripts = mail.sieve_scripts(account).ok()?;
    let script = scripts
        .into_iter()
        .find(|s| BlobHash::of(s.content.as_bytes()) == *hash)?;
    Some(script.content)
}

/// The body of the part at `section` (`1_2`) of a message, transfer-decoded.
fn part_body(raw: &[u8], section: &str) -> Option<Vec<u8>> {
    let numbers = section
        .split('_')
        .map(|n| n.parse::<NonZeroU32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let root = BodyPart::of(raw, &kantor_message::mime::parse(raw));
    let part = root.find(&numbers)?;
    let body = raw.get(part.body_range())?;
    Some(
        transfer_decode(body, part.encoding.as_deref())
            .map(|b| b.into_owned())
            .unwrap_or_else(|_| body.to_vec()),
    )
}
