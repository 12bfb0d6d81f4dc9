//! ManageSieve's grammar (RFC 5804 §4): a command line of an atom and arguments, each a quoted
//! string or a literal (`{n+}` non-synchronising or `{n}` synchronising, §4), parsed into a
//! typed [`Command`]; and the responses, written as §1.3 and §1.4 say. No I/O here.

use std::fmt::Write as _;

/// A client command (RFC 5804 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capability,
    StartTls,
    /// `AUTHENTICATE mechanism [initial-response]` (§2.1).
    Authenticate {
        mechanism: String,
        initial: Option<String>,
    },
    Logout,
    /// `NOOP [tag]` (§2.11.2): the tag is echoed in a `TAG` response code.
    Noop(Option<String>),
    Unauthenticate,
    HaveSpace {
        name: String,
        size: u64,
    },
    PutScript {
        name: String,
        script: Vec<u8>,
    },
    ListScripts,
    SetActive(String),
    GetScript(String),
    DeleteScript(String),
    RenameScript {
        old: String,
        new: String,
    },
    CheckScript(Vec<u8>),
}

/// One argument as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Atom(String),
    Str(Vec<u8>),
}

/// What parsing a buffered command found.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole command, and the bytes it took.
    Command(Command, usize),
    /// More bytes are needed; `Some(n)` when a synchronising literal of `n` bytes waits for
    /// the server's go-ahead (§4: the server answers with a continuation... ManageSieve has none,
    /// so synchronising literals are taken as non-synchronising ones).
    Incomplete,
    /// A malformed command and the bytes to drop (through its end of line).
    Error(String, usize),
}

/// Limits of one command.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_line: usize,
    pub max_literal: usize,
}

/// Parses the command at the start of `buf`.
pub fn parse(buf: &[u8], limits: Limits) -> Parsed {
    let mut args = Vec::new();
    let mut at = 0;
    loop {
        while buf.get(at) == Some(&b' ') {
            at += 1;
        }
        match buf.get(at) {
            None => return incomplete_or_long(buf, limits),
            Some(b'\r') | Some(b'\n') => {
                let end = match buf.get(at) {
                    Some(b'\r') if buf.get(at + 1) == Some(&b'\n') => at + 2,
                    Some(b'\r') if at + 1 >= buf.len() => return Parsed::Incomplete,
                    _ => at + 1,
                };
                return match command(args) {
                    Ok(c) => Parsed::Command(c, end),
                    Err(e) => Parsed::Error(e, end),
                };
            }
            Some(b'"') => {
                let mut value = Vec::new();
                let mut i = at + 1;
                loop {
                    match buf.get(i) {
                        None => return incomplete_or_long(buf, limits),
                        Some(b'\\') => match buf.get(i + 1) {
                            Some(&c @ (b'"' | b'\\')) => {
                                value.push(c);
                                i += 2;
                            }
                            None => return incomplete_or_long(buf, limits),
                            _ => return error_to_eol(buf, "bad escape in quoted string"),
                        },
                        Some(b'"') => break,
                        Some(b'\r' | b'\n') => {
                            return error_to_eol(buf, "line break in quoted string");
                        }
                        Some(&c) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                    if value.len() > 1024 {
                        return error_to_eol(buf, "quoted string too long");
                    }
                }
                args.push(Arg::Str(value));
                at = i + 1;
            }
            Some(b'{') => {
                let Some(close) = buf[at..].iter().position(|&b| b == b'}') else {
                    return incomplete_or_long(buf, limits);
                };
                let spec = &buf[at + 1..at + close];
                let digits = spec.strip_suffix(b"+").unwrap_or(spec);
                let Some(n) = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<usize>().ok())
                else {
                    return error_to_eol(buf, "bad literal length");
                };
                if n > limits.max_literal {
                    return Parsed::Error(
                        format!("literal larger than {} bytes", limits.max_literal),
                        skip_literal(buf, at + close + 1, n).unwrap_or(buf.len()),
                    );
                }
                let mut start = at + close + 1;
                match (buf.get(start), buf.get(start + 1)) {
                    (Some(b'\r'), Some(b'\n')) => start += 2,
                    (Some(b'\n'), _) => start += 1,
                    (None, _) | (Some(b'\r'), None) => return Parsed::Incomplete,
                    _ => return error_to_eol(buf, "literal must be followed by CRLF"),
                }
                if buf.len() < start + n {
                    return Parsed::Incomplete;
                }
                args.push(Arg::Str(buf[start..start + n].to_vec()));
                at = start + n;
            }
            Some(_) => {
                let end = buf[at..]
                    .iter()
                    .position(|&b| matches!(b, b' ' | b'\r' | b'\n'))
                    .map_or(buf.len(), |p| at + p);
                if end == buf.len() {
                    return incomplete_or_long(buf, limits);
                }
                let atom = String::from_utf8_lossy(&buf[at..end]).into_owned();
                args.push(Arg::Atom(atom));
                at = end;
            }
        }
    }
}

