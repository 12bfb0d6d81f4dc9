//! The needles of Email/query's conditions that read the message itself (RFC 8621 §4.4.1
//! `text`, `body`, `attachmentName`): where each looks past the header fields, what the
//! full-text index says about it, and the exact check of one message.
//!
//! - `body`: the text parts, and the text of office attachments (§4.4.1 "other body parts
//!   that may be converted to text").
//! - `text`: the same, and the attachments' file names (§4.4.1 lets `text` look in any part
//!   the server can make text of; Cyrus and Fastmail match file names there too).
//! - `attachmentName` (the name Cyrus IMAP gives this extension of §4.4.1): the file names of
//!   the parts only (Content-Disposition `filename`, else Content-Type `name`; RFC 2231 values
//!   and RFC 2047 words decoded), each compared alone.
//!
//! The index's fields only ever name a superset of the emails holding a needle (kantor-search),
//! so a part the index rules out is not read, and the rest is confirmed here: the answers are
//! those of a scan (`[search] enabled = false`).

use super::filter::Condition;
use kantor_jmap_proto::method::Filter;
use kantor_message::mime::Entity;
use kantor_message::search_text::SearchText;
use kantor_message::text::{body_text, fold};
use kantor_search::{Candidates, IndexLimits, SearchIndex, TextField};
use kantor_store::AccountId;
use std::collections::HashMap;

/// Where past the header fields a needle is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parts {
    /// The text parts (HTML as text; attached text files and messages included).
    pub text: bool,
    /// The text of office attachments (PDF, DOCX, XLSX, PPTX, OpenDocument).
    pub office: bool,
    /// The file names of the parts.
    pub names: bool,
}

impl Parts {
    /// `body` (§4.4.1).
    pub const BODY: Parts = Parts {
        text: true,
        office: true,
        names: false,
    };
    /// `text` (§4.4.1), past the header fields.
    pub const TEXT: Parts = Parts {
        names: true,
        ..Parts::BODY
    };
    /// `attachmentName`.
    pub const NAMES: Parts = Parts {
        text: false,
        office: false,
        names: true,
    };

    /// Whether it looks nowhere.
    pub fn none(&self) -> bool {
        !self.text && !self.office && !self.names
    }

    /// The index's fields for each place.
    pub fn fields(&self) -> impl Iterator<Item = TextField> {
        [
            (self.text, TextField::Body),
            (self.office, TextField::AttachmentText),
            (self.names, TextField::AttachmentName),
        ]
        .into_iter()
        .filter_map(|(on, field)| on.then_some(field))
    }
}

/// What the index said of each needle in each field it was asked about.
#[derive(Default)]
pub(super) struct Found(HashMap<String, HashMap<TextField, Candidates>>);

impl Found {
    /// Asks the index about every needle of the filter; a field it cannot answer (a short
    /// needle, no checkpoint yet, an error) is left to the scan.
    pub fn lookup(index: &SearchIndex, account: AccountId, filter: &Filter<Condition>) -> Found {
        let mut asked = Vec::new();
        needles(filter, &mut asked);
        let mut found = Found::default();
        for (parts, needle) in asked {
            for field in parts.fields() {
                let known = found.0.entry(needle.clone()).or_default();
                if known.contains_key(&field) {
                    continue;
                }
                match index.candidates(account, field, &needle) {
                    Ok(Some(candidates)) => {
                        known.insert(field, candidates);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "search index lookup failed: scanning"),
                }
            }
        }
        found
    }

    /// Every answer the index gave.
    pub fn all(&self) -> impl Iterator<Item = &Candidates> {
        self.0.values().flat_map(HashMap::values)
    }

    /// The index's answer for `needle` in `field`, when it gave one.
    pub fn get(&self, needle: &str, field: TextField) -> Option<&Candidates> {
        self.0.get(needle)?.get(&field)
    }

    /// The folded text of email `id` as the index stored it, when it found the email a
    /// candidate for `needle` in the text parts and the text was not cut
    /// ([`Candidates::texts`]).
    pub fn texts(&self, needle: &str, id: i64) -> Option<SearchText> {
        self.get(needle, TextField::Body)?.texts(id)
    }

    /// Of `parts`, those where email `id` may hold `needle`, as far as the index knows.
    pub fn narrow(&self, parts: Parts, needle: &str, id: i64) -> Parts {
        let may = |on: bool, field: TextField| {
            on && self.get(needle, field).is_none_or(|c| c.may_match(id))
        };
        Parts {
            text: may(parts.text, TextField::Body),
            office: may(parts.office, TextField::AttachmentText),
            names: may(parts.names, TextField::AttachmentName),
        }
    }
}

/// The needles of the filter's `text`, `body` and `attachmentName` conditions.
fn needles(filter: &Filter<Condition>, out: &mut Vec<(Parts, String)>) {
    match filter {
        Filter::Condition(c) => {
            let with = |parts, n: &Option<String>| n.clone().map(|n| (parts, n));
            out.extend(
                [
                    with(Parts::TEXT, &c.text),
                    with(Parts::BODY, &c.body),
                    with(Parts::NAMES, &c.attachment_name),
                ]
                .into_iter()
                .flatten(),
            );
        }
        Filter::Operator(_, list) => list.iter().for_each(|f| needles(f, out)),
    }
}

/// Whether the message holds `needle` (folded) in one of `parts`: the names first (no part
/// decoded), then the text parts, then office attachments read with the indexer's `limits`.
pub(super) fn contains(
    raw: &[u8],
    root: &Entity,
    parts: Parts,
    needle: &str,
    limits: &IndexLimits,
) -> bool {
    if parts.names && names_contain(root, needle) {
        return true;
    }
    if parts.text && fold(&body_text(raw, root, false)).contains(needle) {
        return true;
    }
    parts.office
        && kantor_search::attachments::has_readable(root)
        && kantor_search::extract::attachment_text(raw, root, limits).contains(needle)
}

/// Whether one of the parts' file names holds `needle` (folded), each name alone.
fn names_contain(root: &Entity, needle: &str) -> bool {
    kantor_search::extract::attachment_names(root)
        .iter()
        .any(|name| fold(name).contains(needle))
}
