//! Slowing, then refusing, repeated failed logins, the way large mail services do it: what is
//! refused is a source guessing, never an account for everyone.
//!
//! Failures are counted per (account, source address), per source address and per account:
//! - an (account, source) pair is slowed after `failures_before_delay` and refused after
//!   `failures_before_lockout` until `lockout` has passed: one address guessing one password;
//! - a source address is slowed likewise and refused after `source_failures_before_lockout`
//!   failures on any accounts: one address guessing many;
//! - an account attacked from many addresses is only slowed, never refused, and not even slowed
//!   for addresses that have logged in to it successfully before: its owner still gets in.
//!
//! A success clears the pair and the account's counters (not the source's: one good account
//! must not launder an address that is guessing others). Counters live in memory, bounded in
//! number. An account's counters are stamped with its authentication generation (a column of
//! the account, raised by `kantor admin user unlock` from any process): counters of an older
//! generation no longer count, so an unlock reaches the server at the account's next login
//! attempt without any message between the processes.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Thresholds of [`AuthThrottle`] (`[auth]` in the configuration).
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// Failures (of a pair, a source or an account) after which answers are slowed.
    pub failures_before_delay: u32,
    /// Delay added per failure past `failures_before_delay` (capped at [`MAX_DELAY`]).
    pub delay_step: Duration,
    /// Failures of one (account, source) pair after which that pair is refused.
    pub failures_before_lockout: u32,
    /// Failures from one source address, on any accounts, after which it is refused.
    pub source_failures_before_lockout: u32,
    /// Window over which failures are counted.
    pub window: Duration,
    /// How long a refused pair or source stays refused.
    pub lockout: Duration,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            failures_before_delay: 3,
            delay_step: Duration::from_millis(500),
            failures_before_lockout: 10,
            source_failures_before_lockout: 30,
            window: Duration::from_secs(900),
            lockout: Duration::from_secs(900),
        }
    }
}

/// The longest delay ever added to one answer.
pub const MAX_DELAY: Duration = Duration::from_secs(5);
/// Entries kept before old ones are swept, so a flood of addresses cannot grow memory unbounded.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
    /// The account's authentication generation when counting started (0 for a source).
    generation: u64,
}

impl Failures {
    fn new(now: Instant, generation: u64) -> Failures {
        Failures {
            count: 0,
            first: now,
            locked_until: None,
            generation,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, IpAddr),
    Source(IpAddr),
    Account(String),
}

/// Why a login is refused without checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// This address has failed too often for this account.
    Pair(Duration),
    /// This address has failed too often, on any accounts.
    Source(Duration),
}

impl Refused {
    pub fn retry_after(self) -> Duration {
        match self {
            Refused::Pair(d) | Refused::Source(d) => d,
        }
    }
}

#[derive(Default)]
struct State {
    failures: HashMap<Key, Failures>,
    /// (account, source) pairs that logged in successfully: spared the account-wide delay.
    trusted: HashSet<(String, IpAddr)>,
}

/// Failure counters; shared by every session of every protocol. Accounts are named by their
/// normalised address (see `Directory::authenticate`).
pub struct AuthThrottle {
    policy: AuthPolicy,
    state: Mutex<State>,
}

impl AuthThrottle {
    pub fn new(policy: AuthPolicy) -> AuthThrottle {
        AuthThrottle {
            policy,
            state: Mutex::default(),
        }
    }

    /// Whether a login for `account` (at authentication `generation`) from `ip` is refused
    /// now, and for how long.
    pub fn refused(&self, ip: IpAddr, account: &str, generation: u64) -> Option<Refused> {
        let now = Instant::now();
        let state = self.state.lock().expect("throttle lock");
        let remaining = |key: Key, generation: u64| {
            let failures = state.failures.get(&key)?;
            let until = failures.locked_until?;
            (until > now && failures.generation >= generation).then(|| until - now)
        };
        remaining(Key::Pair(account.to_string(), ip), generation)
            .map(Refused::Pair)
            .or_else(|| remaining(Key::Source(ip), 0).map(Refused::Source))
    }

