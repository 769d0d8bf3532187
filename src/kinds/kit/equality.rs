//! Semantic equality every kind uses: when a desired field and a live field mean the same
//! thing. One rule per function, each with its test, so "why does it plan a change every run"
//! has one place to look; a kind's own rules are in its `equality.rs`.
//!
//! Rules that live elsewhere, because they are about shape rather than comparison:
//! sets are `BTreeSet`s in the model (order never matters), `live::convert` turns the server's
//! objects-on-read into the names-on-write the files use and `null` lists into empty ones, and
//! user keys are lower-case emails.

/// A field the file leaves out is unmanaged: it never differs. A field the file sets differs
/// when the live value is not the same.
pub(crate) fn managed_differs<T: PartialEq>(desired: Option<&T>, live: Option<&T>) -> bool {
    desired.is_some_and(|desired| Some(desired) != live)
}

/// Free text: an absent live value and an empty one are the same (the server stores "" for an
/// omitted description).
pub(crate) fn text_differs(desired: Option<&String>, live: Option<&String>) -> bool {
    desired.is_some_and(|desired| desired.as_str() != live.map_or("", String::as_str))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{managed_differs, text_differs};
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
}
