//! Message flags (RFC 9051 §2.3.2).
//!
//! ```text
//! flag            = "\Answered" / "\Flagged" / "\Deleted" /
//!                   "\Seen" / "\Draft" / flag-keyword / flag-extension
//! flag-extension  = "\" atom
//! flag-keyword    = "$MDNSent" / "$Forwarded" / "$Junk" /
//!                   "$NotJunk" / "$Phishing" / atom
//! flag-fetch      = flag / obsolete-flag-recent
//! flag-perm       = flag / "\*"
//! ```

use super::{Atom, InvalidValue};
use std::fmt;

/// A flag a client may set or search for.
///
/// System flags are recognised case-insensitively; `\Recent` (IMAP4rev1
/// only, not settable) parses as [`Flag::Extension`]`("Recent")`, which the
/// session refuses in STORE and APPEND.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Seen`
    Seen,
    /// `\Draft`
    Draft,
    /// A keyword such as `$Forwarded` or `NonJunk`.
    Keyword(Atom),
    /// `\` followed by an atom that is not a system flag.
    Extension(Atom),
}

impl Flag {
    /// Parses `\Seen`, `$Junk`, `keyword`, `\Ext`.
    pub fn parse(s: &str) -> Result<Flag, InvalidValue> {
        match s.strip_prefix('\\') {
            Some(name) => Ok(Flag::system(name).unwrap_or(Flag::Extension(
                Atom::new(name).map_err(|_| InvalidValue("flag"))?,
            ))),
            None => Atom::new(s)
                .map(Flag::Keyword)
                .map_err(|_| InvalidValue("flag")),
        }
    }

    fn system(name: &str) -> Option<Flag> {
        [
            ("Answered", Flag::Answered),
            ("Flagged", Flag::Flagged),
            ("Deleted", Flag::Deleted),
            ("Seen", Flag::Seen),
            ("Draft", Flag::Draft),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| f)
    }

    /// A keyword flag, e.g. `$Forwarded`.
    pub fn keyword(s: &str) -> Result<Flag, InvalidValue> {
        Atom::new(s).map(Flag::Keyword)
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Answered => f.write_str("\\Answered"),
            Flag::Flagged => f.write_str("\\Flagged"),
            Flag::Deleted => f.write_str("\\Deleted"),
            Flag::Seen => f.write_str("\\Seen"),
            Flag::Draft => f.write_str("\\Draft"),
            Flag::Keyword(k) => f.write_str(k.as_str()),
            Flag::Extension(e) => write!(f, "\\{e}"),
        }
    }
}

/// A flag in a FETCH response: any flag, or `\Recent` (RFC 3501 §2.3.2;
/// obsolete in RFC 9051, sent only to IMAP4rev1 clients).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagFetch {
    /// A flag.
    Flag(Flag),
    /// `\Recent`
    Recent,
}

impl fmt::Display for FlagFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagFetch::Flag(flag) => flag.fmt(f),
            FlagFetch::Recent => f.write_str("\\Recent"),
        }
    }
}

/// A flag in a PERMANENTFLAGS response code: any flag, or `\*` (new
/// keywords may be created).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagPerm {
    /// A flag.
    Flag(Flag),
    /// `\*`
    Any,
}

impl fmt::Display for FlagPerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagPerm::Flag(flag) => flag.fmt(f),
            FlagPerm::Any => f.write_str("\\*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let cases = [
            ("\\Seen", "\\Seen"),
            ("\\SEEN", "\\Seen"),
            ("\\answered", "\\Answered"),
            ("\\Draft", "\\Draft"),
            ("$Forwarded", "$Forwarded"),
            ("\\Recent", "\\Recent"),
            ("\\Important", "\\Important"),
        ];
        for (input, printed) in cases {
            assert_eq!(Flag::parse(input).unwrap().to_string(), printed);
        }
        assert_eq!(
            Flag::parse("\\Recent"),
            Ok(Flag::Extension(Atom::new("Recent").unwrap()))
        );
        for bad in ["", "\\", "a b", "\\*", "(x"] {
            assert!(Flag::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(FlagPerm::Any.to_string(), "\\*");
        assert_eq!(FlagFetch::Recent.to_string(), "\\Recent");
    }
}
