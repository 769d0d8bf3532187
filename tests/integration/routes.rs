//! Routes on a real NetBird server (the lab), with real peers registered the way a client
//! registers: applied by peer name and by peer groups, planned empty, a change made by a raw
//! API call planned back (and the fields the files leave out kept), routes made by hand read
//! as they are, a group delete a hand-made route still needs refused in the plan, NetBird's
//! older highly available pairs (two routes, one identifier) left alone with a reason, and an
//! export that plans empty.

use birdhouse_lab::probe::Probe;
use serde_json::{Value, json};

use crate::e2e::{
    assert_plans_empty, birdhouse, delete, exported_file, find_by, group_id, kind_lab, live_list,
    write,
};

const FILES: &str = r#"version: 1
tenants:
  - name: Acme Dental
    domain: acme-dental.example
    prune: [routes]
    groups: [{name: staff}, {name: gateways}]
    routes:
      - network_id: clinic-lan
        description: The clinic LAN
        network: 10.30.0.0/16
        peer: gw-1
        groups: [staff]
        metric: 100
      - network_id: imaging
        domains: [Imaging.Acme-Dental.example, "*.pacs.example"]
        peer_groups: [gateways]
        groups: [staff]
        access_control_groups: [staff]
        keep_route: true
"#;

fn routes(probe: &Probe) -> Vec<Value> {
    live_list(probe, "/api/routes")
}

