//! Response codes (RFC 9051 §7.1, with UIDPLUS RFC 4315, CONDSTORE RFC
//! 7162, RFC 5530 codes, COMPRESS RFC 4978, OBJECTID RFC 8474, SPECIAL-USE
//! RFC 6154, NOTIFY RFC 5465, INPROGRESS RFC 9585 and CATENATE's BADURL RFC 4469).
//!
//! ```text
//! resp-text-code = "ALERT" /
//!                  "BADCHARSET" [SP "(" charset *(SP charset) ")" ] /
//!                  capability-data / "PARSE" /
//!                  "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" /
//!                  "READ-ONLY" / "READ-WRITE" / "TRYCREATE" /
//!                  "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number /
//!                  resp-code-apnd / resp-code-copy / "UIDNOTSTICKY" /
//!                  "UNAVAILABLE" / "AUTHENTICATIONFAILED" /
//!                  "AUTHORIZATIONFAILED" / "EXPIRED" /
//!                  "PRIVACYREQUIRED" / "CONTACTADMIN" / "NOPERM" /
//!                  "INUSE" / "EXPUNGEISSUED" / "CORRUPTION" /
//!                  "SERVERBUG" / "CLIENTBUG" / "CANNOT" /
//!                  "LIMIT" / "OVERQUOTA" / "ALREADYEXISTS" /
//!                  "NONEXISTENT" / "NOTSAVED" / "HASCHILDREN" /
//!                  "CLOSED" / "UNKNOWN-CTE" / "NOUPDATE" SP quoted /
//!                  "BADURL" SP url-resp-text /
//!                  atom [SP 1*<any TEXT-CHAR except "]">]
//! url-resp-text  = 1*(%x01-09 / %x0B-0C / %x0E-5C / %x5E-FE)
//!                  ; any TEXT-CHAR except "]" (RFC 4469 §5, erratum 2002)
//! resp-code-apnd = "APPENDUID" SP nz-number SP append-uid
//! resp-code-copy = "COPYUID" SP nz-number SP uid-set SP uid-set
//! ```

use super::encode::{EncodeOptions, write_string, write_text};
use crate::types::{Atom, Capability, FlagPerm, ObjectId, SeqList, Tag};
use std::num::NonZeroU32;

/// The progress of a long command (RFC 9585 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The command's tag.
    pub tag: Option<Tag>,
    /// How much is done.
    pub done: Option<u32>,
    /// How much there is to do.
    pub goal: Option<NonZeroU32>,
}

