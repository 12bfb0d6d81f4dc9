//! EHLO and HELO (RFC 5321 §4.1.1.1) and the EHLO capability reply.
//!
//! ```text
//! ehlo        = "EHLO" SP ( Domain / address-literal ) CRLF
//! helo        = "HELO" SP Domain CRLF
//! ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
//!             / ( "250-" Domain [ SP ehlo-greet ] CRLF
//!                 *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF )
//! ```
//!
//! The argument is checked for syntax with two reliefs seen in the wild:
//! underscores (Windows host names) and one trailing dot are accepted. It is
//! kept as sent; §4.1.4 forbids refusing mail because it does not verify.

use crate::address::{address_literal_len, is_domain};
use crate::command::AuthMechanism;
use crate::error::ParseError;
use crate::reply::Reply;

/// Validates the argument of EHLO/HELO; `usage` is the error for a missing or
/// malformed one (501, as §4.1.1.1 requires an argument).
pub(crate) fn parse_helo_arg(args: &str, usage: &'static str) -> Result<String, ParseError> {
    let arg = args.trim_start_matches(' ');
    if arg.is_empty() || arg.contains(' ') {
        return Err(ParseError::Syntax(usage));
    }
    let ok = if arg.starts_with('[') {
        address_literal_len(arg, 0) == Ok(arg.len())
    } else {
        is_domain(arg.strip_suffix('.').unwrap_or(arg), true)
    };
    if ok {
        Ok(arg.to_owned())
    } else {
        Err(ParseError::Syntax("Invalid domain name"))
    }
}

/// What the server advertises in its EHLO reply. Each field is one ESMTP
/// keyword; `false`/`None`/empty leaves it out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EhloCapabilities {
    /// `PIPELINING` (RFC 2920).
    pub pipelining: bool,
    /// `SIZE <n>` (RFC 1870 §4); `Some(0)` advertises "no fixed limit".
    pub size: Option<u64>,
    /// `8BITMIME` (RFC 6152).
    pub eightbitmime: bool,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    pub enhanced_status_codes: bool,
    /// `STARTTLS` (RFC 3207); leave off once TLS is active.
    pub starttls: bool,
    /// `AUTH <mechanisms>` (RFC 4954 §3); empty = not advertised.
    pub auth: Vec<AuthMechanism>,
    /// `CHUNKING` (RFC 3030).
    pub chunking: bool,
    /// `BINARYMIME` (RFC 3030); only advertised together with `chunking`,
    /// since BINARYMIME bodies can only be sent with BDAT.
    pub binarymime: bool,
    /// `DSN` (RFC 3461).
    pub dsn: bool,
}

impl EhloCapabilities {
    /// Builds the 250 reply: `<server_name> Hello <greeting_to>` then one line
    /// per capability. No enhanced status code (the client has not seen
    /// ENHANCEDSTATUSCODES yet).
    pub fn reply(&self, server_name: &str, greeting_to: &str) -> Reply {
        let mut lines = vec![Reply::greeting_line(server_name, greeting_to)];
        if self.pipelining {
            lines.push("PIPELINING".into());
        }
        if let Some(size) = self.size {
            lines.push(format!("SIZE {size}"));
        }
        if self.starttls {
            lines.push("STARTTLS".into());
        }
        if !self.auth.is_empty() {
            let names: Vec<&str> = self.auth.iter().map(AuthMechanism::as_str).collect();
            lines.push(format!("AUTH {}", names.join(" ")));
        }
        if self.enhanced_status_codes {
            lines.push("ENHANCEDSTATUSCODES".into());
        }
        if self.eightbitmime {
            lines.push("8BITMIME".into());
        }
        if self.dsn {
            lines.push("DSN".into());
        }
        if self.smtputf8 {
            lines.push("SMTPUTF8".into());
        }
        if self.chunking {
            lines.push("CHUNKING".into());
            if self.binarymime {
                lines.push("BINARYMIME".into());
            }
        }
        Reply::multiline(250, None, lines)
    }
}

