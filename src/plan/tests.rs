//! Table-driven planner cases: desired state from YAML, live state from what the server would
//! hold after applying some desired state (then tweaked), and the expected changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use proptest::prelude::*;

use crate::desired::DesiredTenant;
use crate::kinds::KeyExpiry;
use crate::kinds::{
    Destination, ExpiresIn, Group, Kind, Policy, PortRange, Protocol, Role, Rule, RuleResource,
    SetupKeyType, Tenant, User,
};
use crate::live::{ObjectKey, Snapshot};
use crate::plan::{
    Action, GuardSettings, Object, PlanOptions, Reason, Refusal, TenantPlan, plan_tenant,
};

/// The moment the tests' plans are made.
const NOW: std::time::SystemTime = std::time::UNIX_EPOCH;

const BASE: &str = r#"
version: 1
tenants:
  - name: Acme
    domain: acme.example
    prune: [PRUNE]
    groups: [{name: admins}, {name: devs}, {name: servers}]
    setup_keys:
      - {name: office, type: reusable, expires_in: 30d, usage_limit: 5, auto_groups: [devs]}
      - {name: once, type: one-off, usage_limit: 0, ephemeral: true}
    networks:
      - name: hq
        description: Head office
        resources:
          - {name: lan, address: 10.0.0.0/24, groups: [devs]}
          - {name: wiki, address: Wiki.Acme.example, enabled: true, groups: [devs]}
        routers:
          - {peer_groups: [servers], masquerade: true, metric: 100}
    users:
      - {email: Alice@Acme.example, role: admin, auto_groups: [admins]}
      - {service: ci, role: user, auto_groups: [devs]}
    policies:
      - name: devs-to-lan
        rules:
          - {protocol: tcp, ports: [443, 22, "8000-8100"], sources: [devs, admins],
             destination_resource: {network: hq, resource: lan}}
"#;

/// The desired tenant of a YAML text (`PRUNE` replaced by the given kinds).
fn desired(yaml: &str, prune: &str) -> DesiredTenant {
    let text = yaml.replace("PRUNE", prune);
    let loaded = crate::desired::load_contents([(PathBuf::from("case.yaml"), text.into_bytes())]);
    match loaded.state {
        Ok(mut state) => state.tenants.remove(0),
        Err(d) => panic!("case does not validate: {:?}", d.sorted()),
    }
}

