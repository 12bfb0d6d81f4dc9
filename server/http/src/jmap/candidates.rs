//! The account's emails as Email/query goes through them (RFC 8621 §4.4): what a query needs
//! is read once for all of them and only when asked for: the email's record (mailboxes,
//! keywords), its stored listing (envelope, sent date, attachments), the keywords of its whole
//! thread, and, for `text`, `body` and `header`, the message itself (a scan until full-text
//! search comes with issue 12), after the cheap properties.

use super::call::{Call, store_error};
use super::email::keywords;
use super::filter::{Condition, Needs};
use kantor_jmap_proto::method::Comparator;
use kantor_jmap_proto::{MethodError, MethodErrorType};
use kantor_message::MetaListing;
use kantor_message::address::Address;
use kantor_message::encoded::decode_words;
use kantor_message::text::fold;
use kantor_store::{AccountId, EmailListing, EmailRecord};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The account's emails with what the query needs of each.
pub(crate) struct Emails<'c> {
    call: &'c Call<'c>,
    pub listing: Vec<EmailListing>,
    records: Vec<Option<EmailRecord>>,
    metas: Vec<Option<MetaListing>>,
    /// Per thread: the keywords all its emails have, and those some have.
    threads: HashMap<i64, (HashSet<String>, HashSet<String>)>,
}

