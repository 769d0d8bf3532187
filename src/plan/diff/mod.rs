//! desired + live → changes with reasons. Objects are matched by name; a name that matches
//! several live objects is an error for the tenant, never a guess.

mod dns;
mod keys;
mod networks;
mod peers;
mod policies;
mod posture_checks;
mod routes;
mod settings;
mod users;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::desired::DesiredTenant;
use crate::kinds::kit::equality::managed_differs;
use crate::kinds::{Group, Kind};
use crate::live::{ObjectKey, Snapshot};
use crate::plan::{Action, Change, FieldChange, LostSecrets, Object, Reason};

/// What the differ found in one tenant.
pub(super) struct Diffed {
    pub(super) changes: Vec<Change>,
    /// Live objects birdhouse manages before the plan (matched by name, or in a pruned kind).
    pub(super) managed: usize,
    pub(super) unmanaged: BTreeMap<Kind, usize>,
    /// The names behind `unmanaged`, sorted.
    pub(super) left_alone: BTreeMap<Kind, Vec<String>>,
    pub(super) errors: Vec<String>,
    pub(super) warnings: Vec<String>,
}

struct Differ<'a> {
    desired: &'a DesiredTenant,
    live: &'a Snapshot,
    lost: &'a LostSecrets,
    /// When the plan is made (token rotation windows count from it).
    now: std::time::SystemTime,
    out: Diffed,
}

pub(super) fn diff(
    desired: &DesiredTenant,
    live: &Snapshot,
    lost: &LostSecrets,
    now: std::time::SystemTime,
) -> Diffed {
    let mut differ = Differ {
        desired,
        live,
        lost,
        now,
        out: Diffed {
            changes: Vec::new(),
            managed: 0,
            unmanaged: BTreeMap::new(),
            left_alone: BTreeMap::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        },
    };
    differ.groups();
    differ.setup_keys();
    differ.networks();
    differ.users();
    differ.service_users();
    differ.posture_checks();
    differ.policies();
    differ.routes();
    differ.nameserver_groups();
    differ.dns_settings();
    differ.dns_zones();
    differ.account_settings();
    differ.peers();
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
    /// A live object the files do not name, in a kind that is not pruned: counted and named.
    fn leave_alone(&mut self, kind: Kind, name: &str) {
        *self.out.unmanaged.entry(kind).or_default() += 1;
        self.out
            .left_alone
            .entry(kind)
            .or_default()
            .push(name.to_owned());
    }

    fn pruned(&self, kind: Kind) -> bool {
        self.desired.prune.contains(&kind)
    }

    fn protected(&self, kind: Kind, name: &str) -> bool {
        self.live.protected.contains(&ObjectKey::new(kind, name))
    }

    fn ambiguous(&mut self, kind: Kind, name: &str) -> bool {
        let ambiguous = self.live.ambiguous.contains(&ObjectKey::new(kind, name));
        if ambiguous && kind == Kind::Route {
            self.out.errors.push(format!(
                "more than one live route has the network identifier {name:?} (NetBird's older \
                 way of making a route highly available); replace them with one route whose \
                 peer_groups hold the routing peers, or give the extras identifiers of their \
                 own, so birdhouse can tell them apart"
            ));
        } else if ambiguous {
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
            drift: false,
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
        before: impl FnOnce() -> Object,
        after: impl FnOnce() -> Object,
    ) {
        // The sides are copies of whole objects: made only for a change, as most objects of
        // most plans have none.
        if !fields.0.is_empty() {
            let reason = Reason::FieldsDiffer {
                fields: fields.names(),
            };
            let change = self.push(kind, name, Action::Update, reason);
            change.before = Some(before());
            change.after = Some(after());
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
                self.leave_alone(kind, name);
            }
        }
        // Objects that share a name are not in `live` (they cannot be told apart); they are
        // never deleted, even in a pruned kind, and the plan says they were left alone.
        let shared: Vec<String> = self
            .live
            .ambiguous
            .iter()
            .filter(|key| key.kind == kind && !wanted(&key.name))
            .map(|key| key.name.clone())
            .collect();
        for name in shared {
            self.leave_alone(kind, &name);
        }
    }

    fn groups(&mut self) {
        let live = &self.live.objects.groups;
        for (name, group) in &self.desired.objects.groups {
            if self.ambiguous(Kind::Group, name) {
                continue;
            }
            let Some(have) = live.get(name) else {
                self.create(Kind::Group, name, Object::Group(group.clone()));
                continue;
            };
            self.out.managed += 1;
            if self.protected(Kind::Group, name) {
                if group.peers.is_some() {
                    self.out.errors.push(format!(
                        "group {name:?}: its peers cannot be managed: the group is synced from \
                         an identity provider or made by an integration, which owns its members"
                    ));
                }
                continue;
            }
            let mut fields = Fields::default();
            fields.managed("peers", group.peers.as_ref(), have.peers.as_ref());
            self.update_or_nothing(
                Kind::Group,
                name,
                fields,
                || Object::Group(have.clone()),
                || {
                    Object::Group(Group {
                        name: name.clone(),
                        peers: group.peers.clone().or_else(|| have.peers.clone()),
                    })
                },
            );
        }
        let desired = &self.desired.objects.groups;
        self.leftovers(
            Kind::Group,
            live,
            |name| desired.contains_key(name),
            |g: &Group| Object::Group(g.clone()),
        );
    }
}
