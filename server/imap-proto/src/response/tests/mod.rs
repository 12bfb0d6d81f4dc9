//! Encoder tests: status responses and codes here, untagged data in
//! [`data`].

mod data;

use super::*;
use crate::types::{Atom, Capability, Flag, FlagPerm, ObjectId, SeqList};
use std::num::NonZeroU32;

const ASCII: EncodeOptions = EncodeOptions { utf8: false };
const UTF8: EncodeOptions = EncodeOptions { utf8: true };

fn enc(r: &Response) -> String {
    String::from_utf8(r.to_bytes(ASCII)).unwrap()
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

fn set(s: &str) -> SeqList {
    SeqList::parse(s).unwrap()
}

fn data(d: Data) -> String {
    enc(&Response::Data(d))
}

#[test]
fn status_responses() {
    // RFC 9051 §7.1.
    let cases = [
        (
            Response::untagged_ok(None, "IMAP4rev2 server ready"),
            "* OK IMAP4rev2 server ready\r\n",
        ),
        (
            Response::ok(tag("A001"), "LOGIN completed"),
            "A001 OK LOGIN completed\r\n",
        ),
        (
            Response::no(tag("A223"), "COPY failed: disk is full"),
            "A223 NO COPY failed: disk is full\r\n",
        ),
        (
            Response::bad(tag("a"), "Missing argument"),
            "a BAD Missing argument\r\n",
        ),
        (
            Response::bye("Autologout; idle for too long"),
            "* BYE Autologout; idle for too long\r\n",
        ),
        (
            Response::status(
                Some(tag("x")),
                StatusKind::Preauth,
                None,
                "IMAP4rev2 server logged in as Smith",
            ),
            "* PREAUTH IMAP4rev2 server logged in as Smith\r\n",
        ),
        (
            Response::untagged_ok(Some(Code::Alert), "System shutdown in 10 minutes"),
            "* OK [ALERT] System shutdown in 10 minutes\r\n",
        ),
        (
            Response::ok(tag("A142"), "SELECT completed").with_code(Code::ReadWrite),
            "A142 OK [READ-WRITE] SELECT completed\r\n",
        ),
        (
            Response::Continue("Ready for additional command text".into()),
            "+ Ready for additional command text\r\n",
        ),
        (Response::Challenge(vec![]), "+ \r\n"),
        (Response::Challenge(b"test".to_vec()), "+ dGVzdA==\r\n"),
        (
            Response::ok(tag("a"), "two\r\nlines"),
            "a OK two  lines\r\n",
        ),
        (Response::ok(tag("a"), ""), "a OK ok\r\n"),
    ];
    for (r, want) in cases {
        assert_eq!(enc(&r), want);
    }
}

#[test]
fn every_code() {
    let cases: Vec<(Code, &str)> = vec![
        (Code::Alert, "ALERT"),
        (Code::BadCharset(vec![]), "BADCHARSET"),
        (
            Code::BadCharset(vec!["UTF-8".into(), "US ASCII".into()]),
            "BADCHARSET (UTF-8 \"US ASCII\")",
        ),
        (
            Code::Capability(vec![
                Capability::Imap4Rev2,
                Capability::parse("STARTTLS").unwrap(),
            ]),
            "CAPABILITY IMAP4rev2 STARTTLS",
        ),
        (Code::Parse, "PARSE"),
        (
            Code::PermanentFlags(vec![
                FlagPerm::Flag(Flag::Deleted),
                FlagPerm::Flag(Flag::Seen),
                FlagPerm::Any,
            ]),
            "PERMANENTFLAGS (\\Deleted \\Seen \\*)",
        ),
        (Code::PermanentFlags(vec![]), "PERMANENTFLAGS ()"),
        (Code::ReadOnly, "READ-ONLY"),
        (Code::ReadWrite, "READ-WRITE"),
        (Code::TryCreate, "TRYCREATE"),
        (Code::UidNext(nz(4392)), "UIDNEXT 4392"),
        (Code::UidValidity(nz(3857529045)), "UIDVALIDITY 3857529045"),
        (Code::Unseen(nz(12)), "UNSEEN 12"),
        (
            Code::AppendUid {
                uid_validity: nz(38505),
                uids: set("3955"),
            },
            "APPENDUID 38505 3955",
        ),
        (
            Code::CopyUid {
                uid_validity: nz(38505),
                source: set("304,319:320"),
                dest: set("3956:3958"),
            },
            "COPYUID 38505 304,319:320 3956:3958",
        ),
        (Code::UidNotSticky, "UIDNOTSTICKY"),
        (
            Code::HighestModSeq(715194045007),
            "HIGHESTMODSEQ 715194045007",
        ),
        (Code::NoModSeq, "NOMODSEQ"),
        (Code::Modified(set("7,9")), "MODIFIED 7,9"),
        (Code::Closed, "CLOSED"),
        (Code::NonExistent, "NONEXISTENT"),
        (Code::AlreadyExists, "ALREADYEXISTS"),
        (Code::Cannot, "CANNOT"),
        (Code::Limit, "LIMIT"),
        (Code::OverQuota, "OVERQUOTA"),
        (Code::AuthenticationFailed, "AUTHENTICATIONFAILED"),
        (Code::AuthorizationFailed, "AUTHORIZATIONFAILED"),
        (Code::Unavailable, "UNAVAILABLE"),
        (Code::ServerBug, "SERVERBUG"),
        (Code::ContactAdmin, "CONTACTADMIN"),
        (Code::NoPerm, "NOPERM"),
        (Code::InUse, "INUSE"),
        (Code::ExpungeIssued, "EXPUNGEISSUED"),
        (Code::Corruption, "CORRUPTION"),
        (Code::Expired, "EXPIRED"),
        (Code::PrivacyRequired, "PRIVACYREQUIRED"),
        (Code::ClientBug, "CLIENTBUG"),
        (Code::UnknownCte, "UNKNOWN-CTE"),
        (Code::TooBig, "TOOBIG"),
        (
            Code::BadUrl("/INBOX;UIDVALIDITY=785799047/;UID=113330;section=1.5.9".into()),
            "BADURL /INBOX;UIDVALIDITY=785799047/;UID=113330;section=1.5.9",
        ),
        (Code::BadUrl("/a]b\r\nc".into()), "BADURL /ab  c"),
        (Code::CompressionActive, "COMPRESSIONACTIVE"),
        (Code::NotSaved, "NOTSAVED"),
        (Code::HasChildren, "HASCHILDREN"),
        (
            Code::MailboxId(ObjectId::new("F2212ea87-6097-4256-9d51-71338625").unwrap()),
            "MAILBOXID (F2212ea87-6097-4256-9d51-71338625)",
        ),
        (Code::UseAttr, "USEATTR"),
        (Code::InProgress(None), "INPROGRESS"),
        (
            Code::InProgress(Some(code::Progress {
                tag: Some(tag("A1")),
                done: Some(10),
                goal: Some(nz(500)),
            })),
            "INPROGRESS (\"A1\" 10 500)",
        ),
        (
            Code::InProgress(Some(code::Progress {
                tag: None,
                done: None,
                goal: None,
            })),
            "INPROGRESS (NIL NIL NIL)",
        ),
        (Code::NotificationOverflow, "NOTIFICATIONOVERFLOW"),
        (Code::NoUpdate(tag("B01")), "NOUPDATE \"B01\""),
        (
            Code::BadEvent(vec![
                Atom::new("MessageNew").unwrap(),
                Atom::new("MessageExpunge").unwrap(),
            ]),
            "BADEVENT (MessageNew MessageExpunge)",
        ),
        (
            Code::Other {
                name: Atom::new("X-FOO").unwrap(),
                text: Some("a]b\r\nc".into()),
            },
            "X-FOO ab  c",
        ),
        (
            Code::Other {
                name: Atom::new("X-BAR").unwrap(),
                text: None,
            },
            "X-BAR",
        ),
    ];
    for (code, want) in cases {
        assert_eq!(
            enc(&Response::untagged_ok(Some(code), "t")),
            format!("* OK [{want}] t\r\n")
        );
    }
}

#[test]
fn command_errors_become_responses() {
    use crate::reader::{CommandError, CommandErrorKind, Resync};
    let e = CommandError {
        tag: Some(tag("a1")),
        kind: CommandErrorKind::UnknownCommand,
        resync: Resync::Skip(3),
    };
    assert_eq!(enc(&e.response()), "a1 BAD unknown command\r\n");
    let e = CommandError {
        tag: None,
        kind: CommandErrorKind::Syntax("expected a space"),
        resync: Resync::Skip(3),
    };
    assert_eq!(enc(&e.response()), "* BAD expected a space\r\n");
    let e = CommandError {
        tag: Some(tag("a2")),
        kind: CommandErrorKind::LiteralTooBig {
            size: 9,
            synchronizing: true,
        },
        resync: Resync::Skip(3),
    };
    assert_eq!(enc(&e.response()), "a2 NO [TOOBIG] literal too big\r\n");
    let e = CommandError {
        tag: Some(tag("a3")),
        kind: CommandErrorKind::LiteralTooBig {
            size: 9,
            synchronizing: false,
        },
        resync: Resync::Close,
    };
    assert_eq!(enc(&e.response()), "a3 BAD [TOOBIG] literal too big\r\n");
}
