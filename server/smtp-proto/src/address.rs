//! Mailboxes and paths (RFC 5321 §4.1.2, §4.1.3, limits from §4.5.3.1),
//! with the UTF-8 extensions of RFC 6531 §3.3.
//!
//! ```text
//! Path          = "<" [ A-d-l ":" ] Mailbox ">"
//! A-d-l         = At-domain *( "," At-domain )    ; source route: accepted, ignored
//! Mailbox       = Local-part "@" ( Domain / address-literal )
//! Local-part    = Dot-string / Quoted-string
//! Dot-string    = Atom *("."  Atom)
//! Quoted-string = DQUOTE *QcontentSMTP DQUOTE
//! Domain        = sub-domain *("." sub-domain)
//! sub-domain    = Let-dig [Ldh-str]  /  U-label   ; RFC 6531
//! atext        =/ UTF8-non-ascii; qtextSMTP =/ UTF8-non-ascii
//! ```

use std::fmt;
use std::net::Ipv6Addr;

use crate::error::ParseError;

/// Longest local part, in octets as received (RFC 5321 §4.5.3.1.1).
pub const LOCAL_PART_MAX: usize = 64;
/// Longest mailbox: a 256-octet path minus the angle brackets (§4.5.3.1.3).
pub const MAILBOX_MAX: usize = 254;

/// An address `local@domain`, as received.
///
/// `local` is unquoted (`"a b"@x` gives `a b`); `domain` is kept as sent,
/// address literals with their brackets (`[192.0.2.1]`). `domain` is empty
/// only for the special recipient `<Postmaster>` (RFC 5321 §4.5.1). Both may
/// hold UTF-8 (RFC 6531); the session decides whether that was allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    pub local: String,
    pub domain: String,
}

/// The argument of MAIL FROM (RFC 5321 §4.1.2): `<>` or a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath {
    /// `<>`: bounces and other notifications (§4.5.5).
    Null,
    Mailbox(Mailbox),
}

impl ReversePath {
    /// The mailbox, unless this is the null path.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ReversePath::Null => None,
            ReversePath::Mailbox(m) => Some(m),
        }
    }

    /// True for `<>`.
    pub fn is_null(&self) -> bool {
        matches!(self, ReversePath::Null)
    }
}

impl fmt::Display for ReversePath {
    /// The path form: `<>` or `<local@domain>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

impl Mailbox {
    /// Parses a bare `local@domain` (no angle brackets, no source route).
    /// Unlike a RCPT path, a bare `Postmaster` without domain is rejected.
    pub fn parse(s: &str) -> Result<Mailbox, ParseError> {
        let (mailbox, end) = parse_mailbox(s, 0).map_err(ParseError::InvalidAddress)?;
        if end != s.len() {
            return Err(ParseError::InvalidAddress(
                "Trailing characters after address",
            ));
        }
        Ok(mailbox)
    }

    /// The domain lower-cased, for comparisons (domains are case-insensitive,
    /// RFC 5321 §2.4; local parts are not).
    pub fn domain_lowercase(&self) -> String {
        self.domain.to_lowercase()
    }

    /// True when both parts are ASCII, i.e. SMTPUTF8 is not needed.
    pub fn is_ascii(&self) -> bool {
        self.local.is_ascii() && self.domain.is_ascii()
    }

    /// True when the local part is `postmaster` in any case (§4.5.1).
    pub fn is_postmaster(&self) -> bool {
        self.local.eq_ignore_ascii_case("postmaster")
    }

    /// True when the domain is an address literal such as `[192.0.2.1]`.
    pub fn is_address_literal(&self) -> bool {
        self.domain.starts_with('[')
    }
}

impl fmt::Display for Mailbox {
    /// `local@domain`, quoting the local part when it is not a Dot-string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_dot_string(&self.local) {
            f.write_str(&self.local)?;
        } else {
            f.write_str("\"")?;
            for c in self.local.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")?;
        }
        if !self.domain.is_empty() {
            write!(f, "@{}", self.domain)?;
        }
        Ok(())
    }
}

