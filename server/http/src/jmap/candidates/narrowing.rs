//! What the full-text index's answers (kept in [`Emails`]) say of a filter before any email is
//! read: [`Emails::may_match`] judges one email, [`Emails::narrowed`] lists the only emails
//! worth reading when the answers bound the filter, and [`Emails::reads_envelope`] tells
//! whether an email's parsed header fields are needed at all.

use super::{Emails, NARROWED_MAX};
use crate::jmap::filter::Condition;
use crate::jmap::header_needles::TEXT_FIELDS;
use crate::jmap::needles::Parts;
use kantor_jmap_proto::method::{Filter, FilterOperator};
use kantor_search::{Candidates, TextField, WordField};
use std::collections::HashSet;

/// Emails the index named for a needle: its candidates in one field, or the emails with its
/// words.
#[derive(Clone, Copy)]
enum Named<'a> {
    Candidates(&'a Candidates),
    Words(&'a HashSet<i64>),
}

impl<'a> Named<'a> {
    fn len(self) -> usize {
        match self {
            Named::Candidates(c) => c.len(),
            Named::Words(w) => w.len(),
        }
    }

    fn ids(self) -> Box<dyn Iterator<Item = i64> + 'a> {
        match self {
            Named::Candidates(c) => Box::new(c.ids()),
            Named::Words(w) => Box::new(w.iter().copied()),
        }
    }
}

/// Sets of named emails whose union holds every email the index reached that a filter may
/// take.
type Cover<'a> = Vec<Named<'a>>;

fn size(cover: &Cover<'_>) -> usize {
    cover.iter().map(|n| n.len()).sum()
}

