//! The index on disk and the lookups the protocols make. A search reads the [`Snapshot`]
//! published after the last commit: the searcher and the [`Checkpoint`] of that same commit
//! (kept in the commit's payload), so it knows exactly which emails the index answers for.

use crate::SearchError;
use crate::candidates::{Candidates, EmailIds};
use crate::extract::IndexLimits;
use crate::language;
use crate::schema::{self, Fields};
use kantor_store::{AccountId, MessageId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, Term};

/// The layout of documents and payload: an index of another version is rebuilt (3: the
/// message's language and its words; 4: a base64 text part with a plain footer appended is
/// decoded, where its text used to be the base64 itself, and legacy multi-byte charsets such
/// as EUC-KR, GBK, Big5 and Shift_JIS are decoded, where they used to become U+FFFD; 5: the
/// folded body and text are stored, and IMAP confirms candidates with them).
///
/// Bump it with every change to what kantor-message's text functions return: the stored texts
/// stand for the message in IMAP's exact checks, so an index made by other functions would
/// give other answers than a scan.
pub const VERSION: u32 = 5;

/// Most trigrams of one needle looked up (any subset selects a superset).
const MAX_GRAMS: usize = 16;

/// How far the index goes, written in each commit's payload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// The last change-log id applied (the store's global sequence).
    pub change: i64,
    /// Every live email with an id up to this one is in the index; above it, none is known.
    pub email: MessageId,
    /// A build from scratch is under way (it resumes after `email`); `change` is where the log
    /// is followed from once it is done.
    #[serde(default)]
    pub building: bool,
    /// The documents have their language and words (`[search] stemming`; the indexer
    /// rebuilds the index when the setting changes).
    #[serde(default)]
    pub stemming: bool,
}

/// The searcher of the last commit and what it covers.
#[derive(Clone)]
struct Snapshot {
    searcher: Searcher,
    checkpoint: Option<Checkpoint>,
}

/// A text field of the index, as the protocols' criteria name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    From,
    To,
    Cc,
    Bcc,
    Subject,
    /// The text parts (IMAP BODY, JMAP `body`).
    Body,
    /// Headers and text parts (IMAP TEXT).
    Text,
    AttachmentName,
    /// The text of office attachments (JMAP `text` and `body`).
    AttachmentText,
}

/// The words of a message JMAP matches in its language ([`SearchIndex::word_matches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WordField {
    /// The text parts (JMAP `text` and `body`).
    Body,
    /// The subject (JMAP `text` and `subject`).
    Subject,
}

/// Figures for `/metrics` and `kantor admin status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexStats {
    pub documents: u64,
    pub bytes: u64,
    pub checkpoint: Option<Checkpoint>,
}

