//! What `fts` indexes and looks for: generated messages of realistic size (the headers of
//! `imap_append`'s prefill, then a body of 2 to 8 KB of varied words, some with a text
//! attachment or a PDF-named one), the SpamAssassin corpus, and the needles of each query kind,
//! with how many generated messages hold each.
//!
//! The body's words are made of syllables without a `z`; every needle has one, so a needle is
//! found only where the generator put it, whatever the engine (Kantor's index then an exact
//! substring match, stemmed words over JMAP; Dovecot's Xapian plugin, prefixes of words). The
//! two words of the phrase appear only side by side, so an engine that ANDs the words of a
//! phrase finds the same messages as one that matches it exactly.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::http_client::base64;
use crate::imap_append;

/// Found in the body of messages with `i % 37 == 5`.
pub const SINGLE: &str = "zubalo";
/// Side by side in the body of messages with `i % 101 == 3`, and nowhere else.
pub const PHRASE: &str = "zodika zamuro";
/// In the body of every message but those with `i % 7 == 0` (asked for with a sender).
pub const COMMON: &str = "zenavo";
/// The sender of the from+word query.
pub const FROM: &str = "user42@";
/// Only in the text attachment of messages with `i % 40 == 11`.
pub const ATTACHED: &str = "zilopa";

/// The query kinds, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Single,
    Phrase,
    FromWord,
    Attachment,
    Corpus,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Single,
        Kind::Phrase,
        Kind::FromWord,
        Kind::Attachment,
        Kind::Corpus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Single => "single word",
            Kind::Phrase => "phrase",
            Kind::FromWord => "from+word",
            Kind::Attachment => "attachment",
            Kind::Corpus => "corpus word",
        }
    }

    /// The IMAP SEARCH criteria (RFC 9051 §6.4.4); `corpus` is the corpus word.
    pub fn imap(self, corpus: &str) -> String {
        let q = crate::imap_client::quote;
        match self {
            Kind::Single => format!("BODY {}", q(SINGLE)),
            Kind::Phrase => format!("BODY {}", q(PHRASE)),
            Kind::FromWord => format!("FROM {} BODY {}", q(FROM), q(COMMON)),
            Kind::Attachment => format!("BODY {}", q(ATTACHED)),
            Kind::Corpus => format!("BODY {}", q(corpus)),
        }
    }

    /// The JMAP Email/query FilterCondition (RFC 8621 §4.4.1), without `inMailbox`.
    pub fn jmap(self, corpus: &str) -> serde_json::Value {
        use serde_json::json;
        match self {
            Kind::Single => json!({"body": SINGLE}),
            Kind::Phrase => json!({"body": PHRASE}),
            Kind::FromWord => json!({"from": FROM, "body": COMMON}),
            Kind::Attachment => json!({"text": ATTACHED}),
            Kind::Corpus => json!({"body": corpus}),
        }
    }

    /// Whether generated message `i` matches (the corpus word: never, by construction).
    pub fn matches(self, i: u64) -> bool {
        match self {
            Kind::Single => i % 37 == 5,
            Kind::Phrase => i % 101 == 3,
            Kind::FromWord => !i.is_multiple_of(7) && imap_append::sender(i) == 42,
            Kind::Attachment => i % 40 == 11,
            Kind::Corpus => false,
        }
    }

    /// Hits among the first `generated` messages; `None` for the corpus word, whose count is
    /// only compared between the targets.
    pub fn expected(self, generated: u64) -> Option<u64> {
        (self != Kind::Corpus).then(|| (0..generated).filter(|&i| self.matches(i)).count() as u64)
    }
}

/// Consonants and vowels of the body's words (no `z`: see the module's comment).
const CONSONANTS: &[u8] = b"bdfgklmnprtv";
const VOWELS: &[u8] = b"aeiou";
/// Distinct words of the bodies.
const POOL: u64 = 8192;

