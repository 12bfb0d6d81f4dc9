//! Sequence sets: message numbers and UIDs (RFC 9051 §9, RFC 5182 §2).
//!
//! ```text
//! sequence-set     = (seq-number / seq-range) ["," sequence-set]
//! sequence-set     =/ seq-last-command
//!                    ; Allow for "result of the last command"
//!                    ; indicator.
//! seq-last-command = "$"
//! seq-number       = nz-number / "*"
//! seq-range        = seq-number ":" seq-number
//! ```

use super::InvalidValue;
use std::fmt;
use std::num::NonZeroU32;

/// One end of a range: a number or `*` (the largest number in use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqNumber {
    /// A message number or UID.
    Value(NonZeroU32),
    /// `*`
    Largest,
}

impl SeqNumber {
    /// The number, with `*` standing for `largest`.
    pub fn resolve(self, largest: u32) -> u32 {
        match self {
            SeqNumber::Value(n) => n.get(),
            SeqNumber::Largest => largest,
        }
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqNumber::Value(n) => write!(f, "{n}"),
            SeqNumber::Largest => f.write_str("*"),
        }
    }
}

/// A single number or a range (`a:b` is the same as `b:a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqRange {
    /// `n` or `*`
    Single(SeqNumber),
    /// `a:b`
    Range(SeqNumber, SeqNumber),
}

impl SeqRange {
    /// The inclusive bounds, low first, with `*` standing for `largest`.
    pub fn bounds(self, largest: u32) -> (u32, u32) {
        let (a, b) = match self {
            SeqRange::Single(n) => (n, n),
            SeqRange::Range(a, b) => (a, b),
        };
        let (a, b) = (a.resolve(largest), b.resolve(largest));
        (a.min(b), a.max(b))
    }
}

impl fmt::Display for SeqRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqRange::Single(n) => n.fmt(f),
            SeqRange::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// A non-empty list of numbers and ranges, e.g. `2,4:7,9,12:*`, as sent, with an index of the
/// numbers it covers (merged and sorted once, when the list is made), so that a membership test
/// costs a binary search and resolving it against a mailbox costs its distinct ranges: a client
/// sending `1:*` ten thousand times in one line costs no more than once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeqList {
    ranges: Vec<SeqRange>,
    /// Boxed: sequence sets sit in many commands, which stay small.
    index: Box<Index>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Index {
    /// The ranges without `*`: merged, ascending, disjoint.
    fixed: Vec<(u32, u32)>,
    /// The ranges with `*`, each spanning from its other end to the largest number: the
    /// smallest and largest of those other ends (`*` alone: `(u32::MAX, 0)`, no other end).
    star: Option<(u32, u32)>,
}

impl Index {
    fn new(ranges: &[SeqRange]) -> Index {
        let mut fixed = Vec::new();
        let mut star: Option<(u32, u32)> = None;
        for range in ranges {
            let (a, b) = match *range {
                SeqRange::Single(n) => (n, n),
                SeqRange::Range(a, b) => (a, b),
            };
            match (a, b) {
                (SeqNumber::Value(a), SeqNumber::Value(b)) => {
                    fixed.push((a.get().min(b.get()), a.get().max(b.get())));
                }
                (SeqNumber::Value(x), SeqNumber::Largest)
                | (SeqNumber::Largest, SeqNumber::Value(x)) => {
                    let (lo, hi) = star.unwrap_or((u32::MAX, 0));
                    star = Some((lo.min(x.get()), hi.max(x.get())));
                }
                (SeqNumber::Largest, SeqNumber::Largest) => {
                    star = Some(star.unwrap_or((u32::MAX, 0)));
                }
            }
        }
        Index {
            fixed: merge(fixed),
            star,
        }
    }

    /// What the ranges with `*` cover when `*` is `largest`.
    fn star_interval(&self, largest: u32) -> Option<(u32, u32)> {
        self.star.map(|(lo, hi)| (lo.min(largest), hi.max(largest)))
    }
}

/// An inclusive interval of numbers, low first.
pub type Interval = (u32, u32);

