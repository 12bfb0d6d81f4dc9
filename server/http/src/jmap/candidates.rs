//! The account's emails as Email/query goes through them (RFC 8621 §4.4), [`CHUNK`] at a time:
//! of each chunk only what the query needs is read (the emails' records for mailboxes and
//! keywords, their stored listings for envelopes, sent dates and attachments), the filter
//! applied, and of the emails taken only their sort keys kept; the chunk is then dropped. So a
//! query over 100,000 emails holds a chunk and the keys of its results, not the account.
//! Thread keywords are gathered in a first pass; `text`, `body` and `header` read the message
//! itself, after the cheap properties, and only for the emails the full-text index names as
//! candidates for the needle (kantor-search; emails it has not reached yet stay candidates).
//! `from`, `to`, `cc`, `bcc`, `subject` and the header part of `text` are narrowed by the index
//! too, with trigrams a match is sure to hold in its fields (`header_needles`), so that only
//! the candidates' listings are read.
//! `text` and `body` also look in the text of office attachments (PDF, DOCX, XLSX, PPTX,
//! OpenDocument; RFC 8621 §4.4.1 "other body parts that may be converted to text"), read again
//! with the indexer's limits only for the emails the index names for it; `text` and
//! `attachmentName` in the attachments' file names (`needles`).
//! Besides substrings, `text`, `body` and `subject` take the emails the index finds with every
//! word of the needle in the email's language, stemmed (RFC 8621 §4.4.1 "the server MAY use
//! stemming"; kantor-search's `word_matches`): a union, so no substring match is lost.

use super::call::{Call, store_error};
use super::email::keywords;
use super::filter::{Condition, Needs, filter_needs};
use super::header_needles::HeaderFound;
use super::needles::{Found, Parts};
use kantor_jmap_proto::method::{Comparator, Filter};
use kantor_jmap_proto::{MethodError, MethodErrorType};
use kantor_message::MetaListing;
use kantor_message::address::Address;
use kantor_message::encoded::decode_words;
use kantor_message::envelope::Envelope;
use kantor_message::text::fold;
use kantor_search::WordField;
use kantor_store::{AccountId, EmailListing, EmailRecord};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

mod narrowing;

/// Emails read at once.
const CHUNK: usize = 1000;

/// Per thread: the keywords all its emails have, and those some have.
type ThreadKeywords = HashMap<i64, (HashSet<String>, HashSet<String>)>;

/// The account's emails, listed; what else a query needs is read a chunk at a time.
pub(crate) struct Emails<'c> {
    call: &'c Call<'c>,
    account: AccountId,
    needs: Needs,
    /// What the comparators need (their keys are read for every email taken).
    sort_needs: Needs,
    pub listing: Vec<EmailListing>,
    threads: ThreadKeywords,
    /// Per needle of `text`, `body` and `attachmentName` and place: the emails that may
    /// hold it there.
    found: Found,
    /// Per header needle and field: the emails whose field may hold it.
    headers: HeaderFound,
    /// Per needle and field: the emails with its words in their language (stemmed).
    words: HashMap<String, HashMap<WordField, HashSet<i64>>>,
}

/// An email taken by the filter, with its keys for each comparator.
pub(crate) struct Selected {
    pub index: usize,
    keys: Vec<Key>,
}

/// One sort key; `None` (a missing value) sorts first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Int(Option<i64>),
    Text(String),
    Flag(bool),
}

/// Most emails looked up one by one for a narrowed query ([`Emails::narrowed`]); past it, the
/// account's whole listing is read in one go (a few microseconds an email against about 0.2).
const NARROWED_MAX: usize = 20_000;