fn incomplete_or_long(buf: &[u8], limits: Limits) -> Parsed {
    // Only a literal may make a command longer than a line.
    if buf.len() > limits.max_line + limits.max_literal + 64 {
        return Parsed::Error("command too long".into(), buf.len());
    }
    Parsed::Incomplete
}

fn skip_literal(buf: &[u8], from: usize, n: usize) -> Option<usize> {
    let start = from + 2;
    (buf.len() >= start + n).then_some(start + n)
}

fn error_to_eol(buf: &[u8], why: &str) -> Parsed {
    match buf.iter().position(|&b| b == b'\n') {
        Some(nl) => Parsed::Error(why.into(), nl + 1),
        None => Parsed::Incomplete,
    }
}

fn text(arg: Arg) -> Result<String, String> {
    match arg {
        Arg::Str(bytes) => String::from_utf8(bytes).map_err(|_| "string is not UTF-8".to_string()),
        Arg::Atom(a) => Err(format!("expected a string, got {a}")),
    }
}

fn bytes(arg: Arg) -> Result<Vec<u8>, String> {
    match arg {
        Arg::Str(bytes) => Ok(bytes),
        Arg::Atom(a) => Err(format!("expected a string, got {a}")),
    }
}

/// A script name (RFC 5804 §1.6), by the rule JMAP's SieveScript names follow too.
fn name(arg: Arg) -> Result<String, String> {
    let name = text(arg)?;
    kantor_sieve::check_script_name(&name).map_err(|_| "invalid script name".to_string())?;
    Ok(name)
}

fn command(args: Vec<Arg>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(Arg::Atom(verb)) = args.next() else {
        return Err("expected a command".into());
    };
    let verb = verb.to_ascii_uppercase();
    let mut next = |what: &str| args.next().ok_or_else(|| format!("{verb} needs {what}"));
    let command = match verb.as_str() {
        "CAPABILITY" => Command::Capability,
        "STARTTLS" => Command::StartTls,
        "LOGOUT" => Command::Logout,
        "NOOP" => Command::Noop(args.next().map(text).transpose()?),
        "UNAUTHENTICATE" => Command::Unauthenticate,
        "LISTSCRIPTS" => Command::ListScripts,
        "AUTHENTICATE" => {
            let mechanism = text(next("a mechanism")?)?;
            let initial = args.next().map(text).transpose()?;
            Command::Authenticate { mechanism, initial }
        }
        "HAVESPACE" => {
            let name = name(next("a name")?)?;
            let size = match next("a size")? {
                Arg::Atom(n) => n.parse().map_err(|_| "bad size".to_string())?,
                Arg::Str(_) => return Err("size must be a number".into()),
            };
            Command::HaveSpace { name, size }
        }
        "PUTSCRIPT" => {
            let name = name(next("a name")?)?;
            let script = bytes(next("a script")?)?;
            Command::PutScript { name, script }
        }
        "SETACTIVE" => Command::SetActive(text(next("a name")?)?),
        "GETSCRIPT" => Command::GetScript(name(next("a name")?)?),
        "DELETESCRIPT" => Command::DeleteScript(name(next("a name")?)?),
        "RENAMESCRIPT" => {
            let old = name(next("a name")?)?;
            let new = name(next("a new name")?)?;
            Command::RenameScript { old, new }
        }
        "CHECKSCRIPT" => Command::CheckScript(bytes(next("a script")?)?),
        _ => return Err(format!("unknown command {verb}")),
    };
    Ok(command)
}

