//! What CAPABILITY lists (RFC 9051 §6.1.1, §7.2.2): only what works, and what fits the
//! connection's state. Before TLS on the plaintext port, STARTTLS and LOGINDISABLED are listed
//! and no SASL mechanism (RFC 9051 §6.2.1, §11.1) unless `imap.allow_plaintext_auth`; after
//! login, neither STARTTLS nor mechanisms.

use kantor_imap_proto::Capability;

/// What decides the list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Situation {
    pub tls: bool,
    pub authenticated: bool,
    pub allow_plaintext_auth: bool,
    pub compressed: bool,
    /// `APPENDLIMIT=n` (RFC 7889): the largest literal accepted.
    pub append_limit: u64,
}

/// Extensions listed in every state, in the order their RFCs appeared in our docs.
const ALWAYS: &[&str] = &[
    "LITERAL+",
    "ID",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "UIDPLUS",
    "MOVE",
    "UNSELECT",
    "CHILDREN",
    "SPECIAL-USE",
    "CREATE-SPECIAL-USE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "STATUS=SIZE",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "SEARCHRES",
    "SORT",
    "SORT=DISPLAY",
    "ESORT",
    "CONTEXT=SEARCH",
    "CONTEXT=SORT",
    "THREAD=REFERENCES",
    "THREAD=ORDEREDSUBJECT",
    "QUOTA",
    "QUOTA=RES-STORAGE",
    "UTF8=ACCEPT",
    "BINARY",
    "MULTIAPPEND",
    "CATENATE",
    "WITHIN",
    "SAVEDATE",
    "OBJECTID",
    "PREVIEW",
    "NOTIFY",
    "ACL",
    "RIGHTS=texk",
];

fn atom(name: &str) -> Capability {
    Capability::parse(name).expect("capability names are atoms")
}

/// The capability list for this situation.
pub(crate) fn list(s: Situation) -> Vec<Capability> {
    let mut caps = vec![Capability::Imap4Rev2, Capability::Imap4Rev1];
    let credentials_allowed = s.tls || s.allow_plaintext_auth;
    if !s.authenticated {
        if !s.tls {
            caps.push(atom("STARTTLS"));
        }
        if credentials_allowed {
            caps.push(atom("AUTH=PLAIN"));
            caps.push(atom("SASL-IR"));
        } else {
            caps.push(atom("LOGINDISABLED"));
        }
    }
    caps.extend(ALWAYS.iter().map(|name| atom(name)));
    caps.push(atom(&format!("APPENDLIMIT={}", s.append_limit)));
    if !s.compressed {
        caps.push(atom("COMPRESS=DEFLATE"));
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: Situation) -> Vec<String> {
        list(s).iter().map(|c| c.as_str().to_string()).collect()
    }

    #[test]
    fn depends_on_tls_and_login() {
        let mut s = Situation {
            tls: false,
            authenticated: false,
            allow_plaintext_auth: false,
            compressed: false,
            append_limit: 1000,
        };
        let plain = names(s);
        assert!(plain.contains(&"STARTTLS".into()) && plain.contains(&"LOGINDISABLED".into()));
        assert!(!plain.contains(&"AUTH=PLAIN".into()));
        assert!(plain.contains(&"APPENDLIMIT=1000".into()));
        assert!(plain.contains(&"CATENATE".into()) && plain.contains(&"UTF8=ACCEPT".into()));
        s.tls = true;
        let tls = names(s);
        assert!(!tls.contains(&"STARTTLS".into()) && tls.contains(&"AUTH=PLAIN".into()));
        s.authenticated = true;
        s.compressed = true;
        let after = names(s);
        assert!(
            !after
                .iter()
                .any(|c| c.starts_with("AUTH=") || c == "COMPRESS=DEFLATE")
        );
        assert_eq!(after[..2], ["IMAP4rev2", "IMAP4rev1"]);
    }
}
