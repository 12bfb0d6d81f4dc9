//! ESMTP parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2):
//! SIZE (RFC 1870 §6), BODY (RFC 6152 §2, RFC 3030 §3), SMTPUTF8
//! (RFC 6531 §3.4), RET/ENVID/NOTIFY/ORCPT (RFC 3461 §4), AUTH= (RFC 4954 §5).
//!
//! ```text
//! esmtp-param   = esmtp-keyword ["=" esmtp-value]
//! esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
//! esmtp-value   = 1*(%d33-60 / %d62-126 / UTF8-non-ascii)   ; RFC 6531 §3.3
//! ```
//!
//! Keywords are case-insensitive. A keyword given twice, or one that needs a
//! value and has none (or the reverse), is a [`ParseError::ParamSyntax`]; an
//! unknown keyword is a [`ParseError::UnknownParam`] (555, §4.1.1.11).

use crate::error::ParseError;
use crate::xtext;

/// Longest ENVID value, in characters as sent (RFC 3461 §4.4).
pub const ENVID_MAX: usize = 100;
/// Longest ORCPT value, in characters as sent (RFC 3461 §4.2).
pub const ORCPT_MAX: usize = 500;

/// `BODY=` (RFC 6152 §2, RFC 3030 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// `7BIT`
    SevenBit,
    /// `8BITMIME`
    EightBitMime,
    /// `BINARYMIME`: only valid with BDAT (RFC 3030 §3).
    BinaryMime,
}

/// `RET=` (RFC 3461 §4.3): what a failure DSN should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DsnRet {
    /// `FULL`: the whole message.
    Full,
    /// `HDRS`: only the headers.
    Hdrs,
}

/// `NOTIFY=` (RFC 3461 §4.1): `NEVER` or a list of SUCCESS, FAILURE, DELAY.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DsnNotify {
    pub never: bool,
    pub success: bool,
    pub failure: bool,
    pub delay: bool,
}

/// The parameters of MAIL FROM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailParams {
    /// `SIZE=` declared message size in octets (RFC 1870).
    pub size: Option<u64>,
    pub body: Option<Body>,
    /// `SMTPUTF8` was given (RFC 6531).
    pub smtputf8: bool,
    pub ret: Option<DsnRet>,
    /// `ENVID=`, xtext-decoded.
    pub envid: Option<String>,
    /// `AUTH=`, xtext-decoded: `<>` or a mailbox (RFC 4954 §5).
    pub auth: Option<String>,
    /// Extension parameters this crate passes through uninterpreted. The
    /// parser currently knows none, so this is always empty: unknown keywords
    /// are refused with [`ParseError::UnknownParam`]. Kept so that adding one
    /// later is not an API break.
    pub other: Vec<(String, Option<String>)>,
}

/// The parameters of RCPT TO.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RcptParams {
    pub notify: Option<DsnNotify>,
    /// `ORCPT=` as `addr-type;address`, the address xtext-decoded (or, for the
    /// `utf-8` type, with RFC 6533 `\x{HEX}` escapes decoded), ready for a
    /// DSN `Original-Recipient:` field.
    pub orcpt: Option<String>,
    /// See [`MailParams::other`]; always empty for now.
    pub other: Vec<(String, Option<String>)>,
}

fn is_keyword(k: &str) -> bool {
    let b = k.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
}

fn is_value(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|c| (33..=60).contains(&c) || (62..=126).contains(&c) || c >= 0x80)
}

/// Splits `Mail-parameters` (SP-separated; runs of SP are tolerated).
pub(crate) fn split_params(s: &str) -> Result<Vec<(&str, Option<&str>)>, ParseError> {
    let mut out: Vec<(&str, Option<&str>)> = Vec::new();
    for token in s.split(' ').filter(|t| !t.is_empty()) {
        let (key, value) = match token.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (token, None),
        };
        if !is_keyword(key) || value.is_some_and(|v| !is_value(v)) {
            return Err(ParseError::ParamSyntax("Bad parameter syntax"));
        }
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(ParseError::ParamSyntax("Duplicate parameter"));
        }
        out.push((key, value));
    }
    Ok(out)
}

