//! IMAP URLs (RFC 5092) that name a message or a part of one, as CATENATE's `URL` parts do
//! (RFC 4469 §3, §5): syntax and relative resolution only; whether the URL is this server's
//! and what it points to is the session's business.
//!
//! ```text
//! imapurl        = "imap://" iserver ipath-query
//! iserver        = [iuserinfo "@"] host [":" port]
//! iuserinfo      = enc-user [iauth] / [enc-user] iauth
//! iauth          = ";AUTH=" ( "*" / enc-auth-type )
//! imessagepart   = imailbox-ref iuid [isection] [ipartial]
//! imailbox-ref   = enc-mailbox [uidvalidity]
//! uidvalidity    = ";UIDVALIDITY=" nz-number
//! iuid           = "/" iuid-only        iuid-only     = ";UID=" nz-number
//! isection       = "/" isection-only    isection-only = ";SECTION=" enc-section
//! ipartial       = "/" ipartial-only    ipartial-only = ";PARTIAL=" partial-range
//! partial-range  = number ["." nz-number]
//! enc-mailbox    = 1*bchar              enc-section   = 1*bchar
//! bchar          = achar / ":" / "@" / "/"
//! achar          = uchar / "&" / "="
//! uchar          = unreserved / pct-encoded / sub-delims-sh
//! sub-delims-sh  = "!" / "$" / "'" / "(" / ")" / "*" / "+" / ","
//! relative-imapurl = "/" / inetwork-path / iabsolute-path / irelative-path
//! imsg-or-part   = ( imailbox-ref "/" iuid-only ["/" isection-only] ["/" ipartial-only] ) /
//!                  ( iuid-only ["/" isection-only] ["/" ipartial-only] ) / ...
//! ```
//!
//! Relative references are resolved as RFC 3986 §5.2 says against the URL of the selected
//! mailbox, taken as a container (`/<mailbox>;UIDVALIDITY=<n>/`): `;UID=20/;SECTION=1` names a
//! message of the selected mailbox (its UIDVALIDITY included), `Sub/;UID=3` one of
//! `<mailbox>/Sub`, `../Other/;UID=3` one of a sibling. `enc-mailbox` is the %-encoded UTF-8
//! name (RFC 5092 §11); `enc-section` a %-encoded `section-spec` (RFC 9051 §9).
//! URLAUTH (RFC 4467) and message lists (`?search`) are refused: they do not name a message part.

use crate::command::fetch::{Section, parse_section};
use crate::parser::Parser;
use std::num::NonZeroU32;

/// The `iserver` of an absolute URL (`imap://user;AUTH=*@host:143/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// `enc-user`, %-decoded.
    pub user: Option<String>,
    /// `;AUTH=` type (`*` for any).
    pub auth: Option<String>,
    /// The host, as written (reg-name %-decoded, or `[IP-literal]`).
    pub host: String,
    /// The port, if one was given.
    pub port: Option<u16>,
}

/// `;PARTIAL=offset[.length]`: a byte range of the part (RFC 5092 §11 `partial-range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlPartial {
    /// The first octet, from 0.
    pub offset: u32,
    /// How many octets at most; to the end when absent.
    pub length: Option<NonZeroU32>,
}

/// A resolved URL naming a message or one of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePartUrl {
    /// The server part of an absolute URL; `None` for a server-relative one.
    pub authority: Option<Authority>,
    /// The mailbox name, UTF-8.
    pub mailbox: String,
    /// The UIDVALIDITY the URL was made for, if it says.
    pub uidvalidity: Option<NonZeroU32>,
    /// The message.
    pub uid: NonZeroU32,
    /// The part; the whole message when absent.
    pub section: Option<Section>,
    /// A byte range of the part.
    pub partial: Option<UrlPartial>,
}

