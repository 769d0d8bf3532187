//! This kind as a write: model objects → request bodies, names sent as ids (through
//! `kit::ids::Ids`); what a full-replace PUT would otherwise reset is echoed from the live
//! object. Defaults for fields the files leave out (unmanaged) apply only at creation and follow
//! what the dashboard does, except where a safer value exists.

use std::collections::BTreeSet;

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::wire;
use crate::kinds::{Action, Destination, Kind, Policy, PortRange, Protocol, Rule, RuleResource};

/// A policy body. On update, `live` supplies what the model does not hold and a full replace
/// would otherwise reset: the rule id (kept, so the rule is updated rather than replaced) and
/// the posture checks when the files leave them unmanaged.
pub(crate) fn policy(
    policy: &Policy,
    live: Option<&wire::Policy>,
    ids: &impl Ids,
) -> Result<wire::PolicyRequest, MissingId> {
    let rules = policy
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let live_rule = live.and_then(|p| p.rules.get(index));
            rule_request(policy, rule, live_rule, ids)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(wire::PolicyRequest {
        name: policy.name.clone(),
        description: policy.description.clone(),
        enabled: policy.enabled.unwrap_or(true),
        source_posture_checks: match &policy.source_posture_checks {
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| ids.id(Kind::PostureCheck, name))
                    .collect::<Result<_, _>>()?,
            ),
            None => live.map(|p| p.source_posture_checks.clone()),
        },
        rules,
    })
}

fn rule_request(
    policy: &Policy,
    rule: &Rule,
    live: Option<&wire::PolicyRule>,
    ids: &impl Ids,
) -> Result<wire::PolicyRuleRequest, MissingId> {
    let (ports, port_ranges) = ports(rule.protocol, &rule.ports);
    let (sources, source_resource) = match &rule.source_resource {
        Some(target) => (None, Some(resource(target, ids)?)),
        None => (Some(ids.group_ids(&rule.sources)?), None),
    };
    let (destinations, destination_resource) = match &rule.destination {
        Destination::Groups(groups) => (Some(ids.group_ids(groups)?), None),
        Destination::Resource(target) => (None, Some(resource(target, ids)?)),
    };
    // NetBird keeps authorized groups only for NetBird SSH; the decoder refuses them elsewhere.
    let authorized_groups = (!rule.authorized_groups.is_empty())
        .then(|| {
            rule.authorized_groups
                .iter()
                .map(|(group, users)| {
                    Ok((ids.id(Kind::Group, group)?, users.iter().cloned().collect()))
                })
                .collect::<Result<_, MissingId>>()
        })
        .transpose()?;
    Ok(wire::PolicyRuleRequest {
        id: live.and_then(|r| r.id.clone()),
        name: rule.name.clone().unwrap_or_else(|| policy.name.clone()),
        description: rule.description.clone(),
        enabled: rule.enabled.unwrap_or(true),
        action: match rule.action {
            Action::Accept => "accept",
            Action::Drop => "drop",
        }
        .to_owned(),
        // One way unless the file says otherwise: the narrower grant.
        bidirectional: rule.bidirectional.unwrap_or(false),
        protocol: rule.protocol.as_str().to_owned(),
        ports,
        port_ranges,
        sources,
        destinations,
        source_resource,
        destination_resource,
        authorized_groups,
    })
}

/// A rule's resource as the API names it: a network resource by id with its own type, a peer
/// by id with type `peer`.
fn resource(target: &RuleResource, ids: &impl Ids) -> Result<wire::Resource, MissingId> {
    Ok(match target {
        RuleResource::Network(target) => {
            let id = ids.id(Kind::NetworkResource, &target.resource)?;
            crate::kinds::network::request::resource_ref(ids, &id)
        }
        RuleResource::Peer(peer) => wire::Resource {
            id: ids.peer_id(peer),
            kind: "peer".to_owned(),
        },
    })
}

/// `ports` as strings when every entry is a single port, else everything as `port_ranges`
/// (the server refuses both at once); nothing for protocols without ports.
type Ports = (Option<Vec<String>>, Option<Vec<wire::RulePortRange>>);

fn ports(protocol: Protocol, ports: &BTreeSet<PortRange>) -> Ports {
    if !protocol.has_ports() || ports.is_empty() {
        return (None, None);
    }
    if ports.iter().all(|p| p.is_single()) {
        (
            Some(ports.iter().map(|p| p.start.to_string()).collect()),
            None,
        )
    } else {
        let ranges = ports
            .iter()
            .map(|p| wire::RulePortRange {
                start: p.start,
                end: p.end,
            })
            .collect();
        (None, Some(ranges))
    }
}

