//! Mailbox names and LIST patterns (RFC 9051 §5.1, §6.3.9).
//!
//! ```text
//! mailbox      = "INBOX" / astring
//!                ; INBOX is case-insensitive.  All case variants of
//!                ; INBOX (e.g., "iNbOx") MUST be interpreted as INBOX
//!                ; not as an astring.
//! list-mailbox = 1*list-char / string
//! ```
//!
//! Names are kept in their wire form: UTF-8 for IMAP4rev2 clients and after
//! `ENABLE UTF8=ACCEPT` (RFC 6855 §3), modified UTF-7 for IMAP4rev1 clients
//! (RFC 3501 §5.1.3). The parser cannot know which applies, so the session
//! calls [`Mailbox::decode`] with its mode.

use crate::mutf7::{self, Mutf7Error};
use std::fmt;

/// A mailbox name from a command: INBOX in any case, or another name.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mailbox(Name);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Name {
    Inbox,
    Other(String),
}

impl Mailbox {
    /// The INBOX.
    pub const INBOX: Mailbox = Mailbox(Name::Inbox);

    /// A mailbox from its wire-form name; any case variant of `INBOX` is
    /// the INBOX (RFC 9051 §5.1).
    pub fn new(name: impl Into<String>) -> Mailbox {
        let name = name.into();
        if name.eq_ignore_ascii_case("INBOX") {
            Mailbox(Name::Inbox)
        } else {
            Mailbox(Name::Other(name))
        }
    }

    /// Whether this is the INBOX.
    pub fn is_inbox(&self) -> bool {
        self.0 == Name::Inbox
    }

    /// The wire-form name, `INBOX` for the INBOX.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Name::Inbox => "INBOX",
            Name::Other(name) => name,
        }
    }

    /// The name in UTF-8: as sent when `utf8` (IMAP4rev2 or UTF8=ACCEPT),
    /// otherwise decoded from modified UTF-7 (RFC 3501 §5.1.3).
    pub fn decode(&self, utf8: bool) -> Result<String, Mutf7Error> {
        match &self.0 {
            Name::Inbox => Ok("INBOX".to_string()),
            Name::Other(name) if utf8 => Ok(name.clone()),
            Name::Other(name) => mutf7::decode(name),
        }
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({:?})", self.as_str())
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A LIST or LSUB pattern (RFC 9051 §6.3.9): a name that may contain the
/// wildcards `*` (any characters) and `%` (any but the hierarchy delimiter).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListPattern(String);

impl ListPattern {
    /// A pattern from its wire form.
    pub fn new(pattern: impl Into<String>) -> ListPattern {
        ListPattern(pattern.into())
    }

    /// The wire form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pattern in UTF-8, like [`Mailbox::decode`]; wildcards are
    /// printable ASCII and pass through modified UTF-7 unchanged.
    pub fn decode(&self, utf8: bool) -> Result<String, Mutf7Error> {
        if utf8 {
            Ok(self.0.clone())
        } else {
            mutf7::decode(&self.0)
        }
    }
}

impl fmt::Debug for ListPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ListPattern({:?})", self.0)
    }
}

/// A special-use attribute (RFC 6154 §2), in `CREATE ... (USE (...))` and
/// LIST responses.
///
/// ```text
/// use-attr     = "\All" / "\Archive" / "\Drafts" / "\Flagged" /
///                "\Junk" / "\Sent" / "\Trash" / use-attr-ext
/// use-attr-ext = "\" atom
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SpecialUse {
    /// `\All`
    All,
    /// `\Archive`
    Archive,
    /// `\Drafts`
    Drafts,
    /// `\Flagged`
    Flagged,
    /// `\Junk`
    Junk,
    /// `\Sent`
    Sent,
    /// `\Trash`
    Trash,
    /// Another `\` atom; CREATE answers `NO [USEATTR]` for one it does not
    /// support (RFC 6154 §3).
    Other(super::Atom),
}

impl SpecialUse {
    /// Parses `\Drafts` and the like (case-insensitive).
    pub fn parse(s: &str) -> Option<SpecialUse> {
        let name = s.strip_prefix('\\')?;
        let known = [
            ("All", SpecialUse::All),
            ("Archive", SpecialUse::Archive),
            ("Drafts", SpecialUse::Drafts),
            ("Flagged", SpecialUse::Flagged),
            ("Junk", SpecialUse::Junk),
            ("Sent", SpecialUse::Sent),
            ("Trash", SpecialUse::Trash),
        ];
        for (n, u) in known {
            if n.eq_ignore_ascii_case(name) {
                return Some(u);
            }
        }
        super::Atom::new(name).ok().map(SpecialUse::Other)
    }
}

impl fmt::Display for SpecialUse {
    /// The attribute as written: `\Drafts`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            SpecialUse::All => "All",
            SpecialUse::Archive => "Archive",
            SpecialUse::Drafts => "Drafts",
            SpecialUse::Flagged => "Flagged",
            SpecialUse::Junk => "Junk",
            SpecialUse::Sent => "Sent",
            SpecialUse::Trash => "Trash",
            SpecialUse::Other(a) => a.as_str(),
        };
        write!(f, "\\{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_is_case_insensitive() {
        for name in ["INBOX", "inbox", "iNbOx"] {
            assert!(Mailbox::new(name).is_inbox());
            assert_eq!(Mailbox::new(name), Mailbox::INBOX);
            assert_eq!(Mailbox::new(name).as_str(), "INBOX");
        }
        assert!(!Mailbox::new("INBOX/sub").is_inbox());
        assert!(!Mailbox::new("INBOXES").is_inbox());
    }

    #[test]
    fn decoding_depends_on_mode() {
        let m = Mailbox::new("&ZeVnLIqe-");
        assert_eq!(m.decode(false).unwrap(), "日本語");
        assert_eq!(m.decode(true).unwrap(), "&ZeVnLIqe-");
        assert_eq!(Mailbox::new("日本語").decode(true).unwrap(), "日本語");
        assert!(Mailbox::new("日本語").decode(false).is_err());
        assert_eq!(
            ListPattern::new("~peter/mail/&U,BTFw-/*")
                .decode(false)
                .unwrap(),
            "~peter/mail/台北/*"
        );
    }

    #[test]
    fn special_use() {
        assert_eq!(SpecialUse::parse("\\drafts"), Some(SpecialUse::Drafts));
        assert_eq!(
            SpecialUse::parse("\\Important").unwrap().to_string(),
            "\\Important"
        );
        assert_eq!(SpecialUse::parse("Drafts"), None);
        assert_eq!(SpecialUse::parse("\\"), None);
    }
}
