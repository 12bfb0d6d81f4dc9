//! Arguments of the TRANSACTION-state commands that take message numbers:
//! LIST, UIDL, RETR, DELE, TOP (RFC 1939 §5 and §7). STAT, RSET and NOOP
//! take no arguments and are handled by the dispatcher.

use super::{Command, ParseError, arguments};

/// `LIST [msg]` (RFC 1939 §5).
pub(crate) fn parse_list(rest: Option<&str>) -> Result<Command, ParseError> {
    optional_message(rest).map(Command::List)
}

/// `UIDL [msg]` (RFC 1939 §7).
pub(crate) fn parse_uidl(rest: Option<&str>) -> Result<Command, ParseError> {
    optional_message(rest).map(Command::Uidl)
}

/// `RETR msg` (RFC 1939 §5).
pub(crate) fn parse_retr(rest: Option<&str>) -> Result<Command, ParseError> {
    one_message(rest).map(Command::Retr)
}

/// `DELE msg` (RFC 1939 §5).
pub(crate) fn parse_dele(rest: Option<&str>) -> Result<Command, ParseError> {
    one_message(rest).map(Command::Dele)
}

/// `TOP msg n` (RFC 1939 §7): `n` is a non-negative number of body lines.
pub(crate) fn parse_top(rest: Option<&str>) -> Result<Command, ParseError> {
    match arguments(rest).as_slice() {
        [msg, lines] => Ok(Command::Top {
            msg: message_number(msg)?,
            lines: decimal(lines).ok_or(ParseError::Syntax("invalid line count"))?,
        }),
        _ => Err(ParseError::Syntax(
            "TOP takes a message number and a line count",
        )),
    }
}

fn optional_message(rest: Option<&str>) -> Result<Option<u32>, ParseError> {
    match arguments(rest).as_slice() {
        [] => Ok(None),
        [msg] => message_number(msg).map(Some),
        _ => Err(ParseError::Syntax("at most one message number is allowed")),
    }
}

fn one_message(rest: Option<&str>) -> Result<u32, ParseError> {
    match arguments(rest).as_slice() {
        [msg] => message_number(msg),
        [] => Err(ParseError::Syntax("a message number is required")),
        _ => Err(ParseError::Syntax("only one message number is allowed")),
    }
}

/// A message number: decimal, greater than zero (RFC 1939 §3, "message-number").
fn message_number(arg: &str) -> Result<u32, ParseError> {
    match decimal(arg) {
        Some(0) => Err(ParseError::Syntax("message numbers start at 1")),
        Some(n) => Ok(n),
        None => Err(ParseError::Syntax("invalid message number")),
    }
}

/// Plain decimal digits (no sign, no spaces) that fit in a `u32`.
fn decimal(arg: &str) -> Option<u32> {
    if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    arg.parse().ok()
}

#[cfg(test)]
mod tests {
    use crate::{Command, ParseError, parse_command};

    #[test]
    fn table() {
        use ParseError::Syntax;
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("LIST", Ok(Command::List(None))),
            ("list 1", Ok(Command::List(Some(1)))),
            ("LIST 007", Ok(Command::List(Some(7)))),
            ("LIST 0", Err(Syntax("message numbers start at 1"))),
            (
                "LIST 1 2",
                Err(Syntax("at most one message number is allowed")),
            ),
            ("LIST -1", Err(Syntax("invalid message number"))),
            ("LIST +1", Err(Syntax("invalid message number"))),
            ("LIST x", Err(Syntax("invalid message number"))),
            ("UIDL", Ok(Command::Uidl(None))),
            ("UIDL 4294967295", Ok(Command::Uidl(Some(u32::MAX)))),
            ("UIDL 4294967296", Err(Syntax("invalid message number"))),
            ("RETR 1", Ok(Command::Retr(1))),
            ("RETR", Err(Syntax("a message number is required"))),
            (
                "RETR 1 2",
                Err(Syntax("only one message number is allowed")),
            ),
            ("RETR 1.5", Err(Syntax("invalid message number"))),
            ("DELE 42", Ok(Command::Dele(42))),
            ("DELE 0", Err(Syntax("message numbers start at 1"))),
            ("TOP 1 0", Ok(Command::Top { msg: 1, lines: 0 })),
            ("top 3 10", Ok(Command::Top { msg: 3, lines: 10 })),
            ("TOP 0 10", Err(Syntax("message numbers start at 1"))),
            ("TOP 1 -1", Err(Syntax("invalid line count"))),
            (
                "TOP 1",
                Err(Syntax("TOP takes a message number and a line count")),
            ),
            (
                "TOP 1 2 3",
                Err(Syntax("TOP takes a message number and a line count")),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line}");
        }
    }
}
