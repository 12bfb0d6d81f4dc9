//! Message headers read recently, kept in memory: listing a mailbox (FETCH of ENVELOPE or
//! `BODY.PEEK[HEADER.FIELDS (...)]`) reads the same headers again and again, and opening a
//! blob file for each cost more than everything else the FETCH did. Blobs never change (they
//! are named by their hash), so nothing is ever stale.
//!
//! Two generations approximate least-recently-used: entries go into the current one; when it
//! holds half the budget it becomes the previous one (the old previous is dropped), and a hit in
//! the previous generation moves the entry back into the current one.

use crate::BlobHash;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A header larger than this share of the budget is not kept.
const LARGEST_SHARE: usize = 64;

pub(crate) struct HeaderCache {
    budget: usize,
    generations: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    current: HashMap<BlobHash, Arc<[u8]>>,
    current_bytes: usize,
    previous: HashMap<BlobHash, Arc<[u8]>>,
}

impl HeaderCache {
    /// A cache holding up to about `budget` bytes of headers; 0 keeps nothing.
    pub(crate) fn new(budget: usize) -> HeaderCache {
        HeaderCache {
            budget,
            generations: Mutex::new(Generations::default()),
        }
    }

    pub(crate) fn get(&self, hash: &BlobHash) -> Option<Arc<[u8]>> {
        if self.budget == 0 {
            return None;
        }
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(header) = g.current.get(hash) {
            return Some(header.clone());
        }
        let header = g.previous.remove(hash)?;
        self.keep(&mut g, hash.clone(), header.clone());
        Some(header)
    }

    pub(crate) fn insert(&self, hash: &BlobHash, header: &[u8]) {
        if self.budget == 0 || header.len() > self.budget / LARGEST_SHARE {
            return;
        }
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        self.keep(&mut g, hash.clone(), header.into());
    }

    fn keep(&self, g: &mut Generations, hash: BlobHash, header: Arc<[u8]>) {
        g.current_bytes += header.len();
        g.current.insert(hash, header);
        if g.current_bytes > self.budget / 2 {
            g.previous = std::mem::take(&mut g.current);
            g.current_bytes = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_recent_headers_within_the_budget() {
        let cache = HeaderCache::new(64 * 100);
        let hashes: Vec<BlobHash> = (0..80u8).map(|i| BlobHash::of(&[i])).collect();
        for hash in &hashes {
            cache.insert(hash, &[b'h'; 90]);
        }
        // 80 x 90 bytes through generations of 3,200 bytes: the first ones are gone.
        assert!(cache.get(&hashes[0]).is_none());
        assert_eq!(cache.get(&hashes[79]).as_deref(), Some(&[b'h'; 90][..]));
        let g = cache.generations.lock().unwrap();
        let held: usize = g
            .current
            .values()
            .chain(g.previous.values())
            .map(|h| h.len())
            .sum();
        assert!(held <= 64 * 100, "{held}");
    }

    #[test]
    fn large_headers_and_a_zero_budget_keep_nothing() {
        let hash = BlobHash::of(b"x");
        let cache = HeaderCache::new(6400);
        cache.insert(&hash, &[0; 101]);
        assert!(cache.get(&hash).is_none());
        let off = HeaderCache::new(0);
        off.insert(&hash, b"Subject: x\r\n\r\n");
        assert!(off.get(&hash).is_none());
    }
}
