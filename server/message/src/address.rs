//! Address lists (RFC 5322 §3.4, with the obsolete forms of §4.4) as written: display name
//! (the phrase as written, quotes removed, encoded-words kept), source route, local part and
//! domain; groups kept as groups. These are the address structures of IMAP's ENVELOPE
//! (RFC 9051 §7.5.2) and, names decoded, JMAP's EmailAddress and EmailAddressGroup (RFC 8621
//! §4.1.2.3). Lenient: whatever does not parse is skipped.
//!
//! Hand-written rather than mail-parser's address parser, which cannot give the addresses as
//! written: it decodes RFC 2047 encoded-words in display names with no way back to the phrase
//! (ENVELOPE sends header text undecoded, for clients to decode, and a client without UTF-8
//! cannot take decoded text), it leaves a source route inside the address (`@a,@b:u@c`), and it
//! reads `"quoted local"@host` as a display name with the address `@host`. Its group form
//! (`Address::Group`, with nameless groups for the mailboxes around real groups) would do; the
//! test below pins these behaviours.

use serde::{Deserialize, Serialize};

/// One entry of an address list: a mailbox or a group of them (RFC 5322 §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Address {
    /// A single mailbox.
    Mailbox(Mailbox),
    /// `name: members;`
    Group {
        /// The group's display name, as written.
        name: String,
        /// Its mailboxes (possibly none).
        members: Vec<Mailbox>,
    },
}

/// A mailbox (RFC 5322 §3.4 `mailbox`), its parts as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// The display name (encoded-words not decoded), or the last comment when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The obsolete source route (`@a,@b`, RFC 5322 §4.4); almost always `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The local part, unquoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
    /// The domain; empty (not absent) for a mailbox without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An atom, or the content of a quoted string.
    Word(String),
    Comment(String),
    /// A domain literal, brackets included.
    Literal(String),
    Special(char),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {}
            '"' => {
                let mut word = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        '\r' | '\n' => {}
                        c => word.push(c),
                    }
                }
                out.push(Tok::Word(word));
            }
            '(' => {
                let (mut depth, mut text) = (1, String::new());
                while let Some(c) = chars.next() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        '\\' => {
                            text.extend(chars.next());
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    text.push(c);
                }
                out.push(Tok::Comment(text.trim().to_string()));
            }
            '[' => {
                let mut literal = String::from("[");
                for c in chars.by_ref() {
                    literal.push(c);
                    if c == ']' {
                        break;
                    }
                }
                out.push(Tok::Literal(literal));
            }
            '<' | '>' | ':' | ';' | '@' | ',' | '.' | ']' | ')' => out.push(Tok::Special(c)),
            c => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek() {
                    if " \t\r\n\"()<>[]:;@,.".contains(n) {
                        break;
                    }
                    word.push(n);
                    chars.next();
                }
                out.push(Tok::Word(word));
            }
        }
    }
    out
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn special(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Special(c))
    }

    /// The first of `stops` at or after the cursor.
    fn next_of(&self, stops: &[char]) -> Option<char> {
        self.toks[self.pos.min(self.toks.len())..]
            .iter()
            .find_map(|t| match t {
                Tok::Special(c) if stops.contains(c) => Some(*c),
                _ => None,
            })
    }

    /// A phrase up to one of `stops`, words joined by single spaces; also the last comment.
    fn phrase(&mut self, stops: &[char]) -> (String, Option<String>) {
        let (mut text, mut comment) = (String::new(), None);
        while let Some(tok) = self.peek() {
            match tok {
                Tok::Special(c) if stops.contains(c) => break,
                Tok::Word(w) | Tok::Literal(w) => {
                    if !text.is_empty() && !text.ends_with(' ') {
                        text.push(' ');
                    }
                    text.push_str(w);
                }
                Tok::Special('.') => text.push('.'),
                Tok::Special(_) => {}
                Tok::Comment(c) => comment = Some(c.clone()).filter(|c| !c.is_empty()),
            }
            self.pos += 1;
        }
        (text, comment)
    }

    /// `local-part "@" domain` up to one of `stops`, tokens joined as written.
    fn addr_spec(&mut self, stops: &[char]) -> (String, Option<String>, Option<String>) {
        let (mut local, mut domain, mut comment) = (String::new(), None::<String>, None);
        while let Some(tok) = self.peek() {
            if tok == &Tok::Special('@') && domain.is_none() {
                domain = Some(String::new());
                self.pos += 1;
                continue;
            }
            let target = domain.as_mut().unwrap_or(&mut local);
            match tok {
                Tok::Special(c) if stops.contains(c) => break,
                Tok::Word(w) | Tok::Literal(w) => target.push_str(w),
                Tok::Special('.') => target.push('.'),
                Tok::Special(_) => {}
                Tok::Comment(c) => comment = Some(c.clone()).filter(|c| !c.is_empty()),
            }
            self.pos += 1;
        }
        (local, domain, comment)
    }

    /// `mailbox = name-addr / addr-spec`.
    fn mailbox(&mut self, stops: &[char]) -> Option<Mailbox> {
        let angle = self.next_of(&[stops, &['<']].concat()) == Some('<');
        let (name, local, domain, adl, comment) = if angle {
            let (name, comment) = self.phrase(&['<']);
            self.pos += 1;
            let mut adl = None;
            if self.special('@') && self.next_of(&[':', '>']) == Some(':') {
                let mut route = String::new();
                while let Some(tok) = self.peek() {
                    match tok {
                        Tok::Special(':') => break,
                        Tok::Special(c) => route.push(*c),
                        Tok::Word(w) | Tok::Literal(w) => route.push_str(w),
                        Tok::Comment(_) => {}
                    }
                    self.pos += 1;
                }
                adl = Some(route).filter(|r| !r.is_empty());
                self.pos += 1;
            }
            let (local, domain, _) = self.addr_spec(&['>']);
            if self.special('>') {
                self.pos += 1;
            }
            let (_, after) = self.phrase(stops);
            (Some(name), local, domain, adl, comment.or(after))
        } else {
            let (local, domain, comment) = self.addr_spec(stops);
            (None, local, domain, None, comment)
        };
        // A name or comment alone (`group: (foo) ;`, `John <>`) is no address.
        if local.is_empty() && domain.as_deref().unwrap_or("").is_empty() {
            return None;
        }
        let name = name.filter(|n| !n.is_empty()).or(comment);
        Some(Mailbox {
            name,
            route: adl,
            local: Some(local),
            // A mailbox without a domain gets an empty one: IMAP's NIL host would read as a
            // group marker.
            domain: Some(domain.unwrap_or_default()),
        })
    }
}