/// atext (RFC 5322 §3.2.3) plus UTF8-non-ascii octets (RFC 6531 §3.3).
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b) || b >= 0x80
}

fn is_dot_string(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// Parses `Local-part` at `pos`; returns the unquoted value, the end offset
/// and whether it was quoted.
fn parse_local(s: &str, pos: usize) -> Result<(String, usize, bool), &'static str> {
    let bytes = s.as_bytes();
    if bytes.get(pos) == Some(&b'"') {
        let mut value = Vec::new();
        let mut i = pos + 1;
        loop {
            match bytes.get(i) {
                None => return Err("Unterminated quoted local part"),
                Some(b'"') => break,
                Some(b'\\') => match bytes.get(i + 1) {
                    Some(&c) if (32..=126).contains(&c) => {
                        value.push(c);
                        i += 2;
                    }
                    _ => return Err("Bad quoted-pair in local part"),
                },
                // qtextSMTP: %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii
                Some(&c) if (32..=126).contains(&c) || c >= 0x80 => {
                    value.push(c);
                    i += 1;
                }
                Some(_) => return Err("Control character in local part"),
            }
        }
        let value = String::from_utf8(value).map_err(|_| "Bad local part")?;
        Ok((value, i + 1, true))
    } else {
        let len = bytes[pos.min(bytes.len())..]
            .iter()
            .take_while(|&&b| is_atext(b) || b == b'.')
            .count();
        let local = &s[pos..pos + len];
        if !is_dot_string(local) {
            return Err("Bad local part");
        }
        Ok((local.to_owned(), pos + len, false))
    }
}

/// Length of the run of domain characters at `pos`.
pub(crate) fn domain_len(s: &str, pos: usize, allow_underscore: bool) -> usize {
    s.as_bytes()[pos.min(s.len())..]
        .iter()
        .take_while(|&&b| {
            b.is_ascii_alphanumeric()
                || b == b'-'
                || b == b'.'
                || b >= 0x80
                || (allow_underscore && b == b'_')
        })
        .count()
}

/// `Domain` (§4.1.2) with U-labels (RFC 6531); `allow_underscore` relaxes
/// Ldh-str for EHLO names, which some real clients send.
pub(crate) fn is_domain(d: &str, allow_underscore: bool) -> bool {
    !d.is_empty()
        && d.len() <= 255
        && d.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && (!label.is_ascii() || label.len() <= 63)
                && label.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || b == b'-'
                        || b >= 0x80
                        || (allow_underscore && b == b'_')
                })
        })
}

/// Length of an `address-literal` at `pos` (which holds `[`), validated
/// (§4.1.3): IPv4 dotted quad or `IPv6:` address. Other standardized tags are
/// not registered and are refused.
pub(crate) fn address_literal_len(s: &str, pos: usize) -> Result<usize, &'static str> {
    let rest = &s[pos.min(s.len())..];
    let close = rest.find(']').ok_or("Unterminated address literal")?;
    let inner = &rest[1.min(close)..close];
    // dcontent = %d33-90 / %d94-126
    if !inner
        .bytes()
        .all(|b| (33..=90).contains(&b) || (94..=126).contains(&b))
    {
        return Err("Bad address literal");
    }
    let ok = match inner.get(..5) {
        Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => inner[5..].parse::<Ipv6Addr>().is_ok(),
        _ => is_ipv4(inner),
    };
    if ok {
        Ok(close + 1)
    } else {
        Err("Bad address literal")
    }
}

/// `IPv4-address-literal = Snum 3("." Snum)`, Snum = 1*3DIGIT in 0..=255.
fn is_ipv4(s: &str) -> bool {
    let mut n = 0;
    for part in s.split('.') {
        n += 1;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if !matches!(part.parse::<u16>(), Ok(v) if v <= 255) {
            return false;
        }
    }
    n == 4
}