/// What the server holds after applying `desired` to an empty tenant: every field filled with
/// the server's value, sets as the server returns them.
fn live_after_applying(desired: &Tenant) -> Snapshot {
    let mut live = Snapshot::default();
    live.objects.groups = desired.groups.clone();
    live.objects.groups.insert(
        "All".into(),
        Group {
            name: "All".into(),
            peers: None,
        },
    );
    live.protected.insert(ObjectKey::new(Kind::Group, "All"));
    for (name, key) in &desired.setup_keys {
        let mut key = key.clone();
        key.usage_limit = Some(if key.key_type == SetupKeyType::OneOff {
            1
        } else {
            key.usage_limit.unwrap_or(0)
        });
        key.ephemeral = Some(key.ephemeral.unwrap_or(false));
        key.allow_extra_dns_labels = Some(key.allow_extra_dns_labels.unwrap_or(false));
        key.auto_groups = Some(key.auto_groups.unwrap_or_default());
        key.revoked = Some(key.revoked.unwrap_or(false));
        let expiry = match key.expires_in {
            Some(ExpiresIn::Never) | None => KeyExpiry::Never,
            Some(ExpiresIn::Seconds(_)) => KeyExpiry::Later,
        };
        key.expires_in = None;
        live.key_expiry.insert(name.clone(), expiry);
        live.objects.setup_keys.insert(name.clone(), key);
    }
    for (name, network) in &desired.networks {
        let mut network = network.clone();
        network.description = Some(network.description.unwrap_or_default());
        for resource in network.resources.values_mut() {
            resource.description = Some(resource.description.clone().unwrap_or_default());
            resource.enabled = Some(resource.enabled.unwrap_or(true));
            resource.groups = Some(resource.groups.clone().unwrap_or_default());
            live.resource_network
                .insert(resource.name.clone(), name.clone());
        }
        for router in network.routers.values_mut() {
            router.masquerade = Some(router.masquerade.unwrap_or(false));
            router.metric = Some(router.metric.unwrap_or(9999));
            router.enabled = Some(router.enabled.unwrap_or(true));
        }
        live.objects.networks.insert(name.clone(), network);
    }
    for (key, user) in &desired.users {
        let mut user = user.clone();
        user.email = user.email.to_ascii_lowercase();
        user.name = Some(user.name.unwrap_or_else(|| user.email.clone()));
        user.role = Some(user.role.unwrap_or(Role::User));
        user.auto_groups = Some(user.auto_groups.unwrap_or_default());
        user.blocked = Some(user.blocked.unwrap_or(false));
        live.objects.users.insert(key.clone(), user);
    }
    for (name, service) in &desired.service_users {
        let mut service = service.clone();
        service.role = Some(service.role.unwrap_or(Role::User));
        service.auto_groups = Some(service.auto_groups.unwrap_or_default());
        service.token = None;
        live.objects.service_users.insert(name.clone(), service);
    }
    for (name, policy) in &desired.policies {
        let mut policy = policy.clone();
        policy.description = Some(policy.description.unwrap_or_default());
        policy.enabled = Some(policy.enabled.unwrap_or(true));
        for rule in &mut policy.rules {
            rule.name = Some(rule.name.clone().unwrap_or_else(|| name.clone()));
            rule.description = Some(rule.description.clone().unwrap_or_default());
            rule.enabled = Some(rule.enabled.unwrap_or(true));
            rule.bidirectional = Some(rule.bidirectional.unwrap_or(false));
        }
        live.objects.policies.insert(name.clone(), policy);
    }
    live.kinds_read = Kind::ALL.into_iter().collect();
    live
}

fn plan(desired: &DesiredTenant, live: &Snapshot) -> TenantPlan {
    plan_tenant(
        desired,
        live,
        Some("acc".into()),
        PlanOptions {
            guard: GuardSettings::default(),
            now: NOW,
            fingerprint: true,
        },
    )
}

/// `(action, kind, name, reason)` of every change, in plan order.
fn summary(plan: &TenantPlan) -> Vec<(Action, Kind, String, Reason)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.clone(), c.reason.clone()))
        .collect()
}

fn differ(fields: &[&str]) -> Reason {
    Reason::FieldsDiffer {
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
    }
}

#[test]
fn an_empty_tenant_gets_every_object_created_in_dependency_order() {
    let want = desired(BASE, "groups");
    let plan = plan(&want, &Snapshot::default());
    let seen: Vec<(Action, Kind, String)> = plan
        .changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.clone()))
        .collect();
    let expected = [
        (Kind::Group, "admins"),
        (Kind::Group, "devs"),
        (Kind::Group, "servers"),
        (Kind::Network, "hq"),
        (Kind::NetworkResource, "lan"),
        (Kind::NetworkResource, "wiki"),
        (Kind::NetworkRouter, "hq/peer groups servers"),
        (Kind::SetupKey, "office"),
        (Kind::SetupKey, "once"),
        (Kind::User, "alice@acme.example"),
        (Kind::ServiceUser, "ci"),
        (Kind::Policy, "devs-to-lan"),
    ]
    .map(|(kind, name)| (Action::Create, kind, name.to_owned()));
    assert_eq!(seen, expected);
    assert!(plan.changes.iter().all(|c| c.reason == Reason::Missing));
    assert!(plan.errors.is_empty() && plan.refusals.is_empty());
}

