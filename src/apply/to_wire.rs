//! Model objects + the working state → `api::wire` request bodies: names become ids, and the
//! fields a full-replace PUT would otherwise reset are echoed from the live wire object.
//!
//! Defaults for fields the files leave out (unmanaged) apply only at creation and follow what
//! NetBird's dashboard does, except where a safer value exists (rules are one-way unless asked).

use std::collections::BTreeSet;

use crate::apply::ApplyError;
use crate::apply::state::State;
use crate::kinds::wire;
use crate::kinds::{
    Action, AddressKind, DEFAULT_ROUTER_MASQUERADE, DEFAULT_ROUTER_METRIC, Destination, ExpiresIn,
    Kind, Policy, PortRange, Protocol, Resource, Role, Router, RouterTarget, Rule, ServiceUser,
    SetupKey, User,
};

pub(super) fn setup_key_create(
    key: &SetupKey,
    state: &State,
) -> Result<wire::CreateSetupKeyRequest, ApplyError> {
    Ok(wire::CreateSetupKeyRequest {
        name: key.name.clone(),
        kind: key.key_type.as_str().to_owned(),
        // Left out, the key never expires (the API's own meaning of 0).
        expires_in: key.expires_in.map_or(0, ExpiresIn::as_api_seconds),
        auto_groups: state.group_ids(key.auto_groups.iter().flatten())?,
        usage_limit: u64::from(key.usage_limit.unwrap_or(0)),
        ephemeral: key.ephemeral,
        allow_extra_dns_labels: key.allow_extra_dns_labels,
    })
}

pub(super) fn setup_key_update(
    key: &SetupKey,
    state: &State,
) -> Result<wire::SetupKeyRequest, ApplyError> {
    Ok(wire::SetupKeyRequest {
        revoked: key.revoked.unwrap_or(false),
        auto_groups: state.group_ids(key.auto_groups.iter().flatten())?,
    })
}

pub(super) fn network(name: &str, description: Option<&String>) -> wire::NetworkRequest {
    wire::NetworkRequest {
        name: name.to_owned(),
        description: description.cloned(),
    }
}

pub(super) fn resource(
    resource: &Resource,
    state: &State,
) -> Result<wire::NetworkResourceRequest, ApplyError> {
    Ok(wire::NetworkResourceRequest {
        name: resource.name.clone(),
        description: resource.description.clone(),
        address: resource.address.as_str().to_owned(),
        enabled: resource.enabled.unwrap_or(true),
        groups: state.group_ids(resource.groups.iter().flatten())?,
    })
}

/// A router body. `enabled` is what a PUT should set; a POST ignores it (always enabled).
pub(super) fn router(
    router: &Router,
    state: &State,
) -> Result<wire::NetworkRouterRequest, ApplyError> {
    let (peer, peer_groups) = match &router.target {
        RouterTarget::Peer(peer) => (Some(state.peer_id(peer)), None),
        RouterTarget::PeerGroups(groups) => (None, Some(state.group_ids(groups)?)),
    };
    Ok(wire::NetworkRouterRequest {
        peer,
        peer_groups,
        masquerade: router.masquerade.unwrap_or(DEFAULT_ROUTER_MASQUERADE),
        metric: u32::from(router.metric.unwrap_or(DEFAULT_ROUTER_METRIC)),
        enabled: router.enabled.unwrap_or(true),
    })
}

/// An invitation (a local user with a generated password on the embedded IdP).
pub(super) fn user_create(
    user: &User,
    state: &State,
) -> Result<wire::UserCreateRequest, ApplyError> {
    Ok(wire::UserCreateRequest {
        email: Some(user.email.clone()),
        name: Some(user.name.clone().unwrap_or_else(|| user.email.clone())),
        role: user.role.unwrap_or(Role::User).as_str().to_owned(),
        auto_groups: state.group_ids(user.auto_groups.iter().flatten())?,
        is_service_user: false,
    })
}

