//! Values shared by commands and responses: tags, atoms, flags, mailbox
//! names, sequence sets, capabilities and object ids (RFC 9051 §2.3, §5, §9).
//!
//! Every type here is checked when built, so a value that exists is one the
//! encoder can write back without further checks.

pub mod chars;
mod flag;
mod mailbox;
mod sequence;

pub use flag::{Flag, FlagFetch, FlagPerm};
pub use mailbox::{ListPattern, Mailbox, SpecialUse};
pub use sequence::{SeqList, SeqNumber, SeqRange, SequenceSet};

use std::fmt;

/// A value could not be built because it breaks the syntax it must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {0}")]
pub struct InvalidValue(pub &'static str);

/// A command tag (RFC 9051 §2.2.1).
///
/// ```text
/// tag = 1*<any ASTRING-CHAR except "+">
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tag(String);

impl Tag {
    /// Checks `s` against the `tag` rule.
    pub fn new(s: impl Into<String>) -> Result<Tag, InvalidValue> {
        let s = s.into();
        if !s.is_empty() && s.bytes().all(chars::is_tag_char) {
            Ok(Tag(s))
        } else {
            Err(InvalidValue("tag"))
        }
    }

    /// The tag as sent by the client.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.0)
    }
}

/// An atom (RFC 9051 §4.1): keywords, extension names, capability names.
///
/// ```text
/// atom = 1*ATOM-CHAR
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Atom(String);

impl Atom {
    /// Checks `s` against the `atom` rule.
    pub fn new(s: impl Into<String>) -> Result<Atom, InvalidValue> {
        let s = s.into();
        if chars::is_atom(s.as_bytes()) {
            Ok(Atom(s))
        } else {
            Err(InvalidValue("atom"))
        }
    }

    /// The atom's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive comparison, as IMAP compares keywords and names.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A capability name (RFC 9051 §7.2.2), as listed by CAPABILITY and named by
/// ENABLE (RFC 5161). The ones a session must recognise in ENABLE have their
/// own variants; everything else is [`Capability::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Capability {
    /// `IMAP4rev1` (RFC 3501).
    Imap4Rev1,
    /// `IMAP4rev2` (RFC 9051); ENABLE-able (RFC 9051 §6.3.1).
    Imap4Rev2,
    /// `CONDSTORE` (RFC 7162 §3.1).
    CondStore,
    /// `QRESYNC` (RFC 7162 §3.2).
    QResync,
    /// `UTF8=ACCEPT` (RFC 6855 §3).
    Utf8Accept,
    /// Any other capability, e.g. `AUTH=PLAIN`, `IDLE`, `LITERAL+`.
    Other(Atom),
}

impl Capability {
    /// Parses a capability name, recognising the named variants
    /// case-insensitively.
    pub fn parse(s: &str) -> Result<Capability, InvalidValue> {
        let known = [
            ("IMAP4rev1", Capability::Imap4Rev1),
            ("IMAP4rev2", Capability::Imap4Rev2),
            ("CONDSTORE", Capability::CondStore),
            ("QRESYNC", Capability::QResync),
            ("UTF8=ACCEPT", Capability::Utf8Accept),
        ];
        for (name, cap) in known {
            if s.eq_ignore_ascii_case(name) {
                return Ok(cap);
            }
        }
        Atom::new(s).map(Capability::Other)
    }

    /// The name as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Capability::Imap4Rev1 => "IMAP4rev1",
            Capability::Imap4Rev2 => "IMAP4rev2",
            Capability::CondStore => "CONDSTORE",
            Capability::QResync => "QRESYNC",
            Capability::Utf8Accept => "UTF8=ACCEPT",
            Capability::Other(atom) => atom.as_str(),
        }
    }
}

/// An object id (RFC 8474 §7): EMAILID, THREADID, MAILBOXID.
///
/// ```text
/// objectid = 1*255(ALPHA / DIGIT / "_" / "-")
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId(String);

impl ObjectId {
    /// Checks `s` against the `objectid` rule.
    pub fn new(s: impl Into<String>) -> Result<ObjectId, InvalidValue> {
        let s = s.into();
        let ok = (1..=255).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(ObjectId(s))
        } else {
            Err(InvalidValue("object id"))
        }
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A secret (a password or SASL response): `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Secret<T> {
        Secret(value)
    }

    /// The secret value itself.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_atoms_ids() {
        assert!(Tag::new("a001").is_ok());
        assert!(Tag::new("A]1").is_ok());
        for bad in ["", "a+1", "a b", "a(", "*", "a\"", "é"] {
            assert!(Tag::new(bad).is_err(), "{bad}");
        }
        assert!(Atom::new("$Forwarded").is_ok());
        assert!(Atom::new("a]").is_err());
        assert!(Atom::new("FOO").unwrap().eq_ignore_case("foo"));
        assert!(ObjectId::new("M6d99ac3275bb4e").is_ok());
        assert!(ObjectId::new("a.b").is_err());
        assert!(ObjectId::new("x".repeat(256)).is_err());
        assert_eq!(Capability::parse("qresync"), Ok(Capability::QResync));
        assert_eq!(
            Capability::parse("utf8=accept").unwrap().as_str(),
            "UTF8=ACCEPT"
        );
        assert_eq!(
            Capability::parse("AUTH=PLAIN").unwrap().as_str(),
            "AUTH=PLAIN"
        );
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "<redacted>");
    }
}