#[test]
fn nothing_to_do_right_after_an_apply() {
    let want = desired(BASE, "groups, setup_keys, users, policies, networks");
    let live = live_after_applying(&want.objects);
    let plan = plan(&want, &live);
    assert_eq!(summary(&plan), vec![]);
    assert!(plan.unmanaged.is_empty());
}

#[test]
fn unlisted_objects_are_unmanaged_unless_pruned_and_protected_ones_never_go() {
    let want = desired(BASE, "setup_keys");
    let mut live = live_after_applying(&want.objects);
    live.objects.groups.insert(
        "legacy".into(),
        Group {
            name: "legacy".into(),
            peers: None,
        },
    );
    live.objects.groups.insert(
        "okta-sync".into(),
        Group {
            name: "okta-sync".into(),
            peers: None,
        },
    );
    live.protected
        .insert(ObjectKey::new(Kind::Group, "okta-sync"));
    let plan_unpruned = plan(&want, &live);
    assert_eq!(summary(&plan_unpruned), vec![]);
    assert_eq!(plan_unpruned.unmanaged.get(&Kind::Group), Some(&1));

    let want = desired(BASE, "groups");
    let plan = plan(&want, &live);
    assert_eq!(
        summary(&plan),
        vec![(
            Action::Delete,
            Kind::Group,
            "legacy".into(),
            Reason::NotDesired
        )]
    );
}

#[test]
fn a_group_delete_the_server_would_refuse_is_refused_in_the_plan() {
    // "legacy" is the only source of a live policy the files do not name.
    let mut live = live_after_applying(&desired(BASE, "groups").objects);
    live.objects.groups.insert(
        "legacy".into(),
        Group {
            name: "legacy".into(),
            peers: None,
        },
    );
    let mut rule = live.objects.policies["devs-to-lan"].rules[0].clone();
    rule.sources = BTreeSet::from(["legacy".into()]);
    live.objects.policies.insert(
        "legacy-in".into(),
        Policy {
            name: "legacy-in".into(),
            description: None,
            enabled: Some(true),
            rules: vec![rule],
            source_posture_checks: None,
        },
    );
    let planned = plan(&desired(BASE, "groups"), &live);
    assert!(summary(&planned).is_empty(), "{:#?}", planned.changes);
    assert_eq!(
        planned.errors,
        vec![
            "group \"legacy\" cannot be deleted: it is still needed by policy \"legacy-in\" (the \
             group is its only source); change or remove it in the files (or prune that kind) first"
                .to_owned()
        ]
    );
    // With policies pruned too, the plan deletes the policy, and then the group can go.
    let planned = plan(&desired(BASE, "groups, policies"), &live);
    assert!(planned.errors.is_empty(), "{:?}", planned.errors);
    let deletes: Vec<_> = summary(&planned)
        .into_iter()
        .filter(|(action, ..)| *action == Action::Delete)
        .map(|(_, kind, name, _)| (kind, name))
        .collect();
    assert_eq!(
        deletes,
        vec![
            (Kind::Policy, "legacy-in".to_owned()),
            (Kind::Group, "legacy".to_owned())
        ]
    );
}

/// The revoke that precedes the replace of a live key that is not revoked yet.
fn revoke_first(name: &str) -> (Action, Kind, String, Reason) {
    (
        Action::Update,
        Kind::SetupKey,
        name.into(),
        Reason::RevokeFirst,
    )
}

