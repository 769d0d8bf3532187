//! The whole policy rule on a real NetBird server (the lab), with a real peer registered the way
//! a client registers: NetBird SSH with its authorized groups, port ranges beside ports, and a
//! peer or a network resource as source and destination, applied, planned empty, a change made
//! by a raw API call planned back, policies made by hand in the API's own shapes read as they
//! are, and an export that plans empty.

use birdhouse_lab::probe::Probe;
use serde_json::{Value, json};

use crate::e2e::{
    assert_plans_empty, birdhouse, exported_file, find_by, group_id, kind_lab, live_list, write,
};

const FILES: &str = r"version: 1
tenants:
  - name: Acme Dental
    domain: acme-dental.example
    prune: [policies]
    groups: [{name: staff}, {name: admins}, {name: servers}]
    networks:
      - name: clinic
        resources: [{name: nas, address: 10.30.0.5}]
    policies:
      - name: ssh-admins
        rules:
          - protocol: netbird-ssh
            sources: [admins, staff]
            destinations: [servers]
            authorized_groups: {admins: [root], staff: []}
      - name: gw-to-nas
        rules:
          - protocol: tcp
            ports: [445]
            port_ranges: [{start: 8000, end: 8100}]
            source_resource: {peer: gw-1}
            destination_resource: {network: clinic, resource: nas}
      - name: staff-to-gw
        rules:
          - protocol: udp
            ports: [53]
            sources: [staff]
            destination_resource: {peer: gw-1}
";

fn policies(probe: &Probe) -> Vec<Value> {
    live_list(probe, "/api/policies")
}

fn rule<'a>(live: &'a [Value], name: &str) -> &'a Value {
    &find_by(live, "name", name)["rules"][0]
}

#[test]
#[ignore = "needs NetBird lab"]
fn the_whole_rule_converges_drifts_back_reads_hand_made_shapes_and_exports() {
    let (lab, server, probe, dir) = kind_lab(FILES);
    let peers = birdhouse_lab::peers::enrol(&server, &["gw-1"]).unwrap();
    let run = |args: &[&str]| birdhouse(&lab, dir.path(), args);
    let plan_is_empty = |why: &str| assert_plans_empty(&lab, dir.path(), "tenants.yaml", why);

    let out = run(&["plan", "-f", "tenants.yaml"]);
    assert!(
        out.stdout.contains(
            "+ policy ssh-admins: accept netbird-ssh from [admins, staff] to [servers], logins: \
             admins as root, staff as any user"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "+ policy gw-to-nas: accept tcp 445,8000-8100 from peer gw-1 to resource clinic/nas"
        ),
        "{}",
        out.stdout
    );
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let live = policies(&probe);
    let (admins, staff) = (group_id(&probe, "admins"), group_id(&probe, "staff"));
    let ssh = rule(&live, "ssh-admins");
    assert_eq!(ssh["protocol"], "netbird-ssh");
    let admins_key = admins.as_str().unwrap();
    let staff_key = staff.as_str().unwrap();
    assert_eq!(
        ssh["authorized_groups"],
        json!({admins_key: ["root"], staff_key: []}),
        "group ids to local users; [] for any"
    );
    let gw_to_nas = rule(&live, "gw-to-nas");
    assert_eq!(
        gw_to_nas["sourceResource"],
        json!({"id": peers[0], "type": "peer"})
    );
    let resources = live_list(&probe, "/api/networks/resources");
    let nas = find_by(&resources, "name", "nas");
    assert_eq!(
        gw_to_nas["destinationResource"],
        json!({"id": nas["id"], "type": "host"})
    );
    assert_eq!(
        gw_to_nas["port_ranges"],
        json!([{"start": 445, "end": 445}, {"start": 8000, "end": 8100}]),
        "the server takes ports or ranges, not both: everything goes as ranges"
    );
    assert_eq!(
        rule(&live, "staff-to-gw")["destinationResource"],
        json!({"id": peers[0], "type": "peer"})
    );
    plan_is_empty("after apply");

    // Drift by a raw call: another local user for the admins, and the staff entry gone (which
    // the server then refuses unless staff is no longer a source: drop it from the sources too).
    let ssh_id = find_by(&live, "name", "ssh-admins")["id"].clone();
    let servers = group_id(&probe, "servers");
    write(
        &server,
        "PUT",
        &format!("/api/policies/{}", ssh_id.as_str().unwrap()),
        &json!({"name": "ssh-admins", "enabled": true,
                "rules": [{"id": ssh_id, "name": "ssh-admins", "enabled": true,
                           "action": "accept", "bidirectional": false,
                           "protocol": "netbird-ssh", "sources": [admins],
                           "destinations": [servers],
                           "authorized_groups": {admins_key: ["root", "ubuntu"]}}]}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("~ policy ssh-admins"), "{}", out.stdout);
    for field in ["rules[0].authorized_groups", "rules[0].sources"] {
        assert!(out.stdout.contains(field), "{field}:\n{}", out.stdout);
    }
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        rule(&policies(&probe), "ssh-admins")["authorized_groups"],
        json!({admins_key: ["root"], staff_key: []})
    );
    plan_is_empty("after the drift was applied back");

    // A policy made by hand in the API's own shapes: ports as strings, an SSH rule without
    // authorized groups (any user), a peer as the source. The prune plans to delete it.
    write(
        &server,
        "POST",
        "/api/policies",
        &json!({"name": "by-hand-ssh", "enabled": true,
                "rules": [{"name": "by-hand-ssh", "enabled": true, "action": "accept",
                           "bidirectional": false, "protocol": "netbird-ssh",
                           "ports": ["22", "2222"],
                           "sourceResource": {"id": peers[0], "type": "peer"},
                           "destinations": [servers]}]}),
    );
    let out = run(&["plan", "-f", "tenants.yaml", "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("- policy by-hand-ssh (prune: not in desired state)"),
        "{}",
        out.stdout
    );

    // Export writes every policy, the hand-made one as it is; planning the export changes
    // nothing.
    let out = run(&["export", "-o", "exported", "--tenant", "Acme Dental"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let exported = exported_file(dir.path());
    for written in [
        "protocol: netbird-ssh",
        "source_resource:\n",
        "peer: gw-1",
        "ports: [22, 2222]",
        "start: 8000",
    ] {
        assert!(exported.contains(written), "{written}:\n{exported}");
    }
    assert!(
        !out.stderr.contains("policy"),
        "no policy left out:\n{}",
        out.stderr
    );
    let out = run(&["plan", "-f", "exported", "--detailed-exitcode"]);
    assert_eq!(out.code, 0, "{}\n{}\n{exported}", out.stdout, out.stderr);

    // The prune deletes the hand-made policy, and the files' own stay.
    let out = run(&["apply", "-f", "tenants.yaml", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let live = policies(&probe);
    assert!(live.iter().all(|p| p["name"] != "by-hand-ssh"));
    assert!(live.iter().any(|p| p["name"] == "gw-to-nas"));
    plan_is_empty("after the prune");
}
