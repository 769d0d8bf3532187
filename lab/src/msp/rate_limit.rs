//! The front's per-token rate limit, as NetBird applies it.
//!
//! NetBird keys a `golang.org/x/time/rate` token bucket by the raw token string, refills it at
//! `rpm / 60` tokens per second up to `burst`, and checks it before it validates the token (so
//! wrong tokens spend a bucket too). A refused request gets 429 with no `Retry-After` and no
//! `X-RateLimit-*` headers: clients must pace themselves. The clock is a parameter, so the
//! bucket arithmetic is tested without sleeping.

use std::collections::HashMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Requests per minute and bucket size of the per-token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Sustained rate: tokens added per minute.
    pub requests_per_minute: u32,
    /// Bucket size: requests allowed at once after an idle spell.
    pub burst: u32,
}

/// One token bucket.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// Every token's bucket under one limit; off when the limit is `None`.
#[derive(Debug, Default)]
pub struct Limiter {
    limit: Option<RateLimit>,
    buckets: HashMap<String, Bucket>,
}

impl Limiter {
    /// A limiter with `limit` (`None`: every request is allowed).
    pub fn new(limit: Option<RateLimit>) -> Self {
        Self {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// The limit in force.
    pub fn limit(&self) -> Option<RateLimit> {
        self.limit
    }

    /// Changes the limit; every bucket starts full again, as after a server restart.
    pub fn set_limit(&mut self, limit: Option<RateLimit>) {
        self.limit = limit;
        self.buckets.clear();
    }

    /// Takes one token from `key`'s bucket at time `now`; false when the bucket is empty.
    pub fn allow(&mut self, key: &str, now: Instant) -> bool {
        let Some(limit) = self.limit else { return true };
        let burst = f64::from(limit.burst);
        let bucket = self.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            refilled_at: now,
        });
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        let per_second = f64::from(limit.requests_per_minute) / 60.0;
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Limiter, RateLimit};

    #[test]
    fn off_allows_everything() {
        let mut limiter = Limiter::new(None);
        let now = Instant::now();
        assert!((0..10_000).all(|_| limiter.allow("t", now)));
    }

    #[test]
    fn burst_then_refill_at_rpm_per_key() {
        let mut limiter = Limiter::new(Some(RateLimit {
            requests_per_minute: 60,
            burst: 3,
        }));
        let t0 = Instant::now();
        assert!(limiter.allow("a", t0));
        assert!(limiter.allow("a", t0));
        assert!(limiter.allow("a", t0));
        assert!(
            !limiter.allow("a", t0),
            "fourth request within the burst window"
        );
        assert!(limiter.allow("b", t0), "another token has its own bucket");
        assert!(!limiter.allow("a", t0 + Duration::from_millis(900)));
        assert!(
            limiter.allow("a", t0 + Duration::from_millis(1_900)),
            "one token per second"
        );
        assert!(!limiter.allow("a", t0 + Duration::from_millis(1_950)));
    }

    #[test]
    fn refill_never_exceeds_the_burst() {
        let mut limiter = Limiter::new(Some(RateLimit {
            requests_per_minute: 600,
            burst: 2,
        }));
        let t0 = Instant::now();
        let later = t0 + Duration::from_hours(1);
        assert!(limiter.allow("a", t0));
        assert!(limiter.allow("a", later));
        assert!(limiter.allow("a", later));
        assert!(!limiter.allow("a", later));
    }

    #[test]
    fn changing_the_limit_refills_buckets() {
        let mut limiter = Limiter::new(Some(RateLimit {
            requests_per_minute: 1,
            burst: 1,
        }));
        let t0 = Instant::now();
        assert!(limiter.allow("a", t0));
        assert!(!limiter.allow("a", t0));
        limiter.set_limit(Some(RateLimit {
            requests_per_minute: 1,
            burst: 1,
        }));
        assert!(limiter.allow("a", t0));
    }
}