/// The selected mailbox, which relative URLs are resolved against.
#[derive(Debug, Clone, Copy)]
pub struct Base<'a> {
    /// Its name, UTF-8.
    pub mailbox: &'a str,
    /// Its UIDVALIDITY.
    pub uidvalidity: Option<NonZeroU32>,
}

/// Why a URL names no message part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Another scheme (`http:`...).
    #[error("not an IMAP URL")]
    NotImap,
    /// A relative URL while no mailbox is selected.
    #[error("relative URL but no mailbox is selected")]
    NoBase,
    /// A mailbox, a message list or a search: no single message.
    #[error("the URL does not name a message")]
    NotAMessage,
    /// URLAUTH-authorized URLs (RFC 4467) are not supported.
    #[error("URLAUTH is not supported")]
    Urlauth,
    /// Not RFC 5092 syntax; the text says what is wrong.
    #[error("invalid IMAP URL: {0}")]
    Syntax(&'static str),
}

type UResult<T> = Result<T, UrlError>;

fn syntax<T>(what: &'static str) -> UResult<T> {
    Err(UrlError::Syntax(what))
}

/// Parses `url` (absolute, network-path, absolute-path or relative, RFC 5092 §5/§7) and resolves
/// it against `base`, the selected mailbox if any.
pub fn parse_message_url(url: &str, base: Option<Base<'_>>) -> UResult<MessagePartUrl> {
    if url.is_empty() {
        return syntax("empty URL");
    }
    if !url.bytes().all(is_uri_char) {
        return syntax("character not allowed in a URL");
    }
    if url.contains('#') {
        return syntax("fragments are not allowed");
    }
    if url.contains('?') {
        return Err(UrlError::NotAMessage);
    }
    let lower = url.to_ascii_lowercase();
    if lower.contains(";urlauth=") || lower.contains(";expire=") {
        return Err(UrlError::Urlauth);
    }
    let (authority, path) = if let Some(rest) = strip_scheme(url)? {
        let rest = rest
            .strip_prefix("//")
            .ok_or(UrlError::Syntax("imap: needs //"))?;
        split_authority(rest)?
    } else if let Some(rest) = url.strip_prefix("//") {
        split_authority(rest)?
    } else {
        (None, url)
    };
    let (mailbox, uidvalidity, params) = if let Some(absolute) = path.strip_prefix('/') {
        let segments = remove_dot_segments(absolute.split('/'));
        split_mailbox(&segments)?
    } else if authority.is_some() {
        return Err(UrlError::NotAMessage);
    } else {
        let base = base.ok_or(UrlError::NoBase)?;
        if path.starts_with(';') {
            // `;UID=...`: the selected mailbox itself (its last segment, UIDVALIDITY and all).
            let params: Vec<&str> = path.split('/').collect();
            (base.mailbox.to_string(), base.uidvalidity, owned(&params))
        } else {
            let merged = format!("{}/{path}", encode_mailbox(base.mailbox));
            let segments = remove_dot_segments(merged.split('/'));
            split_mailbox(&segments)?
        }
    };
    let (uid, section, partial) = message_params(&params)?;
    Ok(MessagePartUrl {
        authority,
        mailbox,
        uidvalidity,
        uid,
        section,
        partial,
    })
}

/// `imap:` (any case) and what follows it; another scheme is [`UrlError::NotImap`]; `None`
/// when the URL has no scheme (RFC 3986 §3.1: a first segment with `:` is a scheme).
fn strip_scheme(url: &str) -> UResult<Option<&str>> {
    let Some(colon) = url.find(':') else {
        return Ok(None);
    };
    let scheme = &url[..colon];
    let is_scheme = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !is_scheme {
        return Ok(None);
    }
    if scheme.eq_ignore_ascii_case("imap") {
        Ok(Some(&url[colon + 1..]))
    } else {
        Err(UrlError::NotImap)
    }
}

/// `iserver` then the path (which starts with `/` or is empty).
fn split_authority(rest: &str) -> UResult<(Option<Authority>, &str)> {
    let end = rest.find('/').unwrap_or(rest.len());
    let authority = parse_authority(&rest[..end])?;
    Ok((Some(authority), &rest[end..]))
}