/// Parses `Mailbox` at `pos`; returns it and the end offset.
fn parse_mailbox(s: &str, pos: usize) -> Result<(Mailbox, usize), &'static str> {
    let (local, at, _) = parse_local(s, pos)?;
    if at - pos > LOCAL_PART_MAX {
        return Err("Local part too long");
    }
    if s.as_bytes().get(at) != Some(&b'@') {
        return Err("Missing @domain");
    }
    let dpos = at + 1;
    let dlen = if s.as_bytes().get(dpos) == Some(&b'[') {
        address_literal_len(s, dpos)?
    } else {
        let n = domain_len(s, dpos, false);
        if !is_domain(&s[dpos..dpos + n], false) {
            return Err("Bad domain");
        }
        n
    };
    let end = dpos + dlen;
    if end - pos > MAILBOX_MAX {
        return Err("Address too long");
    }
    let domain = s[dpos..end].to_owned();
    Ok((Mailbox { local, domain }, end))
}

/// What a path (`<...>`) held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Path {
    /// `<>`
    Null,
    /// `<Postmaster>` without a domain (§4.1.1.3); holds the local part as sent.
    Postmaster(String),
    Mailbox(Mailbox),
}

/// Parses a `Path` (or `<>`) at the start of `s`; returns it and the offset
/// just past `>`. A source route is checked for syntax and dropped (§4.1.2).
pub(crate) fn parse_path(s: &str) -> Result<(Path, usize), &'static str> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'<') {
        return Err("Address must be enclosed in <>");
    }
    if bytes.get(1) == Some(&b'>') {
        return Ok((Path::Null, 2));
    }
    let mut pos = 1;
    let routed = bytes.get(1) == Some(&b'@');
    if routed {
        // A-d-l ":"
        loop {
            if bytes.get(pos) != Some(&b'@') {
                return Err("Bad source route");
            }
            let n = domain_len(s, pos + 1, false);
            if !is_domain(&s[pos + 1..pos + 1 + n], false) {
                return Err("Bad source route");
            }
            pos += 1 + n;
            match bytes.get(pos) {
                Some(b',') => pos += 1,
                Some(b':') => {
                    pos += 1;
                    break;
                }
                _ => return Err("Bad source route"),
            }
        }
    }
    let (local, end, quoted) = parse_local(s, pos)?;
    if bytes.get(end) == Some(&b'>')
        && !quoted
        && !routed
        && local.eq_ignore_ascii_case("postmaster")
    {
        return Ok((Path::Postmaster(local), end + 1));
    }
    let (mailbox, end) = parse_mailbox(s, pos)?;
    if bytes.get(end) != Some(&b'>') {
        return Err("Address must be enclosed in <>");
    }
    Ok((Path::Mailbox(mailbox), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(local: &str, domain: &str) -> Mailbox {
        Mailbox {
            local: local.into(),
            domain: domain.into(),
        }
    }

    #[test]
    fn parse_table() {
        let long_local = format!("{}@x.org", "a".repeat(64));
        let too_long_local = format!("{}@x.org", "a".repeat(65));
        let long_domain = format!("a@{}.org", vec!["b".repeat(60); 5].join("."));
        let cases: &[(&str, Option<Mailbox>)] = &[
            ("user@example.com", Some(mb("user", "example.com"))),
            (
                "User.Name+tag@Example.COM",
                Some(mb("User.Name+tag", "Example.COM")),
            ),
            ("\"a b\"@x.org", Some(mb("a b", "x.org"))),
            ("\"a\\\"b\\\\c\"@x.org", Some(mb("a\"b\\c", "x.org"))),
            ("\"\"@x.org", Some(mb("", "x.org"))),
            ("u@[192.0.2.1]", Some(mb("u", "[192.0.2.1]"))),
            ("u@[IPv6:2001:db8::1]", Some(mb("u", "[IPv6:2001:db8::1]"))),
            (
                "u@[ipv6:::ffff:192.0.2.1]",
                Some(mb("u", "[ipv6:::ffff:192.0.2.1]")),
            ),
            ("用户@例子.广告", Some(mb("用户", "例子.广告"))),
            ("ü@münchen.de", Some(mb("ü", "münchen.de"))),
            ("a-b@x-y.z", Some(mb("a-b", "x-y.z"))),
            (long_local.as_str(), Some(mb(&"a".repeat(64), "x.org"))),
            (too_long_local.as_str(), None),
            (long_domain.as_str(), None),
            ("user", None),
            ("user@", None),
            ("@x.org", None),
            ("a..b@x.org", None),
            (".a@x.org", None),
            ("a.@x.org", None),
            ("a b@x.org", None),
            ("a@x..org", None),
            ("a@-x.org", None),
            ("a@x-.org", None),
            ("a@x.org.", None),
            ("a@x_y.org", None),
            ("a@x.org>", None),
            ("a@[300.1.1.1]", None),
            ("a@[1.2.3]", None),
            ("a@[IPv6:zz::1]", None),
            ("a@[foo:bar]", None),
            ("a@[1.2.3.4", None),
            ("\"a@x.org", None),
            ("\"a\u{1}\"@x.org", None),
            ("a@b@x.org", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(Mailbox::parse(input).ok(), *want, "{input:?}");
        }
    }

    #[test]
    fn path_table() {
        type Want = Result<(Path, usize), ()>;
        let cases: &[(&str, Want)] = &[
            ("<>", Ok((Path::Null, 2))),
            ("<a@b.c>", Ok((Path::Mailbox(mb("a", "b.c")), 7))),
            ("<a@b.c> SIZE=1", Ok((Path::Mailbox(mb("a", "b.c")), 7))),
            (
                "<@r1.x,@r2.y:a@b.c>",
                Ok((Path::Mailbox(mb("a", "b.c")), 19)),
            ),
            (
                "<Postmaster>",
                Ok((Path::Postmaster("Postmaster".into()), 12)),
            ),
            (
                "<POSTMASTER>",
                Ok((Path::Postmaster("POSTMASTER".into()), 12)),
            ),
            ("<\"Postmaster\">", Err(())),
            ("<@r.x:Postmaster>", Err(())),
            ("<user>", Err(())),
            ("a@b.c", Err(())),
            ("<a@b.c", Err(())),
            ("<@r1.x a@b.c>", Err(())),
            ("<@:a@b.c>", Err(())),
            ("<", Err(())),
            ("", Err(())),
        ];
        for (input, want) in cases {
            assert_eq!(parse_path(input).map_err(|_| ()), *want, "{input:?}");
        }
    }

    #[test]
    fn display_requotes() {
        let cases: &[(Mailbox, &str)] = &[
            (mb("user", "x.org"), "user@x.org"),
            (mb("a b", "x.org"), "\"a b\"@x.org"),
            (mb("a\"b\\c", "x.org"), "\"a\\\"b\\\\c\"@x.org"),
            (mb("", "x.org"), "\"\"@x.org"),
            (mb("a..b", "x.org"), "\"a..b\"@x.org"),
            (mb("Postmaster", ""), "Postmaster"),
            (mb("ü", "münchen.de"), "ü@münchen.de"),
        ];
        for (m, want) in cases {
            assert_eq!(m.to_string(), *want);
            if !m.domain.is_empty() {
                assert_eq!(Mailbox::parse(want).as_ref(), Ok(m), "round trip {want}");
            }
        }
        assert_eq!(ReversePath::Null.to_string(), "<>");
        assert_eq!(ReversePath::Mailbox(mb("a", "b.c")).to_string(), "<a@b.c>");
    }

    #[test]
    fn helpers() {
        let m = mb("Postmaster", "Example.COM");
        assert!(m.is_postmaster());
        assert!(m.is_ascii());
        assert_eq!(m.domain_lowercase(), "example.com");
        assert!(!mb("ü", "x").is_ascii());
        assert!(mb("a", "[1.2.3.4]").is_address_literal());
    }
}