/// Word `k` of the pool: three consonant-vowel syllables.
fn pool_word(k: u64, out: &mut String) {
    let mut k = k * 2_654_435_761 % 216_000;
    for _ in 0..3 {
        let s = k % 60;
        k /= 60;
        out.push(CONSONANTS[(s / 5) as usize] as char);
        out.push(VOWELS[(s % 5) as usize] as char);
    }
}

/// A xorshift step.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// About `size` bytes of lines of at most 76 characters, of pool words (frequent ones more
/// often), with `needles` among them.
fn text(seed: u64, size: usize, needles: &[&str]) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = String::with_capacity(size + 100);
    let mut line = 0;
    let mut words = 0u64;
    let mut needles = needles.iter();
    while out.len() < size {
        let r = next(&mut x);
        // A skew toward the first words, as in language.
        let k = (r % POOL) * ((r >> 20) % POOL) / POOL;
        let start = out.len();
        words += 1;
        if words % 9 == 5
            && let Some(needle) = needles.next()
        {
            out.push_str(needle);
        } else {
            pool_word(k, &mut out);
        }
        line += out.len() - start + 1;
        if line > 70 {
            out.push_str(".\r\n");
            line = 0;
        } else {
            out.push(' ');
        }
    }
    for needle in needles {
        out.push_str(needle);
        out.push(' ');
    }
    out.push_str("\r\n");
    out
}

/// A PDF of one empty page (no text to extract).
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

/// Generated message `i`: 2 to 8 KB of body, multipart with an attachment on one in 20.
pub fn message(i: u64) -> Vec<u8> {
    let mut needles = Vec::new();
    for (kind, word) in [(Kind::Single, SINGLE), (Kind::Phrase, PHRASE)] {
        if kind.matches(i) {
            needles.push(word);
        }
    }
    if !i.is_multiple_of(7) {
        needles.push(COMMON);
    }
    let size = 2000 + (i * 7919 % 6000) as usize;
    let body = text(i, size, &needles);
    let mut m = imap_append::headers(i);
    m.push_str("MIME-Version: 1.0\r\n");
    let attachment = match i % 40 {
        11 => Some((
            "text/plain; charset=utf-8",
            format!("notes-{i}.txt"),
            text(i + 1_000_003, 600, &[ATTACHED]).into_bytes(),
        )),
        31 => Some(("application/pdf", format!("invoice-{i}.pdf"), PDF.to_vec())),
        _ => None,
    };
    let Some((kind, name, content)) = attachment else {
        m.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        m.push_str(&body);
        return m.into_bytes();
    };
    let boundary = format!("=_fts_{i}");
    let _ = write!(
        m,
        "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\
         --{boundary}\r\nContent-Type: {kind}; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n"
    );
    let encoded = base64(&content);
    for chunk in encoded.as_bytes().chunks(76) {
        m.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        m.push_str("\r\n");
    }
    let _ = write!(m, "--{boundary}--\r\n");
    m.into_bytes()
}

