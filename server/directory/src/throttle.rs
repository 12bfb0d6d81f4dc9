//! Throttling of failed logins, per client IP and per account: past a few failures each answer
//! is delayed, past more the IP or account is refused for a while (even with the right
//! password), so guessing is slow and locking out a real user takes a sustained attack.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The thresholds, from `[auth]` in the configuration.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub failures_before_delay: u32,
    pub delay_step: Duration,
    pub failures_before_lockout: u32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            failures_before_delay: 3,
            delay_step: Duration::from_millis(500),
            failures_before_lockout: 10,
            window: Duration::from_secs(900),
            lockout: Duration::from_secs(900),
        }
    }
}

/// The longest delay ever added to one answer.
const MAX_DELAY: Duration = Duration::from_secs(5);
/// Entries kept before old ones are swept, so a flood of addresses cannot grow memory unbounded.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Ip(IpAddr),
    Account(String),
}

/// Failure counters; shared by every session of every protocol.
pub struct AuthThrottle {
    policy: AuthPolicy,
    failures: Mutex<HashMap<Key, Failures>>,
}

impl AuthThrottle {
    pub fn new(policy: AuthPolicy) -> AuthThrottle {
        AuthThrottle {
            policy,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// If the IP or the account is locked out, how long until it may try again.
    pub fn locked_out(&self, ip: IpAddr, account: &str) -> Option<Duration> {
        let now = Instant::now();
        let map = self.failures.lock().expect("throttle lock");
        [Key::Ip(ip), Key::Account(account.to_string())]
            .iter()
            .filter_map(|k| map.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Records a failure; returns how long to wait before answering.
    pub fn failed(&self, ip: IpAddr, account: &str) -> Duration {
        let now = Instant::now();
        let p = &self.policy;
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, f| {
                now.duration_since(f.first) < p.window || f.locked_until.is_some_and(|u| u > now)
            });
        }
        let mut worst = 0;
        for key in [Key::Ip(ip), Key::Account(account.to_string())] {
            let entry = map.entry(key).or_insert(Failures {
                count: 0,
                first: now,
                locked_until: None,
            });
            if now.duration_since(entry.first) > p.window
                && entry.locked_until.is_none_or(|u| u <= now)
            {
                *entry = Failures {
                    count: 0,
                    first: now,
                    locked_until: None,
                };
            }
            entry.count += 1;
            if entry.count >= p.failures_before_lockout {
                entry.locked_until = Some(now + p.lockout);
            }
            worst = worst.max(entry.count);
        }
        let over = worst.saturating_sub(p.failures_before_delay);
        (p.delay_step * over).min(MAX_DELAY)
    }

    /// A successful login clears the account's counter (not the IP's: one good account must not
    /// launder an IP that is guessing others).
    pub fn succeeded(&self, account: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(&Key::Account(account.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AuthPolicy {
        AuthPolicy {
            failures_before_delay: 2,
            delay_step: Duration::from_millis(100),
            failures_before_lockout: 4,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(60),
        }
    }

    #[test]
    fn delays_then_locks_out_ip_and_account() {
        let t = AuthThrottle::new(policy());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(t.failed(ip, "a@x"), Duration::ZERO);
        assert_eq!(t.failed(ip, "a@x"), Duration::ZERO);
        assert_eq!(t.failed(ip, "b@x"), Duration::from_millis(100));
        assert!(t.locked_out(ip, "c@x").is_none());
        t.failed(ip, "c@x");
        assert!(
            t.locked_out(ip, "anyone@x").is_some(),
            "IP locked after 4 failures"
        );
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(
            t.locked_out(other, "a@x").is_none(),
            "a@x failed only twice"
        );
    }

    #[test]
    fn success_clears_the_account_only() {
        let t = AuthThrottle::new(policy());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            t.failed(ip, "a@x");
        }
        t.succeeded("a@x");
        assert_eq!(
            t.failed("192.0.2.9".parse().unwrap(), "a@x"),
            Duration::ZERO
        );
        assert_eq!(
            t.failed(ip, "z@x"),
            Duration::from_millis(200),
            "IP still counts 4"
        );
    }
}
