//! A setup key's equality rules: its usage limit as the server stores it, and its expiry, of
//! which the server keeps only the absolute time.

use serde::{Deserialize, Serialize};

use crate::kinds::{ExpiresIn, SetupKeyType};

/// What the server says about a setup key's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyExpiry {
    /// The key never expires.
    Never,
    /// The key expires at some point and has not yet.
    Later,
    /// The key has expired.
    Expired,
}

/// A setup key's usage limit: 0 means unlimited, and the server stores 1 for every one-off key
/// whatever was sent. Each side is read with its own key type, so a reusable key of 200 uses
/// differs from the one-off key the file asks for.
pub(crate) fn usage_limit_differs(
    desired_type: SetupKeyType,
    desired: Option<u32>,
    live_type: SetupKeyType,
    live: Option<u32>,
) -> bool {
    let normalise = |key_type: SetupKeyType, limit: u32| {
        if key_type == SetupKeyType::OneOff {
            1
        } else {
            limit
        }
    };
    let desired = match desired {
        Some(limit) => normalise(desired_type, limit),
        // Unmanaged: only a change of type makes the server's limit differ (one-off is 1).
        None if desired_type == SetupKeyType::OneOff && desired_type != live_type => 1,
        None => return false,
    };
    Some(desired) != live.map(|limit| normalise(live_type, limit))
}

/// Milliseconds within which a key's lifetime counts as the one it was created with (the server
/// takes the expiry and the update time from two clock readings microseconds apart).
const LIFETIME_SLACK_MS: u64 = 1500;
/// A lifetime this close to a whole minute is one a key was created with, not the time left
/// after a later update (which falls anywhere within the minute).
const WHOLE_MINUTE_SLACK_MS: u64 = 50;

/// The validity a live key was created with, when its lifetime shows it: the time from its last
/// update to its expiry is its creation validity exactly when it was never updated, and then
/// (durations being whole minutes) it is a whole number of minutes.
pub(crate) fn created_validity(lifetime_ms: u64) -> Option<ExpiresIn> {
    let minute = 60_000;
    let off = lifetime_ms % minute;
    let whole = off <= WHOLE_MINUTE_SLACK_MS || minute - off <= WHOLE_MINUTE_SLACK_MS;
    let minutes = (lifetime_ms + minute / 2) / minute;
    (whole && minutes > 0).then_some(ExpiresIn::Seconds(minutes * 60))
}

/// What to do about a setup key's expiry. The server stores only the absolute expiry, so a
/// finite `expires_in` is intent at creation: it is not compared with the remaining time (that
/// would plan a change every run). What can be compared: never against finite, and a key that
/// has already expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpiryVerdict {
    /// Nothing to do.
    Same,
    /// Never-expiring against expiring: a create-only field differs.
    Differs,
    /// The live key has expired: it needs replacing to be usable.
    Expired,
}

/// See [`ExpiryVerdict`]. `lifetime_ms` is the live key's time from its last update to its
/// expiry: never longer than the validity it was created with, equal to it when it was never
/// updated. A lifetime longer than the file's validity, or equal to another whole validity,
/// shows the key was created with another `expires_in`; one that fell short after an update
/// cannot tell, and counts as the same (a replace would cost a working key).
pub(crate) fn expiry_verdict(
    desired: Option<ExpiresIn>,
    live: Option<KeyExpiry>,
    lifetime_ms: Option<u64>,
) -> ExpiryVerdict {
    match (desired, live) {
        (Some(_), Some(KeyExpiry::Expired)) => ExpiryVerdict::Expired,
        (Some(ExpiresIn::Seconds(seconds)), Some(KeyExpiry::Later)) => match lifetime_ms {
            Some(lifetime) if lifetime_differs(seconds * 1000, lifetime) => ExpiryVerdict::Differs,
            _ => ExpiryVerdict::Same,
        },
        (None, _) | (_, None) | (Some(ExpiresIn::Never), Some(KeyExpiry::Never)) => {
            ExpiryVerdict::Same
        }
        (Some(_), Some(_)) => ExpiryVerdict::Differs,
    }
}

