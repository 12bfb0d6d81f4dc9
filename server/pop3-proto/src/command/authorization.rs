//! Arguments of the AUTHORIZATION-state commands: USER, PASS, APOP
//! (RFC 1939 §7) and AUTH (RFC 5034 §4). CAPA, STLS and QUIT take no
//! arguments and are handled by the dispatcher.

use super::{Command, ParseError, arguments};

/// Longest SASL mechanism name (RFC 4422 §3.1: 1 to 20 characters).
const MAX_MECHANISM_LEN: usize = 20;

/// `USER name` (RFC 1939 §7): exactly one argument.
pub(crate) fn parse_user(rest: Option<&str>) -> Result<Command, ParseError> {
    match arguments(rest).as_slice() {
        [name] => Ok(Command::User((*name).to_owned())),
        [] => Err(ParseError::Syntax("USER needs a mailbox name")),
        _ => Err(ParseError::Syntax("USER takes one argument")),
    }
}

/// `PASS string` (RFC 1939 §7): "a POP3 server may treat spaces in the
/// argument as part of the password", so the whole rest of the line after
/// the single separating space is the password, verbatim.
pub(crate) fn parse_pass(rest: Option<&str>) -> Result<Command, ParseError> {
    match rest {
        Some(password) if !password.is_empty() => Ok(Command::Pass(password.to_owned())),
        _ => Err(ParseError::Syntax("PASS needs a password")),
    }
}

/// `APOP name digest` (RFC 1939 §7): the digest is an MD5 value as 32
/// hexadecimal digits, returned in lower case.
pub(crate) fn parse_apop(rest: Option<&str>) -> Result<Command, ParseError> {
    match arguments(rest).as_slice() {
        [user, digest] => {
            if digest.len() != 32 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ParseError::Syntax("APOP digest must be 32 hex digits"));
            }
            Ok(Command::Apop {
                user: (*user).to_owned(),
                digest: digest.to_ascii_lowercase(),
            })
        }
        _ => Err(ParseError::Syntax("APOP takes a name and a digest")),
    }
}

/// `AUTH [mechanism [initial-response]]` (RFC 5034 §4). A bare `AUTH` asks
/// for the list of mechanisms (a common extension of RFC 1734 clients).
/// Mechanism names are case-insensitive and returned upper-cased; they are
/// 1-20 characters of `A-Z 0-9 - _` (RFC 4422 §3.1). The initial response
/// is returned as sent: base64 text, or `=` for an empty response.
pub(crate) fn parse_auth(rest: Option<&str>) -> Result<Command, ParseError> {
    match arguments(rest).as_slice() {
        [] => Ok(Command::Auth {
            mechanism: None,
            initial_response: None,
        }),
        [mechanism] => Ok(Command::Auth {
            mechanism: Some(mechanism_name(mechanism)?),
            initial_response: None,
        }),
        [mechanism, initial] => Ok(Command::Auth {
            mechanism: Some(mechanism_name(mechanism)?),
            initial_response: Some((*initial).to_owned()),
        }),
        _ => Err(ParseError::Syntax(
            "AUTH takes a mechanism and an optional initial response",
        )),
    }
}

fn mechanism_name(name: &str) -> Result<String, ParseError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_MECHANISM_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(name.to_ascii_uppercase())
    } else {
        Err(ParseError::Syntax("invalid SASL mechanism name"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Command, ParseError, parse_command};

    fn auth(mechanism: Option<&str>, initial: Option<&str>) -> Command {
        Command::Auth {
            mechanism: mechanism.map(str::to_owned),
            initial_response: initial.map(str::to_owned),
        }
    }

    #[test]
    fn table() {
        use ParseError::Syntax;
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("USER mrose", Ok(Command::User("mrose".into()))),
            (
                "user u1@bench.test",
                Ok(Command::User("u1@bench.test".into())),
            ),
            ("USER  mrose ", Ok(Command::User("mrose".into()))),
            ("USER", Err(Syntax("USER needs a mailbox name"))),
            ("USER a b", Err(Syntax("USER takes one argument"))),
            ("PASS secret", Ok(Command::Pass("secret".into()))),
            ("pass two words", Ok(Command::Pass("two words".into()))),
            (
                "PASS  lead space ",
                Ok(Command::Pass(" lead space ".into())),
            ),
            ("PASS", Err(Syntax("PASS needs a password"))),
            ("PASS ", Err(Syntax("PASS needs a password"))),
            (
                "APOP mrose c4c9334bac560ecc979e58001b3e22fb",
                Ok(Command::Apop {
                    user: "mrose".into(),
                    digest: "c4c9334bac560ecc979e58001b3e22fb".into(),
                }),
            ),
            (
                "APOP mrose C4C9334BAC560ECC979E58001B3E22FB",
                Ok(Command::Apop {
                    user: "mrose".into(),
                    digest: "c4c9334bac560ecc979e58001b3e22fb".into(),
                }),
            ),
            (
                "APOP mrose abc",
                Err(Syntax("APOP digest must be 32 hex digits")),
            ),
            (
                "APOP mrose zzc9334bac560ecc979e58001b3e22fb",
                Err(Syntax("APOP digest must be 32 hex digits")),
            ),
            ("APOP mrose", Err(Syntax("APOP takes a name and a digest"))),
            ("AUTH", Ok(auth(None, None))),
            ("auth plain", Ok(auth(Some("PLAIN"), None))),
            ("AUTH PLAIN =", Ok(auth(Some("PLAIN"), Some("=")))),
            (
                "AUTH PLAIN AHUxAHBhc3M=",
                Ok(auth(Some("PLAIN"), Some("AHUxAHBhc3M="))),
            ),
            ("AUTH SCRAM-SHA-256", Ok(auth(Some("SCRAM-SHA-256"), None))),
            ("AUTH PL@IN", Err(Syntax("invalid SASL mechanism name"))),
            (
                "AUTH ABCDEFGHIJKLMNOPQRSTU",
                Err(Syntax("invalid SASL mechanism name")),
            ),
            (
                "AUTH PLAIN a b",
                Err(Syntax(
                    "AUTH takes a mechanism and an optional initial response",
                )),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line}");
        }
    }
}
