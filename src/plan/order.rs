//! The order apply executes changes in: creates, updates and replaces up the dependency ranks
//! (a group exists before a key names it), then deletes down the ranks (a policy goes before
//! the group it names), each group delete preceded by the updates that detach it. Same input,
//! same order: ties break by name, then by step (a key is revoked before its replace, a second
//! call follows its create).

use crate::plan::{Action, Change, Reason};

/// Sorts changes into execution order.
pub(super) fn order(changes: &mut [Change]) {
    changes.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
}

fn sort_key(change: &Change) -> (u8, i16, &str, u8) {
    let rank = i16::from(change.kind.rank());
    let step = match change.reason {
        Reason::RevokeFirst => 0,
        Reason::SetAfterCreate { .. } => 2,
        _ => 1,
    };
    match (change.action, &change.reason) {
        // Detaching runs with the deletes, after every other write to the object and before
        // the group deletes (groups have the lowest rank, so they come last going down).
        (Action::Update, Reason::Detach { .. }) | (Action::Delete, _) => {
            (1, -rank, &change.name, step)
        }
        (Action::Create | Action::Update | Action::Replace, _) => (0, rank, &change.name, step),
    }
}

#[cfg(test)]
mod tests {
    use super::order;
    use crate::kinds::Kind;
    use crate::plan::{Action, Change, Reason};

    fn change(kind: Kind, name: &str, action: Action) -> Change {
        Change {
            kind,
            name: name.into(),
            action,
            reason: Reason::Missing,
            before: None,
            after: None,
            fields: vec![],
            drift: false,
        }
    }

    #[test]
    fn creates_go_up_the_ranks_and_deletes_come_after_going_down() {
        let mut changes = vec![
            change(Kind::Group, "old", Action::Delete),
            change(Kind::Policy, "p", Action::Create),
            change(Kind::Policy, "stale", Action::Delete),
            change(Kind::SetupKey, "k", Action::Update),
            change(Kind::Group, "b", Action::Create),
            change(Kind::Group, "a", Action::Create),
        ];
        order(&mut changes);
        let seen: Vec<(Kind, &str)> = changes.iter().map(|c| (c.kind, c.name.as_str())).collect();
        assert_eq!(
            seen,
            [
                (Kind::Group, "a"),
                (Kind::Group, "b"),
                (Kind::SetupKey, "k"),
                (Kind::Policy, "p"),
                (Kind::Policy, "stale"),
                (Kind::Group, "old"),
            ]
        );
    }
}