fn parse_authority(s: &str) -> UResult<Authority> {
    let (userinfo, hostport) = match s.rfind('@') {
        Some(at) => (Some(&s[..at]), &s[at + 1..]),
        None => (None, s),
    };
    let (mut user, mut auth) = (None, None);
    if let Some(userinfo) = userinfo {
        let (enc_user, enc_auth) = match find_ignore_case(userinfo, ";AUTH=") {
            Some(i) => (&userinfo[..i], Some(&userinfo[i + 6..])),
            None => (userinfo, None),
        };
        if !enc_user.is_empty() {
            check_chars(enc_user, is_achar, "invalid user name")?;
            user = Some(decode_utf8(enc_user)?);
        }
        if let Some(enc_auth) = enc_auth {
            if enc_auth.is_empty() || (enc_auth != "*" && !enc_auth.bytes().all(is_achar)) {
                return syntax("invalid ;AUTH= type");
            }
            auth = Some(decode_utf8(enc_auth)?);
        }
        if user.is_none() && auth.is_none() {
            return syntax("empty user information");
        }
    }
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport
            .find(']')
            .ok_or(UrlError::Syntax("unclosed IP literal"))?;
        (&hostport[..=close], &hostport[close + 1..])
    } else {
        match hostport.find(':') {
            Some(i) => (&hostport[..i], &hostport[i..]),
            None => (hostport, ""),
        }
    };
    let port = match port {
        "" | ":" => None,
        p => match p.strip_prefix(':').and_then(|d| d.parse::<u16>().ok()) {
            Some(n) if p[1..].bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return syntax("invalid port"),
        },
    };
    if host.is_empty() {
        return syntax("empty host");
    }
    let host = if host.starts_with('[') {
        host.to_string()
    } else {
        check_chars(
            host,
            |b| is_uchar(b) || matches!(b, b'&' | b'=' | b';'),
            "invalid host",
        )?;
        decode_utf8(host)?
    };
    Ok(Authority {
        user,
        auth,
        host,
        port,
    })
}

/// RFC 3986 §5.2.4 on path segments: `.` goes, `..` removes the one before it.
fn remove_dot_segments<'a>(segments: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for segment in segments {
        match segment {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out
}

fn owned(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| (*s).to_string()).collect()
}

/// Splits `mailbox[;UIDVALIDITY=n]/;UID=...` (the path after its leading `/`) at the first
/// segment that is a parameter.
fn split_mailbox(segments: &[&str]) -> UResult<(String, Option<NonZeroU32>, Vec<String>)> {
    let Some(first_param) = segments.iter().position(|s| s.starts_with(';')) else {
        return Err(UrlError::NotAMessage);
    };
    if first_param == 0 {
        return syntax("no mailbox name");
    }
    let imailbox_ref = segments[..first_param].join("/");
    let (enc_mailbox, uidvalidity) = match imailbox_ref.split_once(';') {
        Some((name, param)) => {
            let value = strip_prefix_ignore_case(param, "UIDVALIDITY=")
                .ok_or(UrlError::Syntax("unknown mailbox parameter"))?;
            (name, Some(nz_number(value)?))
        }
        None => (imailbox_ref.as_str(), None),
    };
    if enc_mailbox.is_empty() {
        return syntax("no mailbox name");
    }
    check_chars(enc_mailbox, is_bchar, "invalid character in mailbox name")?;
    let mailbox = decode_utf8(enc_mailbox)?;
    Ok((mailbox, uidvalidity, owned(&segments[first_param..])))
}

