//! SMTP commands (RFC 5321 §4.1.1) and [`parse_command`].
//!
//! ```text
//! command = verb [ SP arguments ]          ; verbs are case-insensitive (§2.4)
//! ```
//!
//! The line is given without its CRLF. Trailing spaces and tabs are ignored;
//! anything else left over is a syntax error. Arguments must be UTF-8 (they
//! are ASCII unless the client uses SMTPUTF8, which the session checks).

use crate::address::{Mailbox, ReversePath};
use crate::auth::parse_auth;
use crate::bdat::parse_bdat;
use crate::ehlo::parse_helo_arg;
use crate::error::ParseError;
use crate::mail::{parse_mail, parse_rcpt};
use crate::params::{MailParams, RcptParams};

/// One SMTP command, fully parsed (RFC 5321 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO domain / address-literal` (§4.1.1.1), as sent.
    Ehlo { domain: String },
    /// `HELO domain` (§4.1.1.1), as sent.
    Helo { domain: String },
    /// `MAIL FROM:<reverse-path> [params]` (§4.1.1.2).
    Mail {
        from: ReversePath,
        params: MailParams,
    },
    /// `RCPT TO:<forward-path> [params]` (§4.1.1.3); `<Postmaster>` gives a
    /// mailbox with an empty domain.
    Rcpt { to: Mailbox, params: RcptParams },
    /// `DATA` (§4.1.1.4).
    Data,
    /// `BDAT size [LAST]` (RFC 3030 §2).
    Bdat { size: u64, last: bool },
    /// `RSET` (§4.1.1.5).
    Rset,
    /// `NOOP [String]` (§4.1.1.9); the argument is ignored.
    Noop,
    /// `QUIT` (§4.1.1.10).
    Quit,
    /// `VRFY String` (§4.1.1.6), trimmed.
    Vrfy { arg: String },
    /// `EXPN String` (§4.1.1.7), trimmed.
    Expn { arg: String },
    /// `HELP [String]` (§4.1.1.8).
    Help { arg: Option<String> },
    /// `STARTTLS` (RFC 3207 §4).
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4). The initial response
    /// is the base64 text as sent (checked to be base64); `=` gives `Some("")`.
    Auth {
        mechanism: AuthMechanism,
        initial_response: Option<String>,
    },
}

/// A SASL mechanism name (RFC 4954 §4), compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthMechanism {
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `LOGIN` (draft-murchison-sasl-login).
    Login,
    /// Any other mechanism, upper-cased.
    Other(String),
}

impl AuthMechanism {
    /// The mechanism for a name, in any case.
    pub fn from_name(name: &str) -> AuthMechanism {
        match name.to_ascii_uppercase().as_str() {
            "PLAIN" => AuthMechanism::Plain,
            "LOGIN" => AuthMechanism::Login,
            other => AuthMechanism::Other(other.to_owned()),
        }
    }

    /// The upper-case name, as advertised in EHLO.
    pub fn as_str(&self) -> &str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
            AuthMechanism::Other(name) => name,
        }
    }
}

/// Verbs defined by RFC 5321 (or older, widely known) that we do not offer:
/// answered with 502 rather than 500 (§4.2.4).
const NOT_IMPLEMENTED: &[&str] = &["SEND", "SOML", "SAML", "TURN", "ETRN", "ATRN", "VERB"];

/// Parses one command line. `line` excludes the trailing CRLF.
pub fn parse_command(line: &[u8]) -> Result<Command, ParseError> {
    let end = line
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    let line = &line[..end];
    let (verb, args) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, &[][..]),
    };
    if verb.is_empty() || verb.len() > 8 || !verb.iter().all(u8::is_ascii_alphabetic) {
        return Err(ParseError::UnknownCommand);
    }
    let verb = verb.to_ascii_uppercase();
    let verb = std::str::from_utf8(&verb).map_err(|_| ParseError::UnknownCommand)?;
    let args = std::str::from_utf8(args)
        .map_err(|_| ParseError::InvalidUtf8)?
        .trim_start_matches(' ');
    match verb {
        "EHLO" => Ok(Command::Ehlo {
            domain: parse_helo_arg(args, "Syntax: EHLO hostname")?,
        }),
        "HELO" => Ok(Command::Helo {
            domain: parse_helo_arg(args, "Syntax: HELO hostname")?,
        }),
        "MAIL" => parse_mail(args),
        "RCPT" => parse_rcpt(args),
        "DATA" => no_args(args, Command::Data, "Syntax: DATA takes no arguments"),
        "BDAT" => parse_bdat(args),
        "RSET" => no_args(args, Command::Rset, "Syntax: RSET takes no arguments"),
        "NOOP" => Ok(Command::Noop),
        "QUIT" => no_args(args, Command::Quit, "Syntax: QUIT takes no arguments"),
        "VRFY" => Ok(Command::Vrfy {
            arg: required_text_arg(args, "Syntax: VRFY address")?,
        }),
        "EXPN" => Ok(Command::Expn {
            arg: required_text_arg(args, "Syntax: EXPN list")?,
        }),
        "HELP" => Ok(Command::Help {
            arg: text_arg(args, "Syntax: HELP [topic]")?,
        }),
        "STARTTLS" => no_args(
            args,
            Command::StartTls,
            "Syntax: STARTTLS takes no arguments",
        ),
        "AUTH" => parse_auth(args),
        v if NOT_IMPLEMENTED.contains(&v) => Err(ParseError::NotImplemented),
        _ => Err(ParseError::UnknownCommand),
    }
}

