//! In-memory rate limits: token buckets keyed by client IP (failed `join`, `invite` and `login`
//! attempts) and by bearer token (`sync`).
//!
//! What stops guessing an invite or login code is limiting *failed* attempts per IP: a village
//! joining on one Wi-Fi (one IP behind the router's NAT) makes many successful joins, which are
//! never counted, while a guesser fails almost every time. A request is refused with 429 once
//! the IP's bucket is empty, right codes included, until it refills.
//!
//! The IP is the TCP peer's (axum's `ConnectInfo`), never a header: behind a reverse proxy every
//! client would share the proxy's address, so such a deployment must limit at the proxy or raise
//! these limits (see `docs/sync-protocol.md`).
//!
//! The state is a `Mutex<HashMap>` per kind, pruned as it grows: a bucket that has refilled to
//! full is the same as no bucket, so it is dropped. The limits reset when the server restarts.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The limits `serve` enforces; each is a `serve` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Failed `join`, `invite` and `login` attempts one IP may make per `auth_failure_window`
    /// (also the burst); 0 turns the limit off.
    pub auth_failures: u32,
    pub auth_failure_window: Duration,
    /// `sync` requests per token per minute (also the burst); 0 turns the limit off.
    pub sync_per_minute: u32,
}

impl RateLimits {
    /// 20 failed attempts per 10 minutes is far above what a person mistyping a code does and
    /// leaves a guesser about 3,000 tries a day per IP against codes of 2^60 and more.
    pub const DEFAULT_AUTH_FAILURES: u32 = 20;
    pub const DEFAULT_AUTH_FAILURE_WINDOW_SECS: u64 = 600;
    /// A phone syncs on a timer and after each change, a few times a minute at most; 120 a
    /// minute leaves room for bursts (a queue pushed in pages of 100) and stops a runaway loop.
    pub const DEFAULT_SYNC_PER_MINUTE: u32 = 120;
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            auth_failures: Self::DEFAULT_AUTH_FAILURES,
            auth_failure_window: Duration::from_secs(Self::DEFAULT_AUTH_FAILURE_WINDOW_SECS),
            sync_per_minute: Self::DEFAULT_SYNC_PER_MINUTE,
        }
    }
}

/// A refusal: how long until the next attempt may succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Whole seconds, at least 1 (the `Retry-After` header's unit).
    pub retry_after_secs: u64,
}

/// The result of taking one attempt from a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Allowed; this many whole attempts are left.
    Allowed {
        left: u32,
    },
    Refused(Limited),
}

/// Most keys a table holds. When it is full even after dropping the refilled buckets, a new
/// key is refused until some refill: failing closed keeps the limit meaningful under a flood
/// from very many addresses, at a cost of a few MB of memory.
const MAX_KEYS: usize = 100_000;
/// How often refilled buckets are dropped, at most.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

struct Bucket {
    tokens: f64,
    updated: Instant,
}

struct Table<K> {
    buckets: HashMap<K, Bucket>,
    last_prune: Instant,
}

/// Token buckets of `capacity`, each refilling continuously at `per_second`.
struct Buckets<K> {
    capacity: f64,
    per_second: f64,
    max_keys: usize,
    table: Mutex<Table<K>>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    /// `None` when `capacity` is 0 (no limit).
    fn new(capacity: u32, period: Duration, max_keys: usize, now: Instant) -> Option<Self> {
        if capacity == 0 || period.is_zero() {
            return None;
        }
        Some(Buckets {
            capacity: f64::from(capacity),
            per_second: f64::from(capacity) / period.as_secs_f64(),
            max_keys,
            table: Mutex::new(Table {
                buckets: HashMap::new(),
                last_prune: now,
            }),
        })
    }

