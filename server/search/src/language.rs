//! Words in a message's language (issue 12; RFC 8621 §4.4.1: "the server MAY use stemming,
//! language-specific rules"): the language of each message is detected ([`detect`], whatlang's
//! trigram profiles over the start of the body, else the subject), and its body and subject are
//! cut into words, lower-cased, stemmed with tantivy's [`Stemmer`] where that language has one
//! ([`stemmer`]), then ASCII-folded. A query word is analysed the same way for each language
//! and looked up among the messages of that language only, so a German rule never stems
//! English mail. Scripts without spaces (CJK, Thai) gain nothing here: their words are found by
//! the trigram fields' substring lookups, which JMAP unites with these.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, Stemmer, TextAnalyzer, Token,
};
use whatlang::Lang;

/// The `language` of a message whose language is not known (ISO 639-3's "undetermined").
pub const UNDETERMINED: &str = "und";

/// Bytes of the body (or subject) the language is told from: the start is enough, and the
/// detection's cost stays flat however long the message. (Most of that cost, about 75 µs, is
/// whatlang comparing each language's profile with the sample: 256 bytes cost the same.)
const SAMPLE_BYTES: usize = 512;

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

/// Distinct words a cache keeps per stemmer before it starts again (some MB at most).
const CACHE_WORDS: usize = 50_000;

/// Every word's analysis: a word (letters and digits between anything else) lower-cased,
/// stemmed, ASCII-folded; the stemmer sees the accents its rules know of, the folding then
/// makes "cafe" find "café".
fn analyzer(stemmer: Option<Language>) -> TextAnalyzer {
    let b = TextAnalyzer::builder(RawTokenizer::default())
        .dynamic()
        .filter_dynamic(LowerCaser);
    let b = match stemmer {
        Some(s) => b.filter_dynamic(Stemmer::new(s)),
        None => b,
    };
    b.filter_dynamic(AsciiFoldingFilter).build()
}

/// The words of a text: runs of letters and digits, as tantivy's `SimpleTokenizer` cuts them.
fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// One word through `analyzer`.
fn analyse(analyzer: &mut TextAnalyzer, word: &str) -> String {
    let mut out = String::new();
    analyzer
        .token_stream(word)
        .process(&mut |t: &Token| out.push_str(&t.text));
    out
}

/// The indexer's analysers, one per stemmer and one without, each with a cache of the words
/// it has seen: stemming is the costly part (about a microsecond a word), and a mailbox's
/// vocabulary repeats.
pub struct Analyzers {
    /// Per stemmer of [`STEMMED`] in order, then the one without.
    slots: Vec<(TextAnalyzer, HashMap<String, String>)>,
}

impl Default for Analyzers {
    fn default() -> Analyzers {
        let stemmers = STEMMED.iter().map(|&(_, s)| Some(s)).chain([None]);
        Analyzers {
            slots: stemmers.map(|s| (analyzer(s), HashMap::new())).collect(),
        }
    }
}

impl Analyzers {
    /// The words of `text` (a folded text) as indexed for a message in `lang`, each distinct
    /// word once, separated by spaces (the field's tokenizer, [`crate::schema::WORDS`], splits
    /// them again). Handed to tantivy as text rather than as tokens: a pre-tokenized value goes
    /// through JSON inside tantivy's document.
    pub fn words(&mut self, lang: Option<Lang>, text: &str) -> String {
        let stemmer = lang.and_then(stemmer);
        let slot = STEMMED
            .iter()
            .position(|&(_, s)| Some(s) == stemmer)
            .unwrap_or(STEMMED.len());
        let (analyzer, cache) = &mut self.slots[slot];
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = String::new();
        let mut push = |stem: &str| {
            if !stem.is_empty() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(stem);
            }
        };
        for word in split(text).filter(|w| w.len() <= MAX_WORD_BYTES) {
            if !seen.insert(word) {
                continue;
            }
            match cache.get(word) {
                Some(stem) => push(stem),
                None => {
                    let stem = analyse(analyzer, word);
                    push(&stem);
                    if cache.len() >= CACHE_WORDS {
                        cache.clear();
                    }
                    cache.insert(word.to_string(), stem);
                }
            }
        }
        out
    }
}

/// The words of a query as they are indexed for messages with `stemmer` (`None`: the languages
/// without one), each once. Unlike the indexer's, no word is dropped for its length: a long
/// query word then matches nothing rather than being left out of the query.
pub fn query_words(stemmer: Option<Language>, needle: &str) -> Vec<String> {
    let mut analyzer = analyzer(stemmer);
    let mut words: Vec<String> = Vec::new();
    for word in split(needle) {
        let w = analyse(&mut analyzer, word);
        if !w.is_empty() && !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_message::text::fold;

    fn words(lang: Option<Lang>, text: &str) -> Vec<String> {
        let mut a = Analyzers::default();
        a.words(lang, text)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
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
