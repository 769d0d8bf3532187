//! Account settings on a real NetBird server (the lab), with real peers: only the fields the
//! files list change, every other setting (IPv6 groups, network range, JWT settings) is sent
//! back as it was, the peers keep their addresses, a change made by a raw GET-modify-PUT is
//! planned back field by field while an unmanaged one is kept, and an export plans empty.

use birdhouse_lab::probe::Probe;
use serde_json::{Value, json};

use crate::e2e::{assert_plans_empty, birdhouse, exported_file, kind_lab, write};

const FILES: &str = r"version: 1
tenants:
  - name: Acme Dental
    domain: acme-dental.example
    settings:
      peer_login_expiration_enabled: true
      peer_login_expiration: 48h
      peer_inactivity_expiration_enabled: true
      peer_inactivity_expiration: 2h
      groups_propagation_enabled: false
      lazy_connection_enabled: true
      dns_domain: acme-dental.internal
      extra:
        peer_approval_enabled: false
        user_approval_required: true
";

/// The fields the files set, and what they set them to on the wire.
const MANAGED: [&str; 7] = [
    "peer_login_expiration_enabled",
    "peer_login_expiration",
    "peer_inactivity_expiration_enabled",
    "peer_inactivity_expiration",
    "groups_propagation_enabled",
    "lazy_connection_enabled",
    "dns_domain",
];

fn settings(probe: &Probe) -> serde_json::Map<String, Value> {
    probe.get_blocking("/api/accounts").unwrap()[0]["settings"]
        .as_object()
        .unwrap()
        .clone()
}

fn peer_addresses(probe: &Probe) -> Vec<(String, String, String)> {
    let peers = probe.get_blocking("/api/peers").unwrap();
    let mut addresses: Vec<(String, String, String)> = peers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["ip"].as_str().unwrap_or_default().to_owned(),
                p["ipv6"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    addresses.sort();
    addresses
}

#[test]
#[ignore = "needs NetBird lab"]
fn account_settings_change_only_what_the_files_list_and_drift_back() {
    let (lab, server, probe, dir) = kind_lab(FILES);
    birdhouse_lab::peers::enrol(&server, &["desk-1", "desk-2"]).unwrap();
    let before = settings(&probe);
    let addresses = peer_addresses(&probe);
    let run = |args: &[&str]| birdhouse(&lab, dir.path(), args);
    let plan_is_empty = |files: &str, why: &str| assert_plans_empty(&lab, dir.path(), files, why);

    let out = run(&["plan", "-f", "tenants.yaml"]);
    assert!(out.stdout.contains("~ account settings"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("peer_login_expiration: \"1d\" → \"2d\""),
        "{}",
        out.stdout
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let after = settings(&probe);
    assert_eq!(after["peer_login_expiration"], 172_800);
    assert_eq!(after["peer_inactivity_expiration"], 7200);
    assert_eq!(after["lazy_connection_enabled"], true);
    assert_eq!(after["dns_domain"], "acme-dental.internal");
    assert_eq!(after["extra"]["user_approval_required"], true);
    for (key, value) in &before {
        if MANAGED.contains(&key.as_str()) || key == "extra" {
            continue;
        }
        assert_eq!(
            after.get(key),
            Some(value),
            "{key} was not the files' to change"
        );
    }
    assert_eq!(
        peer_addresses(&probe),
        addresses,
        "the peers keep their addresses"
    );
    plan_is_empty("tenants.yaml", "after apply");

    // Drift by a raw GET-modify-PUT, as the dashboard writes: a managed field and an
    // unmanaged one changed.
    let mut drifted = settings(&probe);
    drifted.insert("peer_login_expiration".into(), json!(86_400));
    drifted.insert("regular_users_view_blocked".into(), json!(true));
    write(
        &server,
        "PUT",
        &format!("/api/accounts/{}", server.account_id),
        &json!({"settings": drifted}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("~ account settings (peer_login_expiration differs)"),
        "{}",
        out.stdout
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let now = settings(&probe);
    assert_eq!(now["peer_login_expiration"], 172_800);
    assert_eq!(
        now["regular_users_view_blocked"], true,
        "the PUT keeps what the files leave out"
    );
    plan_is_empty("tenants.yaml", "after the drift was applied back");

    // Export writes the settings; planning the export changes nothing.
    let out = run(&["export", "-o", "exported", "--tenant", "Acme Dental"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let exported = exported_file(dir.path());
    assert!(exported.contains("peer_login_expiration: 2d"), "{exported}");
    assert!(
        exported.contains("regular_users_view_blocked: true"),
        "{exported}"
    );
    let out = run(&["plan", "-f", "exported", "--detailed-exitcode"]);
    assert_eq!(out.code, 0, "{}\n{}\n{exported}", out.stdout, out.stderr);
}
