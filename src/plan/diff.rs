//! desired + live → changes with reasons. Objects are matched by name; a name that matches
//! several live objects is an error for the tenant, never a guess.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::desired::DesiredTenant;
use crate::live::{ObjectKey, Snapshot};
use crate::model::{
    Group, Kind, Network, Policy, Resource, Role, Router, ServiceUser, SetupKey, User, router_key,
};
use crate::plan::equality::{
    ExpiryVerdict, expiry_verdict, managed_differs, text_differs, usage_limit_differs,
};
use crate::plan::{Action, Change, FieldChange, NetworkChild, NetworkHeader, Object, Reason};

/// What the differ found in one tenant.
pub(super) struct Diffed {
    pub(super) changes: Vec<Change>,
    /// Live objects birdhouse manages before the plan (matched by name, or in a pruned kind).
    pub(super) managed: usize,
    pub(super) unmanaged: BTreeMap<Kind, usize>,
    pub(super) errors: Vec<String>,
}

struct Differ<'a> {
    desired: &'a DesiredTenant,
    live: &'a Snapshot,
    out: Diffed,
}

pub(super) fn diff(desired: &DesiredTenant, live: &Snapshot) -> Diffed {
    let mut differ = Differ {
        desired,
        live,
        out: Diffed {
            changes: Vec::new(),
            managed: 0,
            unmanaged: BTreeMap::new(),
            errors: Vec::new(),
        },
    };
    differ.groups();
    differ.setup_keys();
    differ.networks();
    differ.users();
    differ.service_users();
    differ.policies();
    differ.out
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("invariant: model values serialise to JSON")
}

/// Collects field differences of one object.
#[derive(Default)]
struct Fields(Vec<FieldChange>);

impl Fields {
    fn push<T: Serialize>(&mut self, field: &str, before: &T, after: &T) {
        self.0.push(FieldChange {
            field: field.to_owned(),
            before: json(before),
            after: json(after),
        });
    }

    fn managed<T: Serialize + PartialEq>(
        &mut self,
        field: &str,
        desired: Option<&T>,
        live: Option<&T>,
    ) {
        if managed_differs(desired, live) {
            self.push(field, &live, &desired);
        }
    }

    fn names(&self) -> Vec<String> {
        self.0.iter().map(|f| f.field.clone()).collect()
    }
}