/// Sorts and merges overlapping or adjacent intervals.
fn merge(mut intervals: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    intervals.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(intervals.len());
    for (lo, hi) in intervals {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

impl SeqList {
    /// A list of ranges; `None` when `ranges` is empty.
    pub fn new(ranges: Vec<SeqRange>) -> Option<SeqList> {
        if ranges.is_empty() {
            return None;
        }
        let index = Box::new(Index::new(&ranges));
        Some(SeqList { ranges, index })
    }

    /// The shortest list covering `numbers` (zeros are skipped), e.g.
    /// `[1, 2, 3, 7]` gives `1:3,7`; `None` when nothing is left. Useful
    /// for COPYUID, APPENDUID, VANISHED and ESEARCH ALL.
    pub fn from_numbers(numbers: impl IntoIterator<Item = u32>) -> Option<SeqList> {
        let mut sorted: Vec<u32> = numbers.into_iter().filter(|&n| n != 0).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut ranges = Vec::new();
        let mut iter = sorted.into_iter().peekable();
        while let Some(start) = iter.next() {
            let mut end = start;
            while iter.peek() == Some(&(end.wrapping_add(1))) && end != u32::MAX {
                end += 1;
                iter.next();
            }
            let (s, e) = (NonZeroU32::new(start)?, NonZeroU32::new(end)?);
            ranges.push(if s == e {
                SeqRange::Single(SeqNumber::Value(s))
            } else {
                SeqRange::Range(SeqNumber::Value(s), SeqNumber::Value(e))
            });
        }
        SeqList::new(ranges)
    }

    /// A list keeping the order of `numbers` (zeros are skipped), joining
    /// only ascending runs: `[5, 6, 7, 2, 9]` gives `5:7,2,9`. For ESORT's
    /// ALL, which lists results in sort order (RFC 5267 §3.1).
    pub fn from_ordered(numbers: impl IntoIterator<Item = u32>) -> Option<SeqList> {
        let mut ranges: Vec<(NonZeroU32, NonZeroU32)> = Vec::new();
        for n in numbers.into_iter().filter_map(NonZeroU32::new) {
            match ranges.last_mut() {
                Some((_, end)) if end.get().checked_add(1) == Some(n.get()) => *end = n,
                _ => ranges.push((n, n)),
            }
        }
        let ranges = ranges
            .into_iter()
            .map(|(s, e)| {
                if s == e {
                    SeqRange::Single(SeqNumber::Value(s))
                } else {
                    SeqRange::Range(SeqNumber::Value(s), SeqNumber::Value(e))
                }
            })
            .collect();
        SeqList::new(ranges)
    }

    /// The ranges, in the order sent.
    pub fn ranges(&self) -> &[SeqRange] {
        &self.ranges
    }

    /// Whether `n` is in the set, with `*` standing for `largest` (a binary search).
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        let fixed = &self.index.fixed;
        let at = fixed.partition_point(|&(_, hi)| hi < n);
        let in_fixed = fixed.get(at).is_some_and(|&(lo, _)| lo <= n);
        in_fixed
            || self
                .index
                .star_interval(largest)
                .is_some_and(|(lo, hi)| (lo..=hi).contains(&n))
    }

    /// The numbers the set covers, with `*` standing for `largest`, as ascending disjoint
    /// inclusive intervals (as many as the set has distinct ranges, at most).
    pub fn intervals(&self, largest: u32) -> Vec<(u32, u32)> {
        let mut all = self.index.fixed.clone();
        all.extend(self.index.star_interval(largest));
        merge(all)
    }

    /// The ranges without `*`, merged and ascending, and what the ranges with `*` cover when
    /// `*` is `largest` (`None` without any): for callers to whom `*` is special (an empty
    /// mailbox, where `*` names nothing).
    pub fn split_intervals(&self, largest: u32) -> (&[Interval], Option<Interval>) {
        (&self.index.fixed, self.index.star_interval(largest))
    }

    /// Whether any element is `*`.
    pub fn has_largest(&self) -> bool {
        self.index.star.is_some()
    }

    /// Parses `2,4:7,9,12:*`.
    pub fn parse(s: &str) -> Result<SeqList, InvalidValue> {
        let err = InvalidValue("sequence set");
        let ranges = s
            .split(',')
            .map(|part| match part.split_once(':') {
                Some((a, b)) => Ok(SeqRange::Range(parse_number(a)?, parse_number(b)?)),
                None => Ok(SeqRange::Single(parse_number(part)?)),
            })
            .collect::<Result<Vec<_>, InvalidValue>>()?;
        SeqList::new(ranges).ok_or(err)
    }
}

fn parse_number(s: &str) -> Result<SeqNumber, InvalidValue> {
    if s == "*" {
        return Ok(SeqNumber::Largest);
    }
    crate::parser::parse_nz_number(s.as_bytes())
        .map(SeqNumber::Value)
        .ok_or(InvalidValue("sequence number"))
}

impl fmt::Display for SeqList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            r.fmt(f)?;
        }
        Ok(())
    }
}

/// A sequence set in a command: explicit ranges, or `$`, the result saved
/// by an earlier `SEARCH RETURN (SAVE)` (RFC 5182 §2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SequenceSet {
    /// Numbers and ranges.
    Set(SeqList),
    /// `$`
    Saved,
}

