//! Commands of the not-authenticated state (RFC 9051 §6.2): AUTHENTICATE
//! with SASL-IR (RFC 4959) and its continuation lines, LOGIN; plus
//! COMPRESS (RFC 4978), which like STARTTLS changes the connection layer.

use super::CommandBody;
use crate::parser::{PResult, Parser, Syntax};
use crate::reader::{ContinuationError, take_line};
use crate::types::{Atom, Secret};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// `AUTHENTICATE mechanism [initial-response]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate {
    /// The SASL mechanism, upper-cased (RFC 4422 §3.1).
    pub mechanism: Atom,
    /// The decoded initial response (RFC 4959 §3): `Some(empty)` for `=`,
    /// `None` when absent.
    pub initial_response: Option<Secret<Vec<u8>>>,
}

/// `LOGIN userid password`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret<String>,
}

/// The algorithm COMPRESS asks for (RFC 4978 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompressAlgorithm {
    /// `DEFLATE` (RFC 1951 without headers).
    Deflate,
    /// Anything else; the session answers NO.
    Other(Atom),
}

/// ```text
/// authenticate  = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]
///                 *(CRLF base64)
/// auth-type     = atom
/// base64        = *(4base64-char) [base64-terminal]
/// ```
/// (RFC 9051 §9 with RFC 4959 §7: "=" is an empty initial response.)
pub(crate) fn parse_authenticate(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let mechanism =
        Atom::new(p.atom()?.to_ascii_uppercase()).map_err(|_| Syntax("invalid mechanism"))?;
    let initial_response = if p.eat(b' ') {
        let text = p.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        Some(Secret::new(
            decode_base64(text).ok_or(Syntax("invalid base64 initial response"))?,
        ))
    } else {
        None
    };
    Ok(CommandBody::Authenticate(Authenticate {
        mechanism,
        initial_response,
    }))
}

fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    match text {
        b"=" => Some(Vec::new()),
        b"" => None,
        _ => BASE64.decode(text).ok(),
    }
}

/// ```text
/// login    = "LOGIN" SP userid SP password
/// userid   = astring
/// password = astring
/// ```
pub(crate) fn parse_login(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let username = p.astring_utf8()?;
    p.sp()?;
    let password = Secret::new(p.astring_utf8()?);
    Ok(CommandBody::Login(Login { username, password }))
}

/// ```text
/// compress  = "COMPRESS" SP algorithm
/// algorithm = "DEFLATE"
/// ```
/// (RFC 4978 §4; other atoms parse, for a NO rather than a BAD.)
pub(crate) fn parse_compress(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let atom = p.atom_value()?;
    Ok(CommandBody::Compress(if atom.eq_ignore_case("DEFLATE") {
        CompressAlgorithm::Deflate
    } else {
        CompressAlgorithm::Other(atom)
    }))
}

/// The client's answer to a `+ challenge` during AUTHENTICATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResponse {
    /// The decoded response (empty for an empty line).
    Data(Secret<Vec<u8>>),
    /// `*`: the client cancelled (RFC 9051 §6.2.2: answer BAD).
    Cancelled,
}

/// Reads one AUTHENTICATE continuation line from the start of `buf`
/// (RFC 9051 §6.2.2): base64, or `*` to cancel.
///
/// Returns `Ok(None)` until a whole line is there, then the response and
/// the bytes it used.
pub fn parse_authenticate_response(
    buf: &[u8],
    max_line: usize,
) -> Result<Option<(AuthResponse, usize)>, ContinuationError> {
    let Some((line, consumed)) = take_line(buf, max_line)? else {
        return Ok(None);
    };
    if line == b"*" {
        return Ok(Some((AuthResponse::Cancelled, consumed)));
    }
    let data = if line.is_empty() {
        Vec::new()
    } else {
        decode_base64(line).ok_or(ContinuationError::Base64 { consumed })?
    };
    Ok(Some((AuthResponse::Data(Secret::new(data)), consumed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;
    use crate::reader::Resync;

    fn auth(line: &str) -> Authenticate {
        match parse(line) {
            Ok(CommandBody::Authenticate(a)) => a,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn authenticate() {
        let a = auth("a AUTHENTICATE plain");
        assert_eq!((a.mechanism.as_str(), a.initial_response), ("PLAIN", None));
        // RFC 4959 §3 example.
        let a = auth("a AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=");
        assert_eq!(a.initial_response.unwrap().expose(), b"test\0test\0test");
        let a = auth("a AUTHENTICATE EXTERNAL =");
        assert_eq!(a.initial_response.unwrap().expose(), b"");
        assert_bad(&[
            "a AUTHENTICATE",
            "a AUTHENTICATE PLAIN ",
            "a AUTHENTICATE PLAIN dGVzd",
            "a AUTHENTICATE PLAIN ===",
            "a AUTHENTICATE PLAIN abcd efgh",
        ]);
        let debug = format!("{:?}", parse("a AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q="));
        assert!(
            !debug.contains("dGVzd") && !debug.contains("116"),
            "{debug}"
        );
    }

    #[test]
    fn login() {
        // RFC 9051 §6.2.3.
        let Ok(CommandBody::Login(l)) = parse("a001 LOGIN SMITH SESAME") else {
            panic!()
        };
        assert_eq!(
            (l.username.as_str(), l.password.expose().as_str()),
            ("SMITH", "SESAME")
        );
        let Ok(CommandBody::Login(l)) = parse_bytes(b"a LOGIN \"fred foo\" {5}\r\np\"a w\r\n")
        else {
            panic!()
        };
        assert_eq!(
            (l.username.as_str(), l.password.expose().as_str()),
            ("fred foo", "p\"a w")
        );
        assert!(!format!("{l:?}").contains("p\\\"a"));
        assert_bad(&[
            "a LOGIN",
            "a LOGIN u",
            "a LOGIN u p x",
            "a LOGIN u  p",
            "a LOGIN (u) p",
        ]);
    }

    #[test]
    fn compress() {
        assert_eq!(
            parse("a COMPRESS deflate"),
            Ok(CommandBody::Compress(CompressAlgorithm::Deflate))
        );
        assert!(matches!(
            parse("a COMPRESS LZ4"),
            Ok(CommandBody::Compress(CompressAlgorithm::Other(_)))
        ));
        assert_bad(&["a COMPRESS", "a COMPRESS \"DEFLATE\""]);
    }

    #[test]
    fn continuation_lines() {
        let data = |s: &[u8]| parse_authenticate_response(s, 100);
        assert_eq!(data(b"dGVzdA=="), Ok(None));
        let Ok(Some((AuthResponse::Data(d), 10))) = data(b"dGVzdA==\r\nx") else {
            panic!()
        };
        assert_eq!(d.expose(), b"test");
        assert_eq!(data(b"*\r\n"), Ok(Some((AuthResponse::Cancelled, 3))));
        let Ok(Some((AuthResponse::Data(d), 2))) = data(b"\r\n") else {
            panic!()
        };
        assert!(d.expose().is_empty());
        assert_eq!(
            data(b"!!\r\n"),
            Err(ContinuationError::Base64 { consumed: 4 })
        );
        assert_eq!(
            parse_authenticate_response(b"abcdefgh", 4),
            Err(ContinuationError::TooLong(Resync::SkipLine))
        );
        assert_eq!(
            parse_authenticate_response(b"abcde\r\n", 4),
            Err(ContinuationError::TooLong(Resync::Skip(7)))
        );
    }
}