fn lifetime_differs(wanted_ms: u64, lifetime_ms: u64) -> bool {
    if lifetime_ms.abs_diff(wanted_ms) <= LIFETIME_SLACK_MS {
        return false;
    }
    lifetime_ms > wanted_ms || created_validity(lifetime_ms).is_some()
}

#[cfg(test)]
mod tests {
    use super::{ExpiryVerdict, KeyExpiry, created_validity, expiry_verdict, usage_limit_differs};
    use crate::kinds::{ExpiresIn, SetupKeyType};
    #[test]
    fn a_key_created_with_another_validity_differs_an_updated_one_cannot_tell() {
        let day = 86_400_000;
        let thirty = Some(ExpiresIn::Seconds(30 * 86_400));
        let later = Some(KeyExpiry::Later);
        // Created with 30d, never updated: the lifetime is 30d less a few microseconds.
        assert_eq!(
            expiry_verdict(thirty, later, Some(30 * day - 1)),
            ExpiryVerdict::Same
        );
        // Created with 60d: longer than the file allows.
        assert_eq!(
            expiry_verdict(thirty, later, Some(60 * day - 1)),
            ExpiryVerdict::Differs
        );
        // Created with 24h and never updated: a whole validity, not 30d.
        assert_eq!(
            expiry_verdict(thirty, later, Some(day - 2)),
            ExpiryVerdict::Differs
        );
        // Created with 30d and updated 5 days and some seconds later: cannot tell.
        assert_eq!(
            expiry_verdict(thirty, later, Some(25 * day - 4_321_123)),
            ExpiryVerdict::Same
        );
        assert_eq!(expiry_verdict(thirty, later, None), ExpiryVerdict::Same);
        assert_eq!(
            created_validity(7 * day - 3),
            Some(ExpiresIn::Seconds(7 * 86_400))
        );
        assert_eq!(created_validity(7 * day - 4_321_123), None);
    }

    #[test]
    fn one_off_keys_read_back_with_limit_one() {
        use SetupKeyType::{OneOff, Reusable};
        assert!(!usage_limit_differs(OneOff, Some(0), OneOff, Some(1)));
        assert!(!usage_limit_differs(Reusable, Some(0), Reusable, Some(0)));
        assert!(usage_limit_differs(Reusable, Some(5), Reusable, Some(0)));
        assert!(!usage_limit_differs(Reusable, None, Reusable, Some(7)));
        // A reusable key of 200 uses that the file makes one-off: 200 → 1 is shown.
        assert!(usage_limit_differs(OneOff, Some(1), Reusable, Some(200)));
        assert!(usage_limit_differs(OneOff, None, Reusable, Some(200)));
    }

    #[test]
    fn finite_expiry_is_intent_at_creation_not_state() {
        let thirty_days = Some(ExpiresIn::Seconds(30 * 86_400));
        assert_eq!(
            expiry_verdict(thirty_days, Some(KeyExpiry::Later), None),
            ExpiryVerdict::Same
        );
        assert_eq!(
            expiry_verdict(thirty_days, Some(KeyExpiry::Never), None),
            ExpiryVerdict::Differs
        );
        assert_eq!(
            expiry_verdict(Some(ExpiresIn::Never), Some(KeyExpiry::Later), None),
            ExpiryVerdict::Differs
        );
        assert_eq!(
            expiry_verdict(Some(ExpiresIn::Never), Some(KeyExpiry::Never), None),
            ExpiryVerdict::Same
        );
        assert_eq!(
            expiry_verdict(thirty_days, Some(KeyExpiry::Expired), None),
            ExpiryVerdict::Expired
        );
        assert_eq!(
            expiry_verdict(None, Some(KeyExpiry::Expired), None),
            ExpiryVerdict::Same
        );
    }
}