/// A wire policy as a write body, unchanged: the starting point for detaching a group.
pub(crate) fn policy_echo(policy: &wire::Policy) -> wire::PolicyRequest {
    let ids = |groups: &[wire::GroupMinimum]| groups.iter().map(|g| g.id.clone()).collect();
    wire::PolicyRequest {
        name: policy.name.clone(),
        description: Some(policy.description.clone()),
        enabled: policy.enabled,
        source_posture_checks: Some(policy.source_posture_checks.clone()),
        rules: policy
            .rules
            .iter()
            .map(|rule| wire::PolicyRuleRequest {
                id: rule.id.clone(),
                name: rule.name.clone(),
                description: Some(rule.description.clone()),
                enabled: rule.enabled,
                action: rule.action.clone(),
                bidirectional: rule.bidirectional,
                protocol: rule.protocol.clone(),
                ports: Some(rule.ports.clone()).filter(|p| !p.is_empty()),
                port_ranges: Some(rule.port_ranges.clone()).filter(|p| !p.is_empty()),
                sources: rule.source_resource.is_none().then(|| ids(&rule.sources)),
                destinations: rule
                    .destination_resource
                    .is_none()
                    .then(|| ids(&rule.destinations)),
                source_resource: rule.source_resource.clone(),
                destination_resource: rule.destination_resource.clone(),
                authorized_groups: Some(rule.authorized_groups.clone()).filter(|a| !a.is_empty()),
            })
            .collect(),
    }
}

/// Group and posture-check ids the request names that the answer does not: NetBird drops
/// unknown ids from policies without an error, so a write is checked against its answer.
pub(crate) fn dropped_groups(sent: &wire::PolicyRequest, answer: &wire::Policy) -> Vec<String> {
    let mut missing = Vec::new();
    for (index, rule) in sent.rules.iter().enumerate() {
        let got = answer.rules.get(index);
        let have = |list: fn(&wire::PolicyRule) -> &Vec<wire::GroupMinimum>, id: &String| {
            got.is_some_and(|r| list(r).iter().any(|g| &g.id == id))
        };
        for id in rule.sources.iter().flatten() {
            if !have(|r| &r.sources, id) {
                missing.push(id.clone());
            }
        }
        for id in rule.destinations.iter().flatten() {
            if !have(|r| &r.destinations, id) {
                missing.push(id.clone());
            }
        }
        if let Some(target) = &rule.destination_resource
            && got
                .and_then(|r| r.destination_resource.as_ref())
                .is_none_or(|r| r.id != target.id)
        {
            missing.push(target.id.clone());
        }
    }
    // Unknown posture-check ids are dropped the same way.
    for id in sent.source_posture_checks.iter().flatten() {
        if !answer.source_posture_checks.contains(id) {
            missing.push(id.clone());
        }
    }
    missing.sort();
    missing.dedup();
    missing
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::ports;
    use crate::kinds::{PortRange, Protocol};

    #[test]
    fn single_ports_go_as_strings_any_range_makes_all_ranges() {
        let singles: BTreeSet<PortRange> = [PortRange::single(443), PortRange::single(22)].into();
        let (list, ranges) = ports(Protocol::Tcp, &singles);
        assert_eq!(list, Some(vec!["22".to_owned(), "443".to_owned()]));
        assert_eq!(ranges, None);

        let mixed: BTreeSet<PortRange> = [
            PortRange::single(22),
            PortRange {
                start: 8000,
                end: 8100,
            },
        ]
        .into();
        let (list, ranges) = ports(Protocol::Tcp, &mixed);
        assert_eq!(list, None);
        let ranges = ranges.unwrap();
        assert_eq!(
            ranges.iter().map(|r| (r.start, r.end)).collect::<Vec<_>>(),
            [(22, 22), (8000, 8100)]
        );
    }

    #[test]
    fn protocols_without_ports_send_none() {
        let singles: BTreeSet<PortRange> = [PortRange::single(53)].into();
        assert_eq!(ports(Protocol::All, &singles), (None, None));
        assert_eq!(ports(Protocol::Udp, &BTreeSet::new()), (None, None));
    }
}