/// A user's PUT; every field is required, so what the model lacks comes from `live`.
pub(super) fn user_update(
    user: &User,
    live: Option<&wire::User>,
    state: &State,
) -> Result<wire::UserRequest, ApplyError> {
    Ok(wire::UserRequest {
        role: role(user.role, live),
        auto_groups: state.group_ids(user.auto_groups.iter().flatten())?,
        is_blocked: user
            .blocked
            .unwrap_or_else(|| live.is_some_and(|u| u.is_blocked)),
    })
}

/// The role to send: the model's, else the live one as the server spells it.
fn role(role: Option<Role>, live: Option<&wire::User>) -> String {
    match (role, live) {
        (Some(role), _) => role.as_str().to_owned(),
        (None, Some(live)) => live.role.clone(),
        (None, None) => Role::User.as_str().to_owned(),
    }
}

pub(super) fn service_user_create(
    user: &ServiceUser,
    state: &State,
) -> Result<wire::UserCreateRequest, ApplyError> {
    Ok(wire::UserCreateRequest {
        email: None,
        name: Some(user.name.clone()),
        role: user.role.unwrap_or(Role::User).as_str().to_owned(),
        auto_groups: state.group_ids(user.auto_groups.iter().flatten())?,
        is_service_user: true,
    })
}

/// A service user's PUT: `is_blocked` is not in the model, so the live value is echoed.
pub(super) fn service_user_update(
    user: &ServiceUser,
    live: Option<&wire::User>,
    state: &State,
) -> Result<wire::UserRequest, ApplyError> {
    Ok(wire::UserRequest {
        role: role(user.role, live),
        auto_groups: state.group_ids(user.auto_groups.iter().flatten())?,
        is_blocked: live.is_some_and(|u| u.is_blocked),
    })
}

/// A policy body. On update, `live` supplies what the model does not hold and a full replace
/// would otherwise reset: the rule id (kept, so the rule is updated rather than replaced), the
/// posture checks and a source resource.
pub(super) fn policy(
    policy: &Policy,
    live: Option<&wire::Policy>,
    state: &State,
) -> Result<wire::PolicyRequest, ApplyError> {
    let rules = policy
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let live_rule = live.and_then(|p| p.rules.get(index));
            rule_request(policy, rule, live_rule, state)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(wire::PolicyRequest {
        name: policy.name.clone(),
        description: policy.description.clone(),
        enabled: policy.enabled.unwrap_or(true),
        source_posture_checks: live.map(|p| p.source_posture_checks.clone()),
        rules,
    })
}

fn rule_request(
    policy: &Policy,
    rule: &Rule,
    live: Option<&wire::PolicyRule>,
    state: &State,
) -> Result<wire::PolicyRuleRequest, ApplyError> {
    let (ports, port_ranges) = ports(rule.protocol, &rule.ports);
    // A live rule may come from a source resource (not in the model); keep it when the file
    // names no source groups, as sending both is refused.
    let source_resource = live
        .and_then(|r| r.source_resource.clone())
        .filter(|_| rule.sources.is_empty());
    let sources = if source_resource.is_some() {
        None
    } else {
        Some(state.group_ids(&rule.sources)?)
    };
    let (destinations, destination_resource) = match &rule.destination {
        Destination::Groups(groups) => (Some(state.group_ids(groups)?), None),
        Destination::Resource(target) => {
            let id = state.id(Kind::NetworkResource, &target.resource)?;
            (None, Some(resource_ref(state, &id)))
        }
    };
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
        protocol: protocol(rule.protocol).to_owned(),
        ports,
        port_ranges,
        sources,
        destinations,
        source_resource,
        destination_resource,
        authorized_groups: None,
    })
}

fn protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::All => "all",
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
    }
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

/// A resource as a rule targets it: its id and its type (host, subnet or domain), as the
/// server derived it from the address.
pub(super) fn resource_ref(state: &State, id: &str) -> wire::Resource {
    let live = state.wire.resources.iter().find(|r| r.id == id);
    let kind = live
        .map(|r| r.kind.clone())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| {
            let kind = live.map_or(AddressKind::Host, |r| {
                crate::kinds::Address::from_server(&r.address).kind()
            });
            match kind {
                AddressKind::Host => "host",
                AddressKind::Subnet => "subnet",
                AddressKind::Domain => "domain",
            }
            .to_owned()
        });
    wire::Resource {
        id: id.to_owned(),
        kind,
    }
}

