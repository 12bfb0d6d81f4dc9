//! One message under evaluation by SEARCH, SORT and THREAD: what is known of it without
//! reading it (summary, stored keys, the index's stored texts), and its bytes, read and parsed
//! at most once, when a key needs them.

use crate::Message;
use crate::narrow::Narrow;
use kantor_imap_proto::datetime::Date;
use kantor_message::date::{self, SentDate};
use kantor_message::mime::{self, Entity};
use kantor_message::text::{body_text, fold, header_text};
use kantor_search::StoredTexts;
use kantor_store::{KeysRef, MessageSummary, StoreError};

/// A message's bytes and its parsed header, with its MIME tree and decoded texts computed on
/// first use (header keys, SORT and THREAD need only the header).
pub(crate) struct Loaded {
    pub raw: Vec<u8>,
    /// The message's own header (see [`mime::parse_header`]).
    pub root: Entity,
    tree: Option<Entity>,
    body: Option<String>,
    text: Option<String>,
}

impl Loaded {
    fn new(raw: Vec<u8>) -> Loaded {
        let root = mime::parse_header(&raw);
        Loaded {
            raw,
            root,
            tree: None,
            body: None,
            text: None,
        }
    }

    /// The folded text of the body parts.
    fn body(&mut self) -> &str {
        let raw = &self.raw;
        let tree = self.tree.get_or_insert_with(|| mime::parse(raw));
        self.body
            .get_or_insert_with(|| fold(&body_text(raw, tree, false)))
    }

    /// The folded text of headers (MIME headers included) and body parts.
    fn text(&mut self) -> &str {
        let (raw, root) = (&self.raw, &self.root);
        let tree = self.tree.get_or_insert_with(|| mime::parse(raw));
        self.text
            .get_or_insert_with(|| fold(&(header_text(raw, root) + &body_text(raw, tree, true))))
    }

    /// The parsed Date header.
    pub fn sent_date(&self) -> Option<SentDate> {
        date::sent(&self.root.fields(&self.raw))
    }

    /// The Date header's calendar date as written (SENT* keys).
    pub fn sent_day(&self) -> Option<Date> {
        let d = self.sent_date()?.date;
        Date::new(d.year, d.month, d.day)
    }
}

/// A message under evaluation: its summary, its stored keys when the scan read them, its texts
/// as the index stored them, and its bytes once something needed them.
pub(crate) struct Lazy<'a> {
    store: &'a kantor_store::Store,
    /// The message's sequence number in the view.
    pub seq: u32,
    pub summary: &'a MessageSummary,
    /// Complete keys with every column the scan needs (`keys::Stored`).
    pub stored: Option<KeysRef<'a>>,
    pub recent: bool,
    /// The index's answer that named this message a candidate, and what it stored of it
    /// (asked once).
    pub narrow: Option<&'a Narrow>,
    indexed: Option<Option<StoredTexts>>,
    loaded: Option<Loaded>,
}

impl<'a> Lazy<'a> {
    pub fn new(
        store: &'a kantor_store::Store,
        message: &Message<'a>,
        stored: Option<KeysRef<'a>>,
        narrow: Option<&'a Narrow>,
    ) -> Lazy<'a> {
        Lazy {
            store,
            seq: message.seq,
            summary: message.summary,
            stored,
            recent: message.recent,
            narrow,
            indexed: None,
            loaded: None,
        }
    }

    /// The folded text of the body parts (BODY): the index's copy when it has one.
    pub fn body(&mut self) -> Result<&str, StoreError> {
        if self.indexed_texts().is_some() {
            return Ok(self.indexed_texts().map_or("", |t| t.body.as_str()));
        }
        Ok(self.get()?.body())
    }

    /// The folded text of headers and body parts (TEXT): the index's copy when it has one.
    pub fn text(&mut self) -> Result<&str, StoreError> {
        if self.indexed_texts().is_some() {
            return Ok(self.indexed_texts().map_or("", |t| t.text.as_str()));
        }
        Ok(self.get()?.text())
    }

    fn indexed_texts(&mut self) -> Option<&StoredTexts> {
        if self.indexed.is_none() {
            let id = self.summary.id;
            self.indexed = Some(self.narrow.and_then(|n| n.texts(id)));
        }
        self.indexed.as_ref().and_then(Option::as_ref)
    }

    /// The message's bytes, read and parsed on first use.
    pub fn get(&mut self) -> Result<&mut Loaded, StoreError> {
        if self.loaded.is_none() {
            let raw = self.store.read_blob(&self.summary.blob)?;
            self.loaded = Some(Loaded::new(raw));
        }
        Ok(self.loaded.get_or_insert_with(|| Loaded::new(Vec::new())))
    }
}
