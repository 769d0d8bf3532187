//! `birdhouse export` against real NetBird servers (the lab): objects made directly on a
//! tenant's own server come out as files, and planning those files right away changes nothing.

use std::path::Path;

use birdhouse_lab::{Lab, LabOptions, ServerRecord};
use serde_json::{Value, json};

use crate::support::Output;

/// Raw writes to one tenant's own server with its own PAT: neither birdhouse nor the MSP
/// front is involved in making the state that export must read back.
struct Server {
    http: reqwest::Client,
    record: ServerRecord,
}

impl Server {
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.record.url))
            .header("Authorization", format!("Token {}", self.record.pat))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "POST {path} answered {status}: {value}"
        );
        value
    }

    async fn id_of(&self, path: &str, body: Value) -> String {
        let created = self.post(path, body).await;
        created["id"]
            .as_str()
            .unwrap_or_else(|| panic!("POST {path} returned no id: {created}"))
            .to_owned()
    }
}

/// Fills a tenant with one object of every kind birdhouse manages, the way the dashboard would.
async fn populate(record: &ServerRecord) {
    let server = Server {
        http: reqwest::Client::new(),
        record: record.clone(),
    };
    let devs = server.id_of("/api/groups", json!({"name": "devs"})).await;
    let servers = server
        .id_of("/api/groups", json!({"name": "servers"}))
        .await;
    server.id_of("/api/groups", json!({"name": "yes"})).await;
    server
        .post(
            "/api/setup-keys",
            json!({"name": "office", "type": "reusable", "expires_in": 0,
                   "auto_groups": [devs], "usage_limit": 0, "ephemeral": false}),
        )
        .await;
    server
        .post(
            "/api/setup-keys",
            json!({"name": "laptop", "type": "one-off", "expires_in": 2_592_000,
                   "auto_groups": [], "usage_limit": 1, "ephemeral": true}),
        )
        .await;
    let network = server
        .id_of(
            "/api/networks",
            json!({"name": "office-lan", "description": "Office LAN"}),
        )
        .await;
    let lan = server
        .id_of(
            &format!("/api/networks/{network}/resources"),
            json!({"name": "lan", "address": "10.10.0.0/24", "enabled": true,
                   "groups": [servers], "description": "printers and NAS"}),
        )
        .await;
    server
        .post(
            &format!("/api/networks/{network}/resources"),
            json!({"name": "wiki", "address": "wiki.acme.example", "enabled": true,
                   "groups": [devs]}),
        )
        .await;
    server
        .post(
            &format!("/api/networks/{network}/routers"),
            json!({"peer_groups": [servers], "masquerade": true, "metric": 100,
                   "enabled": true}),
        )
        .await;
    server
        .post(
            "/api/users",
            json!({"email": "alice@acme.example", "name": "Alice", "role": "admin",
                   "auto_groups": [devs], "is_service_user": false}),
        )
        .await;
    server
        .post(
            "/api/users",
            json!({"name": "ci-runner", "role": "user", "auto_groups": [servers],
                   "is_service_user": true}),
        )
        .await;
    server
        .post(
            "/api/policies",
            json!({"name": "devs-to-servers", "description": "ssh and web", "enabled": true,
                   "rules": [{"name": "devs-to-servers", "enabled": true, "action": "accept",
                              "bidirectional": false, "protocol": "tcp",
                              "ports": ["22", "443"], "sources": [devs],
                              "destinations": [servers]}]}),
        )
        .await;
    server
        .post(
            "/api/policies",
            json!({"name": "devs-to-lan", "enabled": false,
                   "rules": [{"name": "reach the LAN", "enabled": true, "action": "accept",
                              "bidirectional": false, "protocol": "all",
                              "sources": [devs],
                              "destinationResource": {"id": lan, "type": "subnet"}}]}),
        )
        .await;
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
#[ignore = "needs NetBird lab"]
fn export_then_plan_shows_no_changes() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(2)
    })
    .expect("the lab starts");
    let acme = lab.tenant("tenant-1").expect("tenant-1");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(populate(&acme));

    let dir = tempfile::tempdir().unwrap();
    let birdhouse = |args: &[&str]| run(dir.path(), &lab, args);
    let exported = birdhouse(&["export", "-o", "out"]);
    assert_eq!(
        exported.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        exported.stdout, exported.stderr
    );
    assert!(exported.stdout.is_empty(), "stdout: {}", exported.stdout);
    assert!(
        exported.stderr.contains("exported 2 tenants"),
        "{}",
        exported.stderr
    );

    let out = dir.path().join("out");
    let text = read(&out.join("tenant-1.yaml"));
    assert!(
        text.starts_with("# yaml-language-server: $schema=birdhouse.schema.json\n"),
        "{text}"
    );
    assert!(text.contains("\nversion: 1\n"), "{text}");
    assert!(out.join("birdhouse.schema.json").is_file());
    assert!(out.join("tenant-2.yaml").is_file());
    for expected in [
        format!("id: {}", acme.account_id),
        "domain: tenant-1.lab.example".to_owned(),
        "- name: devs".to_owned(),
        "name: office-lan".to_owned(),
        "address: 10.10.0.0/24".to_owned(),
        "address: wiki.acme.example".to_owned(),
        "email: alice@acme.example".to_owned(),
        "service: ci-runner".to_owned(),
        "name: devs-to-lan".to_owned(),
        "resource: lan".to_owned(),
        "expires_in: never".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} missing:\n{text}");
    }
    assert!(
        !text.contains("- name: All"),
        "the All group is protected:\n{text}"
    );
    assert!(
        !text.contains("role: owner"),
        "the owner is protected:\n{text}"
    );

    let planned = birdhouse(&[
        "plan",
        "--detailed-exitcode",
        "-f",
        "out",
        "--color",
        "never",
    ]);
    assert_eq!(
        planned.code, 0,
        "stdout:\n{}\nstderr:\n{}\nfile:\n{text}",
        planned.stdout, planned.stderr
    );
    assert!(planned.stdout.contains("No changes"), "{}", planned.stdout);

    // A second export refuses to write over the first one, unless told to.
    let again = birdhouse(&["export", "-o", "out"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("is not empty"), "{}", again.stderr);
    let forced = birdhouse(&["export", "-o", "out", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        read(&out.join("tenant-1.yaml")),
        text,
        "same state, same bytes"
    );

    // --tenant selects by name.
    let one = birdhouse(&["export", "-o", "one", "--tenant", "tenant-2"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let names: Vec<String> = std::fs::read_dir(dir.path().join("one"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert_eq!(names, ["tenant-2.yaml"]);
}

/// Runs `birdhouse` in `dir` against the lab's MSP front.
fn run(dir: &Path, lab: &Lab, args: &[&str]) -> Output {
    let output = assert_cmd::Command::cargo_bin("birdhouse")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .env_remove("NETBIRD_HOST")
        .env("NETBIRD_API_URL", lab.base_url())
        .env("NETBIRD_API_TOKEN", lab.token().expose())
        .timeout(std::time::Duration::from_mins(2))
        .output()
        .expect("run birdhouse");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
#[ignore = "needs NetBird lab"]
fn the_tokens_own_account_exports_as_self_and_plans_empty() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(1)
    })
    .expect("the lab starts");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(populate(lab.msp()));

    let dir = tempfile::tempdir().unwrap();
    let birdhouse = |args: &[&str]| run(dir.path(), &lab, args);
    let exported = birdhouse(&["export", "-o", "own", "--self"]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    assert!(
        exported.stderr.contains("exported 1 tenant"),
        "{}",
        exported.stderr
    );
    let files: Vec<_> = std::fs::read_dir(dir.path().join("own"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    let [file] = files.as_slice() else {
        panic!("one file: {files:?}");
    };
    let text = read(file);
    for expected in [
        "self: true".to_owned(),
        format!("id: {}", lab.msp().account_id),
        "- name: devs".to_owned(),
        "service: ci-runner".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} missing:\n{text}");
    }
    assert!(!text.contains("domain:"), "{text}");

    let planned = birdhouse(&["plan", "--detailed-exitcode", "-f", "own"]);
    assert_eq!(
        planned.code, 0,
        "stdout:\n{}\nstderr:\n{}\nfile:\n{text}",
        planned.stdout, planned.stderr
    );
    // --self and --tenant say different things.
    let both = birdhouse(&["export", "-o", "x", "--self", "--tenant", "tenant-1"]);
    assert_eq!(both.code, 64, "{}", both.stderr);
}

#[test]
#[ignore = "needs NetBird lab"]
fn with_baselines_what_tenants_share_is_written_once_and_plans_empty() {
    let lab = Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(2)
    })
    .expect("the lab starts");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for name in ["tenant-1", "tenant-2"] {
        runtime.block_on(populate(&lab.tenant(name).expect(name)));
    }
    let dir = tempfile::tempdir().unwrap();
    let birdhouse = |args: &[&str]| run(dir.path(), &lab, args);
    let exported = birdhouse(&["export", "-o", "shared", "--baselines"]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let out = dir.path().join("shared");
    let baselines = read(&out.join("baselines.yaml"));
    for expected in [
        "baselines:",
        "  common:",
        "- name: devs",
        "name: devs-to-servers",
    ] {
        assert!(
            baselines.contains(expected),
            "{expected:?} missing:\n{baselines}"
        );
    }
    let tenant = read(&out.join("tenant-1.yaml"));
    assert!(tenant.contains("baselines: [common]"), "{tenant}");
    assert!(!tenant.contains("- name: devs\n"), "{tenant}");

    let planned = birdhouse(&["plan", "--detailed-exitcode", "-f", "shared"]);
    assert_eq!(
        planned.code, 0,
        "stdout:\n{}\nstderr:\n{}\nbaselines:\n{baselines}\ntenant:\n{tenant}",
        planned.stdout, planned.stderr
    );
}