impl Reply {
    /// `250 <server_name> Hello <greeting_to>`: the answer to HELO.
    pub fn helo(server_name: &str, greeting_to: &str) -> Reply {
        Reply::new(250, None, Reply::greeting_line(server_name, greeting_to))
    }

    fn greeting_line(server_name: &str, greeting_to: &str) -> String {
        if greeting_to.is_empty() {
            server_name.to_owned()
        } else {
            format!("{server_name} Hello {greeting_to}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, parse_command};

    #[test]
    fn helo_ehlo_table() {
        let ehlo = |d: &str| Ok(Command::Ehlo { domain: d.into() });
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("EHLO mx.example.org", ehlo("mx.example.org")),
            ("ehlo MX.Example.ORG", ehlo("MX.Example.ORG")),
            ("EHLO  mx.example.org", ehlo("mx.example.org")),
            ("EHLO mx.example.org ", ehlo("mx.example.org")),
            ("EHLO [192.0.2.1]", ehlo("[192.0.2.1]")),
            ("EHLO [IPv6:2001:db8::1]", ehlo("[IPv6:2001:db8::1]")),
            ("EHLO my_pc.local", ehlo("my_pc.local")),
            ("EHLO localhost", ehlo("localhost")),
            ("EHLO host.example.", ehlo("host.example.")),
            ("EHLO münchen.de", ehlo("münchen.de")),
            (
                "HELO mx.example.org",
                Ok(Command::Helo {
                    domain: "mx.example.org".into(),
                }),
            ),
            ("EHLO", Err(ParseError::Syntax("Syntax: EHLO hostname"))),
            ("EHLO ", Err(ParseError::Syntax("Syntax: EHLO hostname"))),
            ("HELO", Err(ParseError::Syntax("Syntax: HELO hostname"))),
            ("EHLO a b", Err(ParseError::Syntax("Syntax: EHLO hostname"))),
            ("EHLO a..b", Err(ParseError::Syntax("Invalid domain name"))),
            (
                "EHLO [1.2.3.4]x",
                Err(ParseError::Syntax("Invalid domain name")),
            ),
            (
                "EHLO [999.1.1.1]",
                Err(ParseError::Syntax("Invalid domain name")),
            ),
            ("EHLO <a@b>", Err(ParseError::Syntax("Invalid domain name"))),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line:?}");
        }
    }

    #[test]
    fn ehlo_reply_full() {
        let caps = EhloCapabilities {
            pipelining: true,
            size: Some(10_485_760),
            eightbitmime: true,
            smtputf8: true,
            enhanced_status_codes: true,
            starttls: true,
            auth: vec![AuthMechanism::Plain, AuthMechanism::Login],
            chunking: true,
            binarymime: true,
            dsn: true,
        };
        let got = caps
            .reply("mx.example.org", "client.example")
            .to_bytes(true);
        let want = "250-mx.example.org Hello client.example\r\n\
                    250-PIPELINING\r\n\
                    250-SIZE 10485760\r\n\
                    250-STARTTLS\r\n\
                    250-AUTH PLAIN LOGIN\r\n\
                    250-ENHANCEDSTATUSCODES\r\n\
                    250-8BITMIME\r\n\
                    250-DSN\r\n\
                    250-SMTPUTF8\r\n\
                    250-CHUNKING\r\n\
                    250 BINARYMIME\r\n";
        assert_eq!(String::from_utf8_lossy(&got), want);
    }

    #[test]
    fn ehlo_reply_minimal() {
        let caps = EhloCapabilities {
            binarymime: true,
            ..Default::default()
        };
        assert_eq!(caps.reply("mx", "").to_bytes(true), b"250 mx\r\n");
        assert_eq!(
            Reply::helo("mx", "c.example").to_bytes(true),
            b"250 mx Hello c.example\r\n"
        );
    }
}
