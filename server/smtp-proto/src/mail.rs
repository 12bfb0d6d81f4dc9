//! Arguments of MAIL FROM and RCPT TO (RFC 5321 §4.1.1.2, §4.1.1.3).
//!
//! ```text
//! mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
//! rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
//!        Forward-path ) [SP Rcpt-parameters] CRLF
//! ```
//!
//! Leniency: spaces after the colon are skipped (`MAIL FROM: <a@b>`), as
//! many clients send them; a source route is accepted and ignored (§4.1.2).
//! Addresses without angle brackets are refused.

use crate::address::{Mailbox, Path, ReversePath, parse_path};
use crate::command::Command;
use crate::error::ParseError;
use crate::params::{parse_mail_params, parse_rcpt_params};

/// Strips a case-insensitive `prefix` (such as `FROM:`), then leading spaces.
fn after_prefix<'a>(args: &'a str, prefix: &str) -> Option<&'a str> {
    let head = args.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    Some(args[prefix.len()..].trim_start_matches(' '))
}

/// Splits what follows the path: nothing, or SP and parameters.
fn params_part(rest: &str) -> Option<&str> {
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix(' ')
    }
}

/// `args` is what follows `MAIL `.
pub(crate) fn parse_mail(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Syntax("Syntax: MAIL FROM:<address>");
    let path = after_prefix(args, "FROM:").ok_or(USAGE)?;
    if path.is_empty() {
        return Err(USAGE);
    }
    let (parsed, end) = parse_path(path).map_err(ParseError::InvalidSender)?;
    let from = match parsed {
        Path::Null => ReversePath::Null,
        Path::Mailbox(m) => ReversePath::Mailbox(m),
        Path::Postmaster(_) => return Err(ParseError::InvalidSender("Missing @domain")),
    };
    let params = params_part(&path[end..])
        .ok_or(ParseError::InvalidSender("Address must be enclosed in <>"))?;
    let params = parse_mail_params(params)?;
    Ok(Command::Mail { from, params })
}

/// `args` is what follows `RCPT `.
pub(crate) fn parse_rcpt(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Syntax("Syntax: RCPT TO:<address>");
    let path = after_prefix(args, "TO:").ok_or(USAGE)?;
    if path.is_empty() {
        return Err(USAGE);
    }
    let (parsed, end) = parse_path(path).map_err(ParseError::InvalidAddress)?;
    let to = match parsed {
        Path::Null => return Err(ParseError::InvalidAddress("Null recipient not allowed")),
        Path::Mailbox(m) => m,
        Path::Postmaster(local) => Mailbox {
            local,
            domain: String::new(),
        },
    };
    let params = params_part(&path[end..])
        .ok_or(ParseError::InvalidAddress("Address must be enclosed in <>"))?;
    let params = parse_rcpt_params(params)?;
    Ok(Command::Rcpt { to, params })
}

#[cfg(test)]
mod tests {
    use crate::{
        Body, Command, DsnNotify, MailParams, Mailbox, ParseError, RcptParams, ReversePath,
        parse_command,
    };

    fn mb(local: &str, domain: &str) -> Mailbox {
        Mailbox {
            local: local.into(),
            domain: domain.into(),
        }
    }

    fn mail(from: ReversePath, params: MailParams) -> Command {
        Command::Mail { from, params }
    }

    fn rcpt(to: Mailbox, params: RcptParams) -> Command {
        Command::Rcpt { to, params }
    }

