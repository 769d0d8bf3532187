//! The writes a group delete needs first, as changes of their own. NetBird refuses to delete a
//! group that anything names, so every object that still names a deleted group once the plan's
//! other changes are made (a setup key's or user's `auto_groups`, a network resource's groups,
//! a router's peer groups, a policy rule's sources, destinations or NetBird SSH authorized
//! groups) is updated to leave it out, whether the files mention the object or not. Each is one
//! PUT, and one change in the plan, so a reviewer sees every object the delete rewrites.
//!
//! What cannot be detached (the last source of a rule, the last peer group of a router, a
//! policy of several rules, an object whose name is shared) was refused before this runs (see
//! `blockers`).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::live::Snapshot;
use crate::model::{Destination, Kind, Policy, RouterTarget, router_key};
use crate::plan::{Action, Change, FieldChange, NetworkChild, Object, Reason, projected};

/// One change per object that names a group `changes` delete.
pub(super) fn detach_changes(changes: &[Change], live: &Snapshot) -> Vec<Change> {
    let deleted: BTreeSet<String> = changes
        .iter()
        .filter(|c| c.kind == Kind::Group && c.action == Action::Delete)
        .map(|c| c.name.clone())
        .collect();
    if deleted.is_empty() {
        return Vec::new();
    }
    let tenant = projected::after(changes, live);
    let gone = |groups: &BTreeSet<String>| -> Vec<String> {
        groups.intersection(&deleted).cloned().collect()
    };
    let left = |groups: &BTreeSet<String>| -> BTreeSet<String> {
        groups.difference(&deleted).cloned().collect()
    };
    let mut out = Vec::new();

    for (name, key) in &tenant.setup_keys {
        let Some(groups) = key.auto_groups.as_ref().filter(|g| !gone(g).is_empty()) else {
            continue;
        };
        let mut after = key.clone();
        after.auto_groups = Some(left(groups));
        let fields = vec![field("auto_groups", groups, &left(groups))];
        let (before, after) = (Object::SetupKey(key.clone()), Object::SetupKey(after));
        out.push(detach(
            Kind::SetupKey,
            name,
            gone(groups),
            (before, after),
            fields,
        ));
    }
    for (name, user) in &tenant.users {
        let Some(groups) = user.auto_groups.as_ref().filter(|g| !gone(g).is_empty()) else {
            continue;
        };
        let mut after = user.clone();
        after.auto_groups = Some(left(groups));
        let fields = vec![field("auto_groups", groups, &left(groups))];
        let (before, after) = (Object::User(user.clone()), Object::User(after));
        out.push(detach(
            Kind::User,
            name,
            gone(groups),
            (before, after),
            fields,
        ));
    }
    for (name, user) in &tenant.service_users {
        let Some(groups) = user.auto_groups.as_ref().filter(|g| !gone(g).is_empty()) else {
            continue;
        };
        let mut after = user.clone();
        after.auto_groups = Some(left(groups));
        // Only the groups change: the token (a field of its own call) is not written again.
        after.token = None;
        let mut before = user.clone();
        before.token = None;
        let fields = vec![field("auto_groups", groups, &left(groups))];
        let (before, after) = (Object::ServiceUser(before), Object::ServiceUser(after));
        out.push(detach(
            Kind::ServiceUser,
            name,
            gone(groups),
            (before, after),
            fields,
        ));
    }
    for network in tenant.networks.values() {
        fn child<T>(network: &str, object: T) -> NetworkChild<T> {
            NetworkChild {
                network: network.to_owned(),
                object,
            }
        }
        let child_of = |object| child(&network.name, object);
        for (name, resource) in &network.resources {
            let Some(groups) = resource.groups.as_ref().filter(|g| !gone(g).is_empty()) else {
                continue;
            };
            let mut after = resource.clone();
            after.groups = Some(left(groups));
            let fields = vec![field("groups", groups, &left(groups))];
            let sides = (
                Object::NetworkResource(child_of(resource.clone())),
                Object::NetworkResource(child_of(after)),
            );
            out.push(detach(
                Kind::NetworkResource,
                name,
                gone(groups),
                sides,
                fields,
            ));
        }
        for (target, router) in &network.routers {
            let RouterTarget::PeerGroups(groups) = target else {
                continue;
            };
            if gone(groups).is_empty() {
                continue;
            }
            let mut after = router.clone();
            after.target = RouterTarget::PeerGroups(left(groups));
            let fields = vec![field("peer_groups", groups, &left(groups))];
            let key = router_key(&network.name, target);
            let sides = (
                Object::NetworkRouter(child(&network.name, router.clone())),
                Object::NetworkRouter(child(&network.name, after)),
            );
            out.push(detach(
                Kind::NetworkRouter,
                &key,
                gone(groups),
                sides,
                fields,
            ));
        }
    }
    for (name, policy) in &tenant.policies {
        // A policy the plan writes is sent without SSH authorized groups; only one left as it
        // is keeps them.
        let written = changes
            .iter()
            .any(|c| c.kind == Kind::Policy && c.name == *name);
        let ssh = live
            .policy_refs
            .get(name)
            .filter(|_| !written)
            .map(|refs| gone(&refs.ssh_groups))
            .unwrap_or_default();
        if let Some(change) = detach_policy(name, policy, &deleted, &ssh) {
            out.push(change);
        }
    }
    out
}

/// The detach change of one policy, when it names a deleted group.
fn detach_policy(
    name: &str,
    policy: &Policy,
    deleted: &BTreeSet<String>,
    ssh: &[String],
) -> Option<Change> {
    let mut after = policy.clone();
    let mut fields = Vec::new();
    let mut taken: BTreeSet<String> = ssh.iter().cloned().collect();
    for (index, rule) in after.rules.iter_mut().enumerate() {
        let sources: BTreeSet<String> = rule.sources.difference(deleted).cloned().collect();
        if sources != rule.sources {
            taken.extend(rule.sources.intersection(deleted).cloned());
            fields.push(field(
                &format!("rules[{index}].sources"),
                &rule.sources,
                &sources,
            ));
            rule.sources = sources;
        }
        if let Destination::Groups(groups) = &mut rule.destination {
            let kept: BTreeSet<String> = groups.difference(deleted).cloned().collect();
            if kept != *groups {
                taken.extend(groups.intersection(deleted).cloned());
                let name = format!("rules[{index}].destinations");
                fields.push(field(&name, groups, &kept));
                *groups = kept;
            }
        }
    }
    if !ssh.is_empty() {
        fields.push(FieldChange {
            field: "ssh authorized_groups".to_owned(),
            before: serde_json::json!(ssh),
            after: serde_json::json!([]),
        });
    }
    if taken.is_empty() {
        return None;
    }
    let sides = (Object::Policy(policy.clone()), Object::Policy(after));
    Some(detach(
        Kind::Policy,
        name,
        taken.into_iter().collect(),
        sides,
        fields,
    ))
}

fn detach(
    kind: Kind,
    name: &str,
    groups: Vec<String>,
    (before, after): (Object, Object),
    fields: Vec<FieldChange>,
) -> Change {
    Change {
        kind,
        name: name.to_owned(),
        action: Action::Update,
        reason: Reason::Detach { groups },
        before: Some(before),
        after: Some(after),
        fields,
    }
}

fn field<T: Serialize>(name: &str, before: &T, after: &T) -> FieldChange {
    let json =
        |value: &T| serde_json::to_value(value).expect("invariant: model values serialise to JSON");
    FieldChange {
        field: name.to_owned(),
        before: json(before),
        after: json(after),
    }
}
