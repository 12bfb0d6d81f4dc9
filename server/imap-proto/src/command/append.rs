//! APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), literal8 for
//! BINARY (RFC 3516 §4.4), CATENATE (RFC 4469) and the `UTF8 (literal8)`
//! data extension of UTF8=ACCEPT (RFC 6855 §4).

use super::CommandBody;
use crate::datetime::DateTime;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::{Flag, Mailbox};

/// `APPEND mailbox message...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Append {
    /// The destination.
    pub mailbox: Mailbox,
    /// One message, or several with MULTIAPPEND (all or none are added,
    /// RFC 3502 §3).
    pub messages: Vec<AppendMessage>,
}

/// One message of an APPEND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage {
    /// Flags to set (empty when none were given).
    pub flags: Vec<Flag>,
    /// The INTERNALDATE to set; now when absent.
    pub date: Option<DateTime>,
    /// The message itself.
    pub data: AppendData,
}

/// Where an appended message comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendData {
    /// The message in a literal.
    Literal {
        /// The message octets.
        bytes: Vec<u8>,
        /// Sent as `~{n}` (RFC 3516 §4.4): may hold NUL and binary parts.
        binary: bool,
    },
    /// The message assembled from parts (RFC 4469 §5).
    Catenate(Vec<CatPart>),
    /// `UTF8 (~{n}...)`: a message with UTF-8 header fields (RFC 6855 §4),
    /// allowed once the client enabled UTF8=ACCEPT.
    Utf8(Vec<u8>),
}

/// One part of a CATENATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatPart {
    /// `URL "..."`: an IMAP URL to a message or part (RFC 5092).
    Url(String),
    /// `TEXT {n}`: literal text.
    Text {
        /// The octets.
        bytes: Vec<u8>,
        /// Sent as `~{n}`.
        binary: bool,
    },
    /// `UTF8 (~{n}...)`: text with UTF-8 header fields (RFC 6855 §4).
    Utf8(Vec<u8>),
}

/// ```text
/// append         = "APPEND" SP mailbox 1*append-message
/// append-message = append-opts SP append-data
/// append-opts    = [SP flag-list] [SP date-time]
/// append-data    = literal / literal8 / "CATENATE" SP "(" cat-part
///                  *(SP cat-part) ")" / utf8-literal
/// cat-part       = text-literal / url / utf8-literal
/// text-literal   = "TEXT" SP literal
/// url            = "URL" SP astring
/// utf8-literal   = "UTF8" SP "(" literal8 ")"
/// ```
/// (RFC 9051 §9, RFC 3502 §6, RFC 4469 §5, RFC 6855 §4.) TEXT also takes a
/// literal8 (RFC 4466 `append-data`, BINARY RFC 3516).
pub(crate) fn parse_append(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    let mut messages = Vec::new();
    while p.eat(b' ') {
        messages.push(parse_message(p)?);
    }
    if messages.is_empty() {
        return Err(Syntax("APPEND needs a message"));
    }
    Ok(CommandBody::Append(Append { mailbox, messages }))
}

fn parse_message(p: &mut Parser<'_>) -> PResult<AppendMessage> {
    let mut flags = Vec::new();
    if p.peek() == Some(b'(') {
        flags = p.flag_list()?;
        p.sp()?;
    }
    let mut date = None;
    if p.peek() == Some(b'"') {
        date = Some(p.date_time()?);
        p.sp()?;
    }
    let data = match p.peek() {
        Some(b'{' | b'~') => {
            let lit = p.literal(true)?;
            AppendData::Literal {
                bytes: lit.data.to_vec(),
                binary: lit.binary,
            }
        }
        _ if p.eat_word("CATENATE") => {
            p.sp()?;
            AppendData::Catenate(p.nonempty_paren_list(parse_cat_part)?)
        }
        _ if p.eat_word("UTF8") => AppendData::Utf8(parse_utf8_literal(p)?),
        _ => return Err(Syntax("expected a message literal")),
    };
    Ok(AppendMessage { flags, date, data })
}

fn parse_cat_part(p: &mut Parser<'_>) -> PResult<CatPart> {
    match p.word()?.as_str() {
        "URL" => {
            p.sp()?;
            let url = p.astring_utf8()?;
            if url.is_empty() {
                return Err(Syntax("empty URL"));
            }
            Ok(CatPart::Url(url))
        }
        "UTF8" => Ok(CatPart::Utf8(parse_utf8_literal(p)?)),
        "TEXT" => {
            p.sp()?;
            let lit = p.literal(true)?;
            Ok(CatPart::Text {
                bytes: lit.data.to_vec(),
                binary: lit.binary,
            })
        }
        _ => Err(Syntax("expected URL or TEXT")),
    }
}

