//! The tokenizer of the trigram fields ([`crate::schema::TRIGRAMS`]): every distinct trigram
//! (three characters, any script) of a text, once. The fields record which documents hold a
//! term and nothing else (`IndexRecordOption::Basic`, no positions, frequencies or norms), so a
//! trigram seen again in the same text adds nothing to the index: the index is the same as with
//! every occurrence (tantivy's `NgramTokenizer::all_ngrams(3, 3)`), but tantivy looks each term
//! up in its postings table once per message instead of once per character (10 KiB of English
//! prose: about 2,000 distinct trigrams of 10,000; session 21 of docs/benchmarks.md).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Trigrams of three ASCII characters, 7 bits each, are told apart in a bitset of this many bits.
const ASCII_KEYS: usize = 1 << 21;

/// The tokenizer: finds the distinct trigrams of a text at once, then streams them in the order
/// of their first occurrence. Its buffers are kept between texts (a field's analyzer lives as
/// long as the segment being written).
#[derive(Default)]
pub struct DistinctTrigrams {
    /// One bit per ASCII trigram seen in the current text (allocated at the first text).
    ascii: Vec<u64>,
    /// Words of `ascii` with a bit set, to clear after the text.
    dirty: Vec<usize>,
    /// The other trigrams seen, as their three code points.
    other: HashSet<u64, BuildHasherDefault<Mix>>,
    /// Byte ranges of the distinct trigrams of the current text.
    ranges: Vec<(usize, usize)>,
}

impl Clone for DistinctTrigrams {
    /// A fresh tokenizer: the buffers are scratch space.
    fn clone(&self) -> DistinctTrigrams {
        DistinctTrigrams::default()
    }
}

impl DistinctTrigrams {
    /// Whether the trigram of three ASCII bytes is new in this text.
    fn new_ascii(&mut self, a: u8, b: u8, c: u8) -> bool {
        let key = (usize::from(a) << 14) | (usize::from(b) << 7) | usize::from(c);
        let (word, bit) = (key >> 6, 1u64 << (key & 63));
        let w = &mut self.ascii[word];
        if *w & bit != 0 {
            return false;
        }
        if *w == 0 {
            self.dirty.push(word);
        }
        *w |= bit;
        true
    }

    /// Fills `ranges` with the first occurrence of each distinct trigram of `text`.
    fn scan(&mut self, text: &str) {
        self.ranges.clear();
        if self.ascii.is_empty() {
            self.ascii = vec![0; ASCII_KEYS / 64];
        }
        if text.is_ascii() {
            for (i, w) in text.as_bytes().windows(3).enumerate() {
                if self.new_ascii(w[0], w[1], w[2]) {
                    self.ranges.push((i, i + 3));
                }
            }
        } else {
            let mut window = [(0usize, '\0'); 3];
            for (n, (i, c)) in text.char_indices().enumerate() {
                window = [window[1], window[2], (i, c)];
                if n < 2 {
                    continue;
                }
                let [(start, a), (_, b), _] = window;
                let new = if a.is_ascii() && b.is_ascii() && c.is_ascii() {
                    self.new_ascii(a as u8, b as u8, c as u8)
                } else {
                    let key = (u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c);
                    self.other.insert(key)
                };
                if new {
                    self.ranges.push((start, i + c.len_utf8()));
                }
            }
            self.other.clear();
        }
        for word in self.dirty.drain(..) {
            self.ascii[word] = 0;
        }
    }
}

impl Tokenizer for DistinctTrigrams {
    type TokenStream<'a> = DistinctTrigramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> DistinctTrigramStream<'a> {
        self.scan(text);
        DistinctTrigramStream {
            text,
            ranges: self.ranges.iter(),
            token: Token::default(),
        }
    }
}

/// The distinct trigrams of one text.
pub struct DistinctTrigramStream<'a> {
    text: &'a str,
    ranges: std::slice::Iter<'a, (usize, usize)>,
    token: Token,
}

impl TokenStream for DistinctTrigramStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(&(from, to)) = self.ranges.next() else {
            return false;
        };
        let t = &mut self.token;
        t.text.clear();
        t.text.push_str(&self.text[from..to]);
        t.offset_from = from;
        t.offset_to = to;
        // As tantivy's n-gram tokenizer: every gram at position 0 (positions are not indexed).
        t.position = 0;
        t.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// A fast hash of the non-ASCII trigrams' keys (three code points in a `u64`; not exposed to
/// input an attacker could tune beyond one message's own text, which is capped).
#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::NgramTokenizer;

    fn tokens<T: Tokenizer>(tokenizer: &mut T, text: &str) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = tokenizer.token_stream(text);
        while let Some(t) = stream.next() {
            assert_eq!(&text[t.offset_from..t.offset_to], t.text);
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    /// The same set of terms as every trigram of tantivy's n-gram tokenizer, each once, first
    /// occurrences in order.
    #[test]
    fn the_distinct_trigrams_of_all_ngrams() {
        let mut distinct = DistinctTrigrams::default();
        let mut all = NgramTokenizer::all_ngrams(3, 3).unwrap();
        let texts = [
            "",
            "AB",
            "ABC",
            "ABABAB",
            "HELLO WORLD\nHELLO WORLD",
            "GRÜSSE AUS KÖLN, GRÜSSE",
            "東京都庁で東京都",
            "a😀b😀a😀b",
            "e\u{301}e\u{301}e\u{301}",
            "\u{7f}\u{80}\u{7f}\u{80}",
        ];
        // And some random mixes of ASCII and not (a seeded xorshift).
        let alphabet: Vec<char> = "ab \n\u{7f}éß東😀".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = Vec::new();
        for len in 0..200 {
            let s: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            random.push(s);
        }
        for text in texts
            .iter()
            .copied()
            .chain(random.iter().map(String::as_str))
        {
            let mut expected = Vec::new();
            for t in tokens(&mut all, text) {
                if !expected.iter().any(|e: &(String, usize, usize)| e.0 == t.0) {
                    expected.push(t);
                }
            }
            assert_eq!(tokens(&mut distinct, text), expected, "{text:?}");
        }
    }
}
