//! `RateBudget`: one client-side token bucket for every request of the run.
//!
//! NetBird limits a PAT with a token bucket keyed by the token itself, so every tenant reached
//! through one MSP token draws from one bucket (Cloud: 120 requests/minute, burst 1,200). Its
//! 429 carries no `Retry-After` and no `X-RateLimit-*` headers, so the client cannot learn the
//! server's state from an answer: it has to pace itself. Each request takes a token here before
//! it is sent, so birdhouse alone never meets a 429; when it meets one anyway (another client
//! spends the same token), [`RateBudget::drain`] empties the bucket so every tenant slows down.
//!
//! Waiting goes through a [`Clock`], so the pacing is tested on virtual time in milliseconds.

use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A future returned by [`Clock::sleep_until`].
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Where the budget and the retry policy read the time and wait.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Resolves once `deadline` has passed. A deadline (not a duration) keeps concurrent
    /// waiters exact on a virtual clock.
    fn sleep_until(&self, deadline: Instant) -> Sleep<'_>;
}

/// Real time, waiting with tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep<'_> {
        Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(
            deadline,
        )))
    }
}

/// Time that passes only when someone waits: a wait jumps the clock to its deadline at once.
///
/// For tests and benchmarks: a run paced at 2 requests per second finishes in milliseconds,
/// and [`VirtualClock::elapsed`] tells how long it would have taken.
#[derive(Debug)]
pub struct VirtualClock {
    start: Instant,
    elapsed: Mutex<Duration>,
}

impl VirtualClock {
    /// A clock at virtual time zero.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed: Mutex::new(Duration::ZERO),
        }
    }

    /// Virtual time passed since [`VirtualClock::new`].
    pub fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward, as if the caller had been idle.
    pub fn advance(&self, by: Duration) {
        *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep<'_> {
        let target = deadline.saturating_duration_since(self.start);
        {
            let mut elapsed = self.elapsed.lock().unwrap_or_else(PoisonError::into_inner);
            *elapsed = (*elapsed).max(target);
        }
        // Yield so concurrent tasks interleave as they would in real time.
        Box::pin(tokio::task::yield_now())
    }
}

/// The client's own bucket for the server's budget: (tokens per second, capacity).
///
/// Pacing at exactly the server's rate leaves the server's bucket empty in the steady state,
/// and then any jitter (one request delayed on the way lets the next arrive early) meets a 429.
/// So the client keeps slack on both axes: it holds back 2% of the burst (at least two
/// requests, leaving at least one) and paces 1% under the rate; the server's bucket then always
/// has a few tokens to absorb jitter. The cost is about 1% of wall time beyond the burst.
fn with_slack(requests_per_minute: NonZeroU32, burst: NonZeroU32) -> (f64, f64) {
    const PACE: f64 = 0.99;
    let burst = f64::from(burst.get());
    let capacity = (burst - (burst / 50.0).max(2.0)).max(1.0);
    (f64::from(requests_per_minute.get()) / 60.0 * PACE, capacity)
}

/// The bucket arithmetic, without a clock: pure, so the pacing math is unit-tested directly.
///
/// Tokens may go negative: a caller that finds the bucket empty reserves the next token and
/// is told when it becomes available. Reservations are handed out in call order, so waiting is
/// first come, first served, and a tenant can never be starved by others.
#[derive(Debug, Clone)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn new(per_second: f64, capacity: f64, now: Instant) -> Self {
        Self {
            capacity,
            per_second,
            tokens: capacity,
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        if now > self.updated {
            let gained = now.duration_since(self.updated).as_secs_f64() * self.per_second;
            self.tokens = (self.tokens + gained).min(self.capacity);
            self.updated = now;
        }
    }

    /// Takes one token and returns the instant the caller may send.
    fn reserve(&mut self, now: Instant) -> Instant {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            now
        } else {
            now + Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }

    /// Forgets the tokens on hand (the server says there are none); keeps reservations.
    fn drain(&mut self, now: Instant) {
        self.refill(now);
        self.tokens = self.tokens.min(0.0);
    }
}

/// The run's request budget: a token bucket every request of every tenant draws from.
#[derive(Debug)]
pub struct RateBudget {
    bucket: Mutex<Bucket>,
    clock: Arc<dyn Clock>,
    refill_interval: Duration,
}

impl RateBudget {
    /// A full bucket for a server budget of `burst` tokens refilled at `requests_per_minute`,
    /// kept a little under it (2% of the burst, 1% of the rate) so jitter never meets a 429.
    pub fn new(requests_per_minute: NonZeroU32, burst: NonZeroU32, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now();
        Self {
            bucket: Mutex::new({
                let (per_second, capacity) = with_slack(requests_per_minute, burst);
                Bucket::new(per_second, capacity, now)
            }),
            refill_interval: Duration::from_secs_f64(60.0 / f64::from(requests_per_minute.get())),
            clock,
        }
    }

