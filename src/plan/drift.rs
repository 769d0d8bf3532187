//! Drift apart from a pull request's change (`--changed-since REF`). The files at REF (what was
//! merged before the pull request) are planned against the same live snapshot as the head's,
//! so telling the two apart costs no call. A change both plans make is drift: the live tenant
//! already differed from what was merged, whoever changed it (the dashboard, another tool). A
//! change only the head's plan makes is the pull request's. Terraform's "objects have changed
//! outside of Terraform" is the model; here the comparison is of whole planned changes, so a
//! field the pull request edits on an object that also drifted shows as the pull request's.

use crate::plan::Change;

/// Marks each change of `head` that `base` (the plan of the same tenant's files at the
/// reference, against the same snapshot) makes too.
pub fn mark_drift(head: &mut [Change], base: &[Change]) {
    for change in head {
        change.drift = base.iter().any(|other| same_change(change, other));
    }
}

/// The same write: kind, object, action, reason, both sides and every field.
fn same_change(a: &Change, b: &Change) -> bool {
    a.kind == b.kind
        && a.name == b.name
        && a.action == b.action
        && a.reason == b.reason
        && a.before == b.before
        && a.after == b.after
        && a.fields == b.fields
}

#[cfg(test)]
mod tests {
    use super::mark_drift;
    use crate::kinds::{Group, Kind};
    use crate::plan::{Action, Change, Object, Reason};

    fn create_group(name: &str) -> Change {
        Change {
            kind: Kind::Group,
            name: name.to_owned(),
            action: Action::Create,
            reason: Reason::Missing,
            before: None,
            after: Some(Object::Group(Group {
                name: name.to_owned(),
                peers: None,
            })),
            fields: Vec::new(),
            drift: false,
        }
    }

    #[test]
    fn a_change_the_reference_makes_too_is_drift_one_only_the_head_makes_is_the_pull_requests() {
        // Live lacks `ops` (deleted by hand) and `devs` (new in the pull request).
        let mut head = vec![create_group("ops"), create_group("devs")];
        let base = vec![create_group("ops")];
        mark_drift(&mut head, &base);
        assert!(
            head[0].drift,
            "ops was in the merged files and is gone live: drift"
        );
        assert!(!head[1].drift, "devs is the pull request's");
    }

    #[test]
    fn the_same_object_written_differently_is_the_pull_requests() {
        let mut head = vec![create_group("ops")];
        let mut base = vec![create_group("ops")];
        base[0].reason = Reason::NotDesired;
        mark_drift(&mut head, &base);
        assert!(!head[0].drift);
    }
}
