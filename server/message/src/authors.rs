//! The author fields of a message's header (RFC 5322 §3.6.2, §3.6.6): From and Sender, and
//! the resent block's Resent-From and Resent-Sender, as the addresses they name, for the
//! submission check of who may send what (RFC 6409 §8.1).

use crate::address::{mailboxes, parse_list};
use crate::header::fields;

/// The addresses of each author field. `None`: the message has no such field; `Some`: the
/// mailboxes of every such field in order (a field repeated counts as one longer list), group
/// members in place, each as `local@domain` (empty parts kept: a mailbox without a domain
/// reads `local@`, so that no checker takes it for an address it knows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authors {
    pub from: Option<Vec<String>>,
    pub sender: Option<Vec<String>>,
    pub resent_from: Option<Vec<String>>,
    pub resent_sender: Option<Vec<String>>,
}

impl Authors {
    /// The author fields of the header at the start of `message` (parsed up to its blank line).
    pub fn of(message: &[u8]) -> Authors {
        let fields = fields(message);
        let addresses = |name: &str| -> Option<Vec<String>> {
            let mut found = false;
            let mut out = Vec::new();
            for field in fields.iter().filter(|f| f.is(name)) {
                found = true;
                let list = parse_list(&field.text());
                out.extend(mailboxes(&list).map(|m| {
                    format!(
                        "{}@{}",
                        m.local.as_deref().unwrap_or_default(),
                        m.domain.as_deref().unwrap_or_default()
                    )
                }));
            }
            found.then_some(out)
        };
        Authors {
            from: addresses("From"),
            sender: addresses("Sender"),
            resent_from: addresses("Resent-From"),
            resent_sender: addresses("Resent-Sender"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Authors;

    fn some(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn author_fields_as_addresses() {
        let a = Authors::of(
            b"From: Boss <boss@corp.test>, \"A, B\" <ab@corp.test>\r\n\
              Sender: =?utf-8?q?J=C3=B6rg?= <jorg@corp.test>\r\nTo: x@y\r\n\r\nFrom: body@no\r\n",
        );
        assert_eq!(a.from, some(&["boss@corp.test", "ab@corp.test"]));
        assert_eq!(a.sender, some(&["jorg@corp.test"]));
        assert_eq!((a.resent_from, a.resent_sender), (None, None));

        let groups =
            Authors::of(b"From: Team: a@corp.test, b@corp.test;\r\nfrom: c@corp.test\r\n\r\n");
        assert_eq!(
            groups.from,
            some(&["a@corp.test", "b@corp.test", "c@corp.test"])
        );
        let empty = Authors::of(b"From: undisclosed-recipients:;\r\nResent-From: nodomain\r\n\r\n");
        assert_eq!(empty.from, some(&[]));
        assert_eq!(empty.resent_from.map(|l| l.len()), Some(1));
        let folded = Authors::of(
            b"Resent-From:\r\n  Jo <jo@b\xc3\xbccher.test>\r\nResent-Sender: me@corp.test\r\n\r\n",
        );
        assert_eq!(folded.resent_from, some(&["jo@bücher.test"]));
        assert_eq!(folded.resent_sender, some(&["me@corp.test"]));
        assert_eq!(Authors::of(b"Subject: none\r\n\r\n"), Authors::default());
    }
}