impl Differ<'_> {
    fn pruned(&self, kind: Kind) -> bool {
        self.desired.prune.contains(&kind)
    }

    fn protected(&self, kind: Kind, name: &str) -> bool {
        self.live.protected.contains(&ObjectKey::new(kind, name))
    }

    fn ambiguous(&mut self, kind: Kind, name: &str) -> bool {
        let ambiguous = self.live.ambiguous.contains(&ObjectKey::new(kind, name));
        if ambiguous {
            self.out.errors.push(format!(
                "more than one live {} is named {name:?}; rename or remove the extras so birdhouse can tell them apart",
                kind.singular()
            ));
        }
        ambiguous
    }

    fn push(&mut self, kind: Kind, name: &str, action: Action, reason: Reason) -> &mut Change {
        self.out.changes.push(Change {
            kind,
            name: name.to_owned(),
            action,
            reason,
            before: None,
            after: None,
            fields: Vec::new(),
        });
        self.out.changes.last_mut().expect("invariant: just pushed")
    }

    fn create(&mut self, kind: Kind, name: &str, after: Object) {
        self.push(kind, name, Action::Create, Reason::Missing).after = Some(after);
    }

    fn delete(&mut self, kind: Kind, name: &str, before: Object) {
        self.push(kind, name, Action::Delete, Reason::NotDesired)
            .before = Some(before);
    }

    fn replace(
        &mut self,
        kind: Kind,
        name: &str,
        reason: Reason,
        sides: (Option<Object>, Object),
        fields: Fields,
    ) {
        let change = self.push(kind, name, Action::Replace, reason);
        change.before = sides.0;
        change.after = Some(sides.1);
        change.fields = fields.0;
    }

    fn update_or_nothing(
        &mut self,
        kind: Kind,
        name: &str,
        fields: Fields,
        before: Object,
        after: Object,
    ) {
        if !fields.0.is_empty() {
            let reason = Reason::FieldsDiffer {
                fields: fields.names(),
            };
            let change = self.push(kind, name, Action::Update, reason);
            change.before = Some(before);
            change.after = Some(after);
            change.fields = fields.0;
        }
    }

    /// Live objects of a kind the files do not list: deleted when the kind is pruned (unless
    /// protected), counted as unmanaged otherwise.
    fn leftovers<T>(
        &mut self,
        kind: Kind,
        live: &BTreeMap<String, T>,
        wanted: impl Fn(&str) -> bool,
        object: impl Fn(&T) -> Object,
    ) {
        for (name, value) in live {
            if wanted(name) || self.protected(kind, name) {
                continue;
            }
            if self.pruned(kind) {
                self.out.managed += 1;
                self.delete(kind, name, object(value));
            } else {
                *self.out.unmanaged.entry(kind).or_default() += 1;
            }
        }
    }

    fn groups(&mut self) {
        let live = &self.live.objects.groups;
        for (name, group) in &self.desired.objects.groups {
            if self.ambiguous(Kind::Group, name) {
                continue;
            }
            if live.contains_key(name) {
                self.out.managed += 1;
            } else {
                self.create(Kind::Group, name, Object::Group(group.clone()));
            }
        }
        let desired = &self.desired.objects.groups;
        self.leftovers(
            Kind::Group,
            live,
            |name| desired.contains_key(name),
            |g: &Group| Object::Group(g.clone()),
        );
    }

    fn setup_keys(&mut self) {
        let live_keys = &self.live.objects.setup_keys;
        for (name, desired) in &self.desired.objects.setup_keys {
            if self.ambiguous(Kind::SetupKey, name) {
                continue;
            }
            let Some(live) = live_keys.get(name) else {
                self.create(Kind::SetupKey, name, Object::SetupKey(desired.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut create_only = Fields::default();
            if desired.key_type != live.key_type {
                create_only.push("type", &live.key_type, &desired.key_type);
            }
            if usage_limit_differs(desired.key_type, desired.usage_limit, live.usage_limit) {
                create_only.push("usage_limit", &live.usage_limit, &desired.usage_limit);
            }
            create_only.managed(
                "ephemeral",
                desired.ephemeral.as_ref(),
                live.ephemeral.as_ref(),
            );
            create_only.managed(
                "allow_extra_dns_labels",
                desired.allow_extra_dns_labels.as_ref(),
                live.allow_extra_dns_labels.as_ref(),
            );
            let expiry =
                expiry_verdict(desired.expires_in, self.live.key_expiry.get(name).copied());
            if expiry == ExpiryVerdict::Differs {
                create_only.push("expires_in", &live.expires_in, &desired.expires_in);
            }
            let unrevoke = desired.revoked == Some(false) && live.revoked == Some(true);
            let reason = if let Some(first) = create_only.0.first() {
                Some(Reason::CreateOnly {
                    field: first.field.clone(),
                })
            } else if expiry == ExpiryVerdict::Expired {
                Some(Reason::Expired)
            } else if unrevoke {
                Some(Reason::Revoked)
            } else {
                None
            };
            if let Some(reason) = reason {
                let mut fields = create_only;
                fields.managed(
                    "auto_groups",
                    desired.auto_groups.as_ref(),
                    live.auto_groups.as_ref(),
                );
                self.replace(
                    Kind::SetupKey,
                    name,
                    reason,
                    (
                        Some(Object::SetupKey(live.clone())),
                        Object::SetupKey(desired.clone()),
                    ),
                    fields,
                );
                continue;
            }
            let mut fields = Fields::default();
            fields.managed(
                "auto_groups",
                desired.auto_groups.as_ref(),
                live.auto_groups.as_ref(),
            );
            fields.managed("revoked", desired.revoked.as_ref(), live.revoked.as_ref());
            let after = SetupKey {
                auto_groups: desired
                    .auto_groups
                    .clone()
                    .or_else(|| live.auto_groups.clone()),
                revoked: desired.revoked.or(live.revoked),
                ..live.clone()
            };
            self.update_or_nothing(
                Kind::SetupKey,
                name,
                fields,
                Object::SetupKey(live.clone()),
                Object::SetupKey(after),
            );
        }
        let desired = &self.desired.objects.setup_keys;
        self.leftovers(
            Kind::SetupKey,
            live_keys,
            |name| desired.contains_key(name),
            |k: &SetupKey| Object::SetupKey(k.clone()),
        );
    }

    fn networks(&mut self) {
        let live_networks = &self.live.objects.networks;
        let desired_resources: BTreeSet<&str> = self
            .desired
            .objects
            .networks
            .values()
            .flat_map(|n| n.resources.keys().map(String::as_str))
            .collect();
        for (name, desired) in &self.desired.objects.networks {
            if self.ambiguous(Kind::Network, name) {
                continue;
            }
            let header = |n: &Network| NetworkHeader {
                name: n.name.clone(),
                description: n.description.clone(),
            };
            let empty = Network {
                name: name.clone(),
                description: None,
                resources: BTreeMap::new(),
                routers: BTreeMap::new(),
            };
            let live = if let Some(live) = live_networks.get(name) {
                {
                    self.out.managed += 1;
                    let mut fields = Fields::default();
                    if text_differs(desired.description.as_ref(), live.description.as_ref()) {
                        fields.push("description", &live.description, &desired.description);
                    }
                    let after = NetworkHeader {
                        description: desired
                            .description
                            .clone()
                            .or_else(|| live.description.clone()),
                        ..header(live)
                    };
                    self.update_or_nothing(
                        Kind::Network,
                        name,
                        fields,
                        Object::Network(header(live)),
                        Object::Network(after),
                    );
                    live
                }
            } else {
                self.create(Kind::Network, name, Object::Network(header(desired)));
                &empty
            };
            self.resources(desired, live, &desired_resources);
            self.routers(desired, live);
        }
        let desired = &self.desired.objects.networks;
        self.leftovers(
            Kind::Network,
            live_networks,
            |name| desired.contains_key(name),
            |n: &Network| {
                Object::Network(NetworkHeader {
                    name: n.name.clone(),
                    description: n.description.clone(),
                })
            },
        );
    }

    fn resources(&mut self, desired: &Network, live: &Network, desired_anywhere: &BTreeSet<&str>) {
        let network = &desired.name;
        let child = |resource: &Resource, network: &str| {
            Object::NetworkResource(NetworkChild {
                network: network.to_owned(),
                object: resource.clone(),
            })
        };
        for (name, want) in &desired.resources {
            if self.ambiguous(Kind::NetworkResource, name) {
                continue;
            }
            let live_network = self.live.resource_network.get(name);
            if let Some(other) = live_network.filter(|other| *other != network) {
                // Resource names are unique per tenant, and a resource cannot change network.
                let old = self
                    .live
                    .objects
                    .networks
                    .get(other)
                    .and_then(|n| n.resources.get(name));
                self.out.managed += 1;
                let mut fields = Fields::default();
                fields.push("network", other, network);
                let reason = Reason::CreateOnly {
                    field: "network".into(),
                };
                self.replace(
                    Kind::NetworkResource,
                    name,
                    reason,
                    (old.map(|o| child(o, other)), child(want, network)),
                    fields,
                );
                continue;
            }
            let Some(have) = live.resources.get(name) else {
                self.create(Kind::NetworkResource, name, child(want, network));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            if text_differs(want.description.as_ref(), have.description.as_ref()) {
                fields.push("description", &have.description, &want.description);
            }
            if want.address != have.address {
                fields.push("address", &have.address, &want.address);
            }
            fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
            fields.managed("groups", want.groups.as_ref(), have.groups.as_ref());
            let after = Resource {
                description: want
                    .description
                    .clone()
                    .or_else(|| have.description.clone()),
                address: want.address.clone(),
                enabled: want.enabled.or(have.enabled),
                groups: want.groups.clone().or_else(|| have.groups.clone()),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::NetworkResource,
                name,
                fields,
                child(have, network),
                child(&after, network),
            );
        }
        for (name, have) in &live.resources {
            if desired.resources.contains_key(name) || desired_anywhere.contains(name.as_str()) {
                continue;
            }
            if self.pruned(Kind::NetworkResource) {
                self.out.managed += 1;
                self.delete(Kind::NetworkResource, name, child(have, network));
            } else {
                *self.out.unmanaged.entry(Kind::NetworkResource).or_default() += 1;
            }
        }
    }

    fn routers(&mut self, desired: &Network, live: &Network) {
        let network = &desired.name;
        let child = |router: &Router| {
            Object::NetworkRouter(NetworkChild {
                network: network.clone(),
                object: router.clone(),
            })
        };
        for (target, want) in &desired.routers {
            let key = router_key(network, target);
            let Some(have) = live.routers.get(target) else {
                self.create(Kind::NetworkRouter, &key, child(want));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            fields.managed(
                "masquerade",
                want.masquerade.as_ref(),
                have.masquerade.as_ref(),
            );
            fields.managed("metric", want.metric.as_ref(), have.metric.as_ref());
            fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
            let after = Router {
                masquerade: want.masquerade.or(have.masquerade),
                metric: want.metric.or(have.metric),
                enabled: want.enabled.or(have.enabled),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::NetworkRouter,
                &key,
                fields,
                child(have),
                child(&after),
            );
        }
        for (target, have) in &live.routers {
            if desired.routers.contains_key(target) {
                continue;
            }
            let key = router_key(network, target);
            if self.pruned(Kind::NetworkRouter) {
                self.out.managed += 1;
                self.delete(Kind::NetworkRouter, &key, child(have));
            } else {
                *self.out.unmanaged.entry(Kind::NetworkRouter).or_default() += 1;
            }
        }
    }

    fn users(&mut self) {
        let live_users = &self.live.objects.users;
        for (key, want) in &self.desired.objects.users {
            let Some(have) = live_users.get(key) else {
                if want.role == Some(Role::Owner) {
                    self.out.errors.push(format!("user {:?} cannot be created as owner: a tenant has one owner and birdhouse never transfers ownership", want.email));
                    continue;
                }
                self.create(Kind::User, key, Object::User(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            let owner_change = managed_differs(want.role.as_ref(), have.role.as_ref())
                && (want.role == Some(Role::Owner) || have.role == Some(Role::Owner));
            if owner_change {
                self.out.errors.push(format!(
                    "user {:?}: the file asks to change the role {} → {}; birdhouse never transfers ownership (do it in the dashboard, then update the file)",
                    want.email,
                    have.role.map_or("none", Role::as_str),
                    want.role.map_or("none", Role::as_str)
                ));
            } else {
                fields.managed("role", want.role.as_ref(), have.role.as_ref());
            }
            fields.managed(
                "auto_groups",
                want.auto_groups.as_ref(),
                have.auto_groups.as_ref(),
            );
            fields.managed("blocked", want.blocked.as_ref(), have.blocked.as_ref());
            let after = User {
                role: if owner_change {
                    have.role
                } else {
                    want.role.or(have.role)
                },
                auto_groups: want
                    .auto_groups
                    .clone()
                    .or_else(|| have.auto_groups.clone()),
                blocked: want.blocked.or(have.blocked),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::User,
                key,
                fields,
                Object::User(have.clone()),
                Object::User(after),
            );
        }
        let desired = &self.desired.objects.users;
        self.leftovers(
            Kind::User,
            live_users,
            |key| desired.contains_key(key),
            |u: &User| Object::User(u.clone()),
        );
    }

    fn service_users(&mut self) {
        let live_users = &self.live.objects.service_users;
        for (name, want) in &self.desired.objects.service_users {
            if self.ambiguous(Kind::ServiceUser, name) {
                continue;
            }
            let Some(have) = live_users.get(name) else {
                self.create(Kind::ServiceUser, name, Object::ServiceUser(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            fields.managed("role", want.role.as_ref(), have.role.as_ref());
            fields.managed(
                "auto_groups",
                want.auto_groups.as_ref(),
                have.auto_groups.as_ref(),
            );
            let after = ServiceUser {
                role: want.role.or(have.role),
                auto_groups: want
                    .auto_groups
                    .clone()
                    .or_else(|| have.auto_groups.clone()),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::ServiceUser,
                name,
                fields,
                Object::ServiceUser(have.clone()),
                Object::ServiceUser(after),
            );
        }
        let desired = &self.desired.objects.service_users;
        self.leftovers(
            Kind::ServiceUser,
            live_users,
            |name| desired.contains_key(name),
            |u: &ServiceUser| Object::ServiceUser(u.clone()),
        );
    }

    fn policies(&mut self) {
        let live_policies = &self.live.objects.policies;
        for (name, want) in &self.desired.objects.policies {
            if self.ambiguous(Kind::Policy, name) {
                continue;
            }
            let Some(have) = live_policies.get(name) else {
                self.create(Kind::Policy, name, Object::Policy(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let (fields, after) = policy_fields(want, have);
            self.update_or_nothing(
                Kind::Policy,
                name,
                fields,
                Object::Policy(have.clone()),
                Object::Policy(after),
            );
        }
        let desired = &self.desired.objects.policies;
        self.leftovers(
            Kind::Policy,
            live_policies,
            |name| desired.contains_key(name),
            |p: &Policy| Object::Policy(p.clone()),
        );
    }
}

/// Field differences of a policy and the live policy with the desired fields applied.
fn policy_fields(want: &Policy, have: &Policy) -> (Fields, Policy) {
    let mut fields = Fields::default();
    if text_differs(want.description.as_ref(), have.description.as_ref()) {
        fields.push("description", &have.description, &want.description);
    }
    fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
    let mut after = Policy {
        description: want
            .description
            .clone()
            .or_else(|| have.description.clone()),
        enabled: want.enabled.or(have.enabled),
        ..have.clone()
    };
    if want.rules.len() != have.rules.len() {
        fields.push("rules", &have.rules, &want.rules);
        after.rules.clone_from(&want.rules);
        return (fields, after);
    }
    for (index, (w, h)) in want.rules.iter().zip(&have.rules).enumerate() {
        let at = |field: &str| format!("rules[{index}].{field}");
        if text_differs(w.name.as_ref(), h.name.as_ref()) {
            fields.push(&at("name"), &h.name, &w.name);
        }
        if text_differs(w.description.as_ref(), h.description.as_ref()) {
            fields.push(&at("description"), &h.description, &w.description);
        }
        fields.managed(&at("enabled"), w.enabled.as_ref(), h.enabled.as_ref());
        if w.action != h.action {
            fields.push(&at("action"), &h.action, &w.action);
        }
        if w.protocol != h.protocol {
            fields.push(&at("protocol"), &h.protocol, &w.protocol);
        }
        fields.managed(
            &at("bidirectional"),
            w.bidirectional.as_ref(),
            h.bidirectional.as_ref(),
        );
        if w.ports != h.ports {
            fields.push(&at("ports"), &h.ports, &w.ports);
        }
        if w.sources != h.sources {
            fields.push(&at("sources"), &h.sources, &w.sources);
        }
        if w.destination != h.destination {
            fields.push(&at("destination"), &h.destination, &w.destination);
        }
        let rule = &mut after.rules[index];
        rule.name = w.name.clone().or_else(|| h.name.clone());
        rule.description = w.description.clone().or_else(|| h.description.clone());
        rule.enabled = w.enabled.or(h.enabled);
        rule.action = w.action;
        rule.protocol = w.protocol;
        rule.bidirectional = w.bidirectional.or(h.bidirectional);
        rule.ports.clone_from(&w.ports);
        rule.sources.clone_from(&w.sources);
        rule.destination = w.destination.clone();
    }
    (fields, after)
}
