//! Strings numbered once, so that THREAD (RFC 5256 §4) and SORT (RFC 5256 §3) compare and
//! look up numbers instead of hashing, cloning and comparing strings again and again.

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Each distinct string kept once, in one buffer (numbering 100,000 message IDs makes no
/// allocation per ID), and numbered from 0 in order of first appearance. The hash is seeded
/// per process: the strings come from mail anyone can send.
#[derive(Default)]
pub struct Interner {
    text: String,
    /// Per number, where its string is in `text`.
    spans: Vec<(usize, usize)>,
    /// The numbers, found by their string's hash.
    table: HashTable<u32>,
    hasher: RandomState,
}

impl Interner {
    /// An interner with room for `strings` strings without growing.
    pub fn with_capacity(strings: usize) -> Interner {
        Interner {
            spans: Vec::with_capacity(strings),
            table: HashTable::with_capacity(strings),
            ..Interner::default()
        }
    }

    /// The number of `s`, given it on first sight.
    pub fn number(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let Interner {
            text,
            spans,
            table,
            hasher,
        } = self;
        let at = |n: u32| {
            let (start, len) = spans[n as usize];
            &text[start..start + len]
        };
        if let Some(&n) = table.find(hash, |&n| at(n) == s) {
            return n;
        }
        let n = u32::try_from(spans.len()).expect("fewer than 2^32 distinct strings");
        table.insert_unique(hash, n, |&n| {
            let (start, len) = spans[n as usize];
            hasher.hash_one(&text[start..start + len])
        });
        spans.push((text.len(), s.len()));
        text.push_str(s);
        n
    }

    /// The string numbered `n`.
    pub fn string(&self, n: u32) -> &str {
        let (start, len) = self.spans[n as usize];
        &self.text[start..start + len]
    }

    /// How many distinct strings there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether no string was numbered yet.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The number of `s`, when it was seen.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(s);
        self.table.find(hash, |&n| self.string(n) == s).copied()
    }

    /// Per number, the rank of its string in byte order (`str`'s `Ord`): comparing ranks
    /// compares the strings.
    pub fn ranks(&self) -> Vec<u32> {
        let mut sorted: Vec<u32> = (0..self.spans.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| self.string(a).cmp(self.string(b)));
        let mut ranks = vec![0; sorted.len()];
        for (rank, n) in sorted.into_iter().enumerate() {
            ranks[n as usize] = rank as u32;
        }
        ranks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ranks() {
        let mut i = Interner::default();
        let numbers: Vec<u32> = ["b", "a", "b", "", "c"]
            .iter()
            .map(|s| i.number(s))
            .collect();
        assert_eq!(numbers, [0, 1, 0, 2, 3]);
        assert_eq!(i.len(), 4);
        assert_eq!(i.get(""), Some(2));
        assert_eq!(i.get("d"), None);
        assert_eq!(i.string(3), "c");
        // "" < "a" < "b" < "c"
        assert_eq!(i.ranks(), [2, 1, 0, 3]);
    }
}
