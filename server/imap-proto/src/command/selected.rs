//! Selected-state commands with simple arguments (RFC 9051 §6.4): COPY,
//! MOVE (RFC 6851) and UID EXPUNGE (RFC 4315). CHECK, CLOSE, UNSELECT and
//! EXPUNGE take none.

use super::CommandBody;
use crate::parser::{PResult, Parser};
use crate::types::{Mailbox, SequenceSet};

/// COPY or MOVE, by message number or (`UID ...`) by UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMove {
    /// `UID COPY` / `UID MOVE`: the set holds UIDs.
    pub uid: bool,
    /// The messages.
    pub set: SequenceSet,
    /// The destination.
    pub mailbox: Mailbox,
}

fn parse_copy_move(p: &mut Parser<'_>, uid: bool) -> PResult<CopyMove> {
    p.sp()?;
    let set = p.sequence_set()?;
    p.sp()?;
    let mailbox = p.mailbox()?;
    Ok(CopyMove { uid, set, mailbox })
}

/// ```text
/// copy = "COPY" SP sequence-set SP mailbox
/// ```
pub(crate) fn parse_copy(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    parse_copy_move(p, uid).map(CommandBody::Copy)
}

/// ```text
/// move = "MOVE" SP sequence-set SP mailbox
/// ```
pub(crate) fn parse_move(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    parse_copy_move(p, uid).map(CommandBody::Move)
}

/// ```text
/// uid-expunge = "EXPUNGE" SP sequence-set
/// ```
pub(crate) fn parse_uid_expunge(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    Ok(CommandBody::UidExpunge(p.sequence_set()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    #[test]
    fn copy_move_expunge() {
        // RFC 9051 §6.4.7, §6.4.8, §6.4.9.
        assert_eq!(
            parse("A003 COPY 2:4 MEETING"),
            Ok(CommandBody::Copy(CopyMove {
                uid: false,
                set: SequenceSet::parse("2:4").unwrap(),
                mailbox: Mailbox::new("MEETING")
            }))
        );
        assert_eq!(
            parse("a UID MOVE 42:69 foo"),
            Ok(CommandBody::Move(CopyMove {
                uid: true,
                set: SequenceSet::parse("42:69").unwrap(),
                mailbox: Mailbox::new("foo")
            }))
        );
        assert!(matches!(
            parse("a MOVE $ Trash"),
            Ok(CommandBody::Move(CopyMove {
                set: SequenceSet::Saved,
                ..
            }))
        ));
        assert_eq!(
            parse("A202 UID EXPUNGE 3000:3002"),
            Ok(CommandBody::UidExpunge(
                SequenceSet::parse("3000:3002").unwrap()
            ))
        );
        assert_bad(&[
            "a COPY",
            "a COPY 1",
            "a COPY x INBOX",
            "a COPY 1 INBOX x",
            "a UID EXPUNGE",
            "a EXPUNGE 1",
            "a UID COPY 0 x",
        ]);
    }
}
