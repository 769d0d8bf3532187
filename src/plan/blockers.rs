//! Group deletes the server would refuse, found at plan time. Apply detaches a group from every
//! object that names it before deleting it, but it cannot take the last source or destination
//! of a policy, the last peer group of a router, nor the last group of any field a kind
//! declares required (a route's distribution or peer groups, a nameserver group's or DNS zone's
//! distribution groups: the object would be invalid), nor rewrite a policy of several rules
//! (its read is not exact). Such a delete is refused in the plan, naming
//! what holds the group, instead of failing half-way through apply. The state judged is the one
//! after the plan's own changes: a policy the plan deletes, or updates to drop the group, does
//! not hold it. Objects whose names are shared are never rewritten, so a group one of them
//! names is not deleted, and a resource one of them targets is not replaced.

use std::collections::BTreeMap;

use crate::kinds::kit::references::GroupRefs;
use crate::kinds::{Destination, Kind, Policy, RouterTarget, router_key};
use crate::live::{ObjectKey, Snapshot};
use crate::plan::{Action, Change, projected};

/// Removes the group deletes and resource replaces that cannot be made from `changes` and says
/// why, one error each.
pub(super) fn refuse_blocked_group_deletes(
    changes: &mut Vec<Change>,
    live: &Snapshot,
) -> Vec<String> {
    let mut errors = refuse_shared_resource_replaces(changes, live);
    errors.extend(refuse_needed_group_deletes(changes, live));
    errors.extend(refuse_blocked_posture_check_deletes(changes, live));
    errors
}

/// Whether `changes` delete an object of `kind`: without one there is nothing to check, and
/// projecting the tenant copies all of it.
fn deletes_any(changes: &[Change], kind: Kind) -> bool {
    changes
        .iter()
        .any(|c| c.kind == kind && c.action == Action::Delete)
}

/// Removes the deletes of groups that an object still needs after the plan, one error each.
fn refuse_needed_group_deletes(changes: &mut Vec<Change>, live: &Snapshot) -> Vec<String> {
    if !deletes_any(changes, Kind::Group) {
        return Vec::new();
    }
    let mut errors = Vec::new();
    let tenant = projected::after(changes, live);
    let policies: BTreeMap<&str, &Policy> = tenant
        .policies
        .iter()
        .map(|(name, policy)| (name.as_str(), policy))
        .collect();
    let mut blocked = Vec::new();
    for change in changes
        .iter()
        .filter(|c| c.kind == Kind::Group && c.action == Action::Delete)
    {
        let mut holders = holders(&change.name, &policies, live, changes);
        holders.extend(last_group_holders(
            Kind::Route,
            &tenant.routes,
            &change.name,
        ));
        holders.extend(last_group_holders(
            Kind::NameserverGroup,
            &tenant.nameserver_groups,
            &change.name,
        ));
        holders.extend(last_group_holders(
            Kind::DnsZone,
            &tenant.dns_zones,
            &change.name,
        ));
        holders.extend(shared_referrers(live, Kind::Group, &change.name));
        if holders.is_empty() {
            continue;
        }
        errors.push(format!(
            "group {:?} cannot be deleted: it is still needed by {}; change or remove {} in the \
             files (or prune that kind) first",
            change.name,
            holders.join(", "),
            if holders.len() == 1 { "it" } else { "them" }
        ));
        blocked.push(change.name.clone());
    }
    drop(policies);
    changes.retain(|c| {
        !(c.kind == Kind::Group && c.action == Action::Delete && blocked.contains(&c.name))
    });
    errors
}

/// Removes the deletes of posture checks that a policy still names after the plan, one error
/// each. NetBird refuses them (412), and birdhouse never takes a check off a policy the files
/// do not change: the policy would then let in peers that fail the check.
fn refuse_blocked_posture_check_deletes(changes: &mut Vec<Change>, live: &Snapshot) -> Vec<String> {
    if !deletes_any(changes, Kind::PostureCheck) {
        return Vec::new();
    }
    let tenant = projected::after(changes, live);
    let mut errors = Vec::new();
    changes.retain(|c| {
        if c.kind != Kind::PostureCheck || c.action != Action::Delete {
            return true;
        }
        let mut holders: Vec<String> = tenant
            .policies
            .values()
            .filter(|p| {
                p.source_posture_checks
                    .as_ref()
                    .is_some_and(|checks| checks.contains(&c.name))
            })
            .map(|p| format!("policy {:?}", p.name))
            .collect();
        holders.extend(shared_referrers(live, Kind::PostureCheck, &c.name));
        if holders.is_empty() {
            return true;
        }
        errors.push(format!(
            "posture check {:?} cannot be deleted: {} still {} it; take it out of {} in the \
             files (or delete {}) first",
            c.name,
            holders.join(", "),
            if holders.len() == 1 { "names" } else { "name" },
            if holders.len() == 1 {
                "that policy's source_posture_checks"
            } else {
                "those policies' source_posture_checks"
            },
            if holders.len() == 1 {
                "the policy"
            } else {
                "the policies"
            },
        ));
        false
    });
    errors
}

