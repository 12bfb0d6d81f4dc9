//! Identifiers for the `id` clause of Received headers and `queued as` replies, and the left
//! side of generated Message-IDs (RFC 5322 §3.6.4: must be globally unique).
//!
//! Each id is 80 bits of keyed SipHash (std's randomly keyed [`RandomState`]) over a process-wide
//! counter and the clock: unique within the process, not guessable outside it, and free of any
//! system call beyond reading the clock.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Crockford's base32 alphabet: no I, L, O or U, safe in any header or log.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in an id: 16 × 5 = 80 bits.
const LEN: usize = 16;

/// A fresh id such as `7K3D9QJ1XW2M4T8B`.
pub(crate) fn new_id() -> String {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let key = KEY.get_or_init(RandomState::new);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let bits = (u128::from(key.hash_one((n, nanos, 0u8))) << 64)
        | u128::from(key.hash_one((n, nanos, 1u8)));
    (0..LEN)
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(10) {
            assert_eq!(id.len(), LEN);
            assert!(id.bytes().all(|b| ALPHABET.contains(&b)));
        }
    }
}
