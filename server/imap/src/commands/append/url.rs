//! A CATENATE `URL` part (RFC 4469 §3): an IMAP URL (RFC 5092) to a message or a part of one
//! in this user's mailboxes, read through the store as `BODY[section]<partial>` would be.
//!
//! Accepted: `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]`, the same after
//! `imap://[user@]host[:port]` or `//host` when the host is this server's name and the user (if
//! any) the logged-in one, and relative URLs resolved against the selected mailbox (`;UID=n...`
//! names one of its messages). Anything else, a mailbox that does not exist, a UIDVALIDITY that
//! does not match, a UID that is not (or no longer) there or a section the message does not
//! have is `NO [BADURL url]` (RFC 4469 §5, §6 example).

use super::catenate::too_big;
use crate::access;
use crate::outcome::Refusal;
use crate::session::Session;
use kantor_imap_message::fetch::body_section;
use kantor_imap_proto::Code;
use kantor_imap_proto::imapurl::{Authority, Base, UrlPartial, parse_message_url};
use std::num::NonZeroU32;

/// The octets `url` names; `room` is how many more the message may take (a whole message
/// larger than that is refused before it is read).
pub(super) fn fetch(session: &Session, url: &str, room: u64) -> Result<Vec<u8>, Refusal> {
    let bad = |text: &str| Refusal::no_code(Code::BadUrl(url.to_string()), text.to_string());
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let base = session.state.selected().map(|selected| Base {
        mailbox: &selected.name,
        uidvalidity: NonZeroU32::new(selected.view.uidvalidity),
    });
    let target = parse_message_url(url, base).map_err(|e| bad(&capitalise(&e.to_string())))?;
    if let Some(authority) = &target.authority
        && !is_ours(authority, &session.ctx.hostname, &user.address)
    {
        return Err(bad("The URL is not for this server and user"));
    }
    let store = session.store();
    let mailbox = access::resolve_name(&store, user.account_id, &target.mailbox)?
        .find(&store)?
        .ok_or_else(|| bad("No such mailbox"))?;
    if target
        .uidvalidity
        .is_some_and(|v| v.get() != mailbox.uidvalidity)
    {
        return Err(bad("UIDVALIDITY does not match"));
    }
    let summary = store
        .message_by_uid(mailbox.id, target.uid.get())?
        .ok_or_else(|| bad("No such message"))?;
    if target.section.is_none() && target.partial.is_none() && summary.size > room {
        return Err(too_big());
    }
    let raw = store.read_blob(&summary.blob)?;
    let data = body_section(&raw, target.section.as_ref()).ok_or_else(|| bad("No such section"))?;
    Ok(partial(data, target.partial))
}

/// Whether an absolute URL's server is this one: the configured host name (any case; the port
/// is not checked, a proxy may change it) and, if the URL names a user, the logged-in account.
fn is_ours(authority: &Authority, hostname: &str, address: &str) -> bool {
    authority.host.eq_ignore_ascii_case(hostname)
        && authority
            .user
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(address))
}

/// `;PARTIAL=offset[.length]`: from `offset` (empty past the end), at most `length` octets.
fn partial(mut data: Vec<u8>, partial: Option<UrlPartial>) -> Vec<u8> {
    let Some(p) = partial else {
        return data;
    };
    let start = (p.offset as usize).min(data.len());
    data.drain(..start);
    if let Some(length) = p.length {
        data.truncate(length.get() as usize);
    }
    data
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(user: Option<&str>, host: &str) -> Authority {
        Authority {
            user: user.map(String::from),
            auth: None,
            host: host.into(),
            port: Some(143),
        }
    }

    #[test]
    fn only_this_server_and_user() {
        let me = "joe@example.test";
        assert!(is_ours(
            &authority(None, "MAIL.example.test"),
            "mail.example.test",
            me
        ));
        assert!(is_ours(
            &authority(Some("Joe@Example.test"), "mail.example.test"),
            "mail.example.test",
            me
        ));
        assert!(!is_ours(
            &authority(Some("ann@example.test"), "mail.example.test"),
            "mail.example.test",
            me
        ));
        assert!(!is_ours(
            &authority(None, "other.example"),
            "mail.example.test",
            me
        ));
    }

    #[test]
    fn partial_ranges() {
        let range = |offset, length| {
            Some(UrlPartial {
                offset,
                length: NonZeroU32::new(length),
            })
        };
        assert_eq!(partial(b"abcdef".to_vec(), None), b"abcdef");
        assert_eq!(partial(b"abcdef".to_vec(), range(2, 3)), b"cde");
        assert_eq!(partial(b"abcdef".to_vec(), range(2, 0)), b"cdef");
        assert_eq!(partial(b"abcdef".to_vec(), range(4, 10)), b"ef");
        assert_eq!(partial(b"abcdef".to_vec(), range(100_000, 1)), b"");
    }

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(capitalise("not an IMAP URL"), "Not an IMAP URL");
        assert_eq!(capitalise(""), "");
    }
}