/// A string as a response writes it: quoted when short and plain, else a literal (§4).
pub fn string(out: &mut Vec<u8>, value: &[u8]) {
    let plain = value.len() <= 1024
        && !value
            .iter()
            .any(|&b| matches!(b, b'"' | b'\\' | b'\r' | b'\n' | 0));
    if plain {
        out.push(b'"');
        out.extend_from_slice(value);
        out.push(b'"');
    } else {
        let _ = write!(Lossy(out), "{{{}}}\r\n", value.len());
        out.extend_from_slice(value);
    }
}

/// `OK`, `NO` or `BYE` with an optional response code (§1.3) and a human-readable text.
pub fn response(out: &mut Vec<u8>, status: &str, code: Option<&str>, message: &str) {
    out.extend_from_slice(status.as_bytes());
    if let Some(code) = code {
        out.extend_from_slice(b" (");
        out.extend_from_slice(code.as_bytes());
        out.push(b')');
    }
    if !message.is_empty() {
        out.push(b' ');
        string(out, message.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

struct Lossy<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Lossy<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_line: 1024,
        max_literal: 100,
    };

    #[test]
    fn commands_parse_into_typed_values() {
        let cases: &[(&[u8], Parsed)] = &[
            (b"CAPABILITY\r\n", Parsed::Command(Command::Capability, 12)),
            (
                b"putscript \"a\" {5+}\r\nkeep;\r\n",
                Parsed::Command(
                    Command::PutScript {
                        name: "a".into(),
                        script: b"keep;".to_vec(),
                    },
                    27,
                ),
            ),
            (
                b"Authenticate \"PLAIN\" \"AGEAYg==\"\r\n",
                Parsed::Command(
                    Command::Authenticate {
                        mechanism: "PLAIN".into(),
                        initial: Some("AGEAYg==".into()),
                    },
                    33,
                ),
            ),
            (
                b"HAVESPACE \"x\" 100\r\n",
                Parsed::Command(
                    Command::HaveSpace {
                        name: "x".into(),
                        size: 100,
                    },
                    19,
                ),
            ),
            (b"PUTSCRIPT \"a\" {5+}\r\nke", Parsed::Incomplete),
            (b"LISTSCRIPTS", Parsed::Incomplete),
            (b"FOO\r\n", Parsed::Error("unknown command FOO".into(), 5)),
            (
                b"SETACTIVE\r\n",
                Parsed::Error("SETACTIVE needs a name".into(), 11),
            ),
            (
                b"PUTSCRIPT \"a\" {500+}\r\n",
                Parsed::Error("literal larger than 100 bytes".into(), 22),
            ),
            (
                b"GETSCRIPT \"\"\r\n",
                Parsed::Error("invalid script name".into(), 14),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                &parse(input, LIMITS),
                want,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn strings_are_quoted_or_literal() {
        let mut out = Vec::new();
        string(&mut out, b"plain");
        string(&mut out, b"two\r\nlines");
        assert_eq!(out, b"\"plain\"{10}\r\ntwo\r\nlines");
        out.clear();
        response(&mut out, "NO", Some("NONEXISTENT"), "no such script");
        assert_eq!(out, b"NO (NONEXISTENT) \"no such script\"\r\n");
    }
}