    /// Records a failure of `account` at authentication `generation` (0 for an unknown
    /// account); returns how long to wait before answering.
    pub fn failed(&self, ip: IpAddr, account: &str, generation: u64) -> Duration {
        let now = Instant::now();
        let p = &self.policy;
        let mut state = self.state.lock().expect("throttle lock");
        if state.failures.len() >= MAX_ENTRIES {
            state.failures.retain(|_, f| {
                now.duration_since(f.first) < p.window || f.locked_until.is_some_and(|u| u > now)
            });
        }
        let trusted = state.trusted.contains(&(account.to_string(), ip));
        let mut counted = vec![
            (
                Key::Pair(account.to_string(), ip),
                Some(p.failures_before_lockout),
                generation,
            ),
            (Key::Source(ip), Some(p.source_failures_before_lockout), 0),
        ];
        if !trusted {
            counted.push((Key::Account(account.to_string()), None, generation));
        }
        let mut worst = 0;
        for (key, lockout_at, generation) in counted {
            let entry = state
                .failures
                .entry(key)
                .or_insert(Failures::new(now, generation));
            let expired = now.duration_since(entry.first) > p.window
                && entry.locked_until.is_none_or(|u| u <= now);
            if expired || entry.generation < generation {
                *entry = Failures::new(now, generation);
            }
            entry.count += 1;
            if lockout_at.is_some_and(|at| entry.count >= at) {
                entry.locked_until = Some(now + p.lockout);
            }
            worst = worst.max(entry.count);
        }
        let over = worst.saturating_sub(p.failures_before_delay);
        (p.delay_step * over).min(MAX_DELAY)
    }

    /// A successful login: clears the pair and the account, and trusts the pair from now on.
    pub fn succeeded(&self, ip: IpAddr, account: &str) {
        let mut state = self.state.lock().expect("throttle lock");
        state.failures.remove(&Key::Pair(account.to_string(), ip));
        state.failures.remove(&Key::Account(account.to_string()));
        if state.trusted.len() >= MAX_ENTRIES {
            state.trusted.clear();
        }
        state.trusted.insert((account.to_string(), ip));
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
            source_failures_before_lockout: 6,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(60),
        }
    }

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn a_source_guessing_one_account_is_refused_for_it_alone() {
        let t = AuthThrottle::new(policy());
        assert_eq!(t.failed(ip(1), "a@x", 0), Duration::ZERO);
        assert_eq!(t.failed(ip(1), "a@x", 0), Duration::ZERO);
        assert_eq!(t.failed(ip(1), "a@x", 0), Duration::from_millis(100));
        assert_eq!(t.refused(ip(1), "a@x", 0), None);
        t.failed(ip(1), "a@x", 0);
        assert!(matches!(t.refused(ip(1), "a@x", 0), Some(Refused::Pair(_))));
        assert_eq!(
            t.refused(ip(2), "a@x", 0),
            None,
            "the owner elsewhere gets in"
        );
        assert_eq!(
            t.refused(ip(1), "b@x", 0),
            None,
            "other accounts from there too"
        );
    }

    #[test]
    fn a_source_guessing_many_accounts_is_refused_for_all() {
        let t = AuthThrottle::new(policy());
        for n in 0..6 {
            t.failed(ip(1), &format!("user{n}@x"), 0);
        }
        assert!(matches!(
            t.refused(ip(1), "anyone@x", 0),
            Some(Refused::Source(_))
        ));
        assert_eq!(t.refused(ip(2), "anyone@x", 0), None);
    }

    #[test]
    fn an_account_attacked_from_everywhere_is_slowed_not_refused() {
        let t = AuthThrottle::new(policy());
        t.succeeded(ip(9), "a@x");
        for n in 0..50 {
            t.failed(ip(100 + n), "a@x", 0);
        }
        assert_eq!(t.refused(ip(200), "a@x", 0), None, "never refused");
        assert_eq!(t.refused(ip(9), "a@x", 0), None);
        assert!(
            t.failed(ip(201), "a@x", 0) >= Duration::from_millis(100),
            "a new address is slowed"
        );
        assert_eq!(
            t.failed(ip(9), "a@x", 0),
            Duration::ZERO,
            "the address that logged in before is not"
        );
    }

    #[test]
    fn success_clears_the_account_not_the_source() {
        let t = AuthThrottle::new(policy());
        for _ in 0..3 {
            t.failed(ip(1), "a@x", 0);
        }
        t.succeeded(ip(1), "a@x");
        assert_eq!(t.failed(ip(3), "a@x", 0), Duration::ZERO);
        assert_eq!(
            t.failed(ip(1), "z@x", 0),
            Duration::from_millis(200),
            "the source still counts 4"
        );
    }

    #[test]
    fn a_newer_generation_forgets_the_account_not_the_source() {
        let t = AuthThrottle::new(policy());
        for _ in 0..4 {
            t.failed(ip(1), "a@x", 0);
        }
        assert!(t.refused(ip(1), "a@x", 0).is_some());
        assert_eq!(t.refused(ip(1), "a@x", 1), None, "unlocked");
        t.failed(ip(1), "a@x", 1);
        assert_eq!(t.refused(ip(1), "a@x", 1), None, "counting starts again");
        for _ in 0..4 {
            t.failed(ip(3), "a@x", 1);
        }
        assert!(t.refused(ip(3), "a@x", 1).is_some(), "and locks again");
        for n in 0..6 {
            t.failed(ip(2), &format!("user{n}@x"), 0);
        }
        assert!(
            matches!(t.refused(ip(2), "user0@x", 5), Some(Refused::Source(_))),
            "an address guessing many accounts stays refused"
        );
    }
}
