//! The planner's convergence property on a real NetBird server: for generated tenants, apply
//! and then plan again is empty, and the plan's call count is what the apply spent. Each case
//! starts from the state the previous case left, so it also proves that any generated tenant
//! is reached from any other (creates, updates, replaces and prunes together).

use std::collections::BTreeSet;
use std::path::Path;

use birdhouse_lab::{Lab, LabOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::e2e::birdhouse;

/// One generated tenant: what the files say about its groups, one setup key, one user and
/// one policy.
#[derive(Debug, Clone)]
struct Case {
    groups: BTreeSet<String>,
    key_type: &'static str,
    usage_limit: Option<u32>,
    expires_in: Option<String>,
    revoked: Option<bool>,
    protocol: &'static str,
    ports: BTreeSet<u16>,
    enabled: Option<bool>,
    bidirectional: Option<bool>,
    role: Option<&'static str>,
    shout_email: bool,
    blocked: Option<bool>,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        proptest::collection::btree_set("[a-d]{1,2}", 1..4),
        prop_oneof![Just("one-off"), Just("reusable")],
        proptest::option::of(0u32..3),
        proptest::option::of(prop_oneof![
            Just("never".to_owned()),
            (1u32..30).prop_map(|d| format!("{d}d"))
        ]),
        proptest::option::of(any::<bool>()),
        prop_oneof![Just("all"), Just("tcp"), Just("udp"), Just("icmp")],
        proptest::collection::btree_set(1u16..1000, 0..3),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(prop_oneof![Just("admin"), Just("user"), Just("auditor")]),
        any::<bool>(),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(
                groups,
                key_type,
                usage_limit,
                expires_in,
                revoked,
                protocol,
                ports,
                enabled,
                bidirectional,
                role,
                shout_email,
                blocked,
            )| Case {
                groups,
                key_type,
                usage_limit,
                expires_in,
                revoked,
                protocol,
                ports,
                enabled,
                bidirectional,
                role,
                shout_email,
                blocked,
            },
        )
}

/// The files of a case (every kind it manages pruned, so each case replaces the last).
fn files(case: &Case) -> String {
    let list = |items: &BTreeSet<String>| items.iter().cloned().collect::<Vec<_>>().join(", ");
    let optional = |key: &str, value: Option<String>| {
        value.map(|v| format!(", {key}: {v}")).unwrap_or_default()
    };
    let groups: Vec<String> = case
        .groups
        .iter()
        .map(|g| format!("{{name: {g}}}"))
        .collect();
    let key = format!(
        "{{name: generated, type: {}, auto_groups: [{}]{}{}{}}}",
        case.key_type,
        list(&case.groups),
        // A one-off key is used once: the files refuse any other limit for it.
        optional(
            "usage_limit",
            case.usage_limit
                .map(|n| if case.key_type == "one-off" {
                    n.min(1)
                } else {
                    n
                })
                .map(|n| n.to_string())
        ),
        optional("expires_in", case.expires_in.clone()),
        optional("revoked", case.revoked.map(|b| b.to_string())),
    );
    let email = if case.shout_email {
        "GENERATED@TENANT-1.LAB.EXAMPLE"
    } else {
        "generated@tenant-1.lab.example"
    };
    let user = format!(
        "{{email: {email}, auto_groups: [{}]{}{}}}",
        list(&case.groups),
        optional("role", case.role.map(str::to_owned)),
        optional("blocked", case.blocked.map(|b| b.to_string())),
    );
    let ports = if case.protocol == "tcp" || case.protocol == "udp" {
        let ports: Vec<String> = case.ports.iter().map(u16::to_string).collect();
        format!(", ports: [{}]", ports.join(", "))
    } else {
        String::new()
    };
    let rule = format!(
        "{{protocol: {}, sources: [{}], destinations: [{}]{ports}{}{}}}",
        case.protocol,
        list(&case.groups),
        list(&case.groups),
        optional("enabled", case.enabled.map(|b| b.to_string())),
        optional("bidirectional", case.bidirectional.map(|b| b.to_string())),
    );
    format!(
        "version: 1\ntenants:\n  - name: tenant-1\n    domain: tenant-1.lab.example\n    \
         prune: [groups, setup_keys, users, policies]\n    groups: [{}]\n    setup_keys:\n      - \
         {key}\n    users:\n      - {user}\n    policies:\n      - name: generated\n        \
         rules:\n          - {rule}\n",
        groups.join(", ")
    )
}

/// The plan's call count for applying the files, and what the apply spent on the lab's front.
fn apply_counted(lab: &Lab, dir: &Path) -> Result<(), TestCaseError> {
    let out = birdhouse(
        lab,
        dir,
        &["plan", "-f", "tenants.yaml", "--out", "plan.json"],
    );
    prop_assert!(out.code == 0, "{}\n{}", out.stdout, out.stderr);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let planned = crate::support::planned_calls(&saved);
    lab.reset_stats();
    let out = birdhouse(
        lab,
        dir,
        &["apply", "plan.json", "--secrets-out", "s.jsonl"],
    );
    prop_assert!(out.code == 0, "{}\n{}", out.stdout, out.stderr);
    let stats = lab.stats();
    prop_assert_eq!(planned, stats.requests, "{:#?}", stats.calls);
    Ok(())
}

#[test]
#[ignore = "needs NetBird lab"]
fn generated_tenants_converge_on_a_real_server_from_one_another() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(1)
    })
    .expect("the lab starts");
    let dir = tempfile::tempdir().unwrap();
    // Sixteen cases: each is under a second of real API calls on the lab.
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&cases(), |case| {
        std::fs::write(dir.path().join("tenants.yaml"), files(&case)).unwrap();
        apply_counted(&lab, dir.path())?;
        let out = birdhouse(
            &lab,
            dir.path(),
            &["plan", "-f", "tenants.yaml", "--detailed-exitcode"],
        );
        prop_assert!(
            out.code == 0,
            "the plan after apply is not empty for {case:?}:\n{}\n{}",
            out.stdout,
            out.stderr
        );
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
