//! `RetryPolicy`: which failed attempts are tried again, and after how long.
//!
//! The rules, in one place so no call site decides on its own:
//! - 429: always retried (NetBird's limiter answers before any handler runs, so even a POST
//!   did not land), after emptying the budget and waiting a refill interval with jitter;
//!   bounded by [`RetryPolicy::max_rate_limited_attempts`].
//! - 502, 503, 504, timeouts and dropped connections: retried with capped exponential backoff
//!   for idempotent methods (GET, PUT, DELETE) only. A POST may have landed, so it fails with
//!   "outcome unknown" and the caller re-reads instead of creating a duplicate.
//! - A connection that could not be opened: retried for every method (nothing was sent).
//! - A TLS certificate the client does not trust is never retried: every handshake would
//!   refuse it the same way, so the run fails at once and says how to trust the CA.
//! - 500 is not retried: NetBird answers 500 to some invalid input, and retrying a
//!   deterministic failure only spends the budget.

use std::time::Duration;

use crate::api::Method;

/// How many times, and how patiently, failed requests are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts for a request meeting transient failures (gateway 5xx, timeouts, connection
    /// errors), the first included.
    pub max_attempts: u32,
    /// Attempts for a request answered with 429, the first included.
    pub max_rate_limited_attempts: u32,
    /// Backoff before the first retry of a transient failure; doubled on each retry.
    pub initial_backoff: Duration,
    /// The cap of the exponential backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_rate_limited_attempts: 8,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server answered with this non-success status.
    Status(u16),
    /// No connection could be opened: the request never left.
    Connect,
    /// The TLS handshake refused the server's certificate: the request never left, and no
    /// later attempt would be treated differently.
    Certificate,
    /// The request was sent (or partly sent) and no complete answer came back.
    NoAnswer,
}

/// What to do about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Rate limited: drain the budget, wait a refill interval with jitter, try again.
    RateLimited,
    /// Transient: back off exponentially and try again.
    Transient,
    /// A POST may or may not have landed: stop, report the outcome as unknown.
    OutcomeUnknown,
    /// Permanent: report the answer.
    Fail,
}

impl RetryPolicy {
    /// Classifies a failed attempt (before the attempt budgets are checked).
    pub(crate) fn verdict(method: Method, failure: Failure) -> Verdict {
        match failure {
            Failure::Status(429) => Verdict::RateLimited,
            Failure::Status(502..=504) | Failure::NoAnswer => {
                if method.is_idempotent() {
                    Verdict::Transient
                } else {
                    Verdict::OutcomeUnknown
                }
            }
            Failure::Connect => Verdict::Transient,
            Failure::Certificate | Failure::Status(_) => Verdict::Fail,
        }
    }

    /// The wait before retry number `retry` (1-based) of a transient failure: exponential,
    /// capped, with "equal jitter" (half fixed, half random) so tenants that failed together
    /// do not retry in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let full = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let half = full / 2;
        half + jitter(full.saturating_sub(half))
    }
}

/// What to do after a failed attempt, once the attempts so far are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// A 429 with attempts left: drain the budget, wait a refill interval, send again.
    AfterRefill,
    /// A transient failure with attempts left: wait this long, send again.
    After(Duration),
    /// A 429 with no attempts left.
    TooManyRateLimited,
    /// A write may or may not have landed: never sent again blindly.
    OutcomeUnknown,
    /// Permanent, or the transient attempts are used up: report the answer.
    GiveUp,
}

/// The retries one request has made, counted apart: 429s are the server pacing the budget,
/// the others are faults.
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    rate_limited: u32,
    transient: u32,
}

