//! Password verification with bounded cost. Argon2id is deliberately expensive (19 MiB and tens of
//! milliseconds per check), so checks run on a few dedicated threads, one per core: a login flood
//! queues instead of exhausting CPU, and the 19 MiB working buffers stay in those threads' memory
//! instead of spreading over every blocking thread's allocator arena (measured: 366 MB resident
//! after 400 logins through the blocking pool). A successful check is remembered
//! for a few minutes, as Dovecot's auth cache does, so clients that log in again and again (phones
//! polling POP3, IMAP clients opening several connections) do not pay it every time.
//!
//! The cache holds a keyed BLAKE3 fingerprint of (stored hash, password) under a random per-process
//! key, never the password. A changed password changes the stored hash, so old entries stop matching.

use crate::password;
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long a successful check is remembered.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// Entries kept; the cache is emptied when full (cheap, and rare).
const CACHE_MAX: usize = 10_000;

/// One check for the worker threads: password, stored hash, where to answer.
type Check = (String, String, oneshot::Sender<bool>);

pub struct PasswordVerifier {
    checks: Mutex<mpsc::Sender<Check>>,
    key: [u8; 32],
    verified: Mutex<HashMap<[u8; 32], Instant>>,
}

impl PasswordVerifier {
    pub fn new() -> PasswordVerifier {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (checks, queue) = mpsc::channel::<Check>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("kantor-password-{n}"))
                .spawn(move || {
                    // Each worker takes the next check; the lock is held only while waiting.
                    while let Ok((password, hash, answer)) = queue
                        .lock()
                        .map_err(drop)
                        .and_then(|q| q.recv().map_err(drop))
                    {
                        let _ = answer.send(password::verify(&password, &hash));
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password verification thread");
            }
        }
        PasswordVerifier {
            checks: Mutex::new(checks),
            key: rand::random(),
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `password` matches the stored PHC `hash`.
    pub async fn verify(&self, password: &str, hash: &str) -> bool {
        let fingerprint = self.fingerprint(password, hash);
        let now = Instant::now();
        if let Some(at) = self
            .verified
            .lock()
            .expect("verifier cache")
            .get(&fingerprint)
            && now.duration_since(*at) < CACHE_TTL
        {
            return true;
        }
        let (answer, ok) = oneshot::channel();
        let check = (password.to_string(), hash.to_string(), answer);
        if self
            .checks
            .lock()
            .expect("verifier queue")
            .send(check)
            .is_err()
        {
            return false;
        }
        let ok = ok.await.unwrap_or(false);
        if ok {
            let mut cache = self.verified.lock().expect("verifier cache");
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(fingerprint, now);
        }
        ok
    }

    fn fingerprint(&self, password: &str, hash: &str) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(hash.as_bytes());
        hasher.update(&[0]);
        hasher.update(password.as_bytes());
        *hasher.finalize().as_bytes()
    }
}

impl Default for PasswordVerifier {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn remembers_successes_only_and_follows_hash_changes() {
        let v = PasswordVerifier::new();
        let hash = password::hash("right");
        assert!(!v.verify("wrong", &hash).await);
        assert!(v.verify("right", &hash).await);
        assert!(
            v.verified.lock().unwrap().len() == 1,
            "success cached, failure not"
        );
        let started = Instant::now();
        assert!(v.verify("right", &hash).await);
        assert!(
            started.elapsed() < Duration::from_millis(5),
            "second check is a cache hit"
        );
        let new_hash = password::hash("changed");
        assert!(
            !v.verify("right", &new_hash).await,
            "a new hash does not match old entries"
        );
    }
}
