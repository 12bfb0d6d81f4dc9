//! Words in a message's language (issue 12; RFC 8621 §4.4.1: "the server MAY use stemming,
//! language-specific rules"): the language of each message is detected ([`detect`], whatlang's
//! trigram profiles over the start of the body, else the subject), and its body and subject are
//! cut into words, lower-cased, stemmed with tantivy's [`Stemmer`] where that language has one
//! ([`stemmer`]), then ASCII-folded. A query word is analysed the same way for each language
//! and looked up among the messages of that language only, so a German rule never stems
//! English mail. Scripts without spaces (CJK, Thai) gain nothing here: their words are found by
//! the trigram fields' substring lookups, which JMAP unites with these.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, PreTokenizedString, RemoveLongFilter,
    SimpleTokenizer, Stemmer, TextAnalyzer, Token,
};
use whatlang::Lang;

/// The `language` of a message whose language is not known (ISO 639-3's "undetermined").
pub const UNDETERMINED: &str = "und";

/// Bytes of the body (or subject) the language is told from: the start is enough, and the
/// detection's cost stays flat however long the message.
const SAMPLE_BYTES: usize = 2048;

/// Least confidence of a detection (whatlang's scale, 0 to 1) for the message to be given a
/// language: below it, no stemmer is applied (a wrong one would find words that are not there).
const MIN_CONFIDENCE: f64 = 0.5;

/// Longest word indexed, in bytes (longer "words" are encoded data or CJK runs, found by the
/// trigram fields).
const MAX_WORD_BYTES: usize = 64;

/// Every language tantivy has a stemmer for, with its ISO 639-3 code as whatlang names it.
pub const STEMMED: [(Lang, Language); 18] = [
    (Lang::Ara, Language::Arabic),
    (Lang::Dan, Language::Danish),
    (Lang::Nld, Language::Dutch),
    (Lang::Eng, Language::English),
    (Lang::Fin, Language::Finnish),
    (Lang::Fra, Language::French),
    (Lang::Deu, Language::German),
    (Lang::Ell, Language::Greek),
    (Lang::Hun, Language::Hungarian),
    (Lang::Ita, Language::Italian),
    (Lang::Nob, Language::Norwegian),
    (Lang::Por, Language::Portuguese),
    (Lang::Ron, Language::Romanian),
    (Lang::Rus, Language::Russian),
    (Lang::Spa, Language::Spanish),
    (Lang::Swe, Language::Swedish),
    (Lang::Tam, Language::Tamil),
    (Lang::Tur, Language::Turkish),
];

/// The stemmer of a language, when tantivy has one.
pub fn stemmer(lang: Lang) -> Option<Language> {
    STEMMED.iter().find(|(l, _)| *l == lang).map(|(_, s)| *s)
}

/// The language of a message: told from the start of its body, else of its subject (a body
/// too short or too mixed to tell); `None` when neither says with [`MIN_CONFIDENCE`].
pub fn detect(body: &str, subject: &str) -> Option<Lang> {
    [body, subject].into_iter().find_map(|text| {
        let info = whatlang::detect(sample(text))?;
        (info.confidence() >= MIN_CONFIDENCE).then(|| info.lang())
    })
}