impl SequenceSet {
    /// Parses a sequence set, `$` included.
    pub fn parse(s: &str) -> Result<SequenceSet, InvalidValue> {
        if s == "$" {
            Ok(SequenceSet::Saved)
        } else {
            SeqList::parse(s).map(SequenceSet::Set)
        }
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceSet::Set(list) => list.fmt(f),
            SequenceSet::Saved => f.write_str("$"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index answers as the ranges do, one by one (RFC 9051 §9: `a:b` is `b:a`, `*` is the
    /// largest number in use), over random sets and mailboxes.
    #[test]
    fn the_index_agrees_with_the_ranges() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u32| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % u64::from(n)) as u32
        };
        for _ in 0..2000 {
            let count = 1 + next(6) as usize;
            let number = |next: &mut dyn FnMut(u32) -> u32| match next(5) {
                0 => SeqNumber::Largest,
                _ => SeqNumber::Value(NonZeroU32::new(1 + next(30)).unwrap()),
            };
            let ranges: Vec<SeqRange> = (0..count)
                .map(|_| match next(2) {
                    0 => SeqRange::Single(number(&mut next)),
                    _ => SeqRange::Range(number(&mut next), number(&mut next)),
                })
                .collect();
            let list = SeqList::new(ranges.clone()).unwrap();
            let largest = next(35);
            let naive = |n: u32| {
                ranges.iter().any(|r| {
                    let (lo, hi) = r.bounds(largest);
                    (lo..=hi).contains(&n)
                })
            };
            let covered: Vec<u32> = list
                .intervals(largest)
                .iter()
                .flat_map(|&(lo, hi)| lo..=hi)
                .collect();
            for n in 0..40 {
                assert_eq!(
                    list.contains(n, largest),
                    naive(n),
                    "{list} {n} *={largest}"
                );
            }
            assert_eq!(
                covered,
                (0..40).filter(|&n| naive(n)).collect::<Vec<_>>(),
                "{list} *={largest}"
            );
        }
    }

    /// Ten thousand copies of `1:*` are one interval: resolving the set costs the mailbox, not
    /// the line.
    #[test]
    fn repeated_ranges_cost_once() {
        let line = vec!["1:*"; 10_000].join(",");
        let list = SeqList::parse(&line).unwrap();
        assert_eq!(list.intervals(100_000), vec![(1, 100_000)]);
        let many = (1..=10_000)
            .map(|i| format!("{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            SeqList::parse(&many).unwrap().intervals(5),
            vec![(1, 10_000)]
        );
    }

    #[test]
    fn parse_and_print() {
        for s in [
            "1",
            "*",
            "2,4:7,9,12:*",
            "*:4,5:7",
            "1:*",
            "$",
            "4294967295",
        ] {
            assert_eq!(SequenceSet::parse(s).unwrap().to_string(), s);
        }
        for bad in [
            "",
            "0",
            "1,",
            ",1",
            "1:",
            ":1",
            "1::2",
            "a",
            "$,1",
            "4294967296",
            "1:0",
            " 1",
            "01x",
        ] {
            assert!(SequenceSet::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn membership_rfc_example() {
        // RFC 9051 §9: "2,4:7,9,12:*" for a mailbox with 15 messages is
        // 2,4,5,6,7,9,12,13,14,15.
        let set = SeqList::parse("2,4:7,9,12:*").unwrap();
        let members: Vec<u32> = (1..=16).filter(|&n| set.contains(n, 15)).collect();
        assert_eq!(members, [2, 4, 5, 6, 7, 9, 12, 13, 14, 15]);
        // "*:4,5:7" with 10 messages is 4..=10.
        let set = SeqList::parse("*:4,5:7").unwrap();
        assert_eq!((1..=10).filter(|&n| set.contains(n, 10)).count(), 7);
        assert!(set.has_largest());
    }

    #[test]
    fn from_numbers_compresses() {
        assert_eq!(
            SeqList::from_numbers([7, 1, 3, 2, 2, 0])
                .unwrap()
                .to_string(),
            "1:3,7"
        );
        assert_eq!(
            SeqList::from_numbers([u32::MAX, u32::MAX - 1])
                .unwrap()
                .to_string(),
            "4294967294:4294967295"
        );
        assert_eq!(SeqList::from_numbers([0]), None);
        assert_eq!(
            SeqList::from_ordered([5, 6, 7, 2, 9, 0, 10])
                .unwrap()
                .to_string(),
            "5:7,2,9:10"
        );
        assert_eq!(
            SeqList::from_ordered([3, 2, 1]).unwrap().to_string(),
            "3,2,1"
        );
        assert_eq!(
            SeqList::from_ordered([u32::MAX, 1]).unwrap().to_string(),
            "4294967295,1"
        );
        assert_eq!(SeqList::from_ordered([]), None);
    }
}