/// The SpamAssassin corpus in `dir` (`GROUP/NNNNN.MD5.txt`, each a raw message after an mbox
/// `From ` line, as tests/corpus/fetch-spamassassin.sh leaves it), in a fixed order (group,
/// then name); with `limit`, that many spread evenly over it.
pub fn corpus(dir: &Path, limit: Option<usize>) -> Result<Vec<Vec<u8>>> {
    let mut files = Vec::new();
    for group in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let group = group?.path();
        if !group.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&group)? {
            let file = file?.path();
            if file.extension().is_some_and(|e| e == "txt") {
                files.push(file);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no GROUP/*.txt messages in {}", dir.display());
    }
    let total = files.len();
    let take = limit.unwrap_or(total).min(total);
    (0..take)
        .map(|j| {
            let file = &files[j * total / take];
            let raw = std::fs::read(file).with_context(|| format!("{}", file.display()))?;
            Ok(crlf(strip_from_line(&raw)))
        })
        .collect()
}

/// Without its mbox `From ` line.
fn strip_from_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        let end = raw
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |n| n + 1);
        &raw[end..]
    } else {
        raw
    }
}

/// Every line ending made CRLF (RFC 5322 §2.1), as APPEND wants it.
fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    for (n, &b) in raw.iter().enumerate() {
        if b == b'\n' && (n == 0 || raw[n - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many of the first `n` messages hold `needle` (ASCII case-insensitively), the way
    /// a substring search of their bodies would count.
    fn count(n: u64, needle: &str, from: Option<&str>) -> u64 {
        (0..n)
            .filter(|&i| {
                let m = String::from_utf8(message(i)).unwrap();
                let (head, body) = m.split_once("\r\n\r\n").unwrap();
                let body = decoded(body);
                let from_ok = from.is_none_or(|f| {
                    head.lines()
                        .any(|l| l.starts_with("From:") && l.contains(f))
                });
                from_ok && body.contains(needle)
            })
            .count() as u64
    }

    /// The body with base64 parts decoded (only the generator's own layout).
    fn decoded(body: &str) -> String {
        let mut out = body.to_owned();
        if let Some(at) = body.find("Content-Transfer-Encoding: base64\r\n\r\n") {
            let rest = &body[at + 37..];
            let b64: String = rest.lines().take_while(|l| !l.starts_with("--")).collect();
            out.push_str(&String::from_utf8_lossy(&unbase64(&b64)));
        }
        out
    }

    fn unbase64(s: &str) -> Vec<u8> {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let vals: Vec<u32> = s
            .bytes()
            .filter_map(|b| A.iter().position(|&a| a == b).map(|p| p as u32))
            .collect();
        let mut out = Vec::new();
        for c in vals.chunks(4) {
            let n = c
                .iter()
                .enumerate()
                .fold(0, |n, (i, v)| n | v << (18 - 6 * i));
            for i in 0..c.len().saturating_sub(1) {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }

    #[test]
    fn needles_are_where_the_counts_say() {
        let n = 700;
        assert_eq!(Kind::Single.expected(n), Some(count(n, SINGLE, None)));
        assert_eq!(Kind::Phrase.expected(n), Some(count(n, PHRASE, None)));
        let from = Kind::FromWord.expected(n);
        assert_eq!(from, Some(count(n, COMMON, Some(FROM))));
        assert_eq!(Kind::Attachment.expected(n), Some(count(n, ATTACHED, None)));
        assert!(from.unwrap() > 0 && Kind::Phrase.expected(n).unwrap() > 0);
        assert_eq!(Kind::Corpus.expected(n), None);
        // The phrase's words never appear apart, the attachment's word never in a body.
        assert_eq!(count(n, "zodika", None), count(n, PHRASE, None));
        let in_text = (0..n)
            .filter(|&i| {
                let m = String::from_utf8(message(i)).unwrap();
                m.contains(ATTACHED)
            })
            .count();
        assert_eq!(in_text, 0, "the attachment's word is only base64-encoded");
    }

    #[test]
    fn messages_are_realistic() {
        let sizes: Vec<usize> = (0..200).map(|i| message(i).len()).collect();
        assert!(
            sizes.iter().all(|&s| (2000..10_000).contains(&s)),
            "{sizes:?}"
        );
        let m = String::from_utf8(message(11)).unwrap();
        assert!(m.contains("multipart/mixed") && m.contains("filename=\"notes-11.txt\""));
        assert!(
            String::from_utf8(message(31))
                .unwrap()
                .contains("invoice-31.pdf")
        );
        assert!(m.lines().all(|l| l.len() <= 998));
        // Varied words: no two bodies alike, and no z in the pool.
        assert_ne!(text(1, 500, &[]), text(2, 500, &[]));
        assert!(!text(3, 5000, &[]).contains('z'));
    }

    #[test]
    fn corpus_messages_lose_the_mbox_line_and_get_crlf() {
        assert_eq!(
            crlf(strip_from_line(
                b"From a@b  Tue Jul 30\nSubject: x\n\nhi\r\nthere"
            )),
            b"Subject: x\r\n\r\nhi\r\nthere\r\n"
        );
        assert_eq!(strip_from_line(b"Subject: y\n"), b"Subject: y\n");
    }
}