/// `;UID=n [/;SECTION=s] [/;PARTIAL=o[.l]]`, split at `/`. The section may itself hold `/`.
fn message_params(params: &[String]) -> UResult<(NonZeroU32, Option<Section>, Option<UrlPartial>)> {
    let Some((first, mut rest)) = params.split_first() else {
        return Err(UrlError::NotAMessage);
    };
    let uid = match strip_prefix_ignore_case(first, ";UID=") {
        Some(n) => nz_number(n)?,
        None if strip_prefix_ignore_case(first, ";SECTION=").is_some()
            || strip_prefix_ignore_case(first, ";PARTIAL=").is_some() =>
        {
            // Relative to a message, but the base is a mailbox.
            return Err(UrlError::NotAMessage);
        }
        None => return syntax("expected ;UID="),
    };
    let mut partial = None;
    if let Some((last, before)) = rest.split_last()
        && let Some(range) = strip_prefix_ignore_case(last, ";PARTIAL=")
    {
        partial = Some(partial_range(range)?);
        rest = before;
    }
    let section = match rest {
        [] => None,
        [first, ..] => {
            let joined = rest.join("/");
            let enc = strip_prefix_ignore_case(&joined, ";SECTION=")
                .ok_or(UrlError::Syntax("expected ;SECTION= or ;PARTIAL="))?;
            if first.is_empty() || enc.is_empty() {
                return syntax("empty section");
            }
            check_chars(enc, is_bchar, "invalid character in section")?;
            Some(section_spec(&decode(enc)?)?)
        }
    };
    Ok((uid, section, partial))
}

/// `section-spec` (RFC 9051 §9) as FETCH's `BODY[...]` takes it.
fn section_spec(spec: &[u8]) -> UResult<Section> {
    let mut bracketed = Vec::with_capacity(spec.len() + 2);
    bracketed.push(b'[');
    bracketed.extend_from_slice(spec);
    bracketed.push(b']');
    let mut p = Parser::new(&bracketed);
    match parse_section(&mut p) {
        Ok(section) if p.rest().is_empty() && section != Section::Full => Ok(section),
        _ => syntax("invalid section"),
    }
}

/// `partial-range = number ["." nz-number]`
fn partial_range(s: &str) -> UResult<UrlPartial> {
    let (offset, length) = match s.split_once('.') {
        Some((o, l)) => (o, Some(nz_number(l)?)),
        None => (s, None),
    };
    Ok(UrlPartial {
        offset: number(offset)?,
        length,
    })
}

fn number(s: &str) -> UResult<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return syntax("expected a number");
    }
    s.parse()
        .map_err(|_| UrlError::Syntax("number out of range"))
}

fn nz_number(s: &str) -> UResult<NonZeroU32> {
    NonZeroU32::new(number(s)?).ok_or(UrlError::Syntax("expected a non-zero number"))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn find_ignore_case(s: &str, needle: &str) -> Option<usize> {
    s.to_ascii_lowercase().find(&needle.to_ascii_lowercase())
}

/// Characters a URI may hold (RFC 3986 §2): unreserved, reserved and `%`.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// `uchar` less `pct-encoded` (checked when decoding).
fn is_uchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$'()*+,%".contains(&b)
}

fn is_achar(b: u8) -> bool {
    is_uchar(b) || b == b'&' || b == b'='
}

fn is_bchar(b: u8) -> bool {
    is_achar(b) || b == b':' || b == b'@' || b == b'/'
}

fn check_chars(s: &str, ok: impl Fn(u8) -> bool, what: &'static str) -> UResult<()> {
    if s.bytes().all(ok) {
        Ok(())
    } else {
        syntax(what)
    }
}

/// %-decoding (RFC 3986 §2.1).
fn decode(s: &str) -> UResult<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(UrlError::Syntax("invalid %-escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn decode_utf8(s: &str) -> UResult<String> {
    String::from_utf8(decode(s)?).map_err(|_| UrlError::Syntax("not UTF-8 once decoded"))
}

/// A mailbox name as `enc-mailbox`: `/` kept (the hierarchy), everything not a `bchar`
/// %-encoded.
pub fn encode_mailbox(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if is_bchar(b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
