//! What a lookup answers: the emails that may contain a needle ([`Candidates`]), each with its
//! document, whose stored text ([`SearchText`]) lets the exact matcher confirm it without
//! reading and parsing the message again.

use crate::schema::{self, Fields};
use foldhash::fast::RandomState;
use kantor_message::search_text::SearchText;
use kantor_store::MessageId;
use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::Value;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyDocument};

/// Email id to document: hashed with foldhash (seeded per process), since a lookup may find
/// every email of an account and each message of a mailbox is looked up in it.
type Found = HashMap<MessageId, DocAddress, RandomState>;

/// What the index says about one needle in one account: the emails that may contain it.
#[derive(Clone, Default)]
pub struct Candidates {
    /// Each candidate's document in `searcher`.
    ids: Found,
    /// Emails above this id are not known to the index: they may match.
    covered: MessageId,
    /// The searcher the documents were found with (their addresses are valid in it only).
    searcher: Option<(Searcher, Fields)>,
}

impl Candidates {
    pub(crate) fn new(
        ids: Found,
        covered: MessageId,
        searcher: Searcher,
        fields: Fields,
    ) -> Candidates {
        Candidates {
            ids,
            covered,
            searcher: Some((searcher, fields)),
        }
    }

    /// Whether the email may contain the needle (then the exact matcher decides).
    pub fn may_match(&self, email: MessageId) -> bool {
        email > self.covered || self.ids.contains_key(&email)
    }

    /// The indexed emails found.
    pub fn ids(&self) -> impl Iterator<Item = MessageId> + '_ {
        self.ids.keys().copied()
    }

    /// The last email the index had reached: any above it may match.
    pub fn covered(&self) -> MessageId {
        self.covered
    }

    /// How many indexed emails were found.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The folded TEXT of candidate `email` with its header ranges as the index stored them:
    /// exactly what IMAP TEXT compares with, and BODY as [`SearchText::body`]. `None` when it
    /// is not one of the emails found, when its text was cut at the size limit, when the
    /// stored ranges do not fit it, or when the store cannot be read (then the caller reads
    /// the message itself).
    pub fn texts(&self, email: MessageId) -> Option<SearchText> {
        let address = *self.ids.get(&email)?;
        let (searcher, fields) = self.searcher.as_ref()?;
        let doc: TantivyDocument = match searcher.doc(address) {
            Ok(doc) => doc,
            Err(e) => {
                tracing::warn!(error = %e, email, "search index: cannot read stored texts");
                return None;
            }
        };
        let truncated = doc.get_first(fields.truncated).and_then(|v| v.as_u64());
        if truncated != Some(0) {
            return None;
        }
        let headers = match doc.get_first(fields.text_headers) {
            Some(v) => schema::decode_ranges(v.as_bytes()?)?,
            None => Vec::new(),
        };
        let texts = SearchText {
            text: doc
                .get_first(fields.text)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            headers,
        };
        texts.fits().then_some(texts)
    }
}

/// Collects the `email` fast field and the address of the matching documents.
pub(crate) struct EmailIds;

pub(crate) struct SegmentEmailIds {
    segment: SegmentOrdinal,
    column: tantivy::columnar::Column<u64>,
    ids: Vec<(MessageId, DocAddress)>,
}

impl Collector for EmailIds {
    type Fruit = Found;
    type Child = SegmentEmailIds;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentEmailIds> {
        Ok(SegmentEmailIds {
            segment,
            column: reader.fast_fields().u64("email")?,
            ids: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(MessageId, DocAddress)>>) -> tantivy::Result<Found> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentEmailIds {
    type Fruit = Vec<(MessageId, DocAddress)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.column.first(doc) {
            self.ids
                .push((id as MessageId, DocAddress::new(self.segment, doc)));
        }
    }

    fn harvest(self) -> Vec<(MessageId, DocAddress)> {
        self.ids
    }
}