impl Emails<'_> {
    /// Whether email `id` may be taken by `filter` as far as the index knows: false only when
    /// a needle of `from`, `to`, `cc`, `bcc`, `subject`, `text`, `body` or `attachmentName`
    /// is, by the index, in none of the places it is looked for (neither its words nor its
    /// trigrams), so that neither the email's record, its listing nor its message is read.
    /// NOT inverts: it is left to the exact check.
    pub(super) fn may_match(&self, filter: &Filter<Condition>, id: i64) -> bool {
        match filter {
            Filter::Condition(c) => {
                let header = |field, n: &Option<String>| {
                    n.as_ref()
                        .is_none_or(|n| self.headers.may_hold(field, n, id))
                };
                let text = c.text.as_ref().is_none_or(|n| {
                    self.has_words(WordField::Body, n, id)
                        || self.has_words(WordField::Subject, n, id)
                        || self.header_may_hold_text(n, id)
                        || !self.found.narrow(Parts::TEXT, n, id).none()
                });
                let subject = c.subject.as_ref().is_none_or(|n| {
                    self.has_words(WordField::Subject, n, id)
                        || self.headers.may_hold(TextField::Subject, n, id)
                });
                let body = c.body.as_ref().is_none_or(|n| {
                    self.has_words(WordField::Body, n, id)
                        || !self.found.narrow(Parts::BODY, n, id).none()
                });
                let names = c
                    .attachment_name
                    .as_ref()
                    .is_none_or(|n| !self.found.narrow(Parts::NAMES, n, id).none());
                header(TextField::From, &c.from)
                    && header(TextField::To, &c.to)
                    && header(TextField::Cc, &c.cc)
                    && header(TextField::Bcc, &c.bcc)
                    && subject
                    && text
                    && body
                    && names
            }
            Filter::Operator(FilterOperator::And, list) => {
                list.iter().all(|f| self.may_match(f, id))
            }
            Filter::Operator(FilterOperator::Or, list) => {
                list.iter().any(|f| self.may_match(f, id))
            }
            Filter::Operator(FilterOperator::Not, _) => true,
        }
    }

    /// The only emails the filter may take, when the index's answers bound them: those of the
    /// smallest [cover](Emails::cover) that the whole filter leaves possible (`ids`), and those
    /// the index has not reached (above `above`). `None` (read the whole account) when the
    /// answers do not bound the filter, or when the ids are many enough for one read of the
    /// account to be cheaper than looking each up.
    ///
    /// From+word reads the sender's candidates only, each checked against the word's: the
    /// union of both (every email with a common word) cost 25 ms at 100,000 emails.
    pub(super) fn narrowed(&self, filter: &Filter<Condition>) -> Option<(Vec<i64>, i64)> {
        // An email the index reached and named for no needle is judged by `may_match` the same
        // whatever its id, as email 0 is: when 0 may match, the answers bound nothing.
        if self.may_match(filter, 0) {
            return None;
        }
        let above = self
            .found
            .all()
            .chain(self.headers.all())
            .map(|c| c.covered())
            .min()?;
        let cover = self.cover(filter)?;
        let mut seen = HashSet::new();
        let ids: Vec<i64> = cover
            .iter()
            .flat_map(|n| n.ids())
            .filter(|&id| id <= above && seen.insert(id) && self.may_match(filter, id))
            .collect();
        (ids.len() <= NARROWED_MAX).then_some((ids, above))
    }

    /// Named emails holding every email the index reached that `filter` may take, as
    /// [`Emails::may_match`] judges them, chosen as small as the index allows: for AND the
    /// smallest of its members' covers, for a condition the smallest of its needles'; for OR
    /// the union of its members'. `None` when the answers do not bound the filter (NOT, a
    /// condition without a needle the index answered).
    fn cover(&self, filter: &Filter<Condition>) -> Option<Cover<'_>> {
        match filter {
            Filter::Condition(c) => {
                let header = |field, n: &Option<String>| {
                    let n = n.as_ref()?;
                    Some(vec![Named::Candidates(self.headers.get(field, n)?)])
                };
                let options = [
                    header(TextField::From, &c.from),
                    header(TextField::To, &c.to),
                    header(TextField::Cc, &c.cc),
                    header(TextField::Bcc, &c.bcc),
                    c.subject.as_ref().and_then(|n| {
                        let mut cover = self.words(n, &[WordField::Subject]);
                        cover.push(Named::Candidates(self.headers.get(TextField::Subject, n)?));
                        Some(cover)
                    }),
                    c.text.as_ref().and_then(|n| {
                        let mut cover = self.words(n, &[WordField::Body, WordField::Subject]);
                        for field in TEXT_FIELDS {
                            cover.push(Named::Candidates(self.headers.get(field, n)?));
                        }
                        cover.extend(self.parts(Parts::TEXT, n)?);
                        Some(cover)
                    }),
                    c.body.as_ref().and_then(|n| {
                        let mut cover = self.words(n, &[WordField::Body]);
                        cover.extend(self.parts(Parts::BODY, n)?);
                        Some(cover)
                    }),
                    c.attachment_name
                        .as_ref()
                        .and_then(|n| self.parts(Parts::NAMES, n)),
                ];
                options.into_iter().flatten().min_by_key(size)
            }
            Filter::Operator(FilterOperator::And, list) => {
                list.iter().filter_map(|f| self.cover(f)).min_by_key(size)
            }
            Filter::Operator(FilterOperator::Or, list) => list
                .iter()
                .map(|f| self.cover(f))
                .try_fold(Vec::new(), |mut all, cover| {
                    all.extend(cover?);
                    Some(all)
                }),
            Filter::Operator(FilterOperator::Not, _) => None,
        }
    }

    /// The emails with the words of `needle` in each of `fields` that the index answered.
    fn words(&self, needle: &str, fields: &[WordField]) -> Cover<'_> {
        fields
            .iter()
            .filter_map(|&f| self.with_words(f, needle).map(Named::Words))
            .collect()
    }

    /// The emails the index found with the words of `needle` in `field`, when it answered.
    fn with_words(&self, field: WordField, needle: &str) -> Option<&HashSet<i64>> {
        self.words.get(needle)?.get(&field)
    }

    /// The candidates of `needle` in every field of `parts`; `None` when the index did not
    /// answer for one of them.
    fn parts(&self, parts: Parts, needle: &str) -> Option<Cover<'_>> {
        parts
            .fields()
            .map(|field| self.found.get(needle, field).map(Named::Candidates))
            .collect()
    }

    /// Whether the index found the words of `needle` in email `id`'s `field`.
    pub(super) fn has_words(&self, field: WordField, needle: &str, id: i64) -> bool {
        self.with_words(field, needle)
            .is_some_and(|found| found.contains(&id))
    }

    /// Whether one of the header fields `text` looks in may hold `needle` in email `id`, as far
    /// as the index knows.
    fn header_may_hold_text(&self, needle: &str, id: i64) -> bool {
        TEXT_FIELDS
            .iter()
            .any(|&f| self.headers.may_hold(f, needle, id))
    }

    /// Whether `filter` reads email `id`'s parsed header fields (its stored listing):
    /// `hasAttachment`, `from`, `to`, `cc`, `bcc` and `subject` always do; `text` only when
    /// the index says one of the header fields it looks in may hold the needle (a `text` found
    /// in 2,500 bodies of 106,046 emails spent half its 33 ms reading listings it did not use).
    pub(super) fn reads_envelope(&self, filter: &Filter<Condition>, id: i64) -> bool {
        match filter {
            Filter::Condition(c) => {
                c.reads_envelope()
                    || c.text
                        .as_ref()
                        .is_some_and(|n| self.header_may_hold_text(n, id))
            }
            Filter::Operator(_, list) => list.iter().any(|f| self.reads_envelope(f, id)),
        }
    }
}
