//! The plan tells the truth, on real NetBird servers in the lab: an edit of a create-only field
//! (a key's expiry, its type) is a replace that shows every field it changes and the new
//! secret. (A live policy of several rules, refused by the planner, cannot be made through
//! v0.77.1's API: it gives every new rule the policy's id, so a second rule overwrites the
//! first; the planner's own tests cover it.)

use std::path::Path;

use birdhouse_lab::{Lab, LabOptions};

use crate::e2e::{birdhouse, write};

fn lab() -> Lab {
    Lab::start(LabOptions {
        spares: 0,
        ..LabOptions::with_tenants(1)
    })
    .expect("the lab starts")
}

fn files(dir: &Path, body: &str) {
    let text = format!(
        "version: 1\ntenants:\n  - name: tenant-1\n    domain: tenant-1.lab.example\n{body}"
    );
    std::fs::write(dir.join("tenants.yaml"), text).unwrap();
}

fn plan(lab: &Lab, dir: &Path) -> crate::support::Output {
    birdhouse(
        lab,
        dir,
        &["plan", "-f", "tenants.yaml", "--color", "never"],
    )
}

/// Applies the files through a saved plan, and checks that the plan's call count is what the
/// apply spent on the lab's front.
fn apply(lab: &Lab, dir: &Path) {
    let (planned, spent, calls) = planned_and_spent(lab, dir, "tenants.yaml", &[]);
    assert_eq!(
        planned, spent,
        "the plan's count is not what apply spent: {calls}"
    );
}