/// A wire policy as a write body, unchanged: the starting point for detaching a group.
pub(super) fn policy_echo(policy: &wire::Policy) -> wire::PolicyRequest {
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

/// Group ids the request names that the answer does not: NetBird drops unknown group ids from
/// policies without an error, so a write is checked against its answer.
pub(super) fn dropped_groups(sent: &wire::PolicyRequest, answer: &wire::Policy) -> Vec<String> {
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
    missing.sort();
    missing.dedup();
    missing
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::{dropped_groups, policy, ports};
    use crate::apply::state::State;
    use crate::kinds::wire;
    use crate::kinds::{Kind, PortRange, Protocol};
    use crate::live::{LiveTenant, Snapshot, WireTenant, convert};

    /// A tenant with groups `devs` (g1) and `ops` (g2), a host resource `nas` (r1) in `lan`,
    /// and policy `p` (rule id p1, a posture check) from devs to ops.
    fn state() -> State {
        let wire = WireTenant {
            groups: serde_json::from_value(json!([
                {"id": "g1", "name": "devs", "issued": "api"},
                {"id": "g2", "name": "ops", "issued": "api"}
            ]))
            .unwrap(),
            networks: serde_json::from_value(json!([
                {"id": "n1", "name": "lan", "resources": ["r1"], "routers": []}
            ]))
            .unwrap(),
            resources: serde_json::from_value(json!([
                {"id": "r1", "name": "nas", "type": "host", "address": "10.0.0.5/32",
                 "enabled": true, "groups": []}
            ]))
            .unwrap(),
            policies: serde_json::from_value(json!([
                {"id": "p1", "name": "p", "enabled": true, "source_posture_checks": ["pc1"],
                 "rules": [{"id": "p1", "name": "p", "enabled": true, "action": "accept",
                            "bidirectional": false, "protocol": "all",
                            "sources": [{"id": "g1"}], "destinations": [{"id": "g2"}]}]}
            ]))
            .unwrap(),
            ..WireTenant::default()
        };
        let snapshot: Snapshot = convert(&wire, Kind::ALL.into_iter().collect());
        State::new(&LiveTenant {
            account_id: "a".into(),
            snapshot,
            wire,
            locks: Vec::new(),
        })
    }

    #[test]
    fn a_policy_update_keeps_the_rule_id_and_posture_checks_and_targets_the_resource_by_type() {
        let state = state();
        let live = state.wire.policies[0].clone();
        let snapshot = convert(&state.wire, Kind::ALL.into_iter().collect());
        let mut model = snapshot.objects.policies["p"].clone();
        model.rules[0].destination =
            crate::kinds::Destination::Resource(crate::kinds::ResourceRef {
                network: "lan".into(),
                resource: "nas".into(),
            });
        let body = policy(&model, Some(&live), &state).unwrap();
        let sent = serde_json::to_value(&body).unwrap();
        assert_eq!(sent["source_posture_checks"], json!(["pc1"]));
        assert_eq!(sent["rules"][0]["id"], "p1");
        assert_eq!(sent["rules"][0]["sources"], json!(["g1"]));
        assert_eq!(
            sent["rules"][0]["destinationResource"],
            json!({"id": "r1", "type": "host"})
        );
        assert!(sent["rules"][0].get("destinations").is_none());
    }

    #[test]
    fn groups_missing_from_the_answer_are_reported() {
        let state = state();
        let live = state.wire.policies[0].clone();
        let snapshot = convert(&state.wire, Kind::ALL.into_iter().collect());
        let body = policy(&snapshot.objects.policies["p"], Some(&live), &state).unwrap();
        assert_eq!(dropped_groups(&body, &live), Vec::<String>::new());
        let mut answer: wire::Policy = live.clone();
        answer.rules[0].destinations.clear();
        assert_eq!(dropped_groups(&body, &answer), ["g2"]);
    }

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
