//! The writes apply makes besides the files' own (detaching a deleted group, pointing policies
//! at a replaced resource, the second call of a two-step change) are changes of the plan, each
//! with its reason, and the plan's call count is the sum of its changes' writes.

use std::collections::{BTreeMap, BTreeSet};

use super::{BASE, desired, live_after_applying, plan, revoke_first, summary};
use crate::kinds::{Group, Kind, Policy, Protocol, RouterTarget};
use crate::live::{ObjectKey, Snapshot};
use crate::plan::{Action, Object, Reason, TenantPlan};

fn detach(groups: &[&str]) -> Reason {
    Reason::Detach {
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

/// The live tenant after applying BASE, plus a group "legacy" the files do not name, used by
/// a policy and a setup key the files do not name either.
fn live_with_legacy_group() -> Snapshot {
    let mut live = live_after_applying(&desired(BASE, "groups").objects);
    live.objects.groups.insert(
        "legacy".into(),
        Group {
            name: "legacy".into(),
            peers: None,
        },
    );
    let mut rule = live.objects.policies["devs-to-lan"].rules[0].clone();
    rule.sources = BTreeSet::from(["legacy".into(), "devs".into()]);
    live.objects.policies.insert(
        "by-hand".into(),
        Policy {
            name: "by-hand".into(),
            description: Some(String::new()),
            enabled: Some(true),
            rules: vec![rule],
            source_posture_checks: None,
        },
    );
    let mut key = live.objects.setup_keys["office"].clone();
    key.name = "dashboard-key".into();
    key.auto_groups = Some(BTreeSet::from(["legacy".into()]));
    live.objects.setup_keys.insert("dashboard-key".into(), key);
    live
}

fn writes(plan: &TenantPlan) -> u64 {
    plan.changes.iter().map(crate::plan::Change::writes).sum()
}

#[test]
fn a_group_delete_detaches_the_group_from_unmanaged_objects_as_changes_before_it() {
    let live = live_with_legacy_group();
    let planned = plan(&desired(BASE, "groups"), &live);
    assert!(planned.errors.is_empty(), "{:?}", planned.errors);
    assert_eq!(
        summary(&planned),
        vec![
            (
                Action::Update,
                Kind::Policy,
                "by-hand".into(),
                detach(&["legacy"])
            ),
            (
                Action::Update,
                Kind::SetupKey,
                "dashboard-key".into(),
                detach(&["legacy"])
            ),
            (
                Action::Delete,
                Kind::Group,
                "legacy".into(),
                Reason::NotDesired
            ),
        ]
    );
    let policy = &planned.changes[0];
    assert_eq!(policy.fields.len(), 1);
    assert_eq!(policy.fields[0].field, "rules[0].sources");
    assert_eq!(
        policy.fields[0].before,
        serde_json::json!(["devs", "legacy"])
    );
    assert_eq!(policy.fields[0].after, serde_json::json!(["devs"]));
    let Some(Object::Policy(after)) = &policy.after else {
        panic!("a policy change carries the policy");
    };
    assert_eq!(after.rules[0].sources, BTreeSet::from(["devs".into()]));
    // Three writes: two PUTs and the DELETE.
    assert_eq!(writes(&planned), 3);
}

#[test]
fn an_object_the_plan_deletes_or_rewrites_without_the_group_is_not_detached() {
    let live = live_with_legacy_group();
    // Setup keys pruned: the dashboard key is deleted, not detached; its delete comes first.
    let planned = plan(&desired(BASE, "groups, setup_keys"), &live);
    assert_eq!(
        summary(&planned),
        vec![
            (
                Action::Update,
                Kind::Policy,
                "by-hand".into(),
                detach(&["legacy"])
            ),
            (
                Action::Delete,
                Kind::SetupKey,
                "dashboard-key".into(),
                Reason::NotDesired
            ),
            (
                Action::Delete,
                Kind::Group,
                "legacy".into(),
                Reason::NotDesired
            ),
        ]
    );
}

#[test]
fn ssh_authorized_groups_and_routers_are_detached_and_a_router_keeps_its_other_groups() {
    let mut live = live_with_legacy_group();
    live.objects.setup_keys.remove("dashboard-key");
    live.objects.policies.remove("by-hand");
    // A policy the files do not name whose SSH rule authorizes the group.
    let mut ssh = live.objects.policies["devs-to-lan"].clone();
    ssh.name = "ssh-by-hand".into();
    ssh.rules[0].protocol = Protocol::NetbirdSsh;
    ssh.rules[0].authorized_groups = BTreeMap::from([
        ("devs".into(), BTreeSet::from(["root".into()])),
        ("legacy".into(), BTreeSet::new()),
    ]);
    live.objects.policies.insert(ssh.name.clone(), ssh);
    let hq = live.objects.networks.get_mut("hq").unwrap();
    let mut router = hq.routers.values().next().unwrap().clone();
    router.target = RouterTarget::PeerGroups(BTreeSet::from(["legacy".into(), "devs".into()]));
    hq.routers.insert(router.target.clone(), router);
    let planned = plan(&desired(BASE, "groups"), &live);
    assert!(planned.errors.is_empty(), "{:?}", planned.errors);
    assert_eq!(
        summary(&planned),
        vec![
            (
                Action::Update,
                Kind::Policy,
                "ssh-by-hand".into(),
                detach(&["legacy"])
            ),
            (
                Action::Update,
                Kind::NetworkRouter,
                "hq/peer groups devs,legacy".into(),
                detach(&["legacy"])
            ),
            (
                Action::Delete,
                Kind::Group,
                "legacy".into(),
                Reason::NotDesired
            ),
        ]
    );
    assert_eq!(
        planned.changes[0].fields[0].field,
        "rules[0].authorized_groups"
    );
    let Some(Object::Policy(after)) = &planned.changes[0].after else {
        panic!("a policy change carries the policy");
    };
    assert_eq!(
        after.rules[0].authorized_groups,
        BTreeMap::from([("devs".into(), BTreeSet::from(["root".into()]))]),
        "the other group keeps its login"
    );
    let Some(Object::NetworkRouter(after)) = &planned.changes[1].after else {
        panic!("a router change carries the router");
    };
    assert_eq!(
        after.object.target,
        RouterTarget::PeerGroups(BTreeSet::from(["devs".into()]))
    );
}

#[test]
fn a_group_an_object_of_a_shared_name_uses_is_not_deleted() {
    let mut live = live_with_legacy_group();
    live.objects.setup_keys.remove("dashboard-key");
    live.ambiguous
        .insert(ObjectKey::new(Kind::SetupKey, "dashboard-key"));
    live.ambiguous_refs.insert(
        ObjectKey::new(Kind::Group, "legacy"),
        BTreeSet::from([ObjectKey::new(Kind::SetupKey, "dashboard-key")]),
    );
    let planned = plan(&desired(BASE, "groups"), &live);
    assert!(
        !planned
            .changes
            .iter()
            .any(|c| c.kind == Kind::Group || c.reason == detach(&["legacy"])),
        "{:#?}",
        planned.changes
    );
    assert_eq!(planned.errors.len(), 1, "{:?}", planned.errors);
    assert!(
        planned.errors[0]
            .contains("setup key \"dashboard-key\" (more than one live setup key has that name)"),
        "{}",
        planned.errors[0]
    );
}

#[test]
fn two_step_creates_are_two_changes_and_two_writes() {
    let yaml = BASE
        .replace(
            "{name: once, type: one-off, usage_limit: 0, ephemeral: true}",
            "{name: once, type: one-off, usage_limit: 0, ephemeral: true, revoked: true}",
        )
        .replace(
            "{email: Alice@Acme.example, role: admin, auto_groups: [admins]}",
            "{email: Alice@Acme.example, role: admin, auto_groups: [admins], blocked: true}",
        )
        .replace(
            "{peer_groups: [servers], masquerade: true, metric: 100}",
            "{peer_groups: [servers], masquerade: true, metric: 100, enabled: false}",
        );
    let planned = plan(&desired(&yaml, "groups"), &Snapshot::default());
    let second: Vec<(Kind, String, String)> = planned
        .changes
        .iter()
        .filter_map(|c| match &c.reason {
            Reason::SetAfterCreate { field } => Some((c.kind, c.name.clone(), field.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        second,
        vec![
            (
                Kind::NetworkRouter,
                "hq/peer groups servers".into(),
                "enabled".into()
            ),
            (Kind::SetupKey, "once".into(), "revoked".into()),
            (Kind::User, "alice@acme.example".into(), "blocked".into()),
        ]
    );
    // Each second call comes right after its create.
    for (index, change) in planned.changes.iter().enumerate() {
        if matches!(change.reason, Reason::SetAfterCreate { .. }) {
            let create = &planned.changes[index - 1];
            assert_eq!(
                (create.action, create.kind, &create.name),
                (Action::Create, change.kind, &change.name)
            );
        }
    }
    // One write per change, plus the service user's token call when it declares one.
    let tokens = planned
        .changes
        .iter()
        .filter(|c| matches!(&c.after, Some(Object::ServiceUser(u)) if u.token.is_some()))
        .count() as u64;
    assert_eq!(writes(&planned), planned.changes.len() as u64 + tokens);
}

#[test]
fn a_replaced_key_is_revoked_first_and_a_revoked_key_is_not_revoked_again() {
    let want = desired(BASE, "groups");
    let mut live = live_after_applying(&want.objects);
    live.objects
        .setup_keys
        .get_mut("office")
        .unwrap()
        .usage_limit = Some(9);
    let planned = plan(&want, &live);
    assert_eq!(summary(&planned)[0], revoke_first("office"));
    assert_eq!(planned.changes[1].action, Action::Replace);
    // Revoke, delete, create.
    assert_eq!(writes(&planned), 3);

    live.objects.setup_keys.get_mut("office").unwrap().revoked = Some(true);
    let planned = plan(&want, &live);
    assert_eq!(
        summary(&planned),
        vec![(
            Action::Replace,
            Kind::SetupKey,
            "office".into(),
            Reason::CreateOnly {
                field: "usage_limit".into()
            }
        )]
    );
    assert_eq!(writes(&planned), 2);
}

#[test]
fn the_planned_calls_are_the_reads_the_lock_and_every_change_write() {
    let live = live_with_legacy_group();
    let planned = plan(&desired(BASE, "groups"), &live);
    // The lock (2), the re-read of every list the snapshot says it read (the account answer,
    // which proves the identity and holds the settings, groups, keys, users, policies,
    // posture checks, routes, nameserver groups, DNS settings, DNS zones, three network lists
    // and the peers), the writes (2 detaches, 1 delete).
    assert_eq!(planned.api_calls, 2 + 14 + 3);
}

#[test]
fn an_object_the_plan_rewrites_is_not_listed_as_left_alone() {
    let live = live_with_legacy_group();
    let planned = plan(&desired(BASE, "groups"), &live);
    let left_alone = |kind| planned.left_alone.get(&kind).cloned().unwrap_or_default();
    assert!(!left_alone(Kind::Policy).contains(&"by-hand".to_owned()));
    assert!(!left_alone(Kind::SetupKey).contains(&"dashboard-key".to_owned()));
    assert_eq!(planned.unmanaged.get(&Kind::SetupKey), None);
}
