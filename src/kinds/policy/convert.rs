//! A policy as read: group ids become names, ports and ranges one sorted set, a resource target
//! its network and name.

use std::collections::{BTreeMap, BTreeSet};

use crate::kinds::kit::names::{GroupNames, ResourceRefs};
use crate::kinds::wire;
use crate::kinds::{Action, Destination, Policy, PortRange, Protocol, ResourceRef, Rule};

/// The policy, its rules read with [`rule`] (exact for a single-rule policy only: see
/// `live::convert`).
///
/// Posture checks are named through `checks` (id → name) when their list was read (an id not
/// in it stays an id), and unknown (`None`) when it was not.
pub(crate) fn policy(
    policy: &wire::Policy,
    names: &GroupNames<'_>,
    resources: &ResourceRefs<'_>,
    checks: Option<&BTreeMap<&str, &str>>,
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
            .map(|r| rule(r, names, resources))
            .collect(),
    }
}

/// One rule.
pub(crate) fn rule(
    rule: &wire::PolicyRule,
    names: &GroupNames<'_>,
    resources: &ResourceRefs<'_>,
) -> Rule {
    let ids =
        |groups: &[wire::GroupMinimum]| groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    let mut ports: BTreeSet<PortRange> = rule.ports.iter().filter_map(|p| p.parse().ok()).collect();
    ports.extend(rule.port_ranges.iter().map(|r| PortRange {
        start: r.start,
        end: r.end,
    }));
    let destination = match &rule.destination_resource {
        Some(target) => {
            Destination::Resource(resources.get(target.id.as_str()).cloned().unwrap_or(
                ResourceRef {
                    network: String::new(),
                    resource: target.id.clone(),
                },
            ))
        }
        None => Destination::Groups(names.names(&ids(&rule.destinations))),
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
        sources: names.names(&ids(&rule.sources)),
        destination,
    }
}
