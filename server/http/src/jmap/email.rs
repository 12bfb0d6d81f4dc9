//! Email/get (RFC 8621 §4.2) and Thread/get (§3.1).
//!
//! An email's metadata properties come from what the store extracted at delivery (envelope,
//! preview, attachments, sent date, body structure), its mailboxes and keywords from the email
//! itself, `references` from its header (read through the store's header cache), and
//! `bodyValues` from the message (`body`).

use super::body::{BodyOptions, Parts};
use super::call::{
    Call, email_id, mailbox_id, number_of, store_error, thread_id, to_json, utc_date,
};
use super::headers::{HeaderProperty, addresses as email_addresses, all_raw, message_ids};
use kantor_jmap_proto::method::{Arguments, GetRequest, GetResponse};
use kantor_jmap_proto::{Id, MethodError};
use kantor_message::address::Address;
use kantor_message::encoded::decode_words;
use kantor_store::{BlobHash, EmailRecord, Flags, MessageMeta};
use serde_json::{Map, Value, json};
use std::cell::OnceCell;
use std::collections::HashSet;

/// The properties given when none are asked for (RFC 8621 §4.2).
pub(crate) const PROPERTIES: [&str; 24] = [
    "id",
    "blobId",
    "threadId",
    "mailboxIds",
    "keywords",
    "size",
    "receivedAt",
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "hasAttachment",
    "preview",
    "bodyValues",
    "textBody",
    "htmlBody",
    "attachments",
];

/// Properties served only when asked for.
const MORE: [&str; 2] = ["bodyStructure", "headers"];

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = GetRequest::from_arguments(&mut args, call.limits)?;
    let body = BodyOptions::from_arguments(&mut args)?;
    args.finish()?;
    let account = call.account(&request.account_id)?;
    let properties = wanted(request.properties.as_deref(), &PROPERTIES)?;
    let state = call.state(account)?;
    let asked: Vec<Id> = match &request.ids {
        Some(ids) => ids.clone(),
        None => {
            let all = call.mail.email_listing(account).map_err(store_error)?;
            if all.len() as u64 > call.limits.max_objects_in_get {
                return Err(MethodError::request_too_large(format!(
                    "The account has {} emails: ask for at most {} by id.",
                    all.len(),
                    call.limits.max_objects_in_get
                )));
            }
            all.iter().map(|e| email_id(e.id)).collect()
        }
    };
    let numbers: Vec<i64> = asked
        .iter()
        .map(|id| number_of(id, 'M').unwrap_or(-1))
        .collect();
    let records = call.mail.emails(account, &numbers).map_err(store_error)?;
    // The metadata only of the emails the user may read (in a shared account, those of the
    // mailboxes they may read: the others are `notFound`).
    let numbers: Vec<i64> = numbers
        .iter()
        .zip(&records)
        .map(|(&n, r)| if r.is_some() { n } else { -1 })
        .collect();
    // A message list needs no body structure: it is skipped while reading, not built.
    let bodies = properties.bodies();
    let metas: Vec<Shown> = match bodies {
        _ if records.iter().all(Option::is_none) => {
            numbers.iter().map(|_| Shown::Listing(None)).collect()
        }
        true => call
            .mail
            .message_metas(account, &numbers)
            .map_err(store_error)?
            .into_iter()
            .map(|m| Shown::Meta(m.map(Box::new)))
            .collect(),
        false => call
            .mail
            .message_listings(account, &numbers)
            .map_err(store_error)?
            .into_iter()
            .map(|l| Shown::Listing(l.map(Box::new)))
            .collect(),
    };
    let mut list = Vec::new();
    let mut not_found = Vec::new();
    let mut seen = HashSet::new();
    for ((id, record), meta) in asked.into_iter().zip(records).zip(metas) {
        match record.filter(|r| !r.destroyed) {
            Some(record) if seen.insert(record.id) => {
                list.push(object(call, &record, &meta, &properties, &body)?);
            }
            Some(_) => {}
            None => not_found.push(id),
        }
    }
    to_json(&GetResponse {
        account_id: request.account_id,
        state,
        list,
        not_found,
    })
}

/// The properties asked for: named ones, and `header:` forms under the names asked.
pub(crate) struct Wanted {
    pub named: HashSet<&'static str>,
    pub headers: Vec<(String, HeaderProperty)>,
}

impl Wanted {
    /// Whether any property needs the stored body structure.
    pub fn bodies(&self) -> bool {
        BODY_PROPERTIES.iter().any(|p| self.named.contains(p))
    }
}