impl<'c> Emails<'c> {
    pub fn load(
        call: &'c Call<'c>,
        account: AccountId,
        filter: Option<&Filter<Condition>>,
        sort_needs: Needs,
    ) -> Result<Emails<'c>, MethodError> {
        let needs = filter.map(filter_needs).unwrap_or_default().or(sort_needs);
        let mut emails = Emails {
            call,
            account,
            needs,
            sort_needs,
            listing: Vec::new(),
            threads: HashMap::new(),
            found: Found::default(),
            headers: HeaderFound::default(),
            words: HashMap::new(),
        };
        if let (Some(index), Some(filter)) = (call.search, filter) {
            emails.found = Found::lookup(index, account, filter);
            emails.headers = HeaderFound::lookup(index, account, filter);
            let mut asked = Vec::new();
            word_needles(filter, &mut asked);
            for (field, needle) in asked {
                match index.word_matches(account, field, &needle) {
                    Ok(Some(found)) => {
                        emails.words.entry(needle).or_default().insert(field, found);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "search index word lookup failed: substrings only")
                    }
                }
            }
        }
        let narrowed = match filter {
            Some(filter) if !needs.threads() => emails.narrowed(filter),
            _ => None,
        };
        emails.listing = match narrowed {
            Some((ids, above)) => call.mail.email_listing_among(account, &ids, above),
            None => call.mail.email_listing(account),
        }
        .map_err(store_error)?;
        if needs.threads() {
            let all: Vec<usize> = (0..emails.listing.len()).collect();
            for part in all.chunks(CHUNK) {
                let chunk = emails.chunk(part, |_| false)?;
                for record in chunk.records.iter().flatten() {
                    let have: HashSet<String> =
                        keywords(record).into_iter().map(|(k, _)| k).collect();
                    match emails.threads.get_mut(&record.thread_id) {
                        Some((all, some)) => {
                            all.retain(|k| have.contains(k));
                            some.extend(have);
                        }
                        None => {
                            emails
                                .threads
                                .insert(record.thread_id, (have.clone(), have));
                        }
                    }
                }
            }
        }
        Ok(emails)
    }

    /// What the query needs of the emails at `indexes` of the listing (at most [`CHUNK`]): the
    /// stored listings of those for which `envelope` says so.
    fn chunk(
        &self,
        indexes: &[usize],
        envelope: impl Fn(i64) -> bool,
    ) -> Result<Chunk, MethodError> {
        let ids: Vec<i64> = indexes.iter().map(|&i| self.listing[i].id).collect();
        let mail = &self.call.mail;
        let wanted: Vec<bool> = ids.iter().map(|&id| envelope(id)).collect();
        let asked: Vec<i64> = ids
            .iter()
            .zip(&wanted)
            .filter(|(_, w)| **w)
            .map(|(&id, _)| id)
            .collect();
        let mut metas = match asked.is_empty() {
            true => Vec::new(),
            false => mail
                .message_listings(self.account, &asked)
                .map_err(store_error)?,
        }
        .into_iter();
        Ok(Chunk {
            records: match self.needs.record {
                true => mail.emails(self.account, &ids).map_err(store_error)?,
                false => Vec::new(),
            },
            metas: wanted
                .iter()
                .map(|&w| if w { metas.next().flatten() } else { None })
                .collect(),
        })
    }

    /// The emails the filter takes, each with its sort keys. Only the emails the index leaves
    /// possible ([`Emails::may_match`]) are read.
    pub fn select(
        &self,
        filter: Option<&Filter<Condition>>,
        comparators: &[Comparator],
    ) -> Result<Vec<Selected>, MethodError> {
        let mut out = Vec::new();
        let possible: Vec<usize> = (0..self.listing.len())
            .filter(|&i| filter.is_none_or(|f| self.may_match(f, self.listing[i].id)))
            .collect();
        let envelope =
            |id| self.sort_needs.meta || filter.is_some_and(|f| self.reads_envelope(f, id));
        for part in possible.chunks(CHUNK) {
            let chunk = self.chunk(part, envelope)?;
            for (slot, &index) in part.iter().enumerate() {
                let email = One {
                    emails: self,
                    chunk: &chunk,
                    index,
                    slot,
                };
                let mut failure = None;
                let taken = filter.is_none_or(|f| {
                    f.matches(&mut |c| {
                        email.matches(c).unwrap_or_else(|e| {
                            failure.get_or_insert(e);
                            false
                        })
                    })
                });
                if let Some(error) = failure {
                    return Err(error);
                }
                if taken {
                    let keys = comparators.iter().map(|c| email.key(c)).collect();
                    out.push(Selected { index, keys });
                }
            }
        }
        Ok(out)
    }

    /// Orders the selected emails by the comparators, then newest first (a stable order, RFC
    /// 8620 §5.5); without comparators they stay newest first, as listed.
    pub fn sort(&self, selected: &mut [Selected], comparators: &[Comparator]) {
        if comparators.is_empty() {
            return;
        }
        selected.sort_by(|a, b| {
            for (i, c) in comparators.iter().enumerate() {
                let order = a.keys[i].cmp(&b.keys[i]);
                let order = if c.is_ascending {
                    order
                } else {
                    order.reverse()
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            self.listing[b.index].id.cmp(&self.listing[a.index].id)
        });
    }
}

/// The needles of the filter's `text`, `body` and `subject` conditions, with the words they
/// match: the text parts' for `text` and `body`, the subject's for `text` and `subject`.
fn word_needles(filter: &Filter<Condition>, out: &mut Vec<(WordField, String)>) {
    match filter {
        Filter::Condition(c) => {
            let body = c.text.iter().chain(&c.body);
            let subject = c.text.iter().chain(&c.subject);
            for (field, needle) in body
                .map(|n| (WordField::Body, n))
                .chain(subject.map(|n| (WordField::Subject, n)))
            {
                if !out.iter().any(|(f, n)| *f == field && n == needle) {
                    out.push((field, needle.clone()));
                }
            }
        }
        Filter::Operator(_, list) => list.iter().for_each(|f| word_needles(f, out)),
    }
}

/// A chunk's records and listings, aligned with the listing indexes it was read for.
struct Chunk {
    records: Vec<Option<EmailRecord>>,
    metas: Vec<Option<MetaListing>>,
}

/// One email of a chunk.
struct One<'a, 'c> {
    emails: &'a Emails<'c>,
    chunk: &'a Chunk,
    /// In the account's listing.
    index: usize,
    /// In the chunk.
    slot: usize,
}

impl One<'_, '_> {
    fn listed(&self) -> &EmailListing {
        &self.emails.listing[self.index]
    }

    fn record(&self) -> Option<&EmailRecord> {
        self.chunk.records.get(self.slot)?.as_ref()
    }

    fn meta(&self) -> Option<&MetaListing> {
        self.chunk.metas.get(self.slot)?.as_ref()
    }

    fn keyword(&self, keyword: &str) -> bool {
        self.record()
            .is_some_and(|r| keywords(r).contains_key(keyword))
    }

    fn thread(&self) -> Option<&(HashSet<String>, HashSet<String>)> {
        self.emails.threads.get(&self.listed().thread_id)
    }

    /// The folded text of an address field: names (decoded) and addresses.
    fn addresses(&self, field: fn(&Envelope) -> Option<&Vec<Address>>) -> String {
        let Some(list) = self.meta().and_then(|m| field(&m.envelope)) else {
            return String::new();
        };
        let shown: Vec<String> = super::headers::addresses(list)
            .iter()
            .map(|a| {
                let name = a["name"].as_str().unwrap_or("");
                format!("{name} <{}>", a["email"].as_str().unwrap_or(""))
            })
            .collect();
        fold(&shown.join(", "))
    }

    /// The first address of a field as RFC 8621 §4.4.2 sorts it: its name, else its email.
    fn first_address(&self, field: fn(&Envelope) -> Option<&Vec<Address>>) -> String {
        self.meta()
            .and_then(|m| field(&m.envelope))
            .and_then(|l| super::headers::addresses(l).into_iter().next())
            .map(|a| {
                let name = a["name"].as_str().filter(|n| !n.is_empty());
                fold(name.unwrap_or(a["email"].as_str().unwrap_or("")))
            })
            .unwrap_or_default()
    }

    fn subject(&self) -> String {
        self.meta()
            .and_then(|m| m.envelope.subject.as_deref())
            .map(decode_words)
            .unwrap_or_default()
    }

    /// The email's key for one comparator.
    fn key(&self, c: &Comparator) -> Key {
        let keyword = c
            .extra
            .get("keyword")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let e = self.listed();
        match c.property.as_str() {
            "receivedAt" => Key::Int(Some(e.received_at)),
            "size" => Key::Int(Some(e.size as i64)),
            "from" => Key::Text(self.first_address(|e| e.from.as_ref())),
            "to" => Key::Text(self.first_address(|e| e.to.as_ref())),
            "subject" => Key::Text(fold(
                &kantor_message::subject::base_subject(&self.subject()).0,
            )),
            "sentAt" => Key::Int(self.meta().and_then(|m| m.sent_at)),
            "hasKeyword" => Key::Flag(self.keyword(&keyword)),
            "allInThreadHaveKeyword" => {
                Key::Flag(self.thread().is_some_and(|t| t.0.contains(&keyword)))
            }
            "someInThreadHaveKeyword" => {
                Key::Flag(self.thread().is_some_and(|t| t.1.contains(&keyword)))
            }
            _ => Key::Int(Some(e.id)),
        }
    }

    /// Whether the email meets the condition.
    fn matches(&self, c: &Condition) -> Result<bool, MethodError> {
        let e = self.listed();
        let record = self.record();
        let in_mailbox = |m: i64| record.is_some_and(|r| r.filed.iter().any(|&(f, _)| f == m));
        let contains = |field: fn(&Envelope) -> Option<&Vec<Address>>, s: &String| {
            self.addresses(field).contains(s.as_str())
        };
        let holds = [
            c.in_mailbox.is_none_or(in_mailbox),
            c.in_mailbox_other_than.as_ref().is_none_or(|not| {
                record.is_some_and(|r| r.filed.iter().any(|(f, _)| !not.contains(f)))
            }),
            c.before.is_none_or(|t| e.received_at < t),
            c.after.is_none_or(|t| e.received_at >= t),
            c.min_size.is_none_or(|s| e.size >= s),
            c.max_size.is_none_or(|s| e.size < s),
            c.has_keyword.as_ref().is_none_or(|k| self.keyword(k)),
            c.not_keyword.as_ref().is_none_or(|k| !self.keyword(k)),
            c.all_in_thread
                .as_ref()
                .is_none_or(|k| self.thread().is_some_and(|t| t.0.contains(k))),
            c.some_in_thread
                .as_ref()
                .is_none_or(|k| self.thread().is_some_and(|t| t.1.contains(k))),
            c.none_in_thread
                .as_ref()
                .is_none_or(|k| self.thread().is_none_or(|t| !t.1.contains(k))),
            c.has_attachment
                .is_none_or(|h| self.meta().is_some_and(|m| m.has_attachment) == h),
            c.from
                .as_ref()
                .is_none_or(|s| contains(|e| e.from.as_ref(), s)),
            c.to.as_ref().is_none_or(|s| contains(|e| e.to.as_ref(), s)),
            c.cc.as_ref().is_none_or(|s| contains(|e| e.cc.as_ref(), s)),
            c.bcc
                .as_ref()
                .is_none_or(|s| contains(|e| e.bcc.as_ref(), s)),
            c.subject.as_ref().is_none_or(|s| {
                self.has_words(WordField::Subject, s) || fold(&self.subject()).contains(s.as_str())
            }),
        ];
        if holds.contains(&false) {
            return Ok(false);
        }
        // The message itself, last: the cheap properties may already have said no.
        if let Some(needle) = &c.text {
            let in_header = [
                self.addresses(|e| e.from.as_ref()),
                self.addresses(|e| e.to.as_ref()),
                self.addresses(|e| e.cc.as_ref()),
                self.addresses(|e| e.bcc.as_ref()),
                fold(&self.subject()),
            ]
            .iter()
            .any(|f| f.contains(needle.as_str()));
            let in_words = self.has_words(WordField::Subject, needle)
                || self.has_words(WordField::Body, needle);
            if !in_header && !in_words && !self.message_contains(Parts::TEXT, needle)? {
                return Ok(false);
            }
        }
        if let Some(needle) = &c.body
            && !self.has_words(WordField::Body, needle)
            && !self.message_contains(Parts::BODY, needle)?
        {
            return Ok(false);
        }
        if let Some(needle) = &c.attachment_name
            && !self.message_contains(Parts::NAMES, needle)?
        {
            return Ok(false);
        }
        if let Some((name, value)) = &c.header {
            let mail = &self.emails.call.mail;
            let header = mail.read_blob_header(&self.blob()?).map_err(store_error)?;
            let root = kantor_message::mime::parse_header(&header);
            let found = root.fields(&header).iter().any(|f| {
                f.is(name)
                    && value
                        .as_ref()
                        .is_none_or(|v| fold(&decode_words(&f.text())).contains(v.as_str()))
            });
            if !found {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn blob(&self) -> Result<kantor_store::BlobHash, MethodError> {
        if let Some(record) = self.record() {
            return Ok(record.blob.clone());
        }
        let mail = &self.emails.call.mail;
        let records = mail
            .emails(self.emails.account, &[self.listed().id])
            .map_err(store_error)?;
        records
            .into_iter()
            .flatten()
            .next()
            .map(|r| r.blob)
            .ok_or_else(|| {
                MethodError::with_description(
                    MethodErrorType::ServerFail,
                    "An email without its record.",
                )
            })
    }

    /// Whether the index found the words of `needle` in the email's `field` (in its language).
    fn has_words(&self, field: WordField, needle: &str) -> bool {
        self.emails.has_words(field, needle, self.listed().id)
    }

    /// Whether the message holds `needle` (folded) in one of `parts` (`needles`): not where
    /// the index says it cannot, in the text parts as the index stored them when it has them,
    /// else as read from the message.
    fn message_contains(&self, parts: Parts, needle: &str) -> Result<bool, MethodError> {
        let id = self.listed().id;
        let mut parts = self.emails.found.narrow(parts, needle, id);
        // The text parts as the index stored them answer for the text parts.
        if parts.text
            && let Some(body) = self.emails.found.texts(needle, id).and_then(|t| t.body())
        {
            if body.contains(needle) {
                return Ok(true);
            }
            parts.text = false;
        }
        if parts.none() {
            return Ok(false);
        }
        let call = self.emails.call;
        let raw = call.mail.read_blob(&self.blob()?).map_err(store_error)?;
        let root = kantor_message::mime::parse(&raw);
        let limits = call.search.map(|s| s.limits()).unwrap_or_default();
        Ok(super::needles::contains(
            &raw, &root, parts, needle, &limits,
        ))
    }
}
