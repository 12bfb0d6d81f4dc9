//! What the full-text index says of the needles Email/query matches in header fields (RFC 8621
//! §4.4.1 `from`, `to`, `cc`, `bcc`, `subject`, and `text`, which looks in those five too), so
//! that an email whose fields cannot hold the needle is not read. The index names a superset of
//! the emails that match; `candidates` confirms the rest as without it.
//!
//! **Addresses.** The matcher (`candidates`, `One::addresses`) compares with the folded text
//! of the field's mailboxes (groups flattened) as `{name} <{email}>` joined by `, `, where
//! `name` is the display name with RFC 2047 words decoded (empty for none) and `email` is
//! `local@domain` (the local part alone without a domain). Both come from the first field of
//! that name, unfolded and parsed by kantor-message (`Envelope::of`, `parse_list`). The index's
//! field (kantor-search `extract`, kantor-message `keys::address_texts`) holds, among other
//! texts, every field of that name parsed by the same `parse_list`, and of each mailbox
//! `local@domain` (or the local part) and the decoded name, each folded and on a line of its
//! own. Folding is `to_uppercase`, one character at a time, so the fold of the joined text is
//! the join of the folded pieces. The matcher's text is therefore the pieces (folded names and
//! emails, each in the index verbatim) joined by separators made only of [`SEPARATORS`]
//! (` <`, `>, `, `>`). A part of the needle between those characters (a segment) that is
//! found in that text cannot reach across a separator, so it lies within one piece, and its
//! trigrams are in the index ([`address_grams`]). Trigrams reaching across a segment's end
//! are not: `"DOE <JO"` may match `Jane Doe <jo@x>` while no indexed line holds `E <`. A needle
//! without a segment of three characters gives no trigram and is left to the scan.
//!
//! **Subject.** The matcher compares with the first Subject field unfolded, decoded and
//! folded; the index's `subject` field holds every Subject field the same way, one per line:
//! any substring of the first is in the index whole, so each of its trigrams is.
//!
//! Documents with a text cut at the size cap, and emails the index has not reached yet
//! (above its checkpoint), stay candidates ([`Candidates::may_match`]).

use super::filter::Condition;
use kantor_jmap_proto::method::Filter;
use kantor_search::schema::segment_grams;
use kantor_search::{Candidates, SearchIndex, TextField};
use kantor_store::AccountId;
use std::collections::HashMap;

/// The characters the matcher puts between an address field's names and emails.
const SEPARATORS: [char; 4] = [' ', '<', '>', ','];

/// Most trigrams of one needle looked up (as kantor-search caps them).
const MAX_GRAMS: usize = 16;

/// The header fields JMAP's `text` looks in.
pub(super) const TEXT_FIELDS: [TextField; 5] = [
    TextField::From,
    TextField::To,
    TextField::Cc,
    TextField::Bcc,
    TextField::Subject,
];

/// The trigrams of an address needle (folded) that every email whose field matches holds in
/// the index's field of the same name: those of its segments between [`SEPARATORS`] (module
/// documentation). Empty when no segment has three characters.
pub(super) fn address_grams(needle: &str) -> Vec<String> {
    segment_grams(needle, |c| SEPARATORS.contains(&c), MAX_GRAMS)
}

/// What the index said of each header needle in each field it was asked about.
#[derive(Default)]
pub(super) struct HeaderFound(HashMap<(TextField, String), Candidates>);

impl HeaderFound {
    /// Every answer the index gave.
    pub fn all(&self) -> impl Iterator<Item = &Candidates> {
        self.0.values()
    }

    /// Asks the index about every header needle of the filter; one it cannot answer (no
    /// trigram to look up, no checkpoint yet, an error) is left to the scan.
    pub fn lookup(
        index: &SearchIndex,
        account: AccountId,
        filter: &Filter<Condition>,
    ) -> HeaderFound {
        let mut asked = Vec::new();
        needles(filter, &mut asked);
        let mut found = HeaderFound::default();
        for (field, needle) in asked {
            let answer = match field {
                TextField::Subject => index.candidates(account, field, &needle),
                _ => index.candidates_with_grams(account, field, address_grams(&needle)),
            };
            match answer {
                Ok(Some(candidates)) => {
                    found.0.insert((field, needle), candidates);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "search index lookup failed: scanning"),
            }
        }
        found
    }

