//! Candidates from the full-text index (kantor-search) for a search's text keys: the messages
//! a SEARCH, SORT or THREAD can possibly match, which the scan then evaluates exactly (so the
//! answers are the scan's). TEXT, BODY, SUBJECT, FROM, TO, CC, BCC and HEADER of those fields
//! with a string of three characters or more ask the index; AND narrows by any of its keys,
//! OR by both of its sides; every other key (NOT included) leaves all messages candidates.
//! Emails the index has not reached yet stay candidates ([`Candidates::may_match`]), and a
//! failing index only means a full scan. The candidates' texts as the index stored them
//! ([`Narrow::texts`]) spare BODY and TEXT reading and parsing each message.

use kantor_imap_proto::command::search::SearchKey;
use kantor_message::search_text::SearchText;
use kantor_message::text::fold;
use kantor_search::{Candidates, SearchIndex, TextField};
use kantor_store::{AccountId, MessageId};

/// The full-text index of the server.
#[derive(Clone, Copy)]
pub struct TextIndex<'a> {
    pub index: &'a SearchIndex,
}

/// Which emails may match.
pub(crate) enum Narrow {
    Index(Candidates),
    All(Vec<Narrow>),
    Either(Box<Narrow>, Box<Narrow>),
}

impl Narrow {
    pub fn may_match(&self, email: MessageId) -> bool {
        match self {
            Narrow::Index(c) => c.may_match(email),
            Narrow::All(list) => list.iter().all(|n| n.may_match(email)),
            Narrow::Either(a, b) => a.may_match(email) || b.may_match(email),
        }
    }

    /// The email's folded text as the index stored it, from the first lookup that found it
    /// ([`Candidates::texts`]); `None`: read the message.
    pub fn texts(&self, email: MessageId) -> Option<SearchText> {
        match self {
            Narrow::Index(c) => c.texts(email),
            Narrow::All(list) => list.iter().find_map(|n| n.texts(email)),
            Narrow::Either(a, b) => a.texts(email).or_else(|| b.texts(email)),
        }
    }
}

/// The candidates of `key` among the emails of `owner` (the account that owns the mailbox
/// searched: documents carry the account of their email, which is the session's own today and
/// another one's once mailboxes are shared), or `None` when every message is one. `owner` is
/// asked only if a key needs the index.
pub(crate) fn narrow(
    index: TextIndex<'_>,
    owner: &dyn Fn() -> Option<AccountId>,
    key: &SearchKey,
) -> Option<Narrow> {
    use SearchKey as K;
    let ask = |field: TextField, value: &[u8]| {
        let needle = fold(&String::from_utf8_lossy(value));
        match index.index.candidates(owner()?, field, &needle) {
            Ok(found) => found.map(Narrow::Index),
            Err(e) => {
                tracing::warn!(error = %e, "search index lookup failed: scanning");
                None
            }
        }
    };
    match key {
        K::Text(v) => ask(TextField::Text, v),
        K::Body(v) => ask(TextField::Body, v),
        K::Subject(v) => ask(TextField::Subject, v),
        K::From(v) => ask(TextField::From, v),
        K::To(v) => ask(TextField::To, v),
        K::Cc(v) => ask(TextField::Cc, v),
        K::Bcc(v) => ask(TextField::Bcc, v),
        K::Header(name, v) => {
            let field = match name.to_ascii_lowercase().as_str() {
                "subject" => TextField::Subject,
                "from" => TextField::From,
                "to" => TextField::To,
                "cc" => TextField::Cc,
                "bcc" => TextField::Bcc,
                _ => return None,
            };
            ask(field, v)
        }
        K::And(keys) => {
            let list: Vec<Narrow> = keys
                .iter()
                .filter_map(|k| narrow(index, owner, k))
                .collect();
            (!list.is_empty()).then_some(Narrow::All(list))
        }
        K::Or(a, b) => Some(Narrow::Either(
            Box::new(narrow(index, owner, a)?),
            Box::new(narrow(index, owner, b)?),
        )),
        _ => None,
    }
}