/// Removes the replaces of resources that objects with shared names target (they would keep
/// pointing at the deleted resource), one error each.
fn refuse_shared_resource_replaces(changes: &mut Vec<Change>, live: &Snapshot) -> Vec<String> {
    let mut errors = Vec::new();
    changes.retain(|c| {
        if c.kind != Kind::NetworkResource || c.action != Action::Replace {
            return true;
        }
        let holders = shared_referrers(live, Kind::NetworkResource, &c.name);
        if holders.is_empty() {
            return true;
        }
        errors.push(format!(
            "network resource {:?} cannot be moved to another network: {} {} it, and birdhouse \
             cannot point {} at the new resource; rename the duplicates first",
            c.name,
            holders.join(", "),
            if holders.len() == 1 {
                "targets"
            } else {
                "target"
            },
            if holders.len() == 1 { "it" } else { "them" }
        ));
        false
    });
    errors
}

/// The objects with shared names that name `name` of `kind`, described.
fn shared_referrers(live: &Snapshot, kind: Kind, name: &str) -> Vec<String> {
    live.ambiguous_refs
        .get(&ObjectKey::new(kind, name))
        .into_iter()
        .flatten()
        .map(|referrer| {
            let kind = referrer.kind.singular();
            format!(
                "{kind} {:?} (more than one live {kind} has that name)",
                referrer.name
            )
        })
        .collect()
}

/// The objects of `kind` that cannot be left without `group`: it is the only group of a field
/// their kind declares required (`kinds/<kind>/references.rs`), such as a route's distribution
/// or peer groups, so NetBird would refuse the object without it.
fn last_group_holders<T: GroupRefs>(
    kind: Kind,
    objects: &BTreeMap<String, T>,
    group: &str,
) -> Vec<String> {
    let mut holders = Vec::new();
    for (name, object) in objects {
        for field in object.group_fields() {
            if field.required && field.groups.len() == 1 && field.groups.contains(group) {
                let role = match field.field.as_str() {
                    "peer_groups" => "peer group",
                    _ => "distribution group",
                };
                holders.push(format!(
                    "{} {name:?} (the group is its only {role})",
                    kind.singular()
                ));
            }
        }
    }
    holders
}

/// What keeps `group` from being deleted, described.
fn holders(
    group: &str,
    policies: &BTreeMap<&str, &Policy>,
    live: &Snapshot,
    changes: &[Change],
) -> Vec<String> {
    let mut holders = Vec::new();
    for (name, policy) in policies {
        let names_group = policy.rules.iter().any(|rule| {
            rule.sources.contains(group)
                || matches!(&rule.destination, Destination::Groups(g) if g.contains(group))
        });
        if !names_group {
            continue;
        }
        if policy.rules.len() > 1 {
            holders.push(format!(
                "policy {name:?} (it has {} rules; birdhouse rewrites only single-rule policies)",
                policy.rules.len()
            ));
            continue;
        }
        for rule in &policy.rules {
            if rule.sources.len() == 1 && rule.sources.contains(group) {
                holders.push(format!("policy {name:?} (the group is its only source)"));
            }
            if matches!(&rule.destination, Destination::Groups(g) if g.len() == 1 && g.contains(group))
            {
                holders.push(format!(
                    "policy {name:?} (the group is its only destination)"
                ));
            }
        }
    }
    for network in live.objects.networks.values() {
        for target in network.routers.keys() {
            let RouterTarget::PeerGroups(groups) = target else {
                continue;
            };
            let key = router_key(&network.name, target);
            let goes = changes.iter().any(|c| {
                c.kind == Kind::NetworkRouter
                    && c.name == key
                    && matches!(c.action, Action::Delete | Action::Update)
            });
            if groups.len() == 1 && groups.contains(group) && !goes {
                holders.push(format!(
                    "network router {key:?} (the group is its only peer group)"
                ));
            }
        }
    }
    holders
}