    /// Whether email `id`'s `field` may hold `needle`, as far as the index knows.
    pub fn may_hold(&self, field: TextField, needle: &str, id: i64) -> bool {
        self.get(field, needle).is_none_or(|c| c.may_match(id))
    }

    /// The index's answer for `needle` in `field`, when it gave one.
    pub fn get(&self, field: TextField, needle: &str) -> Option<&Candidates> {
        self.0.get(&(field, needle.to_string()))
    }
}

/// The header needles of the filter's conditions, each with the field it is looked for in.
fn needles(filter: &Filter<Condition>, out: &mut Vec<(TextField, String)>) {
    match filter {
        Filter::Condition(c) => {
            let text = c.text.iter().flat_map(|n| TEXT_FIELDS.map(|f| (f, n)));
            let own = [
                (TextField::From, &c.from),
                (TextField::To, &c.to),
                (TextField::Cc, &c.cc),
                (TextField::Bcc, &c.bcc),
                (TextField::Subject, &c.subject),
            ]
            .into_iter()
            .filter_map(|(f, n)| n.as_ref().map(|n| (f, n)));
            for (field, needle) in text.chain(own) {
                if !out.iter().any(|(f, n)| *f == field && n == needle) {
                    out.push((field, needle.clone()));
                }
            }
        }
        Filter::Operator(_, list) => list.iter().for_each(|f| needles(f, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_message::text::fold;

    /// The matcher's text of one mailbox, as `candidates` builds it.
    fn shown(name: &str, email: &str) -> String {
        fold(&format!("{name} <{email}>"))
    }

    #[test]
    fn address_needles_keep_the_trigrams_of_their_segments() {
        assert_eq!(address_grams("JO"), Vec::<String>::new());
        assert_eq!(address_grams("E <J"), Vec::<String>::new());
        assert_eq!(address_grams("\"DOE, J"), ["\"DO", "DOE"]);
        assert_eq!(
            address_grams("DOE <JOHN@X"),
            ["DOE", "JOH", "OHN", "HN@", "N@X"]
        );
        assert_eq!(address_grams("ANN>, BOB"), ["ANN", "BOB"]);
        assert_eq!(address_grams("JÜRGEN"), ["JÜR", "ÜRG", "RGE", "GEN"]);
        assert!(address_grams(&"ABCDEFGH".repeat(8)).len() <= MAX_GRAMS);
    }

    /// Every substring of a matcher's text has its segment trigrams among those of the pieces
    /// the index holds (names and emails, folded, each alone).
    #[test]
    fn segment_trigrams_are_in_the_indexed_pieces() {
        let mailboxes = [
            ("Doe, John \"Jack\"", "john.doe@example.com"),
            ("", "c@d"),
            ("Jürgen Groß", "jürgen@bücher.example"),
            ("a<b>c", "x,y z@q"),
            ("東京 太郎", "taro@例え.jp"),
        ];
        let text = mailboxes
            .iter()
            .map(|(n, e)| shown(n, e))
            .collect::<Vec<_>>()
            .join(", ");
        let pieces: Vec<String> = mailboxes
            .iter()
            .flat_map(|(n, e)| [fold(n), fold(e)])
            .collect();
        let chars: Vec<char> = text.chars().collect();
        for from in 0..chars.len() {
            for to in from + 1..=chars.len() {
                let needle: String = chars[from..to].iter().collect();
                for gram in address_grams(&needle) {
                    assert!(
                        pieces.iter().any(|p| p.contains(&gram)),
                        "{needle:?}: {gram:?} is in no piece"
                    );
                }
            }
        }
    }
}