/// The properties asked for (`defaults` when none are): an unknown one is `invalidArguments`.
pub(crate) fn wanted(
    asked: Option<&[String]>,
    defaults: &[&'static str],
) -> Result<Wanted, MethodError> {
    let Some(asked) = asked else {
        return Ok(Wanted {
            named: defaults.iter().copied().collect(),
            headers: Vec::new(),
        });
    };
    let mut out = Wanted {
        named: HashSet::from(["id"]),
        headers: Vec::new(),
    };
    for p in asked {
        if let Some(known) = PROPERTIES.iter().chain(&MORE).find(|k| **k == p) {
            out.named.insert(known);
        } else if let Some(header) =
            HeaderProperty::parse(p).map_err(MethodError::invalid_arguments)?
        {
            out.headers.push((p.clone(), header));
        } else {
            return Err(MethodError::invalid_arguments(format!(
                "Email has no property {p:?}."
            )));
        }
    }
    Ok(out)
}

fn object(
    call: &Call<'_>,
    record: &EmailRecord,
    shown: &Shown,
    wanted: &Wanted,
    body: &BodyOptions,
) -> Result<Map<String, Value>, MethodError> {
    let mut out = Map::new();
    for &property in &wanted.named {
        let value = match property {
            "id" => json!(email_id(record.id)),
            "blobId" => json!(record.blob.to_string()),
            "threadId" => json!(thread_id(record.thread_id)),
            "mailboxIds" => Value::Object(
                record
                    .filed
                    .iter()
                    .map(|&(m, _)| (mailbox_id(m).to_string(), Value::Bool(true)))
                    .collect(),
            ),
            "keywords" => Value::Object(keywords(record)),
            "size" => json!(record.size),
            "receivedAt" => utc_date(Some(record.received_at)),
            _ => continue,
        };
        out.insert(property.to_string(), value);
    }
    let message = Message::stored(call, record.blob.clone());
    content(&message, shown, wanted, body, &mut out)?;
    Ok(out)
}

/// The message an email is made of: read from the store only as far as needed (the header
/// alone, through the header cache, when no property needs the body), or given whole.
pub(crate) struct Message<'c> {
    call: &'c Call<'c>,
    /// Its blob id, which its parts' blob ids extend.
    blob_id: String,
    /// Its stored blob (none for a message given whole).
    blob: Option<BlobHash>,
    raw: OnceCell<Vec<u8>>,
    header: OnceCell<Vec<u8>>,
}

impl<'c> Message<'c> {
    pub fn stored(call: &'c Call<'c>, blob: BlobHash) -> Message<'c> {
        Message {
            call,
            blob_id: blob.to_string(),
            blob: Some(blob),
            raw: OnceCell::new(),
            header: OnceCell::new(),
        }
    }

    /// A message already read (Email/parse).
    pub fn given(call: &'c Call<'c>, blob_id: String, raw: Vec<u8>) -> Message<'c> {
        Message {
            call,
            blob_id,
            blob: None,
            raw: OnceCell::from(raw),
            header: OnceCell::new(),
        }
    }

    fn raw(&self) -> Result<&[u8], MethodError> {
        if let Some(raw) = self.raw.get() {
            return Ok(raw);
        }
        let blob = self.blob.as_ref().ok_or_else(no_blob)?;
        let raw = self.call.mail.read_blob(blob).map_err(store_error)?;
        Ok(self.raw.get_or_init(|| raw))
    }

    fn header(&self) -> Result<&[u8], MethodError> {
        if let Some(raw) = self.raw.get() {
            return Ok(raw);
        }
        if let Some(header) = self.header.get() {
            return Ok(header);
        }
        let blob = self.blob.as_ref().ok_or_else(no_blob)?;
        let header = self.call.mail.read_blob_header(blob).map_err(store_error)?;
        Ok(self.header.get_or_init(|| header))
    }
}

fn no_blob() -> MethodError {
    MethodError::with_description(
        kantor_jmap_proto::MethodErrorType::ServerFail,
        "No message.",
    )
}

