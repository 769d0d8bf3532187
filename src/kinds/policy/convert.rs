//! A policy as read: group ids become names, ports and ranges one sorted set, a resource target
//! its network and name, a peer target the peer's name, and NetBird SSH's authorized groups a
//! map of group names to local users.

use std::collections::{BTreeMap, BTreeSet};

use crate::kinds::kit::names::{GroupNames, ResourceRefs};
use crate::kinds::wire;
use crate::kinds::{
    Action, Destination, Policy, PortRange, Protocol, ResourceRef, Rule, RuleResource,
};

/// The policy, its rules read with [`rule`] (exact for a single-rule policy only: see
/// `live::convert`).
///
/// Posture checks are named through `checks` (id → name) when their list was read (an id not
/// in it stays an id), and unknown (`None`) when it was not; `peer_name` gives a peer id's name
/// (the id itself when the name would be ambiguous or the peers were not read).
pub(crate) fn policy(
    policy: &wire::Policy,
    names: &GroupNames<'_>,
    resources: &ResourceRefs<'_>,
    checks: Option<&BTreeMap<&str, &str>>,
    peer_name: &impl Fn(&str) -> String,
) -> Policy {
    Policy {
        name: policy.name.clone(),
        description: Some(policy.description.clone()),
        enabled: Some(policy.enabled),
        source_posture_checks: checks.map(|checks| {
            policy
                .source_posture_checks
                .iter()
                .map(|id| {
                    checks
                        .get(id.as_str())
                        .map_or(id.as_str(), |n| n)
                        .to_owned()
                })
                .collect()
        }),
        rules: policy
            .rules
            .iter()
            .map(|r| rule(r, names, resources, peer_name))
            .collect(),
    }
}

/// One rule.
pub(crate) fn rule(
    rule: &wire::PolicyRule,
    names: &GroupNames<'_>,
    resources: &ResourceRefs<'_>,
    peer_name: &impl Fn(&str) -> String,
) -> Rule {
    let mut ports: BTreeSet<PortRange> = rule.ports.iter().filter_map(|p| p.parse().ok()).collect();
    ports.extend(rule.port_ranges.iter().map(|r| PortRange {
        start: r.start,
        end: r.end,
    }));
    let target =
        |target: &wire::Resource| {
            if target.kind == "peer" {
                return RuleResource::Peer(peer_name(&target.id));
            }
            RuleResource::Network(resources.get(target.id.as_str()).cloned().unwrap_or(
                ResourceRef {
                    network: String::new(),
                    resource: target.id.clone(),
                },
            ))
        };
    let destination = match &rule.destination_resource {
        Some(resource) => Destination::Resource(target(resource)),
        None => Destination::Groups(names.names_of(&rule.destinations)),
    };
    Rule {
        name: Some(rule.name.clone()),
        description: Some(rule.description.clone()),
        enabled: Some(rule.enabled),
        action: if rule.action == "drop" {
            Action::Drop
        } else {
            Action::Accept
        },
        protocol: rule.protocol.parse().unwrap_or(Protocol::All),
        bidirectional: Some(rule.bidirectional),
        ports,
        sources: if rule.source_resource.is_some() {
            BTreeSet::new()
        } else {
            names.names_of(&rule.sources)
        },
        source_resource: rule.source_resource.as_ref().map(target),
        destination,
        authorized_groups: rule
            .authorized_groups
            .iter()
            .map(|(id, users)| (names.name(id), users.iter().cloned().collect()))
            .collect(),
    }
}