/// Every mailbox of a list, the members of each group in its place.
pub fn mailboxes(list: &[Address]) -> impl Iterator<Item = &Mailbox> {
    list.iter().flat_map(|a| match a {
        Address::Mailbox(m) => std::slice::from_ref(m),
        Address::Group { members, .. } => members.as_slice(),
    })
}

/// Parses an address list: `address *("," address)`, `address = mailbox / group`.
pub fn parse_list(value: &str) -> Vec<Address> {
    let mut p = Parser {
        toks: tokenize(value),
        pos: 0,
    };
    let mut out = Vec::new();
    while p.pos < p.toks.len() {
        if p.special(',') || p.special(';') || p.special('>') {
            p.pos += 1;
            continue;
        }
        let before = p.pos;
        if p.next_of(&[':', '<', '@', ',', ';']) == Some(':') {
            let (name, _) = p.phrase(&[':']);
            p.pos += 1;
            let mut members = Vec::new();
            while p.pos < p.toks.len() && !p.special(';') {
                if p.special(',') {
                    p.pos += 1;
                    continue;
                }
                let start = p.pos;
                members.extend(p.mailbox(&[',', ';']));
                p.pos = p.pos.max(start + 1);
            }
            p.pos += 1;
            out.push(Address::Group { name, members });
        } else {
            out.extend(p.mailbox(&[',']).map(Address::Mailbox));
        }
        p.pos = p.pos.max(before + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: Option<&str>, mailbox: &str, host: &str) -> Address {
        Address::Mailbox(Mailbox {
            name: name.map(Into::into),
            route: None,
            local: Some(mailbox.into()),
            domain: Some(host.into()),
        })
    }

    #[test]
    fn mailboxes() {
        assert_eq!(
            parse_list("\"Doe, John\" <john.doe@example.com>, bob@x.org (Bob B), <c@d>"),
            [
                mb(Some("Doe, John"), "john.doe", "example.com"),
                mb(Some("Bob B"), "bob", "x.org"),
                mb(None, "c", "d")
            ]
        );
        assert_eq!(
            parse_list("John Q. Public <JQP@x.test>"),
            [mb(Some("John Q. Public"), "JQP", "x.test")]
        );
        assert_eq!(
            parse_list("=?utf-8?q?J=C3=B6rg?= <j@x>"),
            [mb(Some("=?utf-8?q?J=C3=B6rg?="), "j", "x")]
        );
        assert_eq!(
            parse_list("\"quoted local\"@x.test"),
            [mb(None, "quoted local", "x.test")]
        );
        assert_eq!(parse_list("nobody"), [mb(None, "nobody", "")]);
        assert_eq!(parse_list(""), []);
        assert_eq!(parse_list("<>"), []);
    }

    #[test]
    fn route_and_groups() {
        let [Address::Mailbox(m)] = &parse_list("<@a.test,@b.test:u@c.test>")[..] else {
            panic!()
        };
        assert_eq!(m.route.as_deref(), Some("@a.test,@b.test"));
        assert_eq!(m.local.as_deref(), Some("u"));
        assert_eq!(
            parse_list("undisclosed-recipients:;, Team: a@x, B <b@y>;, c@z"),
            [
                Address::Group {
                    name: "undisclosed-recipients".into(),
                    members: vec![]
                },
                Address::Group {
                    name: "Team".into(),
                    members: vec![
                        Mailbox {
                            name: None,
                            route: None,
                            local: Some("a".into()),
                            domain: Some("x".into())
                        },
                        Mailbox {
                            name: Some("B".into()),
                            route: None,
                            local: Some("b".into()),
                            domain: Some("y".into())
                        },
                    ]
                },
                mb(None, "c", "z"),
            ]
        );
        // RFC 9051 §7.5.2: two empty groups, a comment being no member.
        let empty = |name: &str| Address::Group {
            name: name.into(),
            members: vec![],
        };
        assert_eq!(
            parse_list("group:;, group2: (foo) ;"),
            [empty("group"), empty("group2")]
        );
        assert_eq!(parse_list("John <>, (just a comment)"), []);
    }

    /// Why this parser is not mail-parser's (see the module comment): if this test starts to
    /// fail, mail-parser may have learnt to give addresses as written.
    #[test]
    fn mail_parser_addresses_lack_what_envelope_needs() {
        use mail_parser::parsers::MessageStream;
        use mail_parser::{Addr, Address as Parsed, Group, HeaderValue};
        let parse = |s: &str| match MessageStream::new(format!("{s}\n").as_bytes()).parse_address()
        {
            HeaderValue::Address(a) => a.into_owned(),
            other => panic!("{other:?}"),
        };
        let addr = |name: Option<&str>, address: &str| Addr {
            name: name.map(|n| n.to_string().into()),
            address: Some(address.to_string().into()),
        };
        assert_eq!(
            parse("=?utf-8?q?J=C3=B6rg?= <j@x>"),
            Parsed::List(vec![addr(Some("Jörg"), "j@x")])
        );
        assert_eq!(
            parse("<@a.test,@b.test:u@c.test>"),
            Parsed::List(vec![addr(None, "@a.test,@b.test:u@c.test")])
        );
        assert_eq!(
            parse("\"quoted local\"@x.test"),
            Parsed::List(vec![addr(Some("quoted local"), "@x.test")])
        );
        assert_eq!(
            parse("a@b, G: c@d;"),
            Parsed::Group(vec![
                Group {
                    name: None,
                    addresses: vec![addr(None, "a@b")]
                },
                Group {
                    name: Some("G".into()),
                    addresses: vec![addr(None, "c@d")]
                },
            ])
        );
    }

    #[test]
    fn garbage_does_not_loop_or_panic() {
        for s in [
            "<<<",
            ">>>",
            "@@",
            ":::",
            ";;",
            "(unterminated",
            "\"open",
            "a <b",
            "[x",
            ", ,",
        ] {
            let _ = parse_list(s);
        }
    }
}
