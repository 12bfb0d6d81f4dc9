//! QUOTA commands (RFC 9208 §4): GETQUOTA, GETQUOTAROOT, SETQUOTA.

use super::CommandBody;
use crate::parser::{PResult, Parser};
use crate::types::Atom;
use std::fmt;

/// A quota resource (RFC 9208 §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QuotaResource {
    /// `STORAGE`: in units of 1024 octets.
    Storage,
    /// `MESSAGE`: number of messages.
    Message,
    /// `MAILBOX`: number of mailboxes.
    Mailbox,
    /// `ANNOTATION-STORAGE`: in units of 1024 octets.
    AnnotationStorage,
    /// Another resource name.
    Other(Atom),
}

impl QuotaResource {
    fn from_atom(atom: Atom) -> QuotaResource {
        let known = [
            ("STORAGE", QuotaResource::Storage),
            ("MESSAGE", QuotaResource::Message),
            ("MAILBOX", QuotaResource::Mailbox),
            ("ANNOTATION-STORAGE", QuotaResource::AnnotationStorage),
        ];
        for (name, r) in known {
            if atom.eq_ignore_case(name) {
                return r;
            }
        }
        QuotaResource::Other(atom)
    }
}

impl fmt::Display for QuotaResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuotaResource::Storage => "STORAGE",
            QuotaResource::Message => "MESSAGE",
            QuotaResource::Mailbox => "MAILBOX",
            QuotaResource::AnnotationStorage => "ANNOTATION-STORAGE",
            QuotaResource::Other(a) => a.as_str(),
        })
    }
}

/// `SETQUOTA root (resource limit ...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetQuota {
    /// The quota root name.
    pub root: String,
    /// New limits; an empty list removes all limits.
    pub limits: Vec<(QuotaResource, u64)>,
}

/// ```text
/// getquota        = "GETQUOTA" SP quota-root-name
/// quota-root-name = astring
/// ```
pub(crate) fn parse_getquota(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    Ok(CommandBody::GetQuota(p.astring_utf8()?))
}

/// ```text
/// getquotaroot = "GETQUOTAROOT" SP mailbox
/// ```
pub(crate) fn parse_getquotaroot(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    Ok(CommandBody::GetQuotaRoot(p.mailbox()?))
}

/// ```text
/// setquota          = "SETQUOTA" SP quota-root-name SP setquota-list
/// setquota-list     = "(" [setquota-resource *(SP setquota-resource)] ")"
/// setquota-resource = resource-name SP resource-limit
/// resource-limit    = number64
/// ```
pub(crate) fn parse_setquota(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let root = p.astring_utf8()?;
    p.sp()?;
    let limits = p.paren_list(|p| {
        let resource = QuotaResource::from_atom(p.atom_value()?);
        p.sp()?;
        Ok((resource, p.number64()?))
    })?;
    Ok(CommandBody::SetQuota(SetQuota { root, limits }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;
    use crate::types::Mailbox;

    #[test]
    fn quota_commands() {
        // RFC 9208 §4.
        assert_eq!(
            parse("G0001 GETQUOTA \"!partition/sda4\""),
            Ok(CommandBody::GetQuota("!partition/sda4".into()))
        );
        assert_eq!(
            parse("G0002 GETQUOTAROOT INBOX"),
            Ok(CommandBody::GetQuotaRoot(Mailbox::INBOX))
        );
        assert_eq!(
            parse("S0000 SETQUOTA \"User quota\" (STORAGE 510)"),
            Ok(CommandBody::SetQuota(SetQuota {
                root: "User quota".into(),
                limits: vec![(QuotaResource::Storage, 510)]
            }))
        );
        let Ok(CommandBody::SetQuota(s)) = parse("a SETQUOTA \"\" (message 10 X-FOO 3)") else {
            panic!()
        };
        assert_eq!(s.limits[0], (QuotaResource::Message, 10));
        assert_eq!(s.limits[1].0.to_string(), "X-FOO");
        assert_eq!(
            parse("a SETQUOTA r ()"),
            Ok(CommandBody::SetQuota(SetQuota {
                root: "r".into(),
                limits: vec![]
            }))
        );
        assert_bad(&[
            "a GETQUOTA",
            "a GETQUOTAROOT",
            "a SETQUOTA r",
            "a SETQUOTA r (STORAGE)",
            "a SETQUOTA r (STORAGE x)",
        ]);
    }
}