#[test]
fn setup_key_changes_update_or_replace() {
    let want = desired(BASE, "groups");
    let base = live_after_applying(&want.objects);

    let mut live = base.clone();
    live.objects
        .setup_keys
        .get_mut("office")
        .unwrap()
        .auto_groups = Some(BTreeSet::from(["admins".into()]));
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![(
            Action::Update,
            Kind::SetupKey,
            "office".into(),
            differ(&["auto_groups"])
        )]
    );

    let mut live = base.clone();
    live.objects.setup_keys.get_mut("office").unwrap().key_type = SetupKeyType::OneOff;
    let replaced = plan(&want, &live);
    assert_eq!(
        summary(&replaced),
        vec![
            revoke_first("office"),
            (
                Action::Replace,
                Kind::SetupKey,
                "office".into(),
                Reason::CreateOnly {
                    field: "type".into()
                }
            ),
        ]
    );

    let mut live = base.clone();
    live.key_expiry.insert("office".into(), KeyExpiry::Expired);
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![
            revoke_first("office"),
            (
                Action::Replace,
                Kind::SetupKey,
                "office".into(),
                Reason::Expired
            ),
        ]
    );

    let mut live = base.clone();
    live.key_expiry.insert("office".into(), KeyExpiry::Never);
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![
            revoke_first("office"),
            (
                Action::Replace,
                Kind::SetupKey,
                "office".into(),
                Reason::CreateOnly {
                    field: "expires_in".into()
                }
            ),
        ]
    );

    let mut live = base;
    live.objects
        .setup_keys
        .get_mut("office")
        .unwrap()
        .usage_limit = Some(9);
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![
            revoke_first("office"),
            (
                Action::Replace,
                Kind::SetupKey,
                "office".into(),
                Reason::CreateOnly {
                    field: "usage_limit".into()
                }
            ),
        ]
    );
}

#[test]
fn revoked_keys_cannot_be_unrevoked_so_they_are_replaced() {
    let yaml = BASE.replace(
        "usage_limit: 5, auto_groups: [devs]}",
        "usage_limit: 5, auto_groups: [devs], revoked: false}",
    );
    let want = desired(&yaml, "groups");
    let mut live = live_after_applying(&want.objects);
    live.objects.setup_keys.get_mut("office").unwrap().revoked = Some(true);
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![(
            Action::Replace,
            Kind::SetupKey,
            "office".into(),
            Reason::Revoked
        )]
    );
}

#[test]
fn network_resource_and_router_changes() {
    let want = desired(BASE, "network_routers");
    let mut live = live_after_applying(&want.objects);
    let hq = live.objects.networks.get_mut("hq").unwrap();
    hq.description = Some("Old text".into());
    hq.resources.get_mut("lan").unwrap().address = "10.9.0.0/24".parse().unwrap();
    let router = hq.routers.values_mut().next().unwrap();
    router.metric = Some(5);
    let extra = crate::kinds::Router {
        target: crate::kinds::RouterTarget::Peer("gw-1".into()),
        masquerade: Some(true),
        metric: Some(1),
        enabled: Some(true),
    };
    hq.routers.insert(extra.target.clone(), extra);
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![
            (
                Action::Update,
                Kind::Network,
                "hq".into(),
                differ(&["description"])
            ),
            (
                Action::Update,
                Kind::NetworkResource,
                "lan".into(),
                differ(&["address"])
            ),
            (
                Action::Update,
                Kind::NetworkRouter,
                "hq/peer groups servers".into(),
                differ(&["metric"])
            ),
            (
                Action::Delete,
                Kind::NetworkRouter,
                "hq/peer gw-1".into(),
                Reason::NotDesired
            ),
        ]
    );
}

#[test]
fn a_resource_in_another_network_is_replaced() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    let lan = live
        .objects
        .networks
        .get_mut("hq")
        .unwrap()
        .resources
        .remove("lan")
        .unwrap();
    let mut branch = live.objects.networks["hq"].clone();
    branch.name = "branch".into();
    branch.resources.clear();
    branch.routers.clear();
    branch.resources.insert("lan".into(), lan);
    live.objects.networks.insert("branch".into(), branch);
    live.resource_network.insert("lan".into(), "branch".into());
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![
            (
                Action::Replace,
                Kind::NetworkResource,
                "lan".into(),
                Reason::CreateOnly {
                    field: "network".into()
                }
            ),
            // The policy that targets it holds its old id, so it is pointed at the new one.
            (
                Action::Update,
                Kind::Policy,
                "devs-to-lan".into(),
                Reason::Repoint {
                    resource: "lan".into()
                }
            ),
        ]
    );
}

