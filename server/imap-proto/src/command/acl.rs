//! ACL commands (RFC 4314 §3): SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS.
//!
//! ```text
//! setacl     = "SETACL" SP mailbox SP identifier SP mod-rights
//! deleteacl  = "DELETEACL" SP mailbox SP identifier
//! getacl     = "GETACL" SP mailbox
//! listrights = "LISTRIGHTS" SP mailbox SP identifier
//! myrights   = "MYRIGHTS" SP mailbox
//! identifier = astring
//! mod-rights = astring   ; +rights to add, -rights to remove, else rights to set
//! ```
//!
//! Rights stay text here (`rights`): which letters a server knows is the server's business
//! (§2.1: unknown letters are a `BAD`, told by the executor).

use super::CommandBody;
use crate::parser::{PResult, Parser};
use crate::types::Mailbox;

/// How SETACL's rights combine with the identifier's current ones (RFC 4314 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightsChange {
    /// `+rights`: added.
    Add,
    /// `-rights`: removed.
    Remove,
    /// `rights`: replace.
    Replace,
}

/// `SETACL mailbox identifier mod-rights`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAcl {
    pub mailbox: Mailbox,
    pub identifier: String,
    pub change: RightsChange,
    /// The letters, without the `+` or `-`.
    pub rights: String,
}

/// `LISTRIGHTS mailbox identifier` and `DELETEACL mailbox identifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxIdentifier {
    pub mailbox: Mailbox,
    pub identifier: String,
}

fn mailbox_identifier(p: &mut Parser<'_>) -> PResult<MailboxIdentifier> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    p.sp()?;
    let identifier = p.astring_utf8()?;
    Ok(MailboxIdentifier {
        mailbox,
        identifier,
    })
}

pub(crate) fn parse_setacl(p: &mut Parser<'_>) -> PResult<CommandBody> {
    let MailboxIdentifier {
        mailbox,
        identifier,
    } = mailbox_identifier(p)?;
    p.sp()?;
    let text = p.astring_utf8()?;
    let (change, rights) = match text.as_bytes().first() {
        Some(b'+') => (RightsChange::Add, &text[1..]),
        Some(b'-') => (RightsChange::Remove, &text[1..]),
        _ => (RightsChange::Replace, &text[..]),
    };
    Ok(CommandBody::SetAcl(SetAcl {
        mailbox,
        identifier,
        change,
        rights: rights.to_string(),
    }))
}

pub(crate) fn parse_deleteacl(p: &mut Parser<'_>) -> PResult<CommandBody> {
    Ok(CommandBody::DeleteAcl(mailbox_identifier(p)?))
}

pub(crate) fn parse_listrights(p: &mut Parser<'_>) -> PResult<CommandBody> {
    Ok(CommandBody::ListRights(mailbox_identifier(p)?))
}

pub(crate) fn parse_getacl(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    Ok(CommandBody::GetAcl(p.mailbox()?))
}

pub(crate) fn parse_myrights(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    Ok(CommandBody::MyRights(p.mailbox()?))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    #[test]
    fn acl_commands() {
        let inbox = || Mailbox::INBOX;
        assert_eq!(
            parse("a SETACL INBOX bob@x.test +lrs"),
            Ok(CommandBody::SetAcl(SetAcl {
                mailbox: inbox(),
                identifier: "bob@x.test".into(),
                change: RightsChange::Add,
                rights: "lrs".into(),
            }))
        );
        assert_eq!(
            parse("a SETACL INBOX \"anyone\" \"-w\""),
            Ok(CommandBody::SetAcl(SetAcl {
                mailbox: inbox(),
                identifier: "anyone".into(),
                change: RightsChange::Remove,
                rights: "w".into(),
            }))
        );
        assert_eq!(
            parse("a SETACL INBOX bob \"\""),
            Ok(CommandBody::SetAcl(SetAcl {
                mailbox: inbox(),
                identifier: "bob".into(),
                change: RightsChange::Replace,
                rights: String::new(),
            }))
        );
        let pair = MailboxIdentifier {
            mailbox: inbox(),
            identifier: "bob".into(),
        };
        assert_eq!(
            parse("a DELETEACL INBOX bob"),
            Ok(CommandBody::DeleteAcl(pair.clone()))
        );
        assert_eq!(
            parse("a LISTRIGHTS inbox bob"),
            Ok(CommandBody::ListRights(pair))
        );
        assert_eq!(parse("a GETACL INBOX"), Ok(CommandBody::GetAcl(inbox())));
        assert_eq!(
            parse("a MYRIGHTS INBOX"),
            Ok(CommandBody::MyRights(inbox()))
        );
        assert_bad(&[
            "a SETACL INBOX bob",
            "a GETACL",
            "a MYRIGHTS INBOX extra",
            "a DELETEACL INBOX",
        ]);
    }
}