#[test]
#[ignore = "needs NetBird lab"]
fn routes_converge_drift_back_keep_unmanaged_fields_refuse_a_needed_group_delete_and_export() {
    let (lab, server, probe, dir) = kind_lab(FILES);
    let peers = birdhouse_lab::peers::enrol(&server, &["gw-1", "gw-2"]).unwrap();
    let run = |args: &[&str]| birdhouse(&lab, dir.path(), args);
    let plan_is_empty = |why: &str| assert_plans_empty(&lab, dir.path(), "tenants.yaml", why);

    let out = run(&["plan", "-f", "tenants.yaml"]);
    assert!(
        out.stdout.contains(
            "+ route clinic-lan: network 10.30.0.0/16 via peer gw-1 to [staff], metric 100"
        ),
        "{}",
        out.stdout
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let live = routes(&probe);
    let lan = find_by(&live, "network_id", "clinic-lan");
    assert_eq!(lan["peer"], json!(peers[0]), "the peer named gw-1");
    assert_eq!(lan["network"], "10.30.0.0/16");
    assert_eq!(lan["metric"], 100);
    assert_eq!(lan["masquerade"], true, "the dashboard's default");
    assert_eq!(lan["enabled"], true);
    let imaging = find_by(&live, "network_id", "imaging");
    let mut domains: Vec<String> = serde_json::from_value(imaging["domains"].clone()).unwrap();
    domains.sort();
    assert_eq!(domains, ["*.pacs.example", "imaging.acme-dental.example"]);
    assert_eq!(
        imaging["peer_groups"],
        json!([group_id(&probe, "gateways")])
    );
    assert_eq!(imaging["keep_route"], true);
    assert_eq!(imaging["metric"], 9999);
    plan_is_empty("after apply");

    // Drift by a raw PUT in the dashboard's shape: another peer, another metric, and
    // masquerade turned off, which the files leave unmanaged.
    let lan_id = lan["id"].as_str().unwrap().to_owned();
    let staff = group_id(&probe, "staff");
    write(
        &server,
        "PUT",
        &format!("/api/routes/{lan_id}"),
        &json!({"network_id": "clinic-lan", "description": "The clinic LAN", "enabled": true,
                "peer": peers[1], "network": "10.30.0.0/16", "metric": 9999,
                "masquerade": false, "groups": [staff], "keep_route": false,
                "skip_auto_apply": false}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("~ route clinic-lan"), "{}", out.stdout);
    for field in ["peer", "metric"] {
        assert!(
            out.stdout.contains(&format!("{field}:")),
            "{field}:\n{}",
            out.stdout
        );
    }
    assert!(
        !out.stdout.contains("masquerade"),
        "an unmanaged field is not planned:\n{}",
        out.stdout
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let lan = find_by(&routes(&probe), "network_id", "clinic-lan").clone();
    assert_eq!(lan["peer"], json!(peers[0]));
    assert_eq!(lan["metric"], 100);
    assert_eq!(
        lan["masquerade"], false,
        "the PUT keeps what the files leave out"
    );
    plan_is_empty("after the drift was applied back");

    // Routes made by hand: an older highly available pair (two routes, one identifier) is
    // left alone with a reason, even though routes are pruned; a single one is pruned.
    for peer in &peers {
        write(
            &server,
            "POST",
            "/api/routes",
            &json!({"network_id": "ha-pair", "description": "", "enabled": true,
                    "peer": peer, "network": "10.50.0.0/24", "metric": 10,
                    "masquerade": true, "groups": [staff], "keep_route": false}),
        );
    }
    let legacy = write(
        &server,
        "POST",
        "/api/groups",
        &json!({"name": "legacy-clients"}),
    );
    let by_hand = write(
        &server,
        "POST",
        "/api/routes",
        &json!({"network_id": "by-hand", "description": "", "enabled": true,
                "peer_groups": [group_id(&probe, "gateways")], "network": "10.99.0.0/24",
                "metric": 9999, "masquerade": true, "groups": [legacy["id"]],
                "keep_route": false}),
    );
    let out = run(&["plan", "-f", "tenants.yaml"]);
    assert!(out.stdout.contains("- route by-hand"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("- route ha-pair"),
        "the pair is not deleted:\n{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("left alone, not in the files: group \"legacy-clients\"; route \"ha-pair\""),
        "the plan says the pair was left alone:\n{}",
        out.stdout
    );

    // With groups pruned but routes not, the hand-made route still needs its only
    // distribution group: the delete is refused in the plan, and nothing is deleted.
    let groups_only = FILES.replace("prune: [routes]", "prune: [groups]");
    std::fs::write(dir.path().join("groups-only.yaml"), &groups_only).unwrap();
    let out = run(&["plan", "-f", "groups-only.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains(
            "group \"legacy-clients\" cannot be deleted: it is still needed by route \"by-hand\" \
             (the group is its only distribution group)"
        ),
        "{all}"
    );
    let out = run(&["apply", "-f", "groups-only.yaml", "--yes"]);
    assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(routes(&probe).iter().any(|r| r["network_id"] == "by-hand"));

    // Both pruned: the route goes first, then the group it held.
    let both = FILES.replace("prune: [routes]", "prune: [groups, routes]");
    std::fs::write(dir.path().join("both.yaml"), &both).unwrap();
    let out = run(&["apply", "-f", "both.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let route_at = out.stdout.find("- route by-hand").expect(&out.stdout);
    let group_at = out
        .stdout
        .find("- group legacy-clients")
        .expect(&out.stdout);
    assert!(route_at < group_at, "{}", out.stdout);
    let by_hand_id = by_hand["id"].as_str().unwrap();
    assert!(routes(&probe).iter().all(|r| r["id"] != by_hand_id));

    // The pair, named in the files, is refused with a reason; once one of the pair is gone,
    // the other is managed.
    let with_pair = FILES.replace(
        "    routes:\n",
        "    routes:\n      - {network_id: ha-pair, network: 10.50.0.0/24, peer: gw-1, groups: [staff]}\n",
    );
    std::fs::write(dir.path().join("tenants.yaml"), &with_pair).unwrap();
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("more than one live route has the network identifier \"ha-pair\""),
        "{all}"
    );
    let second = routes(&probe)
        .into_iter()
        .find(|r| r["network_id"] == "ha-pair" && r["peer"] == json!(peers[1]))
        .unwrap();
    delete(
        &server,
        &format!("/api/routes/{}", second["id"].as_str().unwrap()),
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    plan_is_empty("after the pair became one route");

    // Export writes every route, peers by name; planning the export changes nothing.
    let out = run(&["export", "-o", "exported", "--tenant", "Acme Dental"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let exported = exported_file(dir.path());
    assert!(exported.contains("routes:"), "{exported}");
    assert!(exported.contains("peer: gw-1"), "{exported}");
    assert!(exported.contains("masquerade: false"), "{exported}");
    let out = run(&["plan", "-f", "exported", "--detailed-exitcode"]);
    assert_eq!(out.code, 0, "{}\n{}\n{exported}", out.stdout, out.stderr);
}
