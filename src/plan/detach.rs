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

use crate::kinds::{Destination, Kind, Network, Policy, RouterTarget, router_key};
use crate::live::Snapshot;
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
    let mut detacher = Detacher {
        deleted: &deleted,
        out: Vec::new(),
    };
    for (name, key) in &tenant.setup_keys {
        detacher.auto_groups(Kind::SetupKey, name, key.auto_groups.as_ref(), |groups| {
            let (mut before, mut after) = (key.clone(), key.clone());
            before.auto_groups = Some(groups.0);
            after.auto_groups = Some(groups.1);
            (Object::SetupKey(before), Object::SetupKey(after))
        });
    }
    for (name, user) in &tenant.users {
        detacher.auto_groups(Kind::User, name, user.auto_groups.as_ref(), |groups| {
            let (mut before, mut after) = (user.clone(), user.clone());
            before.auto_groups = Some(groups.0);
            after.auto_groups = Some(groups.1);
            (Object::User(before), Object::User(after))
        });
    }
    for (name, user) in &tenant.service_users {
        detacher.auto_groups(
            Kind::ServiceUser,
            name,
            user.auto_groups.as_ref(),
            |groups| {
                // Only the groups change: the token (a call of its own) is not written again.
                let (mut before, mut after) = (user.clone(), user.clone());
                (before.token, after.token) = (None, None);
                before.auto_groups = Some(groups.0);
                after.auto_groups = Some(groups.1);
                (Object::ServiceUser(before), Object::ServiceUser(after))
            },
        );
    }
    for network in tenant.networks.values() {
        detacher.network(network);
    }
    for (name, policy) in &tenant.policies {
        // A policy the plan writes is sent without SSH authorized groups; only one left as it
        // is keeps them.
        let written = changes
            .iter()
            .any(|c| c.kind == Kind::Policy && c.name == *name);
        let ssh: Vec<String> = live
            .policy_refs
            .get(name)
            .filter(|_| !written)
            .map(|refs| refs.ssh_groups.intersection(&deleted).cloned().collect())
            .unwrap_or_default();
        detacher
            .out
            .extend(detach_policy(name, policy, &deleted, &ssh));
    }
    detacher.out
}

/// Collects the detach changes of the objects that name deleted groups.
struct Detacher<'a> {
    deleted: &'a BTreeSet<String>,
    out: Vec<Change>,
}

impl Detacher<'_> {
    /// The change of an object whose `field` holds `groups`, when some of them are deleted;
    /// `sides` makes the object before and after from the groups before and after.
    fn groups(
        &mut self,
        (kind, name, field): (Kind, &str, &str),
        groups: Option<&BTreeSet<String>>,
        sides: impl FnOnce((BTreeSet<String>, BTreeSet<String>)) -> (Object, Object),
    ) {
        let Some(groups) = groups else {
            return;
        };
        let gone: Vec<String> = groups.intersection(self.deleted).cloned().collect();
        if gone.is_empty() {
            return;
        }
        let left: BTreeSet<String> = groups.difference(self.deleted).cloned().collect();
        let fields = vec![field_change(field, groups, &left)];
        let sides = sides((groups.clone(), left));
        self.out.push(detach(kind, name, gone, sides, fields));
    }

    fn auto_groups(
        &mut self,
        kind: Kind,
        name: &str,
        groups: Option<&BTreeSet<String>>,
        sides: impl FnOnce((BTreeSet<String>, BTreeSet<String>)) -> (Object, Object),
    ) {
        self.groups((kind, name, "auto_groups"), groups, sides);
    }

    /// A network's resources (their groups) and routers (their peer groups).
    fn network(&mut self, network: &Network) {
        let child = |object| NetworkChild {
            network: network.name.clone(),
            object,
        };
        for (name, resource) in &network.resources {
            let key = (Kind::NetworkResource, name.as_str(), "groups");
            self.groups(key, resource.groups.as_ref(), |groups| {
                let (mut before, mut after) = (resource.clone(), resource.clone());
                before.groups = Some(groups.0);
                after.groups = Some(groups.1);
                (
                    Object::NetworkResource(child(before)),
                    Object::NetworkResource(child(after)),
                )
            });
        }
        for (target, router) in &network.routers {
            let RouterTarget::PeerGroups(groups) = target else {
                continue;
            };
            let name = router_key(&network.name, target);
            let key = (Kind::NetworkRouter, name.as_str(), "peer_groups");
            self.groups(key, Some(groups), |groups| {
                let mut after = router.clone();
                after.target = RouterTarget::PeerGroups(groups.1);
                (
                    Object::NetworkRouter(NetworkChild {
                        network: network.name.clone(),
                        object: router.clone(),
                    }),
                    Object::NetworkRouter(NetworkChild {
                        network: network.name.clone(),
                        object: after,
                    }),
                )
            });
        }
    }
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
            fields.push(field_change(
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
                fields.push(field_change(&name, groups, &kept));
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

fn field_change<T: Serialize>(name: &str, before: &T, after: &T) -> FieldChange {
    let json =
        |value: &T| serde_json::to_value(value).expect("invariant: model values serialise to JSON");
    FieldChange {
        field: name.to_owned(),
        before: json(before),
        after: json(after),
    }
}
