//! Semantic equality: when a desired field and a live field mean the same thing. One rule per
//! function, each with its test, so "why does it plan a change every run" has one place to look.
//!
//! Rules that live elsewhere, because they are about shape rather than comparison:
//! sets are `BTreeSet`s in the model (order never matters), `live::convert` turns the server's
//! objects-on-read into the names-on-write the files use and `null` lists into empty ones, and
//! user keys are lower-case emails.

use crate::live::KeyExpiry;
use crate::model::{ExpiresIn, SetupKeyType};

/// A field the file leaves out is unmanaged: it never differs. A field the file sets differs
/// when the live value is not the same.
pub fn managed_differs<T: PartialEq>(desired: Option<&T>, live: Option<&T>) -> bool {
    desired.is_some_and(|desired| Some(desired) != live)
}

/// Free text: an absent live value and an empty one are the same (the server stores "" for an
/// omitted description).
pub fn text_differs(desired: Option<&String>, live: Option<&String>) -> bool {
    desired.is_some_and(|desired| desired.as_str() != live.map_or("", String::as_str))
}

/// Emails compare without regard to case.
pub fn email_equal(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A setup key's usage limit: 0 means unlimited, and the server stores 1 for every one-off key
/// whatever was sent.
pub fn usage_limit_differs(
    key_type: SetupKeyType,
    desired: Option<u32>,
    live: Option<u32>,
) -> bool {
    let Some(desired) = desired else { return false };
    let normalise = |limit: u32| {
        if key_type == SetupKeyType::OneOff {
            1
        } else {
            limit
        }
    };
    Some(normalise(desired)) != live.map(normalise)
}

/// What to do about a setup key's expiry. The server stores only the absolute expiry, so a
/// finite `expires_in` is intent at creation: it is not compared with the remaining time (that
/// would plan a change every run). What can be compared: never against finite, and a key that
/// has already expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryVerdict {
    /// Nothing to do.
    Same,
    /// Never-expiring against expiring: a create-only field differs.
    Differs,
    /// The live key has expired: it needs replacing to be usable.
    Expired,
}

/// See [`ExpiryVerdict`].
pub fn expiry_verdict(desired: Option<ExpiresIn>, live: Option<KeyExpiry>) -> ExpiryVerdict {
    match (desired, live) {
        (Some(_), Some(KeyExpiry::Expired)) => ExpiryVerdict::Expired,
        (None, _)
        | (_, None)
        | (Some(ExpiresIn::Never), Some(KeyExpiry::Never))
        | (Some(ExpiresIn::Seconds(_)), Some(KeyExpiry::Later)) => ExpiryVerdict::Same,
        (Some(_), Some(_)) => ExpiryVerdict::Differs,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{
        ExpiryVerdict, email_equal, expiry_verdict, managed_differs, text_differs,
        usage_limit_differs,
    };
    use crate::live::KeyExpiry;
    use crate::model::{ExpiresIn, SetupKeyType};

    #[test]
    fn fields_left_out_are_unmanaged() {
        assert!(!managed_differs::<bool>(None, Some(&true)));
        assert!(managed_differs(Some(&false), Some(&true)));
        assert!(!managed_differs(Some(&true), Some(&true)));
    }

    #[test]
    fn sets_ignore_order() {
        let desired: BTreeSet<String> = ["b", "a"].map(String::from).into();
        let live: BTreeSet<String> = ["a", "b"].map(String::from).into();
        assert!(!managed_differs(Some(&desired), Some(&live)));
    }

    #[test]
    fn absent_and_empty_lists_are_the_same_once_managed() {
        let empty = BTreeSet::<String>::new();
        assert!(!managed_differs(Some(&empty), Some(&empty)));
        assert!(!managed_differs(None, Some(&empty)));
    }

    #[test]
    fn empty_text_equals_absent_text() {
        assert!(!text_differs(Some(&String::new()), None));
        assert!(!text_differs(None, Some(&"x".to_owned())));
        assert!(text_differs(Some(&"LAN".to_owned()), Some(&String::new())));
    }

    #[test]
    fn emails_ignore_case() {
        assert!(email_equal(
            "Peter.Gibbons@Initech.example",
            "peter.gibbons@initech.example"
        ));
        assert!(!email_equal("a@x.example", "b@x.example"));
    }

    #[test]
    fn one_off_keys_read_back_with_limit_one() {
        assert!(!usage_limit_differs(SetupKeyType::OneOff, Some(0), Some(1)));
        assert!(!usage_limit_differs(
            SetupKeyType::Reusable,
            Some(0),
            Some(0)
        ));
        assert!(usage_limit_differs(
            SetupKeyType::Reusable,
            Some(5),
            Some(0)
        ));
        assert!(!usage_limit_differs(SetupKeyType::Reusable, None, Some(7)));
    }

    #[test]
    fn finite_expiry_is_intent_at_creation_not_state() {
        let thirty_days = Some(ExpiresIn::Seconds(30 * 86_400));
        assert_eq!(
            expiry_verdict(thirty_days, Some(KeyExpiry::Later)),
            ExpiryVerdict::Same
        );
        assert_eq!(
            expiry_verdict(thirty_days, Some(KeyExpiry::Never)),
            ExpiryVerdict::Differs
        );
        assert_eq!(
            expiry_verdict(Some(ExpiresIn::Never), Some(KeyExpiry::Later)),
            ExpiryVerdict::Differs
        );
        assert_eq!(
            expiry_verdict(Some(ExpiresIn::Never), Some(KeyExpiry::Never)),
            ExpiryVerdict::Same
        );
        assert_eq!(
            expiry_verdict(thirty_days, Some(KeyExpiry::Expired)),
            ExpiryVerdict::Expired
        );
        assert_eq!(
            expiry_verdict(None, Some(KeyExpiry::Expired)),
            ExpiryVerdict::Same
        );
    }
}
