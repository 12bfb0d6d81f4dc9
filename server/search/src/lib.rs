//! Kantor's full-text index (issue 12): a tantivy index of every live email, fed from the
//! store's change log, used by IMAP SEARCH and JMAP Email/query to find *candidates* that the
//! exact matchers then confirm, so answers are those of a scan, only faster.
//!
//! - [`schema`]: the fields (one index per server, the account in every document) and the
//!   trigram analyzer. The body is not indexed apart: BODY is answered from `text`, which
//!   holds every line of it (so each message's body is cut into trigrams once, not twice); it
//!   is stored, with `text`, for the exact checks.
//! - [`candidates`]: a lookup's answer, and the stored texts of each candidate, which IMAP
//!   SEARCH confirms against instead of reading and parsing the message.
//! - [`document`]: one email's document, from its texts.
//! - [`grams`]: the trigram fields' tokenizer (each distinct trigram of a text once).
//! - [`extract`]: what is indexed of a message: the very texts the scans match (kantor-message's
//!   `body_text`, `header_text`, `field_texts`, `address_texts`, folded), capped in size.
//! - [`attachments`]: the text of office attachments (PDF, DOCX, XLSX, PPTX, OpenDocument),
//!   bounded in size, unpacked bytes and time.
//! - [`index`]: [`SearchIndex`], the index on disk with its checkpoint (the last change-log id
//!   applied, kept in the commit's payload so index and checkpoint move atomically), and
//!   the lookups.
//! - [`language`]: the language of each message (whatlang) and its words as JMAP matches them:
//!   stemmed with tantivy's stemmer for that language where there is one, lower-cased and
//!   ASCII-folded ([`SearchIndex::word_matches`]).
//! - [`indexer`]: the task `kantor serve` starts: builds the index at first start, then follows
//!   the log from the checkpoint, in batches, one commit each.
//!
//! Substring semantics (RFC 9051 §6.4.4): every text is indexed as the set of its trigrams
//! (three characters, any script: CJK needs no segmentation); a needle of three characters or
//! more maps to the documents holding all of its trigrams, a superset of those containing it.
//! Shorter needles, and emails the index has not reached yet, are left to the scan.
//!
//! Words (RFC 8621 §4.4.1 "the server MAY use stemming"): JMAP Email/query's `text`, `body`
//! and `subject` also take the emails with every word of the needle among the words of the
//! message in its language ("running" finds "runs" in English mail), *in addition to* the
//! substring matches, so no substring match is ever lost. IMAP SEARCH keeps to substrings only:
//! RFC 9051 §6.4.4 defines its text criteria as substring matches.

pub mod attachments;
pub mod candidates;
pub mod document;
pub mod extract;
pub mod grams;
pub mod index;
pub mod indexer;
pub mod language;
pub mod schema;

pub use attachments::AttachmentLimits;
pub use candidates::Candidates;
pub use extract::{IndexLimits, Texts};
pub use index::{Checkpoint, IndexStats, SearchIndex, TextField, WordField};
pub use indexer::Indexer;

/// What can go wrong with the index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Store(#[from] kantor_store::StoreError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the search index in {0} is in use by another process (a running server): stop it first"
    )]
    Busy(String),
}
