//! `plan --changed-since REF` tells drift apart from the pull request's change, on real NetBird
//! servers: a group deleted by hand in the tenant the pull request edits is drift (the files at
//! REF plan its create too), the group the pull request adds is its own, and a tenant the pull
//! request does not touch is not planned at all, whatever happened to it.

use std::path::Path;
use std::process::Command;

use birdhouse_lab::{Lab, LabOptions};
use serde_json::Value;

use crate::e2e::{birdhouse, write};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t.example"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn files(dir: &Path, tenant_1_groups: &str) {
    let text = format!(
        "version: 1\ntenants:\n  - name: tenant-1\n    domain: tenant-1.lab.example\n    \
         groups: [{tenant_1_groups}]\n  - name: tenant-2\n    domain: tenant-2.lab.example\n    \
         groups: [{{name: sales}}]\n"
    );
    std::fs::write(dir.join("tenants.yaml"), text).unwrap();
}

fn group_id(server: &birdhouse_lab::ServerRecord, name: &str) -> String {
    let groups = birdhouse_lab::probe::Probe::new(server)
        .get_blocking("/api/groups")
        .unwrap();
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no group {name}: {groups}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Commits the files in `root` as `main` (what was merged) and applies them, so the live tenants
/// match `main` before a test changes anything.
fn merge_and_apply(lab: &Lab, root: &Path) {
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "merged"]);
    let applied = birdhouse(
        lab,
        root,
        &["apply", "-f", "tenants.yaml", "--yes", "--discard-secrets"],
    );
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_change_made_outside_birdhouse_is_drift_and_the_pull_requests_own_change_is_not() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(2)
    })
    .expect("the lab starts");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    files(root, "{name: ops}");
    merge_and_apply(&lab, root);

    // By hand, in the dashboard: ops goes from tenant-1, sales from tenant-2.
    let one = lab.tenant("tenant-1").unwrap();
    let two = lab.tenant("tenant-2").unwrap();
    for (server, name) in [(&one, "ops"), (&two, "sales")] {
        let id = group_id(server, name);
        write(server, "DELETE", &format!("/api/groups/{id}"), &Value::Null);
    }

    // The pull request adds devs to tenant-1.
    git(root, &["checkout", "-qb", "add-devs"]);
    files(root, "{name: ops}, {name: devs}");
    git(root, &["commit", "-qam", "devs"]);

    let json = birdhouse(
        &lab,
        root,
        &[
            "plan",
            "-f",
            "tenants.yaml",
            "--changed-since",
            "main",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let plan: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan["drift_since"], "main", "{plan}");
    let tenants = plan["tenants"].as_array().unwrap();
    assert_eq!(
        tenants.len(),
        1,
        "only the tenant the pull request edits: {plan}"
    );
    let changes = tenants[0]["changes"].as_array().unwrap();
    let drift_of = |name: &str| {
        changes
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no change of {name}: {plan}"))["drift"]
            .clone()
    };
    assert_eq!(
        drift_of("devs"),
        Value::Bool(false),
        "devs is the pull request's"
    );
    assert_eq!(
        drift_of("ops"),
        Value::Bool(true),
        "ops was deleted by hand"
    );
    assert_eq!(changes.len(), 2, "{plan}");

    let text = birdhouse(
        &lab,
        root,
        &[
            "plan",
            "-f",
            "tenants.yaml",
            "--changed-since",
            "main",
            "--color",
            "never",
        ],
    );
    let own = text
        .stdout
        .find("Changes in this pull request:")
        .unwrap_or_else(|| panic!("no section of the pull request's changes:\n{}", text.stdout));
    let drift = text
        .stdout
        .find("Drift: changed outside birdhouse since main")
        .unwrap_or_else(|| panic!("no drift section:\n{}", text.stdout));
    let devs = text.stdout.find("+ group devs").unwrap();
    let ops = text.stdout.find("+ group ops").unwrap();
    assert!(own < devs && devs < drift && drift < ops, "{}", text.stdout);
    assert!(
        text.stdout
            .contains("Drift: 1 of 2 changes is not this pull request's"),
        "{}",
        text.stdout
    );

    let markdown = birdhouse(
        &lab,
        root,
        &[
            "plan",
            "-f",
            "tenants.yaml",
            "--changed-since",
            "main",
            "--format",
            "markdown",
        ],
    );
    assert!(
        markdown
            .stdout
            .contains("| Tenant | Create | Update | Replace | Delete | Drift | Status |"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("| tenant-1 | 2 | 0 | 0 | 0 | 1 | ready |"),
        "{}",
        markdown.stdout
    );

    // Without --changed-since nothing is told apart: every tenant, no drift flags set.
    let all = birdhouse(
        &lab,
        root,
        &["plan", "-f", "tenants.yaml", "--format", "json"],
    );
    let plan: Value = serde_json::from_str(&all.stdout).unwrap();
    assert!(plan.get("drift_since").is_none(), "{plan}");
    assert_eq!(plan["tenants"].as_array().unwrap().len(), 2);
    for tenant in plan["tenants"].as_array().unwrap() {
        for change in tenant["changes"].as_array().unwrap() {
            assert_eq!(change["drift"], false, "{change}");
        }
    }
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_pull_request_that_edits_a_policy_reads_and_plans_neither_setup_keys_nor_users() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(1)
    })
    .expect("the lab starts");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let tenant = |ports: &str| {
        format!(
            "version: 1\ntenants:\n  - name: tenant-1\n    domain: tenant-1.lab.example\n    \
             groups: [{{name: devs}}, {{name: ops}}]\n    setup_keys: [{{name: k, type: reusable}}]\n    \
             policies:\n      - name: p\n        rules: [{{protocol: tcp, ports: [{ports}], sources: [devs], destinations: [ops]}}]\n"
        )
    };
    std::fs::write(root.join("tenants.yaml"), tenant("22")).unwrap();
    merge_and_apply(&lab, root);
    // A setup key deleted by hand: drift in a kind the pull request does not touch.
    let server = lab.tenant("tenant-1").unwrap();
    let keys = birdhouse_lab::probe::Probe::new(&server)
        .get_blocking("/api/setup-keys")
        .unwrap();
    let id = keys[0]["id"].as_str().unwrap().to_owned();
    write(
        &server,
        "DELETE",
        &format!("/api/setup-keys/{id}"),
        &Value::Null,
    );

    git(root, &["checkout", "-qb", "https"]);
    std::fs::write(root.join("tenants.yaml"), tenant("22, 443")).unwrap();
    git(root, &["commit", "-qam", "https"]);
    lab.reset_stats();
    let scoped = birdhouse(
        &lab,
        root,
        &[
            "plan",
            "-f",
            "tenants.yaml",
            "--changed-since",
            "main",
            "--format",
            "json",
        ],
    );
    assert_eq!(scoped.code, 0, "{}", scoped.stderr);
    // Groups (every kind names them) and policies, with the network lists that name the
    // resources a live rule may target; not the setup keys or the users. (The token check
    // reads the token's own user and its tokens, once per run.)
    let reads: Vec<String> = lab.stats().calls.keys().cloned().collect();
    assert!(
        !reads
            .iter()
            .any(|r| r.contains("setup-keys") || r == "GET /api/users"),
        "setup keys or users were read: {reads:?}"
    );
    assert!(reads.iter().any(|r| r == "GET /api/policies"), "{reads:?}");
    let plan: Value = serde_json::from_str(&scoped.stdout).unwrap();
    let changes = plan["tenants"][0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only the policy: {plan}");
    assert_eq!(changes[0]["kind"], "policy");
    let kinds_read = plan["tenants"][0]["kinds_read"].to_string();
    assert!(
        !kinds_read.contains("setup_key") && !kinds_read.contains("\"user\""),
        "{kinds_read}"
    );

    // Without --changed-since every kind is planned: the key deleted by hand comes back.
    let whole = birdhouse(
        &lab,
        root,
        &["plan", "-f", "tenants.yaml", "--color", "never"],
    );
    assert!(whole.stdout.contains("+ setup key k"), "{}", whole.stdout);
}