    #[test]
    fn mail_table() {
        let a = || ReversePath::Mailbox(mb("a", "b.org"));
        let none = MailParams::default;
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("MAIL FROM:<a@b.org>", Ok(mail(a(), none()))),
            ("mail from:<a@b.org>", Ok(mail(a(), none()))),
            ("MAIL FROM: <a@b.org>", Ok(mail(a(), none()))),
            ("MAIL FROM:<>", Ok(mail(ReversePath::Null, none()))),
            ("MAIL FROM:<@x.org,@y.org:a@b.org>", Ok(mail(a(), none()))),
            (
                "MAIL FROM:<a@b.org> SIZE=100 BODY=8BITMIME",
                Ok(mail(
                    a(),
                    MailParams {
                        size: Some(100),
                        body: Some(Body::EightBitMime),
                        ..none()
                    },
                )),
            ),
            (
                "MAIL FROM:<用户@例子.广告> SMTPUTF8",
                Ok(mail(
                    ReversePath::Mailbox(mb("用户", "例子.广告")),
                    MailParams {
                        smtputf8: true,
                        ..none()
                    },
                )),
            ),
            ("MAIL FROM:<a@b.org> ", Ok(mail(a(), none()))),
            (
                "MAIL FROM:<a@b.org>SIZE=1",
                Err(ParseError::InvalidSender("Address must be enclosed in <>")),
            ),
            (
                "MAIL FROM:a@b.org",
                Err(ParseError::InvalidSender("Address must be enclosed in <>")),
            ),
            (
                "MAIL FROM:<Postmaster>",
                Err(ParseError::InvalidSender("Missing @domain")),
            ),
            (
                "MAIL FROM:<a@b.org> FOO=1",
                Err(ParseError::UnknownParam("FOO".into())),
            ),
            (
                "MAIL FROM:<a@b..org>",
                Err(ParseError::InvalidSender("Bad domain")),
            ),
            (
                "MAIL FROM:",
                Err(ParseError::Syntax("Syntax: MAIL FROM:<address>")),
            ),
            (
                "MAIL TO:<a@b.org>",
                Err(ParseError::Syntax("Syntax: MAIL FROM:<address>")),
            ),
            (
                "MAIL",
                Err(ParseError::Syntax("Syntax: MAIL FROM:<address>")),
            ),
            (
                "MAIL FROM <a@b.org>",
                Err(ParseError::Syntax("Syntax: MAIL FROM:<address>")),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line:?}");
        }
    }

    #[test]
    fn rcpt_table() {
        let none = RcptParams::default;
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("RCPT TO:<a@b.org>", Ok(rcpt(mb("a", "b.org"), none()))),
            ("rcpt to: <a@b.org>", Ok(rcpt(mb("a", "b.org"), none()))),
            (
                "RCPT TO:<Postmaster>",
                Ok(rcpt(mb("Postmaster", ""), none())),
            ),
            (
                "RCPT TO:<postmaster>",
                Ok(rcpt(mb("postmaster", ""), none())),
            ),
            (
                "RCPT TO:<Postmaster@b.org>",
                Ok(rcpt(mb("Postmaster", "b.org"), none())),
            ),
            (
                "RCPT TO:<@r.org:a@b.org>",
                Ok(rcpt(mb("a", "b.org"), none())),
            ),
            (
                "RCPT TO:<\"x y\"@[10.0.0.1]>",
                Ok(rcpt(mb("x y", "[10.0.0.1]"), none())),
            ),
            (
                "RCPT TO:<a@b.org> NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@b.org",
                Ok(rcpt(
                    mb("a", "b.org"),
                    RcptParams {
                        notify: Some(DsnNotify {
                            failure: true,
                            delay: true,
                            ..Default::default()
                        }),
                        orcpt: Some("rfc822;a@b.org".into()),
                        other: vec![],
                    },
                )),
            ),
            (
                "RCPT TO:<>",
                Err(ParseError::InvalidAddress("Null recipient not allowed")),
            ),
            (
                "RCPT TO:<user>",
                Err(ParseError::InvalidAddress("Missing @domain")),
            ),
            (
                "RCPT TO:<a@b.org> BODY=7BIT",
                Err(ParseError::UnknownParam("BODY".into())),
            ),
            (
                "RCPT TO:<a@b.org> NOTIFY=NEVER,DELAY",
                Err(ParseError::ParamSyntax(
                    "NOTIFY=NEVER excludes other values",
                )),
            ),
            (
                "RCPT TO:",
                Err(ParseError::Syntax("Syntax: RCPT TO:<address>")),
            ),
            (
                "RCPT FROM:<a@b.org>",
                Err(ParseError::Syntax("Syntax: RCPT TO:<address>")),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line:?}");
        }
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        let ok = format!("RCPT TO:<{local64}@b.org>");
        assert!(parse_command(ok.as_bytes()).is_ok());
        let bad = format!("RCPT TO:<{local64}a@b.org>");
        assert_eq!(
            parse_command(bad.as_bytes()),
            Err(ParseError::InvalidAddress("Local part too long"))
        );
        // 254 octets is the longest mailbox
        let domain = format!(
            "{}.{}.{}.org",
            "d".repeat(63),
            "d".repeat(63),
            "d".repeat(52)
        );
        let m254 = format!("{local64}@{domain}");
        assert_eq!(m254.len(), 249);
        let m254 = format!("{local64}@eeee.{domain}");
        assert_eq!(m254.len(), 254);
        assert!(parse_command(format!("RCPT TO:<{m254}>").as_bytes()).is_ok());
        let m255 = format!("{local64}@eeeee.{domain}");
        assert_eq!(
            parse_command(format!("MAIL FROM:<{m255}>").as_bytes()),
            Err(ParseError::InvalidSender("Address too long"))
        );
    }
}
