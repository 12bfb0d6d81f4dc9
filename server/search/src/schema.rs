//! The index's fields. One index per server, with the account in every document: a search
//! filters on `account` and the protocols then intersect with the mailbox's own messages, so
//! no search can reach another account (docs/architecture.md, "Full-text search", says why
//! one index rather than one per account).

use crate::grams::DistinctTrigrams;
use tantivy::schema::{
    FAST, INDEXED, IndexRecordOption, STORED, STRING, Schema, SchemaBuilder, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};

/// The analyzer of every text field: all trigrams, each distinct one once per text, nothing
/// else (texts come folded; [`crate::grams`]).
pub const TRIGRAMS: &str = "kantor_trigrams";

/// The analyzer of the word fields: their text comes analysed ([`crate::language`]), words
/// separated by spaces.
pub const WORDS: &str = "kantor_words";

/// Length of the n-grams: a needle needs at least this many characters to use the index.
pub const GRAM: usize = 3;

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub account: tantivy::schema::Field,
    pub email: tantivy::schema::Field,
    /// 1 when some text was cut at the size limit: such a document is always a candidate,
    /// and its stored texts are not the message's (stored, for [`crate::Candidates::texts`]).
    pub truncated: tantivy::schema::Field,
    pub from: tantivy::schema::Field,
    pub to: tantivy::schema::Field,
    pub cc: tantivy::schema::Field,
    pub bcc: tantivy::schema::Field,
    pub subject: tantivy::schema::Field,
    /// Everything IMAP SEARCH TEXT looks at: headers, MIME headers and text parts. Indexed,
    /// and stored for exact checks. The body (text parts, HTML reduced to text, attached text
    /// files and messages) has no field: its trigrams are among these, and its text is this
    /// one without the header ranges of `text_headers`.
    pub text: tantivy::schema::Field,
    /// The byte ranges of header lines in `text` (stored only: [`encode_ranges`]).
    pub text_headers: tantivy::schema::Field,
    /// File names of the parts.
    pub attachments: tantivy::schema::Field,
    /// The text of office attachments (PDF, DOCX, XLSX, PPTX, OpenDocument).
    pub attachment_text: tantivy::schema::Field,
    /// The message's language ([`crate::language::detect`]): ISO 639-3, or `und`.
    pub language: tantivy::schema::Field,
    /// The words of the text parts, in the message's language ([`crate::language`]): added
    /// already analysed, distinct words separated by spaces ([`WORDS`]).
    pub body_words: tantivy::schema::Field,
    /// The words of the subject, the same way.
    pub subject_words: tantivy::schema::Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = SchemaBuilder::new();
        let grams = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TRIGRAMS)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let text = |b: &mut SchemaBuilder, name| b.add_text_field(name, grams.clone());
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let fields = Fields {
            account: b.add_u64_field("account", INDEXED),
            email: b.add_u64_field("email", INDEXED | FAST),
            truncated: b.add_u64_field("truncated", INDEXED | STORED),
            from: text(&mut b, "from"),
            to: text(&mut b, "to"),
            cc: text(&mut b, "cc"),
            bcc: text(&mut b, "bcc"),
            subject: text(&mut b, "subject"),
            text: b.add_text_field("text", grams.clone().set_stored()),
            text_headers: b.add_bytes_field("text_headers", STORED),
            attachments: text(&mut b, "attachments"),
            attachment_text: text(&mut b, "attachment_text"),
            language: b.add_text_field("language", STRING),
            body_words: b.add_text_field("body_words", words.clone()),
            subject_words: b.add_text_field("subject_words", words),
        };
        (b.build(), fields)
    }
}

/// Byte ranges as stored: start and end of each, as little-endian u32.
pub fn encode_ranges(ranges: &[std::ops::Range<usize>]) -> Vec<u8> {
    ranges
        .iter()
        .flat_map(|r| [r.start as u32, r.end as u32])
        .flat_map(u32::to_le_bytes)
        .collect()
}

/// The ranges of [`encode_ranges`]; `None` for bytes that cannot be its output.
pub fn decode_ranges(bytes: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    if !bytes.len().is_multiple_of(8) {
        return None;
    }
    let number = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    Some(
        bytes
            .chunks_exact(8)
            .map(|c| number(&c[..4])..number(&c[4..]))
            .collect(),
    )
}

/// Registers [`TRIGRAMS`] and [`WORDS`] with an index.
pub fn register(index: &tantivy::Index) -> tantivy::Result<()> {
    index.tokenizers().register(
        TRIGRAMS,
        TextAnalyzer::builder(DistinctTrigrams::default()).build(),
    );
    index.tokenizers().register(
        WORDS,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
    Ok(())
}

/// The distinct trigrams of a (folded) needle, at most `max` of them spread over it (any
/// subset still selects a superset of the documents containing the needle); `None` when the
/// needle is too short for the index.
pub fn needle_grams(needle: &str, max: usize) -> Option<Vec<String>> {
    if needle.chars().count() < GRAM {
        return None;
    }
    let mut grams = Vec::new();
    push_grams(needle, &mut grams);
    Some(spread(grams, max))
}

/// The distinct trigrams of the segments of a (folded) needle between the characters where
/// `split` holds (the characters themselves left out), at most `max` of them spread over it;
/// a segment under three characters gives none, so the list may be empty (then the index
/// cannot narrow). For a matcher whose text joins indexed pieces with such characters: a
/// segment found in that text lies within one piece, so its trigrams are in the index.
pub fn segment_grams(needle: &str, split: impl Fn(char) -> bool, max: usize) -> Vec<String> {
    let mut grams = Vec::new();
    for segment in needle.split(split) {
        push_grams(segment, &mut grams);
    }
    spread(grams, max)
}

/// Appends the trigrams of `text` not in `grams` yet.
fn push_grams(text: &str, grams: &mut Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    for w in chars.windows(GRAM) {
        let g: String = w.iter().collect();
        if !grams.contains(&g) {
            grams.push(g);
        }
    }
}

/// At most `max` of `grams`, spread over them (any subset selects a superset).
pub fn spread(grams: Vec<String>, max: usize) -> Vec<String> {
    if grams.len() <= max {
        return grams;
    }
    let step = grams.len() as f64 / max as f64;
    (0..max)
        .map(|i| grams[(i as f64 * step) as usize].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_become_distinct_trigrams() {
        assert_eq!(needle_grams("AB", 8), None);
        assert_eq!(needle_grams("ABAB", 8).unwrap(), vec!["ABA", "BAB"]);
        assert_eq!(
            needle_grams("東京都庁", 8).unwrap(),
            vec!["東京都", "京都庁"]
        );
        assert_eq!(needle_grams("ABCDEFGHIJ", 4).unwrap().len(), 4);
    }

    #[test]
    fn segments_become_their_trigrams() {
        let space = |c: char| c == ' ';
        assert_eq!(segment_grams("AB CD", space, 8), Vec::<String>::new());
        assert_eq!(
            segment_grams("ABCD EF GHI", space, 8),
            ["ABC", "BCD", "GHI"]
        );
        assert_eq!(segment_grams("ABC ABC", space, 8), ["ABC"]);
        assert_eq!(segment_grams("ABCDEFGHIJ KLMNOPQ", space, 4).len(), 4);
    }
}
