//! Concurrent connection limits, in total and per client IP. A connection holds a
//! [`ConnectionGuard`]; dropping it frees the slot.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitExceeded {
    Total,
    PerIp,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Counts open connections of one listener.
#[derive(Clone)]
pub struct ConnectionLimiter {
    max_total: usize,
    max_per_ip: usize,
    counts: Arc<Mutex<Counts>>,
}

impl ConnectionLimiter {
    pub fn new(max_total: usize, max_per_ip: usize) -> ConnectionLimiter {
        ConnectionLimiter {
            max_total,
            max_per_ip,
            counts: Arc::default(),
        }
    }

    /// Takes a slot for a connection from `ip`, or says which limit is reached.
    pub fn acquire(&self, ip: IpAddr) -> Result<ConnectionGuard, LimitExceeded> {
        let mut counts = self.counts.lock().expect("limiter lock");
        if counts.total >= self.max_total {
            return Err(LimitExceeded::Total);
        }
        let per_ip = counts.per_ip.entry(ip).or_insert(0);
        if *per_ip >= self.max_per_ip {
            return Err(LimitExceeded::PerIp);
        }
        *per_ip += 1;
        counts.total += 1;
        Ok(ConnectionGuard {
            ip,
            counts: self.counts.clone(),
        })
    }

    /// Connections currently open.
    pub fn open(&self) -> usize {
        self.counts.lock().expect("limiter lock").total
    }
}

/// A held connection slot.
pub struct ConnectionGuard {
    ip: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().expect("limiter lock");
        counts.total -= 1;
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_total_and_per_ip() {
        let limiter = ConnectionLimiter::new(3, 2);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let g1 = limiter.acquire(a).unwrap();
        let _g2 = limiter.acquire(a).unwrap();
        assert_eq!(limiter.acquire(a).err(), Some(LimitExceeded::PerIp));
        let _g3 = limiter.acquire(b).unwrap();
        assert_eq!(limiter.acquire(b).err(), Some(LimitExceeded::Total));
        drop(g1);
        assert!(limiter.acquire(a).is_ok());
    }
}