impl<'c> Emails<'c> {
    pub fn load(
        call: &'c Call<'c>,
        account: AccountId,
        needs: Needs,
    ) -> Result<Emails<'c>, MethodError> {
        let listing = call.mail.email_listing(account).map_err(store_error)?;
        let ids: Vec<i64> = listing.iter().map(|e| e.id).collect();
        let records = match needs.record {
            true => call.mail.emails(account, &ids).map_err(store_error)?,
            false => Vec::new(),
        };
        let metas = match needs.meta {
            true => call
                .mail
                .message_listings(account, &ids)
                .map_err(store_error)?,
            false => Vec::new(),
        };
        let mut threads: HashMap<i64, (HashSet<String>, HashSet<String>)> = HashMap::new();
        if needs.threads {
            for record in records.iter().flatten() {
                let have: HashSet<String> = keywords(record).into_iter().map(|(k, _)| k).collect();
                match threads.get_mut(&record.thread_id) {
                    Some((all, some)) => {
                        all.retain(|k| have.contains(k));
                        some.extend(have);
                    }
                    None => {
                        threads.insert(record.thread_id, (have.clone(), have));
                    }
                }
            }
        }
        Ok(Emails {
            call,
            listing,
            records,
            metas,
            threads,
        })
    }

    fn keyword(&self, i: usize, keyword: &str) -> bool {
        self.records
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|r| keywords(r).contains_key(keyword))
    }

    fn thread(&self, i: usize) -> Option<&(HashSet<String>, HashSet<String>)> {
        self.threads.get(&self.listing[i].thread_id)
    }

    fn meta(&self, i: usize) -> Option<&MetaListing> {
        self.metas.get(i).and_then(Option::as_ref)
    }

    /// The folded text of an address field: names (decoded) and addresses.
    fn addresses(
        &self,
        i: usize,
        field: fn(&kantor_message::envelope::Envelope) -> Option<&Vec<Address>>,
    ) -> String {
        let Some(list) = self.meta(i).and_then(|m| field(&m.envelope)) else {
            return String::new();
        };
        fold(
            &super::headers::addresses(list)
                .iter()
                .map(|a| {
                    format!(
                        "{} <{}>",
                        a["name"].as_str().unwrap_or(""),
                        a["email"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    fn subject(&self, i: usize) -> String {
        self.meta(i)
            .and_then(|m| m.envelope.subject.as_deref())
            .map(decode_words)
            .unwrap_or_default()
    }

    /// Whether email `i` meets the condition.
    pub fn matches(&self, i: usize, c: &Condition) -> Result<bool, MethodError> {
        let e = &self.listing[i];
        let record = self.records.get(i).and_then(Option::as_ref);
        let in_mailbox = |m: i64| record.is_some_and(|r| r.filed.iter().any(|&(f, _)| f == m));
        let holds = [
            c.in_mailbox.is_none_or(in_mailbox),
            c.in_mailbox_other_than.as_ref().is_none_or(|not| {
                record.is_some_and(|r| r.filed.iter().any(|(f, _)| !not.contains(f)))
            }),
            c.before.is_none_or(|t| e.received_at < t),
            c.after.is_none_or(|t| e.received_at >= t),
            c.min_size.is_none_or(|s| e.size >= s),
            c.max_size.is_none_or(|s| e.size < s),
            c.has_keyword.as_ref().is_none_or(|k| self.keyword(i, k)),
            c.not_keyword.as_ref().is_none_or(|k| !self.keyword(i, k)),
            c.all_in_thread
                .as_ref()
                .is_none_or(|k| self.thread(i).is_some_and(|t| t.0.contains(k))),
            c.some_in_thread
                .as_ref()
                .is_none_or(|k| self.thread(i).is_some_and(|t| t.1.contains(k))),
            c.none_in_thread
                .as_ref()
                .is_none_or(|k| self.thread(i).is_none_or(|t| !t.1.contains(k))),
            c.has_attachment
                .is_none_or(|h| self.meta(i).is_some_and(|m| m.has_attachment) == h),
            c.from
                .as_ref()
                .is_none_or(|s| self.addresses(i, |e| e.from.as_ref()).contains(s)),
            c.to.as_ref()
                .is_none_or(|s| self.addresses(i, |e| e.to.as_ref()).contains(s)),
            c.cc.as_ref()
                .is_none_or(|s| self.addresses(i, |e| e.cc.as_ref()).contains(s)),
            c.bcc
                .as_ref()
                .is_none_or(|s| self.addresses(i, |e| e.bcc.as_ref()).contains(s)),
            c.subject
                .as_ref()
                .is_none_or(|s| fold(&self.subject(i)).contains(s)),
        ];
        if holds.contains(&false) {
            return Ok(false);
        }
        // The message itself, last: the cheap properties may already have said no.
        if let Some(needle) = &c.text {
            let fields = [
                self.addresses(i, |e| e.from.as_ref()),
                self.addresses(i, |e| e.to.as_ref()),
                self.addresses(i, |e| e.cc.as_ref()),
                self.addresses(i, |e| e.bcc.as_ref()),
                fold(&self.subject(i)),
            ];
            if !fields.iter().any(|f| f.contains(needle.as_str()))
                && !self.body(i)?.contains(needle.as_str())
            {
                return Ok(false);
            }
        }
        if let Some(needle) = &c.body
            && !self.body(i)?.contains(needle.as_str())
        {
            return Ok(false);
        }
        if let Some((name, value)) = &c.header {
            let header = self
                .call
                .mail
                .read_blob_header(&self.blob(i)?)
                .map_err(store_error)?;
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

    fn blob(&self, i: usize) -> Result<kantor_store::BlobHash, MethodError> {
        if let Some(record) = self.records.get(i).and_then(Option::as_ref) {
            return Ok(record.blob.clone());
        }
        let records = self
            .call
            .mail
            .emails(self.call.account.id, &[self.listing[i].id])
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

    /// The folded text of the message's text parts (HTML reduced to text).
    fn body(&self, i: usize) -> Result<String, MethodError> {
        let raw = self
            .call
            .mail
            .read_blob(&self.blob(i)?)
            .map_err(store_error)?;
        let root = kantor_message::mime::parse(&raw);
        Ok(fold(&kantor_message::text::body_text(&raw, &root, false)))
    }

    /// Orders the emails at `order` by the comparators, then newest first (a stable order,
    /// RFC 8620 §5.5).
    pub fn sort(&self, order: &mut [usize], comparators: &[Comparator]) {
        if comparators.is_empty() {
            return; // The listing is newest first already.
        }
        let first_address =
            |i: usize, field: fn(&kantor_message::envelope::Envelope) -> Option<&Vec<Address>>| {
                self.meta(i)
                    .and_then(|m| field(&m.envelope))
                    .and_then(|l| super::headers::addresses(l).into_iter().next())
                    .map(|a| {
                        let name = a["name"].as_str().filter(|n| !n.is_empty());
                        fold(name.unwrap_or(a["email"].as_str().unwrap_or("")))
                    })
                    .unwrap_or_default()
            };
        order.sort_by(|&a, &b| {
            for c in comparators {
                let keyword = c
                    .extra
                    .get("keyword")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase);
                let keyword = keyword.as_deref().unwrap_or("");
                let (x, y) = (&self.listing[a], &self.listing[b]);
                let order = match c.property.as_str() {
                    "receivedAt" => x.received_at.cmp(&y.received_at),
                    "size" => x.size.cmp(&y.size),
                    "from" => first_address(a, |e| e.from.as_ref())
                        .cmp(&first_address(b, |e| e.from.as_ref())),
                    "to" => first_address(a, |e| e.to.as_ref())
                        .cmp(&first_address(b, |e| e.to.as_ref())),
                    "subject" => {
                        let base =
                            |i| fold(&kantor_message::subject::base_subject(&self.subject(i)).0);
                        base(a).cmp(&base(b))
                    }
                    "sentAt" => self
                        .meta(a)
                        .and_then(|m| m.sent_at)
                        .cmp(&self.meta(b).and_then(|m| m.sent_at)),
                    "hasKeyword" => self.keyword(a, keyword).cmp(&self.keyword(b, keyword)),
                    "allInThreadHaveKeyword" => {
                        let all = |i| self.thread(i).is_some_and(|t| t.0.contains(keyword));
                        all(a).cmp(&all(b))
                    }
                    "someInThreadHaveKeyword" => {
                        let some = |i| self.thread(i).is_some_and(|t| t.1.contains(keyword));
                        some(a).cmp(&some(b))
                    }
                    _ => x.id.cmp(&y.id),
                };
                let order = if c.is_ascending {
                    order
                } else {
                    order.reverse()
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            self.listing[b].id.cmp(&self.listing[a].id)
        });
    }
}