/// A response code: the bracketed part of a status response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `ALERT`: show the text to the user.
    Alert,
    /// `BADCHARSET (charsets)`: the supported charsets.
    BadCharset(Vec<String>),
    /// `CAPABILITY ...`
    Capability(Vec<Capability>),
    /// `PARSE`: a message could not be parsed.
    Parse,
    /// `PERMANENTFLAGS (...)`
    PermanentFlags(Vec<FlagPerm>),
    /// `READ-ONLY`
    ReadOnly,
    /// `READ-WRITE`
    ReadWrite,
    /// `TRYCREATE`
    TryCreate,
    /// `UIDNEXT n`
    UidNext(NonZeroU32),
    /// `UIDVALIDITY n`
    UidValidity(NonZeroU32),
    /// `UNSEEN n` (IMAP4rev1): the first unseen message.
    Unseen(NonZeroU32),
    /// `APPENDUID uidvalidity uids` (RFC 4315 §3).
    AppendUid {
        /// The destination's UIDVALIDITY.
        uid_validity: NonZeroU32,
        /// The new messages' UIDs.
        uids: SeqList,
    },
    /// `COPYUID uidvalidity source-uids dest-uids` (RFC 4315 §3).
    CopyUid {
        /// The destination's UIDVALIDITY.
        uid_validity: NonZeroU32,
        /// The copied messages' UIDs.
        source: SeqList,
        /// Their UIDs in the destination, in the same order.
        dest: SeqList,
    },
    /// `UIDNOTSTICKY`
    UidNotSticky,
    /// `HIGHESTMODSEQ n` (RFC 7162 §3.1.2.1).
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162 §3.1.2.2).
    NoModSeq,
    /// `MODIFIED set` (RFC 7162 §3.1.3).
    Modified(SeqList),
    /// `CLOSED` (RFC 7162 §3.2.11).
    Closed,
    /// `NONEXISTENT`
    NonExistent,
    /// `ALREADYEXISTS`
    AlreadyExists,
    /// `CANNOT`
    Cannot,
    /// `LIMIT`
    Limit,
    /// `OVERQUOTA`
    OverQuota,
    /// `AUTHENTICATIONFAILED`
    AuthenticationFailed,
    /// `AUTHORIZATIONFAILED`
    AuthorizationFailed,
    /// `UNAVAILABLE`
    Unavailable,
    /// `SERVERBUG`
    ServerBug,
    /// `CONTACTADMIN`
    ContactAdmin,
    /// `NOPERM`
    NoPerm,
    /// `INUSE`
    InUse,
    /// `EXPUNGEISSUED`
    ExpungeIssued,
    /// `CORRUPTION`
    Corruption,
    /// `EXPIRED`
    Expired,
    /// `PRIVACYREQUIRED`
    PrivacyRequired,
    /// `CLIENTBUG`
    ClientBug,
    /// `UNKNOWN-CTE` (RFC 3516).
    UnknownCte,
    /// `TOOBIG` (RFC 4469, RFC 7888).
    TooBig,
    /// `BADURL url` (RFC 4469 §5): the URL of a CATENATE part, bare (erratum 4046).
    BadUrl(String),
    /// `COMPRESSIONACTIVE` (RFC 4978).
    CompressionActive,
    /// `NOTSAVED` (RFC 5182).
    NotSaved,
    /// `HASCHILDREN` (RFC 5530).
    HasChildren,
    /// `MAILBOXID (id)` (RFC 8474 §4.1).
    MailboxId(ObjectId),
    /// `USEATTR` (RFC 6154 §5).
    UseAttr,
    /// `INPROGRESS [(tag done goal)]` (RFC 9585).
    InProgress(Option<Progress>),
    /// `NOUPDATE "tag"` (RFC 5267 §4.3.4): UPDATE will not be honoured for
    /// this search.
    NoUpdate(Tag),
    /// `NOTIFICATIONOVERFLOW` (RFC 5465 §5.8).
    NotificationOverflow,
    /// `BADEVENT (events)` (RFC 5465 §3.1, §8): the events supported.
    BadEvent(Vec<Atom>),
    /// Any other code, with optional text (`]`, CR and LF are dropped).
    Other {
        /// The code's name.
        name: Atom,
        /// Its argument text.
        text: Option<String>,
    },
}

