//! Writing values in the form the formal syntax allows (RFC 9051 §4, §9):
//! atom, quoted string or literal; NIL for absent values; text that never
//! carries a bare CR or LF.
//!
//! ```text
//! string      = quoted / literal
//! quoted      = DQUOTE *QUOTED-CHAR DQUOTE
//! QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> /
//!               "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
//! literal     = "{" number64 ["+"] "}" CRLF *CHAR8
//! literal8    = "~{" number64 "}" CRLF *OCTET
//! astring     = 1*ASTRING-CHAR / string
//! nstring     = string / nil
//! text        = 1*TEXT-CHAR
//! ```
//!
//! Quoted strings are used for short text without CR, LF or NUL; 8-bit
//! text is quoted only when UTF-8 is allowed (IMAP4rev2 or UTF8=ACCEPT,
//! RFC 6855 §3) and is valid UTF-8, and becomes a literal otherwise.

use crate::mutf7;
use crate::types::chars::is_astring_atom;

/// Longest string written as a quoted string; longer ones become literals.
pub const MAX_QUOTED: usize = 1024;

/// How the session's client wants strings written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// UTF-8 may appear in quoted strings and text, and mailbox names are
    /// sent as UTF-8 rather than modified UTF-7: true for IMAP4rev2
    /// (RFC 9051 §6.3.1) and after `ENABLE UTF8=ACCEPT` (RFC 6855 §3).
    pub utf8: bool,
}

/// Whether `s` can be written as a quoted string.
pub fn can_quote(s: &[u8], opts: EncodeOptions) -> bool {
    s.len() <= MAX_QUOTED
        && !s.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n'))
        && (s.is_ascii() || (opts.utf8 && std::str::from_utf8(s).is_ok()))
}

/// Writes `s` as a quoted string, escaping `"` and `\`. The caller checks
/// [`can_quote`].
fn write_quoted(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Writes `{n}CRLF` and the data. A literal carries no NUL (`CHAR8`, RFC 9051 §4.3): each
/// NUL is sent as 0x80, as Dovecot does, so sizes and offsets stay those of the message; a
/// client wanting the octets as they are asks for BINARY (a `literal8`).
pub fn write_literal(s: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
    let start = out.len();
    out.extend_from_slice(s);
    for b in &mut out[start..] {
        if *b == 0 {
            *b = NUL_IN_LITERAL;
        }
    }
}

/// What a NUL becomes in a literal.
pub const NUL_IN_LITERAL: u8 = 0x80;

/// Writes `~{n}CRLF` and the data as they are (RFC 3516).
pub fn write_literal8(s: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("~{{{}}}\r\n", s.len()).as_bytes());
    out.extend_from_slice(s);
}

/// `string`: quoted when possible, a literal otherwise.
pub fn write_string(s: &[u8], opts: EncodeOptions, out: &mut Vec<u8>) {
    if can_quote(s, opts) {
        write_quoted(s, out);
    } else {
        write_literal(s, out);
    }
}

/// `astring`: bare when it is a run of ASTRING-CHAR other than `NIL`, a
/// string otherwise.
pub fn write_astring(s: &[u8], opts: EncodeOptions, out: &mut Vec<u8>) {
    if is_astring_atom(s) && !s.eq_ignore_ascii_case(b"NIL") {
        out.extend_from_slice(s);
    } else {
        write_string(s, opts, out);
    }
}

