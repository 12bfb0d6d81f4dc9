//! One message under evaluation by SEARCH, SORT and THREAD: what is known of it without
//! reading it (summary, stored keys, the index's stored texts), and its bytes, read and parsed
//! at most once, when a key needs them.

use crate::Message;
use crate::narrow::Narrow;
use kantor_imap_proto::datetime::Date;
use kantor_message::date::{self, SentDate};
use kantor_message::mime::{self, Entity};
use kantor_message::search_text::SearchText;
use kantor_store::{KeysRef, MessageSummary, StoreError};

/// A message's bytes and its parsed header (header keys, SORT and THREAD need only that).
pub(crate) struct Loaded {
    pub raw: Vec<u8>,
    /// The message's own header (see [`mime::parse_header`]).
    pub root: Entity,
}

impl Loaded {
    fn new(raw: Vec<u8>) -> Loaded {
        let root = mime::parse_header(&raw);
        Loaded { raw, root }
    }

    /// The folded text of headers (MIME headers included) and body parts, with its header
    /// ranges: the whole message parsed.
    fn search_text(&self) -> SearchText {
        SearchText::of(&self.raw, &self.root, &mime::parse(&self.raw))
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

/// A message under evaluation: its summary, its stored keys when the scan read them, its text
/// as the index stored it or as read from its bytes, and its bytes once something needed them.
pub(crate) struct Lazy<'a> {
    store: &'a kantor_store::Store,
    /// The message's sequence number in the view.
    pub seq: u32,
    pub summary: &'a MessageSummary,
    /// Complete keys with every column the scan needs (`keys::Stored`).
    pub stored: Option<KeysRef<'a>>,
    pub recent: bool,
    /// The index's answer that named this message a candidate, which may hold its text.
    pub narrow: Option<&'a Narrow>,
    /// The folded TEXT (with its header ranges) and BODY, each made on first use.
    texts: Option<SearchText>,
    body: Option<String>,
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
            texts: None,
            body: None,
            loaded: None,
        }
    }

    /// The folded text of the body parts (BODY): [`Lazy::search_text`] without its headers.
    pub fn body(&mut self) -> Result<&str, StoreError> {
        if self.body.is_none() {
            // The index's copy was checked to fit, and one made here always does.
            self.body = Some(self.search_text()?.body().unwrap_or_default());
        }
        Ok(self.body.as_deref().unwrap_or_default())
    }

    /// The folded text of headers and body parts (TEXT).
    pub fn text(&mut self) -> Result<&str, StoreError> {
        Ok(&self.search_text()?.text)
    }

    /// TEXT with its header ranges: the index's copy when it has one, else made from the
    /// message's bytes.
    fn search_text(&mut self) -> Result<&SearchText, StoreError> {
        if self.texts.is_none() {
            let id = self.summary.id;
            let texts = match self.narrow.and_then(|n| n.texts(id)) {
                Some(indexed) => indexed,
                None => self.get()?.search_text(),
            };
            self.texts = Some(texts);
        }
        Ok(self.texts.get_or_insert_default())
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