    /// Waits until a token is available and takes it; returns how long it waited.
    ///
    /// The reservation is made under a lock held for no await, so callers are served in the
    /// order they asked, whatever tenant they work for.
    pub async fn acquire(&self) -> Duration {
        let now = self.clock.now();
        let ready = self
            .bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reserve(now);
        if ready > now {
            self.clock.sleep_until(ready).await;
        }
        ready - now
    }

    /// Empties the bucket after a 429: the server has no tokens for us, so nobody should
    /// send before the next refill.
    pub fn drain(&self) {
        let now = self.clock.now();
        self.bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(now);
    }

    /// The time one token takes to refill: 60 / requests-per-minute seconds.
    pub fn refill_interval(&self) -> Duration {
        self.refill_interval
    }

    /// The clock the budget waits on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{Bucket, RateBudget, VirtualClock, with_slack};

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    fn ms(d: Duration) -> u128 {
        d.as_millis()
    }

    #[test]
    fn burst_is_free_then_one_token_per_interval() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(2.0, 3.0, t0);
        for _ in 0..3 {
            assert_eq!(bucket.reserve(t0), t0, "the burst is spent without waiting");
        }
        // 120/min = one token per 500 ms; the 4th, 5th, 6th wait 0.5, 1.0, 1.5 s.
        let waits: Vec<u128> = (0..3).map(|_| ms(bucket.reserve(t0) - t0)).collect();
        assert_eq!(waits, vec![500, 1000, 1500]);
    }

    #[test]
    fn the_client_keeps_slack_under_the_servers_budget() {
        assert_eq!(with_slack(nz(120), nz(1200)), (1.98, 1176.0));
        assert_eq!(with_slack(nz(1200), nz(30)), (19.8, 28.0));
        assert_eq!(
            with_slack(nz(60), nz(1)),
            (0.99, 1.0),
            "never below one token"
        );
    }

    #[test]
    fn idle_time_refills_up_to_the_burst_only() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(1.0, 2.0, t0);
        bucket.reserve(t0);
        bucket.reserve(t0);
        // An hour idle refills 2 tokens, not 3,600.
        let later = t0 + Duration::from_hours(1);
        assert_eq!(bucket.reserve(later), later);
        assert_eq!(bucket.reserve(later), later);
        assert_eq!(ms(bucket.reserve(later) - later), 1000);
    }

    #[test]
    fn drain_empties_the_bucket_but_keeps_reservations() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(2.0, 1200.0, t0);
        bucket.drain(t0);
        assert_eq!(
            ms(bucket.reserve(t0) - t0),
            500,
            "after a 429 the next send waits"
        );
        // A second drain does not erase the reservation just made.
        bucket.drain(t0);
        assert_eq!(ms(bucket.reserve(t0) - t0), 1000);
    }

    #[tokio::test]
    async fn budget_paces_a_run_to_the_rate_on_virtual_time() {
        let clock = Arc::new(VirtualClock::new());
        let budget = RateBudget::new(nz(120), nz(10), clock.clone());
        for _ in 0..30 {
            budget.acquire().await;
        }
        // 8 free (the burst of 10 less the slack of 2), then 22 at 1/1.98 s each.
        assert_eq!(clock.elapsed().as_millis(), 11_111);
        assert_eq!(budget.refill_interval(), Duration::from_millis(500));
    }

    #[tokio::test]
    async fn concurrent_tenants_are_served_fairly() {
        let clock = Arc::new(VirtualClock::new());
        let budget = Arc::new(RateBudget::new(nz(60), nz(1), clock.clone()));
        // Three tenants, five requests each, one at a time per tenant (as a snapshot does).
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for tenant in 0..3 {
            let budget = budget.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..5 {
                    budget.acquire().await;
                    order.lock().unwrap().push(tenant);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let order = order.lock().unwrap();
        assert_eq!(order.len(), 15);
        // 1 free token then one per 1/0.99 s: 14.14 s in total, the rate never exceeded.
        assert_eq!(clock.elapsed().as_millis(), 14_141);
        // Turns interleave: in every prefix of the sequence, no tenant is more than two turns
        // ahead of another (a tenant served five times in a row would be five ahead).
        let mut turns = [0i32; 3];
        for &tenant in order.iter() {
            turns[tenant] += 1;
            let spread = turns.iter().max().unwrap() - turns.iter().min().unwrap();
            assert!(spread <= 2, "unfair turns {turns:?} in {order:?}");
        }
    }
}
