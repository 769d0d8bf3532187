//! Posture checks on a real NetBird server (the lab): applied with the policy that names them,
//! planned empty, a change made by a raw API call planned back, a check made by hand in the
//! dashboard's shape read as it is, a delete a hand-made policy still needs refused in the
//! plan, and an export that plans empty. The lab's server runs without a geolocation database,
//! as many self-hosted ones do: a geo-location check is refused by the server, and apply says
//! why.

use birdhouse_lab::probe::Probe;
use serde_json::{Value, json};

use crate::e2e::{
    assert_plans_empty, birdhouse, delete, exported_file, find_by, kind_lab, live_list, write,
};

const FILES: &str = r#"version: 1
tenants:
  - name: Acme Dental
    domain: acme-dental.example
    prune: [posture_checks]
    groups: [{name: staff}, {name: servers}]
    posture_checks:
      - name: current-client
        description: A recent client on a clinic machine
        checks:
          nb_version_check: {min_version: "0.28.0"}
          os_version_check:
            linux: {min_kernel_version: "5.10"}
            windows: {min_kernel_version: "10.0.19045"}
          peer_network_range_check:
            ranges: ["2001:DB8::/32", 10.20.0.0/16]
            action: allow
          process_check:
            processes: [{linux_path: /usr/bin/edr}]
    policies:
      - name: staff-to-servers
        source_posture_checks: [current-client]
        rules: [{protocol: tcp, ports: [22], sources: [staff], destinations: [servers]}]
"#;

fn checks(probe: &Probe) -> Vec<Value> {
    live_list(probe, "/api/posture-checks")
}

#[test]
#[ignore = "needs NetBird lab"]
fn posture_checks_converge_drift_back_refuse_a_needed_delete_and_export_round_trip() {
    let (lab, server, probe, dir) = kind_lab(FILES);
    let run = |args: &[&str]| birdhouse(&lab, dir.path(), args);
    let plan_is_empty = |why: &str| assert_plans_empty(&lab, dir.path(), "tenants.yaml", why);

    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let live = checks(&probe);
    let check = find_by(&live, "name", "current-client");
    assert_eq!(
        check["checks"]["peer_network_range_check"]["ranges"],
        json!(["10.20.0.0/16", "2001:db8::/32"]),
        "sent in a stable order, in the form the server writes back"
    );
    let check_id = check["id"].as_str().unwrap().to_owned();
    let policies = probe.get_blocking("/api/policies").unwrap();
    let policy = find_by(policies.as_array().unwrap(), "name", "staff-to-servers");
    assert_eq!(policy["source_posture_checks"], json!([check_id]));
    plan_is_empty("after apply");

    // Drift by a raw call, in the shape the dashboard sends (every process path, empty ones
    // included): planned back field by field.
    write(
        &server,
        "PUT",
        &format!("/api/posture-checks/{check_id}"),
        &json!({"name": "current-client", "description": "A recent client on a clinic machine",
                "checks": {"nb_version_check": {"min_version": "0.25.0"},
                           "process_check": {"processes": [
                               {"linux_path": "/usr/bin/edr", "mac_path": "", "windows_path": ""}]}}}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("~ posture check current-client"),
        "{}",
        out.stdout
    );
    for field in [
        "checks.nb_version_check.min_version",
        "checks.os_version_check",
        "checks.peer_network_range_check",
    ] {
        assert!(out.stdout.contains(field), "{field}:\n{}", out.stdout);
    }
    assert!(
        !out.stdout.contains("checks.process_check"),
        "the dashboard's empty paths mean the same as none:\n{}",
        out.stdout
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    plan_is_empty("after the drift was applied back");

    // A check made by hand, and a hand-made policy that needs it: the prune is refused in
    // the plan, naming the policy, and nothing is deleted.
    let by_hand = write(
        &server,
        "POST",
        "/api/posture-checks",
        &json!({"name": "by-hand", "description": "",
                "checks": {"os_version_check": {"darwin": {"min_version": "14.2.1"}}}}),
    );
    let groups = probe.get_blocking("/api/groups").unwrap();
    let staff = find_by(groups.as_array().unwrap(), "name", "staff")["id"].clone();
    let policy = write(
        &server,
        "POST",
        "/api/policies",
        &json!({"name": "by-hand", "enabled": true, "source_posture_checks": [by_hand["id"]],
                "rules": [{"name": "by-hand", "enabled": true, "action": "accept",
                           "bidirectional": false, "protocol": "all",
                           "sources": [staff], "destinations": [staff]}]}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains(
            "posture check \"by-hand\" cannot be deleted: policy \"by-hand\" still names it"
        ),
        "{all}"
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(checks(&probe).iter().any(|c| c["name"] == "by-hand"));

    // Once the policy is gone, the prune goes through.
    let policy_id = policy["id"].as_str().unwrap();
    delete(&server, &format!("/api/policies/{policy_id}"));
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("- posture check by-hand"),
        "{}",
        out.stdout
    );
    assert!(checks(&probe).iter().all(|c| c["name"] != "by-hand"));
    plan_is_empty("after the prune");

    // Export writes the check and the policy's reference; planning the export changes nothing.
    let out = run(&["export", "-o", "exported", "--tenant", "Acme Dental"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let exported = exported_file(dir.path());
    assert!(exported.contains("posture_checks:"), "{exported}");
    assert!(
        exported.contains("source_posture_checks: [current-client]"),
        "{exported}"
    );
    let out = run(&["plan", "-f", "exported", "--detailed-exitcode"]);
    assert_eq!(out.code, 0, "{}\n{}\n{exported}", out.stdout, out.stderr);

    // A geo-location check on a server without a location database: the server refuses it,
    // and apply names the reason.
    let geo = FILES.replace(
        "          nb_version_check: {min_version: \"0.28.0\"}\n",
        "          nb_version_check: {min_version: \"0.28.0\"}\n          geo_location_check: {locations: [{country_code: DE}], action: allow}\n",
    );
    std::fs::write(dir.path().join("tenants.yaml"), geo).unwrap();
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .to_lowercase()
            .contains("geo location database is not initialized"),
        "{}",
        out.stderr
    );
}