impl Code {
    pub(crate) fn encode(&self, opts: EncodeOptions, out: &mut Vec<u8>) {
        let simple = match self {
            Code::Alert => "ALERT",
            Code::Parse => "PARSE",
            Code::ReadOnly => "READ-ONLY",
            Code::ReadWrite => "READ-WRITE",
            Code::TryCreate => "TRYCREATE",
            Code::UidNotSticky => "UIDNOTSTICKY",
            Code::NoModSeq => "NOMODSEQ",
            Code::Closed => "CLOSED",
            Code::NonExistent => "NONEXISTENT",
            Code::AlreadyExists => "ALREADYEXISTS",
            Code::Cannot => "CANNOT",
            Code::Limit => "LIMIT",
            Code::OverQuota => "OVERQUOTA",
            Code::AuthenticationFailed => "AUTHENTICATIONFAILED",
            Code::AuthorizationFailed => "AUTHORIZATIONFAILED",
            Code::Unavailable => "UNAVAILABLE",
            Code::ServerBug => "SERVERBUG",
            Code::ContactAdmin => "CONTACTADMIN",
            Code::NoPerm => "NOPERM",
            Code::InUse => "INUSE",
            Code::ExpungeIssued => "EXPUNGEISSUED",
            Code::Corruption => "CORRUPTION",
            Code::Expired => "EXPIRED",
            Code::PrivacyRequired => "PRIVACYREQUIRED",
            Code::ClientBug => "CLIENTBUG",
            Code::UnknownCte => "UNKNOWN-CTE",
            Code::TooBig => "TOOBIG",
            Code::CompressionActive => "COMPRESSIONACTIVE",
            Code::NotSaved => "NOTSAVED",
            Code::HasChildren => "HASCHILDREN",
            Code::UseAttr => "USEATTR",
            Code::NotificationOverflow => "NOTIFICATIONOVERFLOW",
            Code::BadCharset(charsets) => {
                put(out, "BADCHARSET");
                if !charsets.is_empty() {
                    out.extend_from_slice(b" (");
                    for (i, c) in charsets.iter().enumerate() {
                        if i > 0 {
                            out.push(b' ');
                        }
                        write_charset(c, opts, out);
                    }
                    out.push(b')');
                }
                return;
            }
            Code::Capability(caps) => {
                put(out, "CAPABILITY");
                for cap in caps {
                    put(out, " ");
                    put(out, cap.as_str());
                }
                return;
            }
            Code::PermanentFlags(flags) => {
                let list: Vec<String> = flags.iter().map(ToString::to_string).collect();
                put(out, &format!("PERMANENTFLAGS ({})", list.join(" ")));
                return;
            }
            Code::UidNext(n) => return put(out, &format!("UIDNEXT {n}")),
            Code::UidValidity(n) => return put(out, &format!("UIDVALIDITY {n}")),
            Code::Unseen(n) => return put(out, &format!("UNSEEN {n}")),
            Code::AppendUid { uid_validity, uids } => {
                return put(out, &format!("APPENDUID {uid_validity} {uids}"));
            }
            Code::CopyUid {
                uid_validity,
                source,
                dest,
            } => return put(out, &format!("COPYUID {uid_validity} {source} {dest}")),
            Code::HighestModSeq(n) => return put(out, &format!("HIGHESTMODSEQ {n}")),
            Code::Modified(set) => return put(out, &format!("MODIFIED {set}")),
            Code::NoUpdate(tag) => {
                put(out, "NOUPDATE ");
                write_string(tag.as_str().as_bytes(), opts, out);
                return;
            }
            Code::MailboxId(id) => return put(out, &format!("MAILBOXID ({})", id.as_str())),
            Code::InProgress(None) => "INPROGRESS",
            Code::InProgress(Some(progress)) => {
                put(out, "INPROGRESS (");
                match &progress.tag {
                    Some(tag) => write_string(tag.as_str().as_bytes(), opts, out),
                    None => out.extend_from_slice(b"NIL"),
                }
                let num = |n: Option<String>| n.unwrap_or_else(|| "NIL".into());
                out.extend_from_slice(
                    format!(
                        " {} {})",
                        num(progress.done.map(|n| n.to_string())),
                        num(progress.goal.map(|n| n.to_string()))
                    )
                    .as_bytes(),
                );
                return;
            }
            Code::BadUrl(url) => {
                put(out, "BADURL ");
                let clean: String = url.chars().filter(|&c| c != ']').collect();
                if clean.is_empty() {
                    put(out, "?");
                } else {
                    write_text(&clean, opts, out);
                }
                return;
            }
            Code::BadEvent(events) => {
                let list: Vec<&str> = events.iter().map(Atom::as_str).collect();
                put(out, &format!("BADEVENT ({})", list.join(" ")));
                return;
            }
            Code::Other { name, text } => {
                put(out, name.as_str());
                if let Some(text) = text.as_deref().filter(|t| !t.is_empty()) {
                    put(out, " ");
                    let clean: String = text.chars().filter(|&c| c != ']').collect();
                    write_text(&clean, opts, out);
                }
                return;
            }
        };
        put(out, simple);
    }
}

fn put(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

/// `charset = atom / quoted`
fn write_charset(c: &str, opts: EncodeOptions, out: &mut Vec<u8>) {
    if crate::types::chars::is_atom(c.as_bytes()) {
        out.extend_from_slice(c.as_bytes());
    } else {
        write_string(c.as_bytes(), opts, out);
    }
}