#[test]
fn user_emails_ignore_case_roles_update_and_ownership_never_moves() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    assert_eq!(
        live.objects.users["alice@acme.example"].email,
        "alice@acme.example"
    );
    assert_eq!(summary(&plan(&want, &live)), vec![]);

    live.objects
        .users
        .get_mut("alice@acme.example")
        .unwrap()
        .role = Some(Role::User);
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![(
            Action::Update,
            Kind::User,
            "alice@acme.example".into(),
            differ(&["role"])
        )]
    );

    live.objects
        .users
        .get_mut("alice@acme.example")
        .unwrap()
        .role = Some(Role::Owner);
    let refused = plan(&want, &live);
    assert_eq!(summary(&refused), vec![]);
    assert_eq!(refused.errors.len(), 1);
    assert!(
        refused.errors[0].contains("never transfers ownership"),
        "{}",
        refused.errors[0]
    );
}

#[test]
fn pruning_users_spares_the_owner_and_the_token_user() {
    let want = desired(BASE, "users");
    let mut live = live_after_applying(&want.objects);
    for (email, role) in [
        ("boss@acme.example", Role::Owner),
        ("me@acme.example", Role::Admin),
        ("gone@acme.example", Role::User),
    ] {
        let user = User {
            email: email.into(),
            name: Some(email.into()),
            role: Some(role),
            auto_groups: Some(BTreeSet::new()),
            blocked: Some(false),
        };
        live.objects.users.insert(email.into(), user);
    }
    live.protected
        .insert(ObjectKey::new(Kind::User, "boss@acme.example"));
    live.protected
        .insert(ObjectKey::new(Kind::User, "me@acme.example"));
    assert_eq!(
        summary(&plan(&want, &live)),
        vec![(
            Action::Delete,
            Kind::User,
            "gone@acme.example".into(),
            Reason::NotDesired
        )]
    );
}

#[test]
fn policies_compare_sets_and_report_the_field_that_differs() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    let rule = &mut live.objects.policies.get_mut("devs-to-lan").unwrap().rules[0];
    rule.sources = BTreeSet::from(["devs".into()]);
    rule.ports = [
        PortRange::single(22),
        PortRange::single(443),
        PortRange {
            start: 8000,
            end: 8100,
        },
    ]
    .into();
    let changed = plan(&want, &live);
    assert_eq!(
        summary(&changed),
        vec![(
            Action::Update,
            Kind::Policy,
            "devs-to-lan".into(),
            differ(&["rules[0].sources"])
        )]
    );
    assert_eq!(
        changed.changes[0].fields[0].before,
        serde_json::json!(["devs"])
    );
    assert_eq!(
        changed.changes[0].fields[0].after,
        serde_json::json!(["admins", "devs"])
    );
}

/// Each part of a rule NetBird holds, changed live, is a field change of its own: nothing a
/// reviewer should see is compared away.
#[test]
fn every_part_of_a_rule_that_drifted_is_a_field_change() {
    type Drift = fn(&mut Rule);
    let want = desired(BASE, "groups");
    let drifts: [(&str, Drift); 7] = [
        ("rules[0].protocol", |r| r.protocol = Protocol::NetbirdSsh),
        ("rules[0].ports", |r| r.ports = BTreeSet::new()),
        ("rules[0].sources", |r| {
            r.sources = BTreeSet::from(["devs".into()]);
        }),
        ("rules[0].source_resource", |r| {
            r.source_resource = Some(RuleResource::Peer("gw-1".into()));
        }),
        ("rules[0].destination", |r| {
            r.destination = Destination::Resource(RuleResource::Peer("gw-1".into()));
        }),
        ("rules[0].authorized_groups", |r| {
            r.authorized_groups = BTreeMap::from([("devs".into(), BTreeSet::new())]);
        }),
        ("rules[0].action", |r| r.action = crate::kinds::Action::Drop),
    ];
    let applied = live_after_applying(&want.objects).objects.policies["devs-to-lan"].clone();
    for (field, drift) in drifts {
        let mut live = live_after_applying(&want.objects);
        drift(&mut live.objects.policies.get_mut("devs-to-lan").unwrap().rules[0]);
        let changed = plan(&want, &live);
        let fields: Vec<&str> = changed
            .changes
            .iter()
            .flat_map(|c| &c.fields)
            .map(|f| f.field.as_str())
            .collect();
        assert!(fields.contains(&field), "{field}: {fields:?}");
        let Some(Object::Policy(after)) = &changed.changes[0].after else {
            panic!("a policy change carries the policy");
        };
        assert_eq!(
            after.rules, applied.rules,
            "{field}: the write puts back the files' rule"
        );
    }
}