fn need<'a>(value: Option<&'a str>, msg: &'static str) -> Result<&'a str, ParseError> {
    value.ok_or(ParseError::ParamSyntax(msg))
}

/// Parses the parameters after `MAIL FROM:<path>`.
pub(crate) fn parse_mail_params(s: &str) -> Result<MailParams, ParseError> {
    let mut p = MailParams::default();
    for (key, value) in split_params(s)? {
        match key.to_ascii_uppercase().as_str() {
            "SIZE" => {
                let v = need(value, "SIZE requires a value")?;
                if v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ParseError::ParamSyntax("SIZE must be a decimal number"));
                }
                let n = v
                    .parse()
                    .map_err(|_| ParseError::ParamSyntax("SIZE must be a decimal number"))?;
                p.size = Some(n);
            }
            "BODY" => {
                let v = need(value, "BODY requires a value")?;
                p.body = Some(match v.to_ascii_uppercase().as_str() {
                    "7BIT" => Body::SevenBit,
                    "8BITMIME" => Body::EightBitMime,
                    "BINARYMIME" => Body::BinaryMime,
                    _ => return Err(ParseError::ParamSyntax("Unknown BODY type")),
                });
            }
            "SMTPUTF8" => {
                if value.is_some() {
                    return Err(ParseError::ParamSyntax("SMTPUTF8 takes no value"));
                }
                p.smtputf8 = true;
            }
            "RET" => {
                let v = need(value, "RET requires a value")?;
                p.ret = Some(match v.to_ascii_uppercase().as_str() {
                    "FULL" => DsnRet::Full,
                    "HDRS" => DsnRet::Hdrs,
                    _ => return Err(ParseError::ParamSyntax("RET must be FULL or HDRS")),
                });
            }
            "ENVID" => {
                let v = need(value, "ENVID requires a value")?;
                if v.len() > ENVID_MAX {
                    return Err(ParseError::ParamSyntax("ENVID too long"));
                }
                let d = xtext::decode(v).map_err(|_| ParseError::ParamSyntax("Bad ENVID"))?;
                p.envid = Some(d);
            }
            "AUTH" => {
                let v = need(value, "AUTH requires a value")?;
                let d = xtext::decode(v).map_err(|_| ParseError::ParamSyntax("Bad AUTH value"))?;
                p.auth = Some(d);
            }
            _ => return Err(ParseError::UnknownParam(key.to_ascii_uppercase())),
        }
    }
    Ok(p)
}

/// Parses the parameters after `RCPT TO:<path>`.
pub(crate) fn parse_rcpt_params(s: &str) -> Result<RcptParams, ParseError> {
    let mut p = RcptParams::default();
    for (key, value) in split_params(s)? {
        match key.to_ascii_uppercase().as_str() {
            "NOTIFY" => p.notify = Some(DsnNotify::parse(need(value, "NOTIFY requires a value")?)?),
            "ORCPT" => p.orcpt = Some(parse_orcpt(need(value, "ORCPT requires a value")?)?),
            _ => return Err(ParseError::UnknownParam(key.to_ascii_uppercase())),
        }
    }
    Ok(p)
}

impl DsnNotify {
    /// Parses a `NOTIFY=` value: `NEVER`, or a comma list of `SUCCESS`,
    /// `FAILURE`, `DELAY` (RFC 3461 §4.1; NEVER excludes the others).
    pub fn parse(value: &str) -> Result<DsnNotify, ParseError> {
        let mut n = DsnNotify::default();
        for item in value.split(',') {
            let flag = match item.to_ascii_uppercase().as_str() {
                "NEVER" => &mut n.never,
                "SUCCESS" => &mut n.success,
                "FAILURE" => &mut n.failure,
                "DELAY" => &mut n.delay,
                _ => return Err(ParseError::ParamSyntax("Bad NOTIFY value")),
            };
            *flag = true;
        }
        if n.never && (n.success || n.failure || n.delay) {
            return Err(ParseError::ParamSyntax(
                "NOTIFY=NEVER excludes other values",
            ));
        }
        Ok(n)
    }
}

