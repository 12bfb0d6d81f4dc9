//! One POP3 command line parsed into a [`Command`] (RFC 1939 §3).
//!
//! RFC 1939 §3: a command is a case-insensitive keyword of three or four
//! characters, possibly followed by arguments separated by a single space.
//! The parser is tolerant where tolerance cannot change the meaning (runs of
//! spaces between arguments, trailing spaces, a line ending left on the line)
//! and strict where it could (argument count, number syntax).
//!
//! The keyword dispatch lives here; the argument rules live with their
//! command family in [`authorization`] and [`transaction`].

pub mod authorization;
pub mod transaction;

use std::fmt;

/// One POP3 command (RFC 1939 §4-7, RFC 2449 §5 CAPA, RFC 2595 §4 STLS,
/// RFC 5034 §4 AUTH).
///
/// Message numbers are 1-based (RFC 1939 §3: "message-number"), so they are
/// always greater than zero once parsed. `Debug` never shows a password, an
/// APOP digest or a SASL initial response.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// `USER name` (RFC 1939 §7).
    User(String),
    /// `PASS string` (RFC 1939 §7): the rest of the line, verbatim, spaces
    /// included.
    Pass(String),
    /// `APOP name digest` (RFC 1939 §7); the digest is 32 lowercase hex digits.
    Apop {
        /// The mailbox name.
        user: String,
        /// MD5 of the greeting's timestamp and the shared secret, lowercase hex.
        digest: String,
    },
    /// `AUTH [mechanism [initial-response]]` (RFC 5034 §4).
    Auth {
        /// The SASL mechanism, upper-cased (RFC 4422 §3.1); `None` for a bare
        /// `AUTH`, which asks for the list of mechanisms.
        mechanism: Option<String>,
        /// The initial response as sent: base64, or `=` for an empty one
        /// (RFC 5034 §4).
        initial_response: Option<String>,
    },
    /// `CAPA` (RFC 2449 §5).
    Capa,
    /// `STLS` (RFC 2595 §4).
    Stls,
    /// `STAT` (RFC 1939 §5).
    Stat,
    /// `LIST [msg]` (RFC 1939 §5).
    List(Option<u32>),
    /// `UIDL [msg]` (RFC 1939 §7).
    Uidl(Option<u32>),
    /// `RETR msg` (RFC 1939 §5).
    Retr(u32),
    /// `TOP msg n` (RFC 1939 §7): headers plus the first `lines` body lines.
    Top {
        /// The message number.
        msg: u32,
        /// How many lines of the body to send; zero is allowed.
        lines: u32,
    },
    /// `DELE msg` (RFC 1939 §5).
    Dele(u32),
    /// `RSET` (RFC 1939 §5).
    Rset,
    /// `NOOP` (RFC 1939 §5).
    Noop,
    /// `QUIT` (RFC 1939 §4 in AUTHORIZATION, §6 in TRANSACTION).
    Quit,
}

impl Command {
    /// The command's keyword in upper case, e.g. for logs and metrics.
    pub fn keyword(&self) -> &'static str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Apop { .. } => "APOP",
            Command::Auth { .. } => "AUTH",
            Command::Capa => "CAPA",
            Command::Stls => "STLS",
            Command::Stat => "STAT",
            Command::List(_) => "LIST",
            Command::Uidl(_) => "UIDL",
            Command::Retr(_) => "RETR",
            Command::Top { .. } => "TOP",
            Command::Dele(_) => "DELE",
            Command::Rset => "RSET",
            Command::Noop => "NOOP",
            Command::Quit => "QUIT",
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::User(user) => f.debug_tuple("User").field(user).finish(),
            Command::Pass(_) => f.write_str("Pass(<redacted>)"),
            Command::Apop { user, .. } => f
                .debug_struct("Apop")
                .field("user", user)
                .field("digest", &"<redacted>")
                .finish(),
            Command::Auth {
                mechanism,
                initial_response,
            } => f
                .debug_struct("Auth")
                .field("mechanism", mechanism)
                .field(
                    "initial_response",
                    &initial_response.as_ref().map(|_| "<redacted>"),
                )
                .finish(),
            Command::List(n) => f.debug_tuple("List").field(n).finish(),
            Command::Uidl(n) => f.debug_tuple("Uidl").field(n).finish(),
            Command::Retr(n) => f.debug_tuple("Retr").field(n).finish(),
            Command::Dele(n) => f.debug_tuple("Dele").field(n).finish(),
            Command::Top { msg, lines } => f
                .debug_struct("Top")
                .field("msg", msg)
                .field("lines", lines)
                .finish(),
            other => f.write_str(other.keyword()),
        }
    }
}