#[test]
fn a_live_policy_of_several_rules_is_refused_not_rewritten() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    let policy = live.objects.policies.get_mut("devs-to-lan").unwrap();
    let mut second = policy.rules[0].clone();
    second.name = Some("web".into());
    second.sources = BTreeSet::from(["servers".into()]);
    policy.rules[0].name = Some("ssh".into());
    policy.rules.push(second);
    let planned = plan(&want, &live);
    assert!(planned.changes.is_empty(), "{:#?}", planned.changes);
    assert_eq!(
        planned.errors,
        vec![
            "policy \"devs-to-lan\" has 2 rules live (\"ssh\", \"web\"); birdhouse manages \
             policies of one rule and will not rewrite it: split it into one policy per rule (in \
             the dashboard or the API) and name those in the files, or remove \"devs-to-lan\" \
             from the files to leave it as it is"
                .to_owned()
        ]
    );
}

#[test]
fn a_name_matching_two_live_objects_is_an_error_not_a_guess() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    live.objects.groups.remove("devs");
    live.ambiguous.insert(ObjectKey::new(Kind::Group, "devs"));
    let plan = plan(&want, &live);
    assert!(
        plan.changes.iter().all(|c| c.name != "devs"),
        "{:?}",
        summary(&plan)
    );
    assert_eq!(
        plan.errors,
        vec![
            "more than one live group is named \"devs\"; rename or remove the extras so birdhouse can tell them apart"
        ]
    );
}

#[test]
fn mass_deletes_are_refused_with_counts() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    for i in 0..8 {
        let name = format!("old-{i}");
        live.objects
            .groups
            .insert(name.clone(), Group { name, peers: None });
    }
    let refused = plan(&want, &live);
    let managed = refused.refusals.iter().find_map(|r| match r {
        Refusal::MassDelete {
            deletes, managed, ..
        } => Some((*deletes, *managed)),
        Refusal::EmptiesTenant { .. } => None,
    });
    // 3 desired groups + 8 pruned + 9 other managed objects = 20 managed; 8 deletes = 40%.
    assert_eq!(managed, Some((8, 20)));
}

#[test]
fn fields_left_out_are_never_changed() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    let lan = live
        .objects
        .networks
        .get_mut("hq")
        .unwrap()
        .resources
        .get_mut("lan")
        .unwrap();
    lan.enabled = Some(false);
    lan.description = Some("someone wrote this in the dashboard".into());
    live.objects
        .users
        .get_mut("alice@acme.example")
        .unwrap()
        .blocked = Some(true);
    assert_eq!(summary(&plan(&want, &live)), vec![]);
}