/// The start of `text`, at most [`SAMPLE_BYTES`], cut at a character boundary.
fn sample(text: &str) -> &str {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The analysers of the indexer, one per stemmer (and one without), built once.
pub struct Analyzers {
    stemmed: Vec<(Language, TextAnalyzer)>,
    plain: TextAnalyzer,
}

impl Default for Analyzers {
    fn default() -> Analyzers {
        Analyzers {
            stemmed: STEMMED
                .iter()
                .map(|&(_, s)| (s, analyzer(Some(s), true)))
                .collect(),
            plain: analyzer(None, true),
        }
    }
}

impl Analyzers {
    /// The words of `text` as indexed for a message in `lang`.
    pub fn words(&mut self, lang: Option<Lang>, text: &str) -> PreTokenizedString {
        let stemmer = lang.and_then(stemmer);
        let analyzer = match self.stemmed.iter_mut().find(|(s, _)| Some(*s) == stemmer) {
            Some((_, a)) => a,
            None => &mut self.plain,
        };
        let mut tokens = Vec::new();
        analyzer
            .token_stream(text)
            .process(&mut |t: &Token| tokens.push(t.clone()));
        // The text is not stored (no field is): only the tokens are indexed.
        PreTokenizedString {
            text: String::new(),
            tokens,
        }
    }
}

/// The words of a query as they are indexed for messages with `stemmer` (`None`: the languages
/// without one). Unlike the indexer's, no word is dropped for its length: a long query word
/// then matches nothing rather than being left out of the query.
pub fn query_words(stemmer: Option<Language>, needle: &str) -> Vec<String> {
    let mut analyzer = analyzer(stemmer, false);
    let mut words: Vec<String> = Vec::new();
    analyzer.token_stream(needle).process(&mut |t: &Token| {
        if !words.contains(&t.text) {
            words.push(t.text.clone());
        }
    });
    words
}

/// Words (letters and digits between anything else), lower-cased, stemmed, ASCII-folded; the
/// stemmer sees the accents its rules know of, the folding then makes "cafe" find "café".
fn analyzer(stemmer: Option<Language>, drop_long: bool) -> TextAnalyzer {
    let mut b = TextAnalyzer::builder(SimpleTokenizer::default()).dynamic();
    if drop_long {
        b = b.filter_dynamic(RemoveLongFilter::limit(MAX_WORD_BYTES));
    }
    b = b.filter_dynamic(LowerCaser);
    if let Some(s) = stemmer {
        b = b.filter_dynamic(Stemmer::new(s));
    }
    b.filter_dynamic(AsciiFoldingFilter).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_message::text::fold;

    fn words(lang: Option<Lang>, text: &str) -> Vec<String> {
        let mut a = Analyzers::default();
        a.words(lang, text)
            .tokens
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn languages_are_told_from_the_body_then_the_subject() {
        // Texts come folded (upper case), as the indexer has them.
        let english =
            fold("I was running to the station this morning because the train leaves early.");
        let german = fold(
            "Die Häuser in unserer Straße werden im nächsten Jahr renoviert, sagt der Vermieter.",
        );
        let french =
            fold("Nous avons mangé dans un petit restaurant près de la gare avec nos amis.");
        let japanese = "東京都庁で打ち合わせをします。明日の午後三時に会いましょう。";
        assert_eq!(detect(&english, ""), Some(Lang::Eng));
        assert_eq!(detect(&german, ""), Some(Lang::Deu));
        assert_eq!(detect(&french, ""), Some(Lang::Fra));
        assert_eq!(detect(japanese, ""), Some(Lang::Jpn));
        assert_eq!(detect("", &german), Some(Lang::Deu));
        assert_eq!(detect("", ""), None);
        assert_eq!(detect("12345 67890", "!!"), None);
        assert_eq!(stemmer(Lang::Deu), Some(Language::German));
        assert_eq!(stemmer(Lang::Jpn), None);
    }

    #[test]
    fn words_are_stemmed_in_their_language_only() {
        assert_eq!(
            words(Some(Lang::Eng), "RUNNING RUNS, the runner's"),
            ["run", "run", "the", "runner", "s"]
        );
        assert_eq!(query_words(Some(Language::English), "RUN"), ["run"]);
        // German: plural and umlaut reduce to one stem, then the folding.
        assert_eq!(
            words(Some(Lang::Deu), "HÄUSER"),
            words(Some(Lang::Deu), "HAUS")
        );
        assert_eq!(query_words(Some(Language::German), "Häuser"), ["haus"]);
        // The English stemmer does not do the German rule.
        assert_ne!(
            query_words(Some(Language::English), "Häuser"),
            query_words(Some(Language::English), "Haus")
        );
        // Without a stemmer: words lower-cased and folded, nothing else.
        assert_eq!(words(Some(Lang::Jpn), "CAFÉ Running"), ["cafe", "running"]);
        assert_eq!(words(None, "CAFÉ"), ["cafe"]);
        // Long tokens are not indexed, but a query keeps them (so it matches nothing).
        let long = "X".repeat(MAX_WORD_BYTES + 1);
        assert!(words(None, &long).is_empty());
        assert_eq!(query_words(None, &format!("{long} a a")).len(), 2);
    }
}