fn no_args(args: &str, cmd: Command, usage: &'static str) -> Result<Command, ParseError> {
    if args.is_empty() {
        Ok(cmd)
    } else {
        Err(ParseError::Syntax(usage))
    }
}

/// A free-text argument (VRFY, EXPN, HELP): `None` if absent; control
/// characters are refused.
fn text_arg(args: &str, usage: &'static str) -> Result<Option<String>, ParseError> {
    if args.chars().any(char::is_control) {
        return Err(ParseError::Syntax(usage));
    }
    Ok((!args.is_empty()).then(|| args.to_owned()))
}

/// A [`text_arg`] that must be present.
fn required_text_arg(args: &str, usage: &'static str) -> Result<String, ParseError> {
    text_arg(args, usage)?.ok_or(ParseError::Syntax(usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_commands_table() {
        let cases: Vec<(&[u8], Result<Command, ParseError>)> = vec![
            (b"DATA", Ok(Command::Data)),
            (b"data", Ok(Command::Data)),
            (b"DaTa  ", Ok(Command::Data)),
            (b"DATA\t", Ok(Command::Data)),
            (
                b"DATA x",
                Err(ParseError::Syntax("Syntax: DATA takes no arguments")),
            ),
            (b"RSET", Ok(Command::Rset)),
            (
                b"RSET now",
                Err(ParseError::Syntax("Syntax: RSET takes no arguments")),
            ),
            (b"QUIT", Ok(Command::Quit)),
            (
                b"QUIT x",
                Err(ParseError::Syntax("Syntax: QUIT takes no arguments")),
            ),
            (b"NOOP", Ok(Command::Noop)),
            (b"NOOP anything at all", Ok(Command::Noop)),
            (b"STARTTLS", Ok(Command::StartTls)),
            (b"starttls", Ok(Command::StartTls)),
            (
                b"STARTTLS x",
                Err(ParseError::Syntax("Syntax: STARTTLS takes no arguments")),
            ),
            (
                b"VRFY postmaster",
                Ok(Command::Vrfy {
                    arg: "postmaster".into(),
                }),
            ),
            (
                b"VRFY <a@b.org>",
                Ok(Command::Vrfy {
                    arg: "<a@b.org>".into(),
                }),
            ),
            (
                b"VRFY John Smith",
                Ok(Command::Vrfy {
                    arg: "John Smith".into(),
                }),
            ),
            (b"VRFY", Err(ParseError::Syntax("Syntax: VRFY address"))),
            (
                b"EXPN staff",
                Ok(Command::Expn {
                    arg: "staff".into(),
                }),
            ),
            (b"EXPN", Err(ParseError::Syntax("Syntax: EXPN list"))),
            (b"HELP", Ok(Command::Help { arg: None })),
            (
                b"HELP MAIL",
                Ok(Command::Help {
                    arg: Some("MAIL".into()),
                }),
            ),
            (
                b"HELP a\x01",
                Err(ParseError::Syntax("Syntax: HELP [topic]")),
            ),
            (b"", Err(ParseError::UnknownCommand)),
            (b"   ", Err(ParseError::UnknownCommand)),
            (b" DATA", Err(ParseError::UnknownCommand)),
            (b"FOO", Err(ParseError::UnknownCommand)),
            (b"GET / HTTP/1.1", Err(ParseError::UnknownCommand)),
            (b"DATA1", Err(ParseError::UnknownCommand)),
            (b"D\xc3\xa4TA", Err(ParseError::UnknownCommand)),
            (b"STARTTLSX", Err(ParseError::UnknownCommand)),
            (b"TURN", Err(ParseError::NotImplemented)),
            (b"etrn example.org", Err(ParseError::NotImplemented)),
            (b"VRFY \xff", Err(ParseError::InvalidUtf8)),
            (b"RCPT TO:<a\xff@b.org>", Err(ParseError::InvalidUtf8)),
        ];
        for (line, want) in cases {
            assert_eq!(
                parse_command(line),
                want,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn mechanisms() {
        assert_eq!(AuthMechanism::from_name("plain"), AuthMechanism::Plain);
        assert_eq!(AuthMechanism::from_name("Login"), AuthMechanism::Login);
        assert_eq!(
            AuthMechanism::from_name("xoauth2"),
            AuthMechanism::Other("XOAUTH2".into())
        );
        assert_eq!(AuthMechanism::Other("XOAUTH2".into()).as_str(), "XOAUTH2");
    }
}