fn arb_group_names() -> impl Strategy<Value = BTreeSet<String>> {
    proptest::collection::btree_set("[a-c]{1,2}", 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Planning right after applying any desired state finds nothing to do.
    #[test]
    fn plan_after_apply_is_empty(
        groups in arb_group_names(),
        key_type in prop_oneof![Just(SetupKeyType::OneOff), Just(SetupKeyType::Reusable)],
        usage_limit in proptest::option::of(0u32..3),
        expires in proptest::option::of(prop_oneof![Just(ExpiresIn::Never), (1u64..1000).prop_map(|d| ExpiresIn::Seconds(d * 60))]),
        protocol in prop_oneof![Just(Protocol::All), Just(Protocol::Tcp), Just(Protocol::Udp), Just(Protocol::Icmp)],
        ports in proptest::collection::btree_set(1u16..100, 0..3),
        enabled in proptest::option::of(any::<bool>()),
        role in proptest::option::of(prop_oneof![Just(Role::Admin), Just(Role::User), Just(Role::Auditor)]),
        email_upper in any::<bool>(),
    ) {
        let mut tenant = desired(BASE, "groups").clone();
        let objects = &mut tenant.objects;
        for name in &groups {
            objects.groups.insert(name.clone(), Group { name: name.clone(), peers: None });
        }
        let key = objects.setup_keys.get_mut("office").unwrap();
        key.key_type = key_type;
        key.usage_limit = usage_limit;
        key.expires_in = expires;
        key.auto_groups = Some(groups.clone());
        let ports = if protocol.has_ports() { ports.into_iter().map(PortRange::single).collect() } else { BTreeSet::new() };
        objects.policies.insert("generated".into(), Policy {
            name: "generated".into(),
            description: None,
            enabled,
            rules: vec![Rule {
                name: None, description: None, enabled, action: crate::kinds::Action::Accept, protocol,
                bidirectional: enabled, ports, sources: groups.clone(), source_resource: None,
                destination: Destination::Groups(groups.clone()), authorized_groups: BTreeMap::new(),
            }],
            source_posture_checks: None,
        });
        let alice = objects.users.get_mut("alice@acme.example").unwrap();
        alice.role = role;
        if email_upper { alice.email = alice.email.to_ascii_uppercase(); }
        let live = live_after_applying(&tenant.objects);
        let plan = plan(&tenant, &live);
        prop_assert_eq!(summary(&plan), vec![]);
        prop_assert!(plan.errors.is_empty());
    }
}

mod hidden_writes;

/// A token is made anew once it expires within its file's `rotate_before` window, counted from
/// the plan's `now`; before the window it is left alone, and without a window never.
#[test]
fn a_token_inside_its_rotation_window_is_replaced_and_one_outside_is_not() {
    const DAY: i64 = 86_400;
    let yaml = BASE.replace(
        "{service: ci, role: user, auto_groups: [devs]}",
        "{service: ci, role: user, auto_groups: [devs], token: {name: deploy, expires_in: 90d, rotate_before: 14d}}",
    );
    let want = desired(&yaml, "groups");
    let token_in = |days_from_now: i64| {
        let mut live = live_after_applying(&want.objects);
        live.service_user_tokens
            .insert("ci".into(), BTreeSet::from(["deploy".into()]));
        let now =
            i64::try_from(NOW.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap();
        let expires = now + days_from_now * DAY + 3600;
        live.token_expiry.insert(
            "ci".into(),
            BTreeMap::from([("deploy".into(), u64::try_from(expires.max(0)).unwrap())]),
        );
        live
    };
    let planned = plan(&want, &token_in(10));
    assert_eq!(
        summary(&planned),
        vec![(
            Action::Update,
            Kind::ServiceUser,
            "ci".into(),
            Reason::TokenExpiring { days_left: 10 }
        )]
    );
    assert_eq!(
        planned.changes[0].writes(),
        2,
        "the old token's delete and the new one's create"
    );
    assert!(summary(&plan(&want, &token_in(20))).is_empty());

    let no_window = BASE.replace(
        "{service: ci, role: user, auto_groups: [devs]}",
        "{service: ci, role: user, auto_groups: [devs], token: {name: deploy, expires_in_days: 90}}",
    );
    let want = desired(&no_window, "groups");
    assert!(summary(&plan(&want, &token_in(1))).is_empty());
}