/// `ORCPT=addr-type ";" xtext` (RFC 3461 §4.2), addr-type an atom; the
/// `utf-8` type uses RFC 6533 §3 `utf-8-addr-xtext`/`-unitext` instead.
fn parse_orcpt(v: &str) -> Result<String, ParseError> {
    const BAD: ParseError = ParseError::ParamSyntax("Bad ORCPT value");
    if v.len() > ORCPT_MAX {
        return Err(ParseError::ParamSyntax("ORCPT too long"));
    }
    let (kind, addr) = v.split_once(';').ok_or(BAD)?;
    let atom = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c);
    if kind.is_empty() || !kind.bytes().all(atom) || addr.is_empty() {
        return Err(BAD);
    }
    let decoded = if kind.eq_ignore_ascii_case("utf-8") {
        decode_utf8_addr(addr).ok_or(BAD)?
    } else {
        xtext::decode(addr).map_err(|_| BAD)?
    };
    Ok(format!("{kind};{decoded}"))
}

/// RFC 6533 §3: QCHAR (printable ASCII but `+` and `=`), UTF-8, and
/// `\x{HEX}` escapes (2 to 6 hex digits) for any other code point.
fn decode_utf8_addr(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(esc) = rest.strip_prefix("\\x{") {
            let close = esc.find('}')?;
            let hex = &esc[..close];
            if !(2..=6).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            if ch.is_control() {
                return None;
            }
            out.push(ch);
            rest = &esc[close + 1..];
        } else if (c.is_ascii_graphic() && c != '+' && c != '=') || !c.is_ascii() {
            if c.is_control() {
                return None;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_params_table() {
        let full = MailParams {
            size: Some(12345),
            body: Some(Body::EightBitMime),
            smtputf8: true,
            ret: Some(DsnRet::Hdrs),
            envid: Some("QQ314159".into()),
            auth: Some("<>".into()),
            other: vec![],
        };
        let cases: &[(&str, Result<MailParams, ParseError>)] = &[
            ("", Ok(MailParams::default())),
            (
                "SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159 AUTH=<>",
                Ok(full.clone()),
            ),
            (
                "size=12345  body=8bitmime smtputf8 ret=hdrs envid=QQ314159 auth=+3C+3E",
                Ok(full),
            ),
            (
                "SIZE=0",
                Ok(MailParams {
                    size: Some(0),
                    ..Default::default()
                }),
            ),
            (
                "SIZE=18446744073709551615",
                Ok(MailParams {
                    size: Some(u64::MAX),
                    ..Default::default()
                }),
            ),
            (
                "SIZE=18446744073709551616",
                Err(ParseError::ParamSyntax("SIZE must be a decimal number")),
            ),
            (
                "SIZE=-1",
                Err(ParseError::ParamSyntax("SIZE must be a decimal number")),
            ),
            (
                "SIZE=+1",
                Err(ParseError::ParamSyntax("SIZE must be a decimal number")),
            ),
            (
                "SIZE",
                Err(ParseError::ParamSyntax("SIZE requires a value")),
            ),
            (
                "SIZE=",
                Err(ParseError::ParamSyntax("Bad parameter syntax")),
            ),
            (
                "SIZE=1 SIZE=2",
                Err(ParseError::ParamSyntax("Duplicate parameter")),
            ),
            (
                "BODY=7bit",
                Ok(MailParams {
                    body: Some(Body::SevenBit),
                    ..Default::default()
                }),
            ),
            (
                "BODY=BINARYMIME",
                Ok(MailParams {
                    body: Some(Body::BinaryMime),
                    ..Default::default()
                }),
            ),
            (
                "BODY=9BIT",
                Err(ParseError::ParamSyntax("Unknown BODY type")),
            ),
            (
                "SMTPUTF8=yes",
                Err(ParseError::ParamSyntax("SMTPUTF8 takes no value")),
            ),
            (
                "RET=ALL",
                Err(ParseError::ParamSyntax("RET must be FULL or HDRS")),
            ),
            ("ENVID=a+0D+0Ab", Err(ParseError::ParamSyntax("Bad ENVID"))),
            (
                "AUTH=a+2Bb@x.org",
                Ok(MailParams {
                    auth: Some("a+b@x.org".into()),
                    ..Default::default()
                }),
            ),
            ("X-FOO=1", Err(ParseError::UnknownParam("X-FOO".into()))),
            (
                "mt-priority=3",
                Err(ParseError::UnknownParam("MT-PRIORITY".into())),
            ),
            ("-X=1", Err(ParseError::ParamSyntax("Bad parameter syntax"))),
            (
                "A=b=c",
                Err(ParseError::ParamSyntax("Bad parameter syntax")),
            ),
            (
                "A=\u{1}",
                Err(ParseError::ParamSyntax("Bad parameter syntax")),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_mail_params(input), *want, "{input:?}");
        }
        let long = format!("ENVID={}", "a".repeat(101));
        assert_eq!(
            parse_mail_params(&long),
            Err(ParseError::ParamSyntax("ENVID too long"))
        );
    }

    #[test]
    fn rcpt_params_table() {
        let n = |never, success, failure, delay| DsnNotify {
            never,
            success,
            failure,
            delay,
        };
        let cases: &[(&str, Result<RcptParams, ParseError>)] = &[
            ("", Ok(RcptParams::default())),
            (
                "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@x.org",
                Ok(RcptParams {
                    notify: Some(n(false, true, true, false)),
                    orcpt: Some("rfc822;a+b@x.org".into()),
                    other: vec![],
                }),
            ),
            (
                "notify=never",
                Ok(RcptParams {
                    notify: Some(n(true, false, false, false)),
                    ..Default::default()
                }),
            ),
            (
                "NOTIFY=delay",
                Ok(RcptParams {
                    notify: Some(n(false, false, false, true)),
                    ..Default::default()
                }),
            ),
            (
                "NOTIFY=NEVER,SUCCESS",
                Err(ParseError::ParamSyntax(
                    "NOTIFY=NEVER excludes other values",
                )),
            ),
            (
                "NOTIFY=",
                Err(ParseError::ParamSyntax("Bad parameter syntax")),
            ),
            (
                "NOTIFY=SUCCESS,",
                Err(ParseError::ParamSyntax("Bad NOTIFY value")),
            ),
            (
                "NOTIFY=SOMETIMES",
                Err(ParseError::ParamSyntax("Bad NOTIFY value")),
            ),
            (
                "ORCPT=utf-8;\\x{E9}t\u{e9}@x.org",
                Ok(RcptParams {
                    orcpt: Some("utf-8;\u{e9}t\u{e9}@x.org".into()),
                    ..Default::default()
                }),
            ),
            (
                "ORCPT=utf-8;\\x{0A}",
                Err(ParseError::ParamSyntax("Bad ORCPT value")),
            ),
            (
                "ORCPT=utf-8;a+b",
                Err(ParseError::ParamSyntax("Bad ORCPT value")),
            ),
            (
                "ORCPT=a@x.org",
                Err(ParseError::ParamSyntax("Bad ORCPT value")),
            ),
            (
                "ORCPT=rfc822;",
                Err(ParseError::ParamSyntax("Bad ORCPT value")),
            ),
            (
                "ORCPT=rfc 822;a",
                Err(ParseError::ParamSyntax("Bad parameter syntax")),
            ),
            ("SIZE=1", Err(ParseError::UnknownParam("SIZE".into()))),
        ];
        for (input, want) in cases {
            assert_eq!(parse_rcpt_params(input), *want, "{input:?}");
        }
    }
}
