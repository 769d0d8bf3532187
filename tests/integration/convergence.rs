//! The planner's convergence property on a real NetBird server: for generated tenants, apply
//! and then plan again is empty, and the plan's call count is what the apply spent. Each case
//! starts from the state the previous case left, so it also proves that any generated tenant
//! is reached from any other (creates, updates, replaces and prunes together).

use std::collections::BTreeSet;

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

prop_compose! {
    fn cases()(
        groups in proptest::collection::btree_set("[a-d]{1,2}", 1..4),
        key_type in prop_oneof![Just("one-off"), Just("reusable")],
        usage_limit in proptest::option::of(0u32..3),
        expires_in in proptest::option::of(prop_oneof![
            Just("never".to_owned()),
            (1u32..30).prop_map(|d| format!("{d}d"))
        ]),
        revoked in proptest::option::of(any::<bool>()),
        protocol in prop_oneof![Just("all"), Just("tcp"), Just("udp"), Just("icmp")],
        ports in proptest::collection::btree_set(1u16..1000, 0..3),
        enabled in proptest::option::of(any::<bool>()),
        bidirectional in proptest::option::of(any::<bool>()),
        role in proptest::option::of(prop_oneof![Just("admin"), Just("user"), Just("auditor")]),
        shout_email in any::<bool>(),
        blocked in proptest::option::of(any::<bool>()),
    ) -> Case {
        Case {
            groups, key_type, usage_limit, expires_in, revoked, protocol, ports, enabled,
            bidirectional, role, shout_email, blocked,
        }
    }
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
        let (planned, spent, calls) = crate::truth::planned_and_spent(
            &lab,
            dir.path(),
            "tenants.yaml",
            &["--allow-mass-delete"],
        );
        prop_assert_eq!(planned, spent, "{}", calls);
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