/// The properties of an email's content, the same for a stored email and a parsed blob.
pub(crate) fn content(
    message: &Message<'_>,
    shown: &Shown,
    wanted: &Wanted,
    body: &BodyOptions,
    out: &mut Map<String, Value>,
) -> Result<(), MethodError> {
    let envelope = shown.envelope();
    let part_raw = match body.needs_raw() {
        true => Some(message.raw()?),
        false => None,
    };
    let parts = shown
        .structure()
        .map(|s| Parts::new(s, message.blob_id.clone(), part_raw));
    let lists = parts.as_ref().map(|p| p.lists(body));
    let addresses = |list: Option<&Vec<Address>>| list.map(|l| json!(email_addresses(l)));
    let header_fields = || -> Result<_, MethodError> {
        let header = message.header()?;
        let root = kantor_message::mime::parse_header(header);
        Ok(root.fields(header))
    };
    for &property in &wanted.named {
        let value = match property {
            "messageId" => message_ids(envelope.and_then(|e| e.message_id.as_deref())),
            "inReplyTo" => message_ids(envelope.and_then(|e| e.in_reply_to.as_deref())),
            "references" => message_ids(
                kantor_message::header::text(&header_fields()?, "References").as_deref(),
            ),
            "headers" => all_raw(&header_fields()?),
            "sender" => addresses(envelope.and_then(|e| e.sender.as_ref())).unwrap_or(Value::Null),
            "from" => addresses(envelope.and_then(|e| e.from.as_ref())).unwrap_or(Value::Null),
            "to" => addresses(envelope.and_then(|e| e.to.as_ref())).unwrap_or(Value::Null),
            "cc" => addresses(envelope.and_then(|e| e.cc.as_ref())).unwrap_or(Value::Null),
            "bcc" => addresses(envelope.and_then(|e| e.bcc.as_ref())).unwrap_or(Value::Null),
            "replyTo" => {
                addresses(envelope.and_then(|e| e.reply_to.as_ref())).unwrap_or(Value::Null)
            }
            "subject" => envelope
                .and_then(|e| e.subject.as_deref())
                .map_or(Value::Null, |s| json!(decode_words(s))),
            "sentAt" => utc_date(shown.sent_at()),
            "hasAttachment" => json!(shown.has_attachment()),
            "preview" => json!(shown.preview()),
            "bodyStructure" => parts.as_ref().map_or(Value::Null, |p| p.structure(body)),
            "textBody" => lists.as_ref().map_or(Value::Null, |l| l.0.clone()),
            "htmlBody" => lists.as_ref().map_or(Value::Null, |l| l.1.clone()),
            "attachments" => lists.as_ref().map_or(Value::Null, |l| l.2.clone()),
            "bodyValues" => match &parts {
                Some(parts) if body.fetch_text || body.fetch_html || body.fetch_all => {
                    parts.values(message.raw()?, body)
                }
                _ => json!({}),
            },
            _ => continue,
        };
        out.insert(property.to_string(), value);
    }
    if !wanted.headers.is_empty() {
        let fields = header_fields()?;
        for (name, header) in &wanted.headers {
            out.insert(name.clone(), header.value(&fields));
        }
    }
    Ok(())
}

/// The body properties: they need the stored body structure.
const BODY_PROPERTIES: [&str; 5] = [
    "bodyStructure",
    "textBody",
    "htmlBody",
    "attachments",
    "bodyValues",
];

/// An email's stored metadata, whole or without its body structure (a message list).
pub(crate) enum Shown {
    Meta(Option<Box<MessageMeta>>),
    Listing(Option<Box<kantor_message::MetaListing>>),
}

impl Shown {
    fn envelope(&self) -> Option<&kantor_message::envelope::Envelope> {
        match self {
            Shown::Meta(m) => m.as_ref().map(|m| &m.envelope),
            Shown::Listing(l) => l.as_ref().map(|l| &l.envelope),
        }
    }

    fn structure(&self) -> Option<&kantor_message::structure::BodyPart> {
        match self {
            Shown::Meta(m) => m.as_ref().map(|m| &m.structure),
            Shown::Listing(_) => None,
        }
    }

    fn sent_at(&self) -> Option<i64> {
        match self {
            Shown::Meta(m) => m.as_ref()?.sent_at,
            Shown::Listing(l) => l.as_ref()?.sent_at,
        }
    }

    fn has_attachment(&self) -> bool {
        match self {
            Shown::Meta(m) => m.as_ref().is_some_and(|m| m.has_attachment),
            Shown::Listing(l) => l.as_ref().is_some_and(|l| l.has_attachment),
        }
    }

    fn preview(&self) -> &str {
        match self {
            Shown::Meta(m) => m.as_ref().map_or("", |m| m.preview.as_str()),
            Shown::Listing(l) => l.as_ref().map_or("", |l| l.preview.as_str()),
        }
    }
}

/// The keywords (RFC 8621 §4.1.1): the IMAP system flags as `$seen` and friends, the others
/// lower-cased (keywords are case-insensitive).
pub(crate) fn keywords(record: &EmailRecord) -> Map<String, Value> {
    let flags = [
        (Flags::SEEN, "$seen"),
        (Flags::ANSWERED, "$answered"),
        (Flags::FLAGGED, "$flagged"),
        (Flags::DRAFT, "$draft"),
    ];
    let mut out: Map<String, Value> = flags
        .iter()
        .filter(|(flag, _)| record.flags.contains(*flag))
        .map(|(_, name)| (name.to_string(), Value::Bool(true)))
        .collect();
    for keyword in &record.keywords {
        out.insert(keyword.to_ascii_lowercase(), Value::Bool(true));
    }
    out
}

/// Thread/get (RFC 8621 §3.1): each thread's emails, oldest first.
pub(crate) fn threads(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.account(&request.account_id)?;
    let state = call.state(account)?;
    let Some(ids) = request.ids else {
        return Err(MethodError::request_too_large(
            "Ask for threads by id (the ids Email/get gives as threadId).",
        ));
    };
    let mut list = Vec::new();
    let mut not_found = Vec::new();
    for id in ids {
        let emails = match number_of(&id, 'T') {
            Some(n) => call.mail.thread_emails(account, n).map_err(store_error)?,
            None => Vec::new(),
        };
        match emails.is_empty() {
            true => not_found.push(id),
            false => list.push(json!({
                "id": id,
                "emailIds": emails.into_iter().map(email_id).collect::<Vec<_>>(),
            })),
        }
    }
    to_json(&GetResponse {
        account_id: request.account_id,
        state,
        list,
        not_found,
    })
}
