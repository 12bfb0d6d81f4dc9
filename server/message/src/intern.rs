//! Strings numbered once, so that THREAD (RFC 5256 §4) and SORT (RFC 5256 §3) compare and
//! look up numbers instead of hashing, cloning and comparing strings again and again.

use foldhash::HashMap;
use std::borrow::Borrow;
use std::hash::Hash;

/// Each distinct string kept once (as `S`: owned `Box<str>`, or borrowed `&str` when the
/// strings outlive the interner) and numbered from 0 in order of first appearance. The hash
/// is seeded per process: the strings come from mail anyone can send.
pub struct Interner<S> {
    numbers: HashMap<S, u32>,
}

impl<S> Default for Interner<S> {
    fn default() -> Self {
        Interner {
            numbers: HashMap::default(),
        }
    }
}

impl<S: Borrow<str> + Hash + Eq> Interner<S> {
    /// The number of `s`, given it on first sight.
    pub fn number<'s>(&mut self, s: &'s str) -> u32
    where
        S: From<&'s str>,
    {
        if let Some(&n) = self.numbers.get(s) {
            return n;
        }
        let n = u32::try_from(self.numbers.len()).expect("fewer than 2^32 distinct strings");
        self.numbers.insert(s.into(), n);
        n
    }

    /// How many distinct strings there are.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether no string was numbered yet.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// The number of `s`, when it was seen.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.numbers.get(s).copied()
    }

    /// Per number, the rank of its string in byte order (`str`'s `Ord`): comparing ranks
    /// compares the strings.
    pub fn ranks(&self) -> Vec<u32> {
        let mut sorted: Vec<(&str, u32)> =
            self.numbers.iter().map(|(s, &n)| (s.borrow(), n)).collect();
        sorted.sort_unstable();
        let mut ranks = vec![0; sorted.len()];
        for (rank, (_, n)) in sorted.into_iter().enumerate() {
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
        let mut i = Interner::<Box<str>>::default();
        let numbers: Vec<u32> = ["b", "a", "b", "", "c"]
            .iter()
            .map(|s| i.number(s))
            .collect();
        assert_eq!(numbers, [0, 1, 0, 2, 3]);
        assert_eq!(i.len(), 4);
        assert_eq!(i.get(""), Some(2));
        assert_eq!(i.get("d"), None);
        // "" < "a" < "b" < "c"
        assert_eq!(i.ranks(), [2, 1, 0, 3]);
    }
}