/// `SP "(" literal8 ")"` after `UTF8` (RFC 6855 §4).
fn parse_utf8_literal(p: &mut Parser<'_>) -> PResult<Vec<u8>> {
    p.sp()?;
    p.expect(b'(', "expected '(' after UTF8")?;
    if p.peek() != Some(b'~') {
        return Err(Syntax("UTF8 needs a literal8"));
    }
    let lit = p.literal(true)?;
    p.expect(b')', "expected ')' after the UTF8 literal")?;
    Ok(lit.data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    fn append(buf: &[u8]) -> Append {
        match parse_bytes(buf) {
            Ok(CommandBody::Append(a)) => a,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(buf)),
        }
    }

    #[test]
    fn single() {
        // RFC 9051 §6.3.12.
        let msg = b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
        let mut cmd =
            format!("A003 APPEND saved-messages (\\Seen) {{{}}}\r\n", msg.len()).into_bytes();
        cmd.extend_from_slice(msg);
        cmd.extend_from_slice(b"\r\n");
        let a = append(&cmd);
        assert_eq!(a.mailbox.as_str(), "saved-messages");
        assert_eq!(a.messages.len(), 1);
        assert_eq!(a.messages[0].flags, [Flag::Seen]);
        assert_eq!(a.messages[0].date, None);
        assert_eq!(
            a.messages[0].data,
            AppendData::Literal {
                bytes: msg.to_vec(),
                binary: false
            }
        );

        let a = append(b"a APPEND INBOX \"17-Jul-1996 02:44:25 -0700\" {3+}\r\nabc\r\n");
        assert_eq!(a.messages[0].date.unwrap().unix(), 837_596_665);
        assert!(a.messages[0].flags.is_empty());
        let a = append(b"a APPEND INBOX () \" 7-Feb-1994 21:52:25 -0800\" ~{3}\r\na\0c\r\n");
        assert_eq!(
            a.messages[0].data,
            AppendData::Literal {
                bytes: b"a\0c".to_vec(),
                binary: true
            }
        );
        let a = append(b"a APPEND INBOX {0}\r\n\r\n");
        assert_eq!(
            a.messages[0].data,
            AppendData::Literal {
                bytes: vec![],
                binary: false
            }
        );
    }

    #[test]
    fn multiappend() {
        // RFC 3502 §6 (shortened literals).
        let a = append(b"A003 APPEND saved-messages (\\Seen) {5}\r\nfirst (\\Seen) \"01-Jan-2000 00:00:00 +0000\" {6}\r\nsecond {5+}\r\nthird\r\n");
        assert_eq!(a.messages.len(), 3);
        assert!(a.messages[1].date.is_some());
        assert_eq!(
            a.messages[2].data,
            AppendData::Literal {
                bytes: b"third".to_vec(),
                binary: false
            }
        );
    }

    #[test]
    fn catenate() {
        // RFC 4469 §4 (shortened literals).
        let a = append(
            b"A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER\" TEXT {4}\r\n\r\nab URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME\" TEXT ~{2}\r\n\0\x01)\r\n",
        );
        let AppendData::Catenate(parts) = &a.messages[0].data else {
            panic!()
        };
        assert_eq!(parts.len(), 4);
        assert_eq!(
            parts[1],
            CatPart::Text {
                bytes: b"\r\nab".to_vec(),
                binary: false
            }
        );
        assert!(matches!(&parts[2], CatPart::Url(u) if u.ends_with("1.MIME")));
        assert_eq!(
            parts[3],
            CatPart::Text {
                bytes: vec![0, 1],
                binary: true
            }
        );
        assert_eq!(a.messages[0].flags.len(), 3);
    }

    #[test]
    fn utf8_data_extension() {
        // RFC 6855 §4: alone, in MULTIAPPEND and as a CATENATE part.
        let a = append(b"a APPEND INBOX (\\Seen) UTF8 (~{4}\r\n\xc3\xa9\0x)\r\n");
        assert_eq!(
            a.messages[0].data,
            AppendData::Utf8(b"\xc3\xa9\0x".to_vec())
        );
        let a = append(b"a APPEND INBOX utf8 (~{2+}\r\nab) {1}\r\nc\r\n");
        assert_eq!(a.messages.len(), 2);
        assert_eq!(a.messages[0].data, AppendData::Utf8(b"ab".to_vec()));
        let a = append(b"a APPEND INBOX CATENATE (UTF8 (~{2}\r\nab) URL \";UID=1\")\r\n");
        let AppendData::Catenate(parts) = &a.messages[0].data else {
            panic!()
        };
        assert_eq!(parts[0], CatPart::Utf8(b"ab".to_vec()));
    }

    #[test]
    fn refusals() {
        assert_bad(&[
            "a APPEND",
            "a APPEND INBOX",
            "a APPEND INBOX (\\Seen)",
            "a APPEND INBOX \"x\" {0}",
            "a APPEND INBOX hello",
            "a APPEND INBOX CATENATE ()",
            "a APPEND INBOX CATENATE (FOO \"x\")",
            "a APPEND INBOX CATENATE (URL \"\")",
            "a APPEND INBOX UTF8 \"x\"",
            "a APPEND INBOX UTF8 ()",
        ]);
        for bad in [
            &b"a APPEND INBOX {3}\r\nabcX\r\n"[..],
            b"a APPEND INBOX {3}\r\na\0c\r\n",
            b"a APPEND INBOX (\\Seen)  {1}\r\nx\r\n",
            b"a APPEND INBOX {1}\r\nx \r\n",
            b"a APPEND INBOX CATENATE (TEXT \"x\")\r\n",
            b"a APPEND INBOX UTF8 ({1}\r\nx)\r\n",
            b"a APPEND INBOX UTF8 (~{1}\r\nx\r\n",
            b"a APPEND INBOX UTF8(~{1}\r\nx)\r\n",
        ] {
            assert!(
                parse_bytes(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
