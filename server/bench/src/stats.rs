//! Latency percentiles and rates.

use std::time::Duration;

/// Transaction latency summary in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Latency {
    /// Summarises transaction times in microseconds (sorts them in place).
    /// Nearest-rank percentiles; all zero when there are none.
    pub fn from_micros(samples: &mut [u32]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_unstable();
        let at = |p: f64| {
            let rank = (p / 100.0 * samples.len() as f64).ceil() as usize;
            f64::from(samples[rank.clamp(1, samples.len()) - 1]) / 1000.0
        };
        Latency {
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
            max: at(100.0),
        }
    }
}

/// Distinct failure texts kept for a report.
pub const MAX_SAMPLES: usize = 5;

/// The first few distinct failure texts, each with how often it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Samples {
    items: Vec<(String, u64)>,
    /// Most distinct texts kept.
    limit: usize,
}

impl Default for Samples {
    fn default() -> Samples {
        Samples::with_limit(MAX_SAMPLES)
    }
}

impl Samples {
    /// Keeps up to `limit` distinct texts.
    pub fn with_limit(limit: usize) -> Samples {
        Samples {
            items: Vec::new(),
            limit,
        }
    }

    /// Counts one occurrence of `text`.
    pub fn note(&mut self, text: String) {
        self.note_n(text, 1);
    }

    /// Counts `n` occurrences of `text`; a new text is kept only while
    /// fewer than the limit are.
    pub fn note_n(&mut self, text: String, n: u64) {
        if let Some((_, count)) = self.items.iter_mut().find(|(t, _)| *t == text) {
            *count += n;
        } else if self.items.len() < self.limit {
            self.items.push((text, n));
        }
    }

    /// Adds another set of samples.
    pub fn merge(&mut self, other: Samples) {
        for (text, n) in other.items {
            self.note_n(text, n);
        }
    }

    /// Whether nothing was noted.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Each text with its count, in the order first seen.
    pub fn counted(&self) -> &[(String, u64)] {
        &self.items
    }

    /// The samples as text, repeats counted: `550 no (x12)`.
    pub fn texts(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|(text, n)| {
                if *n > 1 {
                    format!("{text} (x{n})")
                } else {
                    text.clone()
                }
            })
            .collect()
    }
}

/// `count` per second over `elapsed`; `None` for an empty interval.
pub fn rate(count: u64, elapsed: Duration) -> Option<f64> {
    let secs = elapsed.as_secs_f64();
    (secs > 0.0 && count > 0).then(|| count as f64 / secs)
}

/// The smallest and largest of two optional ranges together.
pub fn span(a: Option<(u64, u64)>, b: Option<(u64, u64)>) -> Option<(u64, u64)> {
    match (a, b) {
        (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
        (a, b) => a.or(b),
    }
}

/// Microseconds of `d`, saturating at `u32::MAX` (about 71 minutes).
pub fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_table() {
        let cases: [(&[u32], Latency); 4] = [
            (&[], Latency::default()),
            (
                &[5000],
                Latency {
                    p50: 5.0,
                    p90: 5.0,
                    p99: 5.0,
                    max: 5.0,
                },
            ),
            (
                &[4000, 1000, 3000, 2000],
                Latency {
                    p50: 2.0,
                    p90: 4.0,
                    p99: 4.0,
                    max: 4.0,
                },
            ),
            (
                &[1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000],
                Latency {
                    p50: 5.0,
                    p90: 9.0,
                    p99: 10.0,
                    max: 10.0,
                },
            ),
        ];
        for (samples, want) in cases {
            let mut samples = samples.to_vec();
            assert_eq!(Latency::from_micros(&mut samples), want);
        }
        let mut many: Vec<u32> = (1..=1000).rev().collect();
        let l = Latency::from_micros(&mut many);
        assert_eq!((l.p50, l.p90, l.p99, l.max), (0.5, 0.9, 0.99, 1.0));
    }

    #[test]
    fn samples_count_repeats() {
        let mut s = Samples::default();
        assert!(s.is_empty());
        s.note("a".into());
        s.note("a".into());
        let mut other = Samples::default();
        for i in 0..10 {
            other.note(format!("b{i}"));
        }
        s.merge(other);
        let texts = s.texts();
        assert_eq!(texts.len(), MAX_SAMPLES);
        assert_eq!(texts[0], "a (x2)");
        assert_eq!(texts[1], "b0");
    }

    #[test]
    fn rates() {
        assert_eq!(rate(100, Duration::from_secs(2)), Some(50.0));
        assert_eq!(rate(100, Duration::ZERO), None);
        assert_eq!(rate(0, Duration::from_secs(1)), None);
        assert_eq!(micros(Duration::from_millis(3)), 3000);
        assert_eq!(span(Some((3, 5)), Some((1, 4))), Some((1, 5)));
        assert_eq!(span(None, Some((2, 2))), Some((2, 2)));
        assert_eq!(span(None, None), None);
        assert_eq!(micros(Duration::from_secs(1 << 40)), u32::MAX);
    }
}
