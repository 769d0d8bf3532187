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

use crate::kinds::kit::references::GroupRefs;
use crate::kinds::{Kind, router_key};
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
        detacher.object(Kind::SetupKey, name, key, Object::SetupKey);
    }
    for (name, user) in &tenant.users {
        detacher.object(Kind::User, name, user, Object::User);
    }
    for (name, user) in &tenant.service_users {
        // Only the groups change: the token (a call of its own) is not written again.
        let mut user = user.clone();
        user.token = None;
        detacher.object(Kind::ServiceUser, name, &user, Object::ServiceUser);
    }
    for network in tenant.networks.values() {
        for (name, resource) in &network.resources {
            let wrap = |r| Object::NetworkResource(child(&network.name, r));
            detacher.object(Kind::NetworkResource, name, resource, wrap);
        }
        for (target, router) in &network.routers {
            let name = router_key(&network.name, target);
            let wrap = |r| Object::NetworkRouter(child(&network.name, r));
            detacher.object(Kind::NetworkRouter, &name, router, wrap);
        }
    }
    for (name, policy) in &tenant.policies {
        detacher.object(Kind::Policy, name, policy, Object::Policy);
    }
    for (network_id, route) in &tenant.routes {
        detacher.object(Kind::Route, network_id, route, Object::Route);
    }
    for (name, group) in &tenant.nameserver_groups {
        detacher.object(Kind::NameserverGroup, name, group, Object::NameserverGroup);
    }
    for (domain, zone) in &tenant.dns_zones {
        detacher.object(Kind::DnsZone, domain, &zone.header(), Object::DnsZone);
    }
    for (name, settings) in &tenant.account_settings {
        detacher.object(
            Kind::AccountSettings,
            name,
            settings,
            Object::AccountSettings,
        );
    }
    for (name, settings) in &tenant.dns_settings {
        detacher.object(Kind::DnsSettings, name, settings, Object::DnsSettings);
    }
    detacher.out
}

/// Collects the detach changes of the objects that name deleted groups.
struct Detacher<'a> {
    deleted: &'a BTreeSet<String>,
    out: Vec<Change>,
}

impl Detacher<'_> {
    /// The detach change of one object, when any of its group fields (as its kind declares
    /// them) names a deleted group; `wrap` makes the plan's object of the model's.
    fn object<T: GroupRefs>(
        &mut self,
        kind: Kind,
        name: &str,
        object: &T,
        wrap: impl Fn(T) -> Object,
    ) {
        let mut gone: BTreeSet<String> = BTreeSet::new();
        let mut fields = Vec::new();
        for field in object.group_fields() {
            let taken: BTreeSet<String> =
                field.groups.intersection(self.deleted).cloned().collect();
            if taken.is_empty() {
                continue;
            }
            let left: BTreeSet<String> = field.groups.difference(&taken).cloned().collect();
            fields.push(field_change(&field.field, &*field.groups, &left));
            gone.extend(taken);
        }
        if gone.is_empty() {
            return;
        }
        let after = object.without_groups(self.deleted);
        let sides = (wrap(object.clone()), wrap(after));
        self.out.push(detach(
            kind,
            name,
            gone.into_iter().collect(),
            sides,
            fields,
        ));
    }
}

/// A network's resource or router as the plan holds it.
fn child<T>(network: &str, object: T) -> NetworkChild<T> {
    NetworkChild {
        network: network.to_owned(),
        object,
    }
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
        drift: false,
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