    /// The table, also after a panic elsewhere poisoned the lock: it only holds numbers that are
    /// consistent after every statement, so it is safe to keep using.
    fn lock(&self) -> MutexGuard<'_, Table<K>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.capacity)
    }

    fn retry_after(&self, tokens: f64) -> Limited {
        let seconds = ((1.0 - tokens) / self.per_second).ceil();
        Limited {
            // `as` saturates; the value is small and positive anyway.
            retry_after_secs: (seconds as u64).max(1),
        }
    }

    fn prune(&self, table: &mut Table<K>, now: Instant) {
        table
            .buckets
            .retain(|_, bucket| self.refilled(bucket, now) < self.capacity);
        table.last_prune = now;
    }

    /// Takes one token for `key`, or says how long until there is one.
    fn take(&self, key: &K, now: Instant) -> Taken {
        let mut table = self.lock();
        let due = now.saturating_duration_since(table.last_prune) >= PRUNE_EVERY;
        if due || (table.buckets.len() >= self.max_keys && !table.buckets.contains_key(key)) {
            self.prune(&mut table, now);
        }
        if table.buckets.len() >= self.max_keys && !table.buckets.contains_key(key) {
            return Taken::Refused(self.retry_after(0.0));
        }
        let capacity = self.capacity;
        let bucket = table.buckets.entry(key.clone()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let tokens = self.refilled(bucket, now);
        bucket.updated = now;
        if tokens >= 1.0 {
            bucket.tokens = tokens - 1.0;
            Taken::Allowed {
                // Truncation is the point: whole attempts left.
                left: bucket.tokens as u32,
            }
        } else {
            bucket.tokens = tokens;
            Taken::Refused(self.retry_after(tokens))
        }
    }

    /// Returns a token taken by [`Buckets::take`] (the attempt did not count).
    fn give_back(&self, key: &K, now: Instant) {
        let mut table = self.lock();
        let capacity = self.capacity;
        if let Some(bucket) = table.buckets.get_mut(key) {
            let tokens = self.refilled(bucket, now);
            bucket.tokens = (tokens + 1.0).min(capacity);
            bucket.updated = now;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().buckets.len()
    }
}

/// The key of an address: IPv4 as is (an IPv4-mapped IPv6 address is its IPv4 address), IPv6
/// by its /64 network, since one subscriber usually holds a whole /64 and could otherwise
/// step through 2^64 addresses.
pub fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Every limit of one running server.
pub struct RateLimiter {
    limits: RateLimits,
    auth: Option<Buckets<IpAddr>>,
    /// Keyed by the token's SHA-256, so no token is held in memory longer than its request.
    sync: Option<Buckets<[u8; 32]>>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        let now = Instant::now();
        RateLimiter {
            limits,
            auth: Buckets::new(
                limits.auth_failures,
                limits.auth_failure_window,
                MAX_KEYS,
                now,
            ),
            sync: Buckets::new(
                limits.sync_per_minute,
                Duration::from_secs(60),
                MAX_KEYS,
                now,
            ),
        }
    }

    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// Reserves one failed attempt for `ip` before a `join`, `invite` or `login` is handled;
    /// [`RateLimiter::auth_succeeded`] gives it back when it was not a failure. Reserving first
    /// means concurrent guesses cannot all slip through on the last token.
    pub fn take_auth_attempt(&self, ip: IpAddr, now: Instant) -> Taken {
        match &self.auth {
            Some(buckets) => buckets.take(&ip_key(ip), now),
            None => Taken::Allowed { left: u32::MAX },
        }
    }

    /// The attempt reserved by [`RateLimiter::take_auth_attempt`] succeeded (or failed on our
    /// side): it does not count.
    pub fn auth_succeeded(&self, ip: IpAddr, now: Instant) {
        if let Some(buckets) = &self.auth {
            buckets.give_back(&ip_key(ip), now);
        }
    }

    /// Takes one sync request for the holder of `token`.
    pub fn take_sync(&self, token: &str, now: Instant) -> Taken {
        match &self.sync {
            Some(buckets) => {
                let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
                buckets.take(&key, now)
            }
            None => Taken::Allowed { left: u32::MAX },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(auth_failures: u32, window_secs: u64, sync_per_minute: u32) -> RateLimits {
        RateLimits {
            auth_failures,
            auth_failure_window: Duration::from_secs(window_secs),
            sync_per_minute,
        }
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_until_it_refills() {
        let start = Instant::now();
        let limiter = RateLimiter::new(limits(3, 60, 0));
        let ip: IpAddr = "192.0.2.7".parse().expect("ip");
        for left in [2, 1, 0] {
            assert_eq!(
                limiter.take_auth_attempt(ip, start),
                Taken::Allowed { left }
            );
        }
        // One token per 20 s: empty now, so the wait is 20 s.
        assert_eq!(
            limiter.take_auth_attempt(ip, start),
            Taken::Refused(Limited {
                retry_after_secs: 20
            })
        );
        let later = start + Duration::from_secs(10);
        assert_eq!(
            limiter.take_auth_attempt(ip, later),
            Taken::Refused(Limited {
                retry_after_secs: 10
            })
        );
        let refilled = start + Duration::from_secs(21);
        assert!(matches!(
            limiter.take_auth_attempt(ip, refilled),
            Taken::Allowed { .. }
        ));
        // Another address has its own bucket.
        let other: IpAddr = "192.0.2.8".parse().expect("ip");
        assert_eq!(
            limiter.take_auth_attempt(other, start),
            Taken::Allowed { left: 2 }
        );
    }

    #[test]
    fn successes_give_their_attempt_back() {
        let now = Instant::now();
        let limiter = RateLimiter::new(limits(2, 600, 0));
        let ip: IpAddr = "198.51.100.1".parse().expect("ip");
        for _ in 0..50 {
            assert!(matches!(
                limiter.take_auth_attempt(ip, now),
                Taken::Allowed { .. }
            ));
            limiter.auth_succeeded(ip, now);
        }
        assert_eq!(
            limiter.take_auth_attempt(ip, now),
            Taken::Allowed { left: 1 }
        );
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_a_bucket() {
        let now = Instant::now();
        let limiter = RateLimiter::new(limits(1, 600, 0));
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert!(matches!(
            limiter.take_auth_attempt(a, now),
            Taken::Allowed { .. }
        ));
        assert!(matches!(
            limiter.take_auth_attempt(b, now),
            Taken::Refused(_)
        ));
        assert!(matches!(
            limiter.take_auth_attempt(c, now),
            Taken::Allowed { .. }
        ));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(ip_key(mapped), "192.0.2.1".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn sync_is_limited_per_token_and_zero_means_no_limit() {
        let now = Instant::now();
        let limiter = RateLimiter::new(limits(0, 600, 2));
        assert!(matches!(
            limiter.take_sync("token-a", now),
            Taken::Allowed { .. }
        ));
        assert!(matches!(
            limiter.take_sync("token-a", now),
            Taken::Allowed { .. }
        ));
        assert_eq!(
            limiter.take_sync("token-a", now),
            Taken::Refused(Limited {
                retry_after_secs: 30
            })
        );
        assert!(matches!(
            limiter.take_sync("token-b", now),
            Taken::Allowed { .. }
        ));
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        for _ in 0..1000 {
            assert!(matches!(
                limiter.take_auth_attempt(ip, now),
                Taken::Allowed { .. }
            ));
        }
    }

    #[test]
    fn refilled_buckets_are_pruned_and_a_full_table_fails_closed() {
        let start = Instant::now();
        let buckets: Buckets<u32> =
            Buckets::new(1, Duration::from_secs(10), 3, start).expect("limited");
        for key in 0..3 {
            assert!(matches!(buckets.take(&key, start), Taken::Allowed { .. }));
        }
        // Full of empty buckets: a new key is refused rather than let through unlimited.
        assert!(matches!(buckets.take(&99, start), Taken::Refused(_)));
        // Once they refilled they are dropped, and the new key gets a bucket.
        let later = start + Duration::from_secs(11);
        assert!(matches!(buckets.take(&99, later), Taken::Allowed { .. }));
        assert_eq!(buckets.len(), 1);
    }
}