impl Attempts {
    /// Counts a failed attempt and says what comes next.
    pub(crate) fn after(&mut self, policy: &RetryPolicy, method: Method, failure: Failure) -> Next {
        match RetryPolicy::verdict(method, failure) {
            Verdict::RateLimited => {
                self.rate_limited += 1;
                if self.rate_limited >= policy.max_rate_limited_attempts {
                    Next::TooManyRateLimited
                } else {
                    Next::AfterRefill
                }
            }
            Verdict::Transient => {
                self.transient += 1;
                if self.transient >= policy.max_attempts {
                    Next::GiveUp
                } else {
                    Next::After(policy.backoff(self.transient))
                }
            }
            Verdict::OutcomeUnknown => Next::OutcomeUnknown,
            Verdict::Fail => Next::GiveUp,
        }
    }
}

/// A random duration in `[0, up_to]`.
pub(crate) fn jitter(up_to: Duration) -> Duration {
    let nanos = u64::try_from(up_to.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(0..=nanos))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Attempts, Failure, Next, RetryPolicy, Verdict};
    use crate::api::Method;

    #[test]
    fn what_is_retried() {
        use Failure::{Certificate, Connect, NoAnswer, Status};
        use Method::{Delete, Get, Post, Put};
        let cases = [
            (Get, Status(429), Verdict::RateLimited),
            (Post, Status(429), Verdict::RateLimited),
            (Get, Status(502), Verdict::Transient),
            (Put, Status(503), Verdict::Transient),
            (Delete, Status(504), Verdict::Transient),
            (Get, NoAnswer, Verdict::Transient),
            (Post, Status(502), Verdict::OutcomeUnknown),
            (Post, Status(503), Verdict::OutcomeUnknown),
            (Post, NoAnswer, Verdict::OutcomeUnknown),
            (Post, Connect, Verdict::Transient),
            (Get, Status(500), Verdict::Fail),
            (Post, Status(500), Verdict::Fail),
            (Get, Status(404), Verdict::Fail),
            (Put, Status(422), Verdict::Fail),
            (Get, Certificate, Verdict::Fail),
            (Post, Certificate, Verdict::Fail),
        ];
        for (method, failure, expected) in cases {
            assert_eq!(
                RetryPolicy::verdict(method, failure),
                expected,
                "{method} {failure:?}"
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            for (retry, full_ms) in [
                (1, 100),
                (2, 200),
                (3, 400),
                (4, 800),
                (5, 1000),
                (30, 1000),
            ] {
                let wait = policy.backoff(retry);
                let full = Duration::from_millis(full_ms);
                assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait:?}");
            }
        }
    }

    #[test]
    fn rate_limits_and_faults_have_attempt_budgets_of_their_own() {
        let policy = RetryPolicy {
            max_attempts: 2,
            max_rate_limited_attempts: 3,
            ..RetryPolicy::default()
        };
        let mut attempts = Attempts::default();
        let get = Method::Get;
        assert_eq!(
            attempts.after(&policy, get, Failure::Status(429)),
            Next::AfterRefill
        );
        assert!(matches!(
            attempts.after(&policy, get, Failure::Status(503)),
            Next::After(_)
        ));
        assert_eq!(
            attempts.after(&policy, get, Failure::Status(429)),
            Next::AfterRefill
        );
        // The third 429 ends it; a 429 never used up a fault's attempt.
        assert_eq!(
            attempts.after(&policy, get, Failure::Status(429)),
            Next::TooManyRateLimited
        );
        let mut attempts = Attempts::default();
        assert!(matches!(
            attempts.after(&policy, get, Failure::NoAnswer),
            Next::After(_)
        ));
        assert_eq!(
            attempts.after(&policy, get, Failure::NoAnswer),
            Next::GiveUp
        );
        // A write with no answer is never sent again; a 4xx is final at once.
        let mut attempts = Attempts::default();
        assert_eq!(
            attempts.after(&policy, Method::Post, Failure::NoAnswer),
            Next::OutcomeUnknown
        );
        assert_eq!(
            attempts.after(&policy, get, Failure::Status(400)),
            Next::GiveUp
        );
    }
}