/// The full-text index of a server, shared by the indexer and every session.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) fields: Fields,
    reader: IndexReader,
    snapshot: RwLock<Snapshot>,
    dir: PathBuf,
    /// What the indexer reads of a message, for exact checks to read the same.
    limits: RwLock<IndexLimits>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the directory) when absent. An index whose
    /// schema or settings are not this version's is removed and created anew (the indexer then
    /// rebuilds it).
    pub fn open(dir: &Path) -> Result<Arc<SearchIndex>, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = Fields::schema();
        let index = match tantivy::directory::MmapDirectory::open(dir)
            .map_err(tantivy::TantivyError::from)
            .and_then(|d| builder(&schema).open_or_create(d))
        {
            Ok(index) if index.settings() == &settings() => index,
            opened => {
                let error = opened.err().map(|e| e.to_string());
                let error = error.as_deref().unwrap_or("made with other settings");
                tracing::warn!(error, dir = %dir.display(), "search index unusable: rebuilding it");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                builder(&schema).create_in_dir(dir)?
            }
        };
        schema::register(&index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let checkpoint = read_checkpoint(&index);
        let snapshot = RwLock::new(Snapshot {
            searcher: reader.searcher(),
            checkpoint,
        });
        Ok(Arc::new(SearchIndex {
            index,
            fields,
            reader,
            snapshot,
            dir: dir.to_path_buf(),
            limits: RwLock::new(IndexLimits::default()),
        }))
    }

    /// The checkpoint of the last commit searches see (`None`: not built yet).
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.current().checkpoint
    }

    fn current(&self) -> Snapshot {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Makes the last commit visible to searches, with its checkpoint.
    pub(crate) fn publish(&self, checkpoint: Option<Checkpoint>) -> Result<(), SearchError> {
        self.reader.reload()?;
        let snapshot = Snapshot {
            searcher: self.reader.searcher(),
            checkpoint,
        };
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        Ok(())
    }

    /// The emails of `account` that may contain `needle` (already folded, as the matchers fold)
    /// in `field`; `None` when the index cannot tell (a needle under three characters, or no
    /// index built yet): then every email may.
    pub fn candidates(
        &self,
        account: AccountId,
        field: TextField,
        needle: &str,
    ) -> Result<Option<Candidates>, SearchError> {
        match schema::needle_grams(needle, MAX_GRAMS) {
            Some(grams) => self.candidates_with_grams(account, field, grams),
            None => Ok(None),
        }
    }

    /// The emails of `account` whose `field` holds every one of `grams` (trigrams of a folded
    /// needle that a match is sure to hold in that field, such as
    /// [`schema::segment_grams`]; at most [`MAX_GRAMS`] of them are looked up); `None` when
    /// the index cannot tell (no grams, or no index built yet): then every email may match.
    pub fn candidates_with_grams(
        &self,
        account: AccountId,
        field: TextField,
        mut grams: Vec<String>,
    ) -> Result<Option<Candidates>, SearchError> {
        let snapshot = self.current();
        let Some(checkpoint) = snapshot.checkpoint else {
            return Ok(None);
        };
        grams = schema::spread(grams, MAX_GRAMS);
        // The body is not indexed apart: its text is in `text` (every line of it, the parts'
        // MIME header lines between them), so a body match has each of its trigrams there but
        // those spanning a line break, which may join lines `text` keeps apart.
        let field = match field {
            TextField::Body => {
                grams.retain(|g| !g.contains('\n'));
                TextField::Text
            }
            other => other,
        };
        if grams.is_empty() {
            return Ok(None);
        }
        let f = self.field(field);
        let all_grams: Vec<(Occur, Box<dyn Query>)> = grams
            .iter()
            .map(|g| (Occur::Must, term(Term::from_field_text(f, g))))
            .collect();
        let text = BooleanQuery::new(vec![
            (Occur::Should, Box::new(BooleanQuery::new(all_grams))),
            (
                Occur::Should,
                term(Term::from_field_u64(self.fields.truncated, 1)),
            ),
        ]);
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                term(Term::from_field_u64(self.fields.account, account as u64)),
            ),
            (Occur::Must, Box::new(text)),
        ]);
        let ids = snapshot.searcher.search(&query, &EmailIds)?;
        Ok(Some(Candidates::new(
            ids,
            checkpoint.email,
            snapshot.searcher,
            self.fields,
        )))
    }

    /// The emails of `account` holding every word of `needle` in `field`, words analysed in
    /// each email's language ([`crate::language`]: stemmed where it has a stemmer): these match
    /// JMAP's `text`, `body` and `subject` besides the substring matches (RFC 8621 §4.4.1 "the
    /// server MAY use stemming"). Exact as it stands: the emails the index has not reached
    /// are found by their substrings only until it does. `None` when the index has no words
    /// (`[search] stemming` off, not built yet) or the needle none.
    pub fn word_matches(
        &self,
        account: AccountId,
        field: WordField,
        needle: &str,
    ) -> Result<Option<HashSet<MessageId>>, SearchError> {
        let snapshot = self.current();
        if !snapshot.checkpoint.is_some_and(|c| c.stemming) {
            return Ok(None);
        }
        let f = match field {
            WordField::Body => self.fields.body_words,
            WordField::Subject => self.fields.subject_words,
        };
        let language = |code: &str| term(Term::from_field_text(self.fields.language, code));
        let all_words = |stemmer| {
            let words = language::query_words(stemmer, needle);
            let clauses: Vec<(Occur, Box<dyn Query>)> = words
                .iter()
                .map(|w| (Occur::Must, term(Term::from_field_text(f, w))))
                .collect();
            clauses
        };
        // Each stemmer's words among the emails of its language; the plain words among the
        // others (no language, or one without a stemmer).
        let mut plain = all_words(None);
        if plain.is_empty() {
            return Ok(None);
        }
        let mut by_language: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (lang, stemmer) in language::STEMMED {
            let mut clauses = all_words(Some(stemmer));
            clauses.push((Occur::Must, language(lang.code())));
            by_language.push((Occur::Should, Box::new(BooleanQuery::new(clauses))));
            plain.push((Occur::MustNot, language(lang.code())));
        }
        by_language.push((Occur::Should, Box::new(BooleanQuery::new(plain))));
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                term(Term::from_field_u64(self.fields.account, account as u64)),
            ),
            (Occur::Must, Box::new(BooleanQuery::new(by_language))),
        ]);
        let found = snapshot.searcher.search(&query, &EmailIds)?;
        Ok(Some(found.into_keys().collect()))
    }

    pub(crate) fn field(&self, field: TextField) -> tantivy::schema::Field {
        let f = &self.fields;
        match field {
            TextField::From => f.from,
            TextField::To => f.to,
            TextField::Cc => f.cc,
            TextField::Bcc => f.bcc,
            TextField::Subject => f.subject,
            // The body's trigrams are those of `text` (`body` is stored only).
            TextField::Body | TextField::Text => f.text,
            TextField::AttachmentName => f.attachments,
            TextField::AttachmentText => f.attachment_text,
        }
    }

    /// Documents, bytes on disk and checkpoint.
    pub fn stats(&self) -> IndexStats {
        let snapshot = self.current();
        IndexStats {
            documents: snapshot.searcher.num_docs(),
            bytes: dir_size(&self.dir),
            checkpoint: snapshot.checkpoint,
        }
    }

    /// The limits the indexer reads messages with (an exact check of the attachments' text
    /// reads them with the same).
    pub fn limits(&self) -> IndexLimits {
        *self.limits.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_limits(&self, limits: IndexLimits) {
        *self.limits.write().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    /// Where the index lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The index's settings: the document store is not compressed, and its blocks end from 4 KiB
/// on (tantivy's default is 16 KiB), so that reading one candidate's stored texts copies about
/// that document. With LZ4 (tantivy's default) a body word found in 2,703 of 106,046 messages
/// spent 44% of its 21 ms decompressing (docs/benchmarks.md, session 24); the indexer spends
/// no compression either. An index made with other settings is built again.
pub fn settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_compression: tantivy::store::Compressor::None,
        docstore_blocksize: 4096,
        ..tantivy::IndexSettings::default()
    }
}

fn builder(schema: &tantivy::schema::Schema) -> tantivy::IndexBuilder {
    Index::builder().schema(schema.clone()).settings(settings())
}

fn term(t: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(t, IndexRecordOption::Basic))
}

/// The checkpoint in the last commit's payload, when it is of this version.
pub(crate) fn read_checkpoint(index: &Index) -> Option<Checkpoint> {
    let payload = index.load_metas().ok()?.payload?;
    serde_json::from_str::<Checkpoint>(&payload)
        .ok()
        .filter(|c| c.version == VERSION)
}

/// Bytes of the files directly in `dir` (tantivy keeps its segments flat).
fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
