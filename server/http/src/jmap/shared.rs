//! Accounts shared with the user (RFC 8620 §1.6.2): another user's or a shared mailbox's
//! account, reached through the IMAP ACLs of its mailboxes (RFC 4314). Which ones there are and
//! what the user may do in each is the store's decision ([`kantor_store::Mail::shared_accounts`],
//! [`kantor_store::Mail::mailbox_rights`]); here they become the session's accounts and the
//! per-mailbox view Mailbox/get shows.
//!
//! In a shared account only the mail data types are served (`urn:ietf:params:jmap:mail`):
//! VacationResponse, SieveScript, Identity, EmailSubmission and Quota are the owner's own
//! business (`Call::personal_account`: `accountNotSupportedByMethod`).

use super::call::{Call, account_id, store_error};
use kantor_jmap_proto::session::Account;
use kantor_jmap_proto::{Id, MethodError};
use kantor_store::{
    AccountId, HIERARCHY_DELIMITER, Mail, Mailbox, MailboxRights, SharedAccount, StoreError,
};
use serde_json::{Value, json};
use std::collections::HashSet;

/// The IMAP namespaces (kantor-imap `access.rs`) under which the user subscribes to another
/// user's mailboxes and to a shared mailbox account's.
const OTHER_USERS: &str = "Other Users";
const SHARED_FOLDERS: &str = "Shared Folders";

/// The session's entries for the accounts shared with the user (RFC 8620 §2): not personal,
/// read-only when no right held there changes anything, with the mail capability alone.
pub(crate) fn session_accounts(mail: &Mail) -> Vec<(Id, Account, SharedAccount)> {
    let shared = match mail.shared_accounts() {
        Ok(shared) => shared,
        Err(e) => {
            tracing::warn!(error = %e, "jmap: cannot list shared accounts");
            Vec::new()
        }
    };
    shared
        .into_iter()
        .filter_map(|account| {
            let id = Id::new(account_id(account.id)).ok()?;
            let entry = Account {
                name: account.address.clone(),
                is_personal: false,
                is_read_only: account.is_read_only(),
                account_capabilities: [(super::MAIL.to_string(), mail_capability(false))]
                    .into_iter()
                    .collect(),
            };
            Some((id, entry, account))
        })
        .collect()
}

/// RFC 8621 §1.3.1: an account's mail limits; only its owner creates at the top.
pub(crate) fn mail_capability(personal: bool) -> Value {
    json!({
        "maxMailboxesPerEmail": null,
        "maxMailboxDepth": 32,
        "maxSizeMailboxName": 512,
        "maxSizeAttachmentsPerEmail": 50_000_000,
        "emailQuerySortOptions": ["receivedAt", "size"],
        "mayCreateTopLevelMailbox": personal,
    })
}

/// What the user sees of an account's mailboxes beyond the mailboxes themselves: the rights
/// held on each, and (in another's account) the user's own subscriptions.
pub(crate) struct View {
    pub rights: MailboxRights,
    /// In another's account: the IMAP names the user subscribed to (`Other Users/owner/…`).
    shared: Option<(String, HashSet<String>)>,
}

impl View {
    pub(crate) fn of(call: &Call<'_>, account: AccountId) -> Result<View, MethodError> {
        let rights = call.mail.mailbox_rights(account).map_err(store_error)?;
        if account == call.account.id {
            return Ok(View {
                rights,
                shared: None,
            });
        }
        let prefix = imap_prefix(call, account).map_err(store_error)?;
        let names = call
            .mail
            .subscriptions(call.account.id)
            .map_err(store_error)?
            .into_iter()
            .collect();
        Ok(View {
            rights,
            shared: Some((prefix, names)),
        })
    }

    /// Whether the user subscribed to the mailbox (RFC 8621 §2 `isSubscribed`): the owner's
    /// subscription in their own account, the user's to its IMAP name in another's.
    pub(crate) fn subscribed(&self, mailbox: &Mailbox) -> bool {
        match &self.shared {
            None => mailbox.subscribed,
            Some((prefix, names)) => names.contains(&format!("{prefix}{}", mailbox.name)),
        }
    }
}

/// Where the user's subscription to the mailbox `name` of `account` is kept: in their own
/// account, under the name IMAP shows for it (`Other Users/OWNER/NAME` for another's), so that
/// IMAP LSUB and JMAP `isSubscribed` agree.
pub(crate) fn subscription(
    call: &Call<'_>,
    account: AccountId,
    name: &str,
) -> Result<(AccountId, String), StoreError> {
    match account == call.account.id {
        true => Ok((account, name.to_string())),
        false => Ok((
            call.account.id,
            format!("{}{name}", imap_prefix(call, account)?),
        )),
    }
}

/// The IMAP name prefix of another's account (`Other Users/alice@corp.test/`, or
/// `Shared Folders/sales@corp.test/` for a shared mailbox account).
fn imap_prefix(call: &Call<'_>, account: AccountId) -> Result<String, StoreError> {
    let shared = call.shared_accounts()?;
    let owner = shared
        .iter()
        .find(|a| a.id == account)
        .ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
    let namespace = match owner.shared {
        true => SHARED_FOLDERS,
        false => OTHER_USERS,
    };
    Ok(format!(
        "{namespace}{HIERARCHY_DELIMITER}{}{HIERARCHY_DELIMITER}",
        owner.address
    ))
}

/// An account's state (RFC 8620 §1.6.4): its change counter, and in another's account a
/// fingerprint of the rights the user holds there after it (`12-3fa0c1d2e4b59a70`), so that a
/// state given before a rights change is one `/changes` cannot start from (RFC 8620 §5.2:
/// `cannotCalculateChanges`; the log does not say which emails a revoked `r` hid).
pub(crate) fn state(modseq: u64, fingerprint: Option<&str>) -> String {
    match fingerprint {
        Some(fingerprint) => format!("{modseq}-{fingerprint}"),
        None => modseq.to_string(),
    }
}

/// A short digest of the rights held on each mailbox of an account: changes whenever any of
/// them does (a grant, a revocation, a mailbox made or removed that the user can see).
pub(crate) fn fingerprint(rights: &MailboxRights) -> String {
    let mut text = String::new();
    match rights {
        MailboxRights::All(all) => text.push_str(&format!("*{}", all.bits())),
        MailboxRights::Each(each) => {
            let mut each: Vec<_> = each.iter().map(|(m, r)| (*m, r.bits())).collect();
            each.sort_unstable();
            for (mailbox, bits) in each {
                text.push_str(&format!("{mailbox}:{bits},"));
            }
        }
    }
    blake3::hash(text.as_bytes()).to_hex()[..16].to_string()
}

/// [`state`] of `account` as `user` sees it, for push (`push.rs`), which has no [`Call`].
pub(crate) fn state_for(mail: &Mail, user: AccountId, account: AccountId) -> String {
    let modseq = mail.account(account).ok().flatten().map_or(0, |a| a.modseq);
    let fingerprint = (account != user)
        .then(|| mail.mailbox_rights(account).ok())
        .flatten()
        .map(|rights| fingerprint(&rights));
    state(modseq, fingerprint.as_deref())
}
