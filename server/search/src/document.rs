//! One email's document: its texts ([`Texts`]) cut into the fields of [`Fields`], with its
//! language and words when `[search] stemming` is on. Kept apart from the indexer so that the
//! per-message cost can be measured alone (`examples/index_cost.rs`).

use crate::extract::{IndexLimits, Texts};
use crate::language::{self, Analyzers};
use crate::schema::{self, Fields};
use kantor_store::{AccountId, MessageId};
use tantivy::TantivyDocument;

/// The document of email `email` of `account`, from its texts.
pub fn document(
    fields: &Fields,
    words: &mut Analyzers,
    limits: &IndexLimits,
    account: AccountId,
    email: MessageId,
    texts: &Texts,
) -> TantivyDocument {
    let f = fields;
    let mut doc = TantivyDocument::new();
    doc.add_u64(f.account, account as u64);
    doc.add_u64(f.email, email as u64);
    doc.add_u64(f.truncated, u64::from(texts.truncated));
    for (field, text) in [
        (f.from, &texts.from),
        (f.to, &texts.to),
        (f.cc, &texts.cc),
        (f.bcc, &texts.bcc),
        (f.subject, &texts.subject),
        (f.text, &texts.text),
        (f.attachments, &texts.attachments),
        (f.attachment_text, &texts.attachment_text),
    ] {
        if !text.is_empty() {
            doc.add_text(field, text);
        }
    }
    if !texts.text_headers.is_empty() {
        doc.add_bytes(f.text_headers, &schema::encode_ranges(&texts.text_headers));
    }
    if limits.stemming {
        // The body analysed once more, into words: the trigrams of `text` cannot tell a
        // word's other forms.
        let lang = language::detect(&texts.body, &texts.subject);
        doc.add_text(
            f.language,
            lang.map_or(language::UNDETERMINED, |l| l.code()),
        );
        for (field, text) in [
            (f.body_words, &texts.body),
            (f.subject_words, &texts.subject),
        ] {
            if !text.is_empty() {
                doc.add_text(field, words.words(lang, text));
            }
        }
    }
    doc
}