fn assert_empty_plan(lab: &Lab, dir: &Path) {
    let out = birdhouse(
        lab,
        dir,
        &["plan", "-f", "tenants.yaml", "--detailed-exitcode"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
#[ignore = "needs NetBird lab"]
fn an_edit_of_a_keys_create_only_fields_is_a_replace_that_shows_every_field() {
    let lab = lab();
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = |spec: &str| {
        format!(
            "    groups: [{{name: ops}}]\n    setup_keys:\n      - {{name: k, auto_groups: [ops], {spec}}}\n"
        )
    };
    files(dir.path(), &key("type: reusable, expires_in: 30d"));
    apply(&lab, dir.path());
    assert_empty_plan(&lab, dir.path());

    // 30d → 60d: the key was made for 30 days; a new key is planned, never silence.
    files(dir.path(), &key("type: reusable, expires_in: 60d"));
    let out = plan(&lab, dir.path());
    assert!(
        out.stdout.contains(
            "-/+ setup key k (expires_in is create-only; a new key, with a new one-time secret)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("expires_in: \"30d\" → \"60d\""),
        "{}",
        out.stdout
    );
    apply(&lab, dir.path());
    assert_empty_plan(&lab, dir.path());

    // 60d → 7d: the other way round.
    files(dir.path(), &key("type: reusable, expires_in: 7d"));
    let out = plan(&lab, dir.path());
    assert!(
        out.stdout.contains("expires_in: \"60d\" → \"7d\""),
        "{}",
        out.stdout
    );
    apply(&lab, dir.path());
    assert_empty_plan(&lab, dir.path());

    // A never-expiring key made by hand shows "never".
    write(
        &server,
        "POST",
        "/api/setup-keys",
        &serde_json::json!({"name": "forever", "type": "reusable", "expires_in": 0,
                            "auto_groups": [], "usage_limit": 200}),
    );
    let forever = "      - {name: forever, type: reusable, expires_in: 365d}\n";
    files(
        dir.path(),
        &format!("{}{forever}", key("type: reusable, expires_in: 7d")),
    );
    let out = plan(&lab, dir.path());
    assert!(
        out.stdout.contains("expires_in: \"never\" → \"365d\""),
        "{}",
        out.stdout
    );

    // Reusable of 200 uses → one-off: the type and the limit both show.
    let one_off = "      - {name: forever, type: one-off, expires_in: never}\n";
    files(
        dir.path(),
        &format!("{}{one_off}", key("type: reusable, expires_in: 7d")),
    );
    let out = plan(&lab, dir.path());
    assert!(
        out.stdout
            .contains("-/+ setup key forever (type and usage_limit are create-only; a new key"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("usage_limit: 200 → 1"),
        "{}",
        out.stdout
    );
    apply(&lab, dir.path());
    assert_empty_plan(&lab, dir.path());
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_deleted_group_is_detached_from_ssh_authorized_groups_too() {
    let lab = lab();
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let group = |name: &str| {
        write(
            &server,
            "POST",
            "/api/groups",
            &serde_json::json!({"name": name}),
        )["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (admins, servers, contractors) = (group("admins"), group("servers"), group("contractors"));
    // A NetBird SSH rule made in the dashboard: contractors and admins may log in as root.
    write(
        &server,
        "POST",
        "/api/policies",
        &serde_json::json!({
            "name": "ssh-to-servers", "enabled": true,
            "rules": [{"name": "ssh", "enabled": true, "action": "accept", "bidirectional": false,
                       "protocol": "netbird-ssh", "sources": [admins, contractors],
                       "destinations": [servers],
                       "authorized_groups": {admins.clone(): ["root"], contractors.clone(): ["root"]}}]
        }),
    );
    files(
        dir.path(),
        "    prune: [groups]\n    groups: [{name: admins}, {name: servers}]\n",
    );
    let out = plan(&lab, dir.path());
    assert!(out.stdout.contains("- group contractors"), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "~ policy ssh-to-servers (names group \"contractors\", which this plan deletes"
        ),
        "the policy the files never name is shown rewritten:\n{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("rules[0].authorized_groups: [\"admins\",\"contractors\"] → [\"admins\"]"),
        "the login entry goes with the source group:\n{}",
        out.stdout
    );
    apply(&lab, dir.path());
    // No live object names the deleted group any more.
    let policies = birdhouse_lab::probe::Probe::new(&server)
        .get_blocking("/api/policies")
        .unwrap();
    let text = policies.to_string();
    assert!(!text.contains(&contractors), "{text}");
    let rule = &policies
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ssh-to-servers")
        .unwrap()["rules"][0];
    assert_eq!(
        rule["authorized_groups"][&admins],
        serde_json::json!(["root"]),
        "{rule}"
    );
    assert_empty_plan(&lab, dir.path());
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_router_naming_a_peer_the_tenant_lacks_is_an_error_not_a_dangling_id() {
    let lab = lab();
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    files(
        dir.path(),
        "    networks:\n      - name: plant\n        routers: [{peer: gw-1, masquerade: true, metric: 100}]\n",
    );
    let out = plan(&lab, dir.path());
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "network \"plant\": router peer gw-1: no peer is named \"gw-1\" in this tenant"
        ),
        "{}",
        out.stdout
    );
    let out = birdhouse(
        &lab,
        dir.path(),
        &["apply", "-f", "tenants.yaml", "--yes", "--discard-secrets"],
    );
    assert_eq!(out.code, 4, "{}", out.stderr);
    let networks = birdhouse_lab::probe::Probe::new(&server)
        .get_blocking("/api/networks")
        .unwrap();
    assert_eq!(networks, serde_json::json!([]), "a network was created");
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_routers_new_peer_groups_are_an_update_in_place_when_routers_are_pruned() {
    let lab = lab();
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let network = |groups: &str| {
        format!(
            "    prune: [network_routers]\n    groups: [{{name: servers}}, {{name: gateways}}]\n    networks:\n      - name: plant\n        routers: [{{peer_groups: [{groups}], masquerade: true, metric: 100}}]\n"
        )
    };
    files(dir.path(), &network("servers"));
    apply(&lab, dir.path());
    let routers = || {
        birdhouse_lab::probe::Probe::new(&server)
            .get_blocking("/api/networks/routers")
            .unwrap()
    };
    let before = routers();
    assert_eq!(before.as_array().unwrap().len(), 1, "{before}");

    files(dir.path(), &network("gateways"));
    let out = plan(&lab, dir.path());
    assert!(
        out.stdout
            .contains("~ network router plant/peer groups gateways (target differs)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("target: \"peer groups servers\" → \"peer groups gateways\""),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("- network router"), "{}", out.stdout);
    apply(&lab, dir.path());
    let after = routers();
    assert_eq!(after.as_array().unwrap().len(), 1, "{after}");
    assert_eq!(
        after[0]["id"], before[0]["id"],
        "the router was replaced, not updated"
    );
    assert_empty_plan(&lab, dir.path());
}

#[test]
#[ignore = "needs NetBird lab"]
fn the_plan_names_what_it_leaves_alone_and_a_key_revoked_behind_its_back() {
    let lab = lab();
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    files(
        dir.path(),
        "    groups: [{name: ops}]\n    setup_keys:\n      - {name: k, type: reusable, expires_in: 30d, auto_groups: [ops]}\n",
    );
    apply(&lab, dir.path());
    // Made in the dashboard: a group the files do not name, and the key revoked.
    write(
        &server,
        "POST",
        "/api/groups",
        &serde_json::json!({"name": "legacy"}),
    );
    let keys = birdhouse_lab::probe::Probe::new(&server)
        .get_blocking("/api/setup-keys")
        .unwrap();
    let key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "k")
        .unwrap();
    write(
        &server,
        "PUT",
        &format!("/api/setup-keys/{}", key["id"].as_str().unwrap()),
        &serde_json::json!({"revoked": true, "auto_groups": key["auto_groups"]}),
    );
    let out = plan(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("left alone, not in the files: group \"legacy\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "warning: setup key \"k\" is revoked live; the file does not manage `revoked`"
        ),
        "{}",
        out.stdout
    );
    let json = birdhouse(
        &lab,
        dir.path(),
        &["plan", "-f", "tenants.yaml", "--format", "json"],
    );
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        plan["tenants"][0]["left_alone"]["group"],
        serde_json::json!(["legacy"])
    );
}

/// The plan's "Apply needs N API calls" for a saved plan, and what applying it cost on the
/// lab's front: they must be the same number.
pub(crate) fn planned_and_spent(
    lab: &Lab,
    dir: &Path,
    files_arg: &str,
    plan_args: &[&str],
) -> (u64, u64, String) {
    let mut args = vec!["plan", "-f", files_arg, "--out", "plan.json"];
    args.extend_from_slice(plan_args);
    let out = birdhouse(lab, dir, &args);
    assert!(out.code == 0, "{}\n{}", out.stdout, out.stderr);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let planned = crate::support::planned_calls(&saved);
    lab.reset_stats();
    let out = birdhouse(
        lab,
        dir,
        &["apply", "plan.json", "--secrets-out", "s.jsonl"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let stats = lab.stats();
    (planned, stats.requests, format!("{:#?}", stats.calls))
}

#[test]
#[ignore = "needs NetBird lab"]
fn the_plans_call_count_is_what_apply_spends() {
    let lab = crate::support::examples_lab();
    let dir = tempfile::tempdir().unwrap();
    let examples = crate::support::repo_root()
        .join("examples/tenants")
        .to_string_lossy()
        .into_owned();
    let (planned, spent, calls) = planned_and_spent(&lab, dir.path(), &examples, &[]);
    assert_eq!(planned, spent, "first apply: {calls}");

    // Drift that costs hidden writes: a group nobody asked for on Globex (groups are pruned
    // there), named by a key and a policy made by hand, so its delete detaches it first; and
    // a create-only edit in the files (a new usage limit means a new key).
    let globex = lab.tenant("Globex Logistics").unwrap();
    crate::e2e::add_temp_group_named_by_hand(&globex, "");
    let edited = dir.path().join("tenants");
    std::fs::create_dir_all(&edited).unwrap();
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("usage_limit: 25", "usage_limit: 30");
        std::fs::write(edited.join(path.file_name().unwrap()), text).unwrap();
    }
    let (planned, spent, calls) =
        planned_and_spent(&lab, dir.path(), &edited.to_string_lossy(), &[]);
    assert_eq!(planned, spent, "after drift: {calls}");

    // `apply -f` re-reads only what its changes touch, and says so: its count is the apply's
    // calls beyond the plan's own reads (measured by a plain plan first).
    crate::e2e::add_temp_group_named_by_hand(&lab.tenant("Globex Logistics").unwrap(), "-2");
    let files = edited.to_string_lossy().into_owned();
    lab.reset_stats();
    let out = birdhouse(&lab, dir.path(), &["plan", "-f", &files]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let reads = lab.stats().requests;
    lab.reset_stats();
    let out = birdhouse(
        &lab,
        dir.path(),
        &["apply", "-f", &files, "--yes", "--secrets-out", "s.jsonl"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let needs: u64 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Apply needs "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .expect("the plan states its calls");
    let spent = lab.stats().requests - reads;
    assert_eq!(needs, spent, "apply -f: {:#?}", lab.stats().calls);
}

#[test]
#[ignore = "needs NetBird lab"]
fn every_write_is_a_change_the_second_calls_and_a_policy_re_pointed_at_a_moved_resource() {
    let lab = lab();
    let server = lab.tenant("tenant-1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tenant = |lan_network: &str| {
        let (hq, branch) = if lan_network == "hq" {
            ("[{name: lan, address: 10.0.0.0/24}]", "[]")
        } else {
            ("[]", "[{name: lan, address: 10.0.0.0/24}]")
        };
        format!(
            "    groups: [{{name: devs}}, {{name: servers}}]\n    setup_keys:\n      - {{name: spare, type: reusable, auto_groups: [devs], revoked: true}}\n    users:\n      - {{email: leaver@tenant-1.lab.example, role: user, blocked: true}}\n    networks:\n      - name: hq\n        resources: {hq}\n        routers: [{{peer_groups: [servers], enabled: false}}]\n      - name: branch\n        resources: {branch}\n"
        )
    };
    files(dir.path(), &tenant("hq"));
    let out = plan(&lab, dir.path());
    for line in [
        "~ setup key spare (revoked cannot be set at creation: a second call sets it)",
        "~ user leaver@tenant-1.lab.example (blocked cannot be set at creation: a second call sets it)",
        "~ network router hq/peer groups servers (enabled cannot be set at creation: a second call sets it)",
    ] {
        assert!(
            out.stdout.contains(line),
            "missing {line:?}:\n{}",
            out.stdout
        );
    }
    apply(&lab, dir.path());
    assert_empty_plan(&lab, dir.path());
    let probe = birdhouse_lab::probe::Probe::new(&server);
    let keys = probe.get_blocking("/api/setup-keys").unwrap();
    assert_eq!(keys[0]["revoked"], true, "{keys}");

    // A policy made by hand targets the resource; the files then move it to another network.
    let resources = probe.get_blocking("/api/networks/resources").unwrap();
    let old_lan = resources[0]["id"].as_str().unwrap().to_owned();
    let groups = probe.get_blocking("/api/groups").unwrap();
    let devs = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "devs")
        .unwrap()["id"]
        .clone();
    write(
        &server,
        "POST",
        "/api/policies",
        &serde_json::json!({
            "name": "by-hand", "enabled": true,
            "rules": [{"name": "by-hand", "enabled": true, "action": "accept",
                       "bidirectional": false, "protocol": "all", "sources": [devs],
                       "destinationResource": {"id": old_lan, "type": "subnet"}}]
        }),
    );
    files(dir.path(), &tenant("branch"));
    let out = plan(&lab, dir.path());
    assert!(
        out.stdout.contains("-/+ network resource lan"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "~ policy by-hand (targets network resource \"lan\", which this plan replaces: pointed at the new one)"
        ),
        "the policy the files never name is shown rewritten:\n{}",
        out.stdout
    );
    apply(&lab, dir.path());
    let resources = probe.get_blocking("/api/networks/resources").unwrap();
    let new_lan = resources[0]["id"].as_str().unwrap().to_owned();
    assert_ne!(new_lan, old_lan, "the resource was moved by a replace");
    let policies = probe.get_blocking("/api/policies").unwrap();
    let by_hand = policies
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "by-hand")
        .unwrap();
    assert_eq!(
        by_hand["rules"][0]["destinationResource"]["id"], new_lan,
        "{by_hand}"
    );
    assert_empty_plan(&lab, dir.path());
}