/// Why a command line was refused. `Display` is the text a session puts
/// after `-ERR ` (RFC 1939 §3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not a keyword this crate knows (RFC 1939 §3: answer `-ERR`).
    #[error("unknown command")]
    Unknown,
    /// A known keyword with wrong arguments; the text says what is wrong.
    #[error("{0}")]
    Syntax(&'static str),
    /// The line is not UTF-8.
    #[error("command is not valid UTF-8")]
    NotUtf8,
    /// A SASL response is not valid base64 (RFC 5034 §4: answer `-ERR`).
    #[error("invalid base64")]
    Base64,
    /// A decoded SASL message is malformed; the text says how.
    #[error("{0}")]
    Sasl(&'static str),
}

/// Parses one command line, without its CRLF (a trailing CRLF or LF is
/// tolerated and ignored).
///
/// Keywords are case-insensitive (RFC 1939 §3). Message numbers are decimal
/// and greater than zero; a wrong argument count or a non-numeric argument is
/// a [`ParseError::Syntax`]. `PASS` takes the rest of the line verbatim,
/// because a password may contain spaces (RFC 1939 §7, PASS discussion).
pub fn parse_command(line: &[u8]) -> Result<Command, ParseError> {
    let line = strip_line_ending(line);
    let line = std::str::from_utf8(line).map_err(|_| ParseError::NotUtf8)?;
    if line.chars().any(char::is_control) {
        return Err(ParseError::Syntax("control characters are not allowed"));
    }
    let (keyword, rest) = match line.split_once(' ') {
        Some((keyword, rest)) => (keyword, Some(rest)),
        None => (line, None),
    };
    if !(3..=4).contains(&keyword.len()) || !keyword.is_ascii() {
        return Err(ParseError::Unknown);
    }
    let mut upper = [0u8; 4];
    for (dst, src) in upper.iter_mut().zip(keyword.bytes()) {
        *dst = src.to_ascii_uppercase();
    }
    match &upper[..keyword.len()] {
        b"USER" => authorization::parse_user(rest),
        b"PASS" => authorization::parse_pass(rest),
        b"APOP" => authorization::parse_apop(rest),
        b"AUTH" => authorization::parse_auth(rest),
        b"CAPA" => no_arguments(rest, Command::Capa),
        b"STLS" => no_arguments(rest, Command::Stls),
        b"QUIT" => no_arguments(rest, Command::Quit),
        b"STAT" => no_arguments(rest, Command::Stat),
        b"RSET" => no_arguments(rest, Command::Rset),
        b"NOOP" => no_arguments(rest, Command::Noop),
        b"LIST" => transaction::parse_list(rest),
        b"UIDL" => transaction::parse_uidl(rest),
        b"RETR" => transaction::parse_retr(rest),
        b"DELE" => transaction::parse_dele(rest),
        b"TOP" => transaction::parse_top(rest),
        _ => Err(ParseError::Unknown),
    }
}

fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The space-separated arguments after the keyword; runs of spaces and
/// trailing spaces are tolerated.
pub(crate) fn arguments(rest: Option<&str>) -> Vec<&str> {
    rest.map(|r| r.split(' ').filter(|a| !a.is_empty()).collect())
        .unwrap_or_default()
}

fn no_arguments(rest: Option<&str>, command: Command) -> Result<Command, ParseError> {
    if arguments(rest).is_empty() {
        Ok(command)
    } else {
        Err(ParseError::Syntax("this command takes no arguments"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_table() {
        let cases: &[(&[u8], Result<Command, ParseError>)] = &[
            (b"CAPA", Ok(Command::Capa)),
            (b"capa", Ok(Command::Capa)),
            (b"StLs", Ok(Command::Stls)),
            (b"QUIT\r\n", Ok(Command::Quit)),
            (b"QUIT\n", Ok(Command::Quit)),
            (b"STAT ", Ok(Command::Stat)),
            (b"RSET", Ok(Command::Rset)),
            (b"NOOP", Ok(Command::Noop)),
            (
                b"NOOP x",
                Err(ParseError::Syntax("this command takes no arguments")),
            ),
            (b"", Err(ParseError::Unknown)),
            (b" ", Err(ParseError::Unknown)),
            (b" STAT", Err(ParseError::Unknown)),
            (b"ST", Err(ParseError::Unknown)),
            (b"STATS", Err(ParseError::Unknown)),
            (b"XTND XMIT", Err(ParseError::Unknown)),
            (b"\xff\xfe", Err(ParseError::NotUtf8)),
            (b"ST\xc3\xa9", Err(ParseError::Unknown)),
            (
                b"USER a\x00b",
                Err(ParseError::Syntax("control characters are not allowed")),
            ),
            (
                b"STAT\rX",
                Err(ParseError::Syntax("control characters are not allowed")),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(
                &parse_command(line),
                want,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn keyword_names_round_trip() {
        for line in [
            "USER a", "PASS b", "AUTH", "CAPA", "STLS", "STAT", "LIST", "UIDL", "RETR 1",
            "TOP 1 0", "DELE 1", "RSET", "NOOP", "QUIT",
        ] {
            let command = parse_command(line.as_bytes()).unwrap();
            assert!(line.starts_with(command.keyword()), "{line}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let pass = parse_command(b"PASS hunter2").unwrap();
        assert!(!format!("{pass:?}").contains("hunter2"));
        let auth = parse_command(b"AUTH PLAIN AGEAYg==").unwrap();
        assert!(!format!("{auth:?}").contains("AGEAYg"));
        let apop = parse_command(b"APOP mrose c4c9334bac560ecc979e58001b3e22fb").unwrap();
        assert!(!format!("{apop:?}").contains("c4c9334b"));
        assert_eq!(format!("{:?}", Command::Stat), "STAT");
    }

    #[test]
    fn errors_display_as_err_text() {
        assert_eq!(ParseError::Unknown.to_string(), "unknown command");
        assert_eq!(ParseError::Syntax("bad").to_string(), "bad");
    }
}