/// `nstring`: `NIL` for `None`.
pub fn write_nstring(s: Option<&[u8]>, opts: EncodeOptions, out: &mut Vec<u8>) {
    match s {
        Some(s) => write_string(s, opts, out),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// A mailbox name held in UTF-8, written as UTF-8 or, for IMAP4rev1
/// clients without UTF8=ACCEPT, in modified UTF-7 (RFC 3501 §5.1.3).
pub fn write_mailbox(name: &str, opts: EncodeOptions, out: &mut Vec<u8>) {
    if opts.utf8 {
        write_astring(name.as_bytes(), opts, out);
    } else {
        write_astring(mutf7::encode(name).as_bytes(), opts, out);
    }
}

/// A mailbox name as a `string` (never bare), e.g. in NAMESPACE.
pub fn write_mailbox_string(name: &str, opts: EncodeOptions, out: &mut Vec<u8>) {
    if opts.utf8 {
        write_string(name.as_bytes(), opts, out);
    } else {
        write_string(mutf7::encode(name).as_bytes(), opts, out);
    }
}

/// `DQUOTE QUOTED-CHAR DQUOTE / nil`: a hierarchy delimiter.
pub fn write_delimiter(c: Option<char>, out: &mut Vec<u8>) {
    match c {
        Some(c) if c.is_ascii() && !c.is_ascii_control() => {
            let mut buf = [0u8; 1];
            write_quoted(c.encode_utf8(&mut buf).as_bytes(), out);
        }
        _ => out.extend_from_slice(b"NIL"),
    }
}

/// Human-readable `text`: CR, LF and NUL become spaces; without UTF-8,
/// non-ASCII characters become `?`; empty text becomes `ok`, since
/// IMAP4rev1 requires at least one character.
pub fn write_text(text: &str, opts: EncodeOptions, out: &mut Vec<u8>) {
    if text.is_empty() {
        out.extend_from_slice(b"ok");
        return;
    }
    for c in text.chars() {
        match c {
            '\r' | '\n' | '\0' => out.push(b' '),
            c if c.is_ascii() => out.push(c as u8),
            c if opts.utf8 => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            _ => out.push(b'?'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASCII: EncodeOptions = EncodeOptions { utf8: false };
    const UTF8: EncodeOptions = EncodeOptions { utf8: true };

    fn s(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn string_choice() {
        let cases: &[(&[u8], EncodeOptions, &str)] = &[
            (b"hello world", ASCII, "\"hello world\""),
            (b"", ASCII, "\"\""),
            (b"a\"b\\c", ASCII, "\"a\\\"b\\\\c\""),
            (b"line\r\nbreak", ASCII, "{11}\r\nline\r\nbreak"),
            // The NUL goes out as 0x80 (shown here as U+FFFD).
            (b"nul\0", ASCII, "{4}\r\nnul\u{fffd}"),
            ("Grüße".as_bytes(), ASCII, "{7}\r\nGrüße"),
            ("Grüße".as_bytes(), UTF8, "\"Grüße\""),
            (b"bad \xff utf8", UTF8, "{10}\r\nbad \u{fffd} utf8"),
        ];
        for &(input, opts, want) in cases {
            assert_eq!(s(|o| write_string(input, opts, o)), want, "{input:?}");
        }
        let long = vec![b'a'; MAX_QUOTED + 1];
        assert!(s(|o| write_string(&long, ASCII, o)).starts_with("{1025}\r\n"));
        assert!(s(|o| write_string(&long[..MAX_QUOTED], ASCII, o)).starts_with('"'));
    }

    #[test]
    fn astring_nstring_mailbox() {
        assert_eq!(s(|o| write_astring(b"INBOX", ASCII, o)), "INBOX");
        assert_eq!(s(|o| write_astring(b"a]b", ASCII, o)), "a]b");
        assert_eq!(s(|o| write_astring(b"nil", ASCII, o)), "\"nil\"");
        assert_eq!(s(|o| write_astring(b"a b", ASCII, o)), "\"a b\"");
        assert_eq!(s(|o| write_astring(b"a%", ASCII, o)), "\"a%\"");
        assert_eq!(s(|o| write_astring(b"", ASCII, o)), "\"\"");
        assert_eq!(s(|o| write_nstring(None, ASCII, o)), "NIL");
        assert_eq!(s(|o| write_nstring(Some(b"NIL"), ASCII, o)), "\"NIL\"");
        assert_eq!(
            s(|o| write_mailbox("~peter/mail/台北/日本語", ASCII, o)),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(s(|o| write_mailbox("日本語", UTF8, o)), "\"日本語\"");
        assert_eq!(
            s(|o| write_mailbox("Tom & Jerry", ASCII, o)),
            "\"Tom &- Jerry\""
        );
        assert_eq!(s(|o| write_mailbox_string("INBOX", ASCII, o)), "\"INBOX\"");
        assert_eq!(s(|o| write_delimiter(Some('/'), o)), "\"/\"");
        assert_eq!(s(|o| write_delimiter(Some('\\'), o)), "\"\\\\\"");
        assert_eq!(s(|o| write_delimiter(None, o)), "NIL");
        assert_eq!(s(|o| write_literal8(b"\0", o)), "~{1}\r\n\0");
        // RFC 9051 §4.3: no NUL in a literal (CHAR8); the size stays.
        let mut out = Vec::new();
        write_string(b"a\0b", EncodeOptions::default(), &mut out);
        assert_eq!(out, b"{3}\r\na\x80b");
    }

    #[test]
    fn text_never_breaks_lines() {
        assert_eq!(s(|o| write_text("a\r\nb\0c", ASCII, o)), "a  b c");
        assert_eq!(s(|o| write_text("Grüße", ASCII, o)), "Gr??e");
        assert_eq!(s(|o| write_text("Grüße", UTF8, o)), "Grüße");
        assert_eq!(s(|o| write_text("", ASCII, o)), "ok");
    }
}
