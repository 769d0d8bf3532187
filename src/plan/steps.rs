//! Changes that take two writes on one object, split into two changes so the plan lists every
//! write: a setup key is revoked before it is deleted and replaced (its secret is dead even if
//! the delete fails), and what NetBird cannot create directly is set by a second call after
//! the create: a key created `revoked`, a user created `blocked`, a router created disabled.
//! An apply stopped between the two leaves a state the next plan describes as the second step.

use serde_json::json;

use crate::kinds::Kind;
use crate::plan::{Action, Change, FieldChange, Object, Reason};

/// `changes` with each two-write change followed (or preceded) by its second change.
pub(super) fn split(changes: Vec<Change>) -> Vec<Change> {
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        if let Some(revoke) = revoke_first(&change) {
            out.push(revoke);
        }
        let then = set_after_create(&change);
        out.push(change);
        out.extend(then);
    }
    out
}

/// The revoke of a live key that a replace retires, unless it is revoked already.
fn revoke_first(change: &Change) -> Option<Change> {
    let (Action::Replace, Some(Object::SetupKey(old))) = (change.action, &change.before) else {
        return None;
    };
    if old.revoked == Some(true) {
        return None;
    }
    let mut revoked = old.clone();
    revoked.revoked = Some(true);
    Some(Change {
        kind: Kind::SetupKey,
        name: change.name.clone(),
        action: Action::Update,
        reason: Reason::RevokeFirst,
        before: Some(Object::SetupKey(old.clone())),
        after: Some(Object::SetupKey(revoked)),
        fields: vec![flag("revoked", false)],
        drift: false,
    })
}

/// The second call after a create (or a replace's create) whose object NetBird makes with
/// another value of `field`.
fn set_after_create(change: &Change) -> Option<Change> {
    if !matches!(change.action, Action::Create | Action::Replace) {
        return None;
    }
    let after = change.after.as_ref()?;
    let (field, created) = match after {
        Object::SetupKey(key) if key.revoked == Some(true) => {
            let mut created = key.clone();
            created.revoked = Some(false);
            ("revoked", Object::SetupKey(created))
        }
        Object::User(user) if change.action == Action::Create && user.blocked == Some(true) => {
            let mut created = user.clone();
            created.blocked = Some(false);
            ("blocked", Object::User(created))
        }
        Object::NetworkRouter(router)
            if change.action == Action::Create && router.object.enabled == Some(false) =>
        {
            let mut created = router.clone();
            created.object.enabled = Some(true);
            ("enabled", Object::NetworkRouter(created))
        }
        _ => return None,
    };
    // NetBird creates routers enabled, keys valid and users unblocked.
    let created_value = field == "enabled";
    Some(Change {
        kind: change.kind,
        name: change.name.clone(),
        action: Action::Update,
        reason: Reason::SetAfterCreate {
            field: field.to_owned(),
        },
        before: Some(created),
        after: Some(after.clone()),
        fields: vec![flag(field, created_value)],
        drift: false,
    })
}

/// A boolean field going from `from` to its opposite.
fn flag(field: &str, from: bool) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        before: json!(from),
        after: json!(!from),
    }
}
