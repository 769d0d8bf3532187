//! Snapshots kept between runs (`--snapshots`) on real NetBird servers (the lab): a stored
//! snapshot is proven current by one audit-log call; a change made behind birdhouse's back,
//! logged or not, is read again and planned; a snapshot that is not the tenant's own proves
//! nothing; apply drops what it is about to change.

use std::path::Path;
use std::time::Duration;

use birdhouse::live::proof::SETTLING;
use birdhouse_lab::probe::Probe;
use birdhouse_lab::{Lab, ServerRecord};
use serde_json::{Value, json};

use crate::e2e::{birdhouse, delete, group_id, write};
use crate::support::Output;

/// How long NetBird may take to store an event: it saves them on a goroutine after answering.
const EVENT_SAVE_WAIT: Duration = Duration::from_millis(800);

const FILES: &str = "version: 1
tenants:
  - name: Acme Dental
    domain: acme-dental.example
    groups:
      - name: dentists
      - name: servers
    policies:
      - name: dentists-to-servers
        rules:
          - {name: ssh, sources: [dentists], destinations: [servers], protocol: tcp, ports: [22]}
    settings:
      regular_users_view_blocked: true
";

/// The lab with [`FILES`] applied to Acme Dental (without snapshots), its events saved.
fn applied_lab() -> (Lab, ServerRecord, Probe, tempfile::TempDir) {
    applied(crate::e2e::one_tenant_lab())
}

/// `lab` (with Acme Dental) and [`FILES`] applied to it, its events saved.
fn applied(lab: Lab) -> (Lab, ServerRecord, Probe, tempfile::TempDir) {
    let server = lab.tenant("Acme Dental").expect("the lab has Acme Dental");
    let probe = Probe::new(&server);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.yaml"), FILES).unwrap();
    let out = birdhouse(
        &lab,
        dir.path(),
        &["apply", "-f", "tenants.yaml", "--yes", "--discard-secrets"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    std::thread::sleep(EVENT_SAVE_WAIT);
    (lab, server, probe, dir)
}

fn plan_json(lab: &Lab, dir: &Path) -> (Output, Value) {
    plan_json_with(lab, dir, &[])
}

/// `birdhouse plan` of the files with the snapshots kept in `kept`, and `extra` arguments.
fn plan_kept(lab: &Lab, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["plan", "-f", "tenants.yaml", "--snapshots", "kept"];
    args.extend_from_slice(extra);
    birdhouse(lab, dir, &args)
}

/// [`plan_json`] with `extra` arguments.
fn plan_json_with(lab: &Lab, dir: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["--format", "json", "--detailed-exitcode"];
    args.extend_from_slice(extra);
    let out = plan_kept(lab, dir, &args);
    assert!(
        out.code == 0 || out.code == 2,
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let plan: Value = serde_json::from_str(&out.stdout).expect("a JSON plan");
    (out, plan)
}

fn source(plan: &Value) -> &Value {
    &plan["tenants"][0]["live_source"]
}

/// The GET calls the lab's front counted since its last reset, by route.
fn gets(lab: &Lab) -> Vec<String> {
    let mut gets: Vec<String> = lab
        .stats()
        .calls
        .iter()
        .filter(|(call, _)| call.starts_with("GET "))
        .flat_map(|(call, n)| std::iter::repeat_n(call.clone(), usize::try_from(*n).unwrap()))
        .collect();
    gets.sort();
    gets
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_kept_snapshot_is_proven_by_the_audit_log_and_changes_behind_birdhouse_are_read_again() {
    let (lab, server, probe, dir) = applied_lab();
    // The apply's events settle first: lists touched seconds before a read are read again on
    // the next run (see below).
    std::thread::sleep(SETTLING);

    // The first plan reads the tenant and keeps it, readable by its owner only.
    let (out, read) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&read), &Value::Null, "a first read says nothing");
    let file = dir.path().join(format!("kept/{}.json", server.account_id));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);

    // The second is proven by the log: the groups and policies are not listed again, only
    // the log and the account answer (its settings change without an event).
    lab.reset_stats();
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&plan)["source"], "stored", "{plan}");
    assert_eq!(source(&plan)["refreshed"], json!(["account"]), "{plan}");
    // What it planned against is exactly what the read saw: the same fingerprint, which a
    // saved plan's apply checks.
    assert_eq!(
        plan["tenants"][0]["fingerprint"],
        read["tenants"][0]["fingerprint"]
    );
    assert_eq!(
        plan["tenants"][0]["kinds_read"],
        read["tenants"][0]["kinds_read"]
    );
    let tenant_gets: Vec<String> = gets(&lab)
        .into_iter()
        .filter(|call| {
            !call.contains("/integrations/")
                && !call.contains("/users/")
                && call != "GET /api/users"
        })
        .collect();
    assert_eq!(
        tenant_gets,
        ["GET /api/accounts", "GET /api/events/audit"],
        "{:?}",
        lab.stats().calls
    );

    // A logged change behind birdhouse's back: the group is deleted (its policy with it,
    // NetBird refuses to delete a group a policy names).
    let policies = crate::e2e::live_list(&probe, "/api/policies");
    let policy = crate::e2e::find_by(&policies, "name", "dentists-to-servers");
    delete(
        &server,
        &format!("/api/policies/{}", policy["id"].as_str().unwrap()),
    );
    let servers = group_id(&probe, "servers");
    delete(
        &server,
        &format!("/api/groups/{}", servers.as_str().unwrap()),
    );
    std::thread::sleep(EVENT_SAVE_WAIT);
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(source(&plan)["source"], "stored", "{plan}");
    assert_eq!(
        source(&plan)["refreshed"],
        json!(["groups", "policies", "account"]),
        "{plan}"
    );
    let changes = plan["tenants"][0]["changes"].as_array().unwrap();
    let creates: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c["kind"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        creates,
        [("group", "create"), ("policy", "create")],
        "{plan}"
    );

    // An unlogged change (the settings' regular_users_view_blocked): the account answer is
    // read every time, so it is planned all the same.
    put_settings(&server, |settings| {
        settings["regular_users_view_blocked"] = json!(false);
    });
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        plan["tenants"][0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "account_settings"),
        "{plan}"
    );

    // Apply drops the snapshot before it writes; the plan after it reads the tenant whole,
    // finds nothing to do, and keeps it again.
    let out = birdhouse(
        &lab,
        dir.path(),
        &[
            "apply",
            "-f",
            "tenants.yaml",
            "--snapshots",
            "kept",
            "--yes",
            "--discard-secrets",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        !file.exists(),
        "apply left the snapshot of a tenant it wrote to"
    );
    std::thread::sleep(EVENT_SAVE_WAIT);
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&plan), &Value::Null);
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&plan)["source"], "stored", "{plan}");
}

#[test]
#[ignore = "needs NetBird lab"]
fn with_an_unlogged_max_age_the_parts_no_event_vouches_for_are_planned_as_stored_and_named() {
    let (lab, server, _probe, dir) = applied_lab();
    // NetBird logs `account.network.range.update` on the first settings PUT an account gets
    // (its IPv6 range is set then): one is made before the snapshot is stored, so the PUT
    // below changes only what is never logged.
    put_settings(&server, |_| {});
    std::thread::sleep(SETTLING);
    let hour = ["--unlogged-max-age", "1h"];
    let (out, _) = plan_json_with(&lab, dir.path(), &hour);
    assert_eq!(out.code, 0, "{}", out.stdout);

    // Proven by the log alone: one call for the tenant, and the plan names the account
    // settings as planned from the snapshot.
    lab.reset_stats();
    let (out, plan) = plan_json_with(&lab, dir.path(), &hour);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&plan)["source"], "stored", "{plan}");
    assert_eq!(source(&plan)["refreshed"], json!([]), "{plan}");
    assert_eq!(
        source(&plan)["unlogged_as_stored"],
        json!(["account"]),
        "{plan}"
    );
    assert!(source(&plan)["unlogged_read_at"].is_string(), "{plan}");
    let tenant_gets: Vec<String> = gets(&lab)
        .into_iter()
        .filter(|call| call.starts_with("GET /api/accounts") || call.contains("/events/"))
        .collect();
    assert_eq!(
        tenant_gets,
        ["GET /api/events/audit"],
        "{:?}",
        lab.stats().calls
    );

    // A change NetBird does not log goes unseen within the hour, and the plan says what it
    // cannot see.
    put_settings(&server, |settings| {
        settings["regular_users_view_blocked"] = json!(false);
    });
    std::thread::sleep(EVENT_SAVE_WAIT);
    let (out, plan) = plan_json_with(&lab, dir.path(), &hour);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        source(&plan)["unlogged_as_stored"],
        json!(["account"]),
        "{plan}"
    );
    let text = plan_kept(&lab, dir.path(), &hour);
    assert!(
        text.stdout
            .contains("changes NetBird does not log unseen: account settings"),
        "{}",
        text.stdout
    );

    // Without it (the default), the account answer is read and the change is planned.
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(source(&plan)["refreshed"], json!(["account"]), "{plan}");
    assert!(source(&plan).get("unlogged_as_stored").is_none(), "{plan}");
    assert!(
        plan["tenants"][0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "account_settings"),
        "{plan}"
    );
}

/// Puts the tenant's settings back as the server lists them, changed by `change`.
fn put_settings(server: &ServerRecord, change: impl FnOnce(&mut Value)) {
    let accounts = write(server, "GET", "/api/accounts", &Value::Null);
    let mut settings = accounts[0]["settings"].clone();
    change(&mut settings);
    write(
        server,
        "PUT",
        &format!("/api/accounts/{}", server.account_id),
        &json!({"settings": settings}),
    );
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_snapshot_that_is_not_the_tenants_own_proves_nothing() {
    let (lab, server, _probe, dir) = applied_lab();
    let (_, _) = plan_json(&lab, dir.path());
    let file = dir.path().join(format!("kept/{}.json", server.account_id));
    let mut kept: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();

    // The snapshot says the tenant has no groups and its newest event is the MSP's own: the
    // tenant's log cannot show that event, so nothing is proven and the tenant is read.
    let msp_events = write(lab.msp(), "GET", "/api/events/audit", &Value::Null);
    let msp_newest = msp_events
        .as_array()
        .unwrap()
        .first()
        .cloned()
        .expect("the MSP's log has events");
    kept["newest_event"] = json!({
        "id": msp_newest["id"], "timestamp": msp_newest["timestamp"],
        "activity_code": msp_newest["activity_code"], "target_id": msp_newest["target_id"],
    });
    kept["wire"]["groups"] = json!([]);
    std::fs::write(&file, serde_json::to_vec(&kept).unwrap()).unwrap();
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(
        out.code, 0,
        "planned from a snapshot not proven: {}",
        out.stdout
    );
    assert_eq!(source(&plan)["source"], "reread", "{plan}");
    assert!(
        source(&plan)["why"]
            .as_str()
            .unwrap()
            .contains("no longer in the tenant's audit log"),
        "{plan}"
    );

    // A snapshot stored under another account's id is not read at all.
    kept["account_id"] = json!("d0000000000000000000");
    std::fs::write(&file, serde_json::to_vec(&kept).unwrap()).unwrap();
    let (out, plan) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&plan), &Value::Null, "{plan}");
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_saved_plan_made_from_a_kept_snapshot_is_refused_when_the_tenant_moved() {
    let (lab, server, probe, dir) = applied_lab();
    plan_json(&lab, dir.path());
    // A change to plan: the files add a group.
    let more = FILES.replace(
        "      - name: servers\n",
        "      - name: servers\n      - name: imaging\n",
    );
    std::fs::write(dir.path().join("tenants.yaml"), more).unwrap();
    let out = plan_kept(
        &lab,
        dir.path(),
        &["--out", "plan.json", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(source(&plan)["source"], "stored", "{plan}");

    // The tenant moves after the plan: its policy is renamed behind birdhouse's back.
    let policies = crate::e2e::live_list(&probe, "/api/policies");
    let policy = crate::e2e::find_by(&policies, "name", "dentists-to-servers");
    let id = policy["id"].as_str().unwrap();
    let rule = &policy["rules"][0];
    let ids = |list: &Value| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].clone())
            .collect()
    };
    write(
        &server,
        "PUT",
        &format!("/api/policies/{id}"),
        &json!({"name": "renamed-by-hand", "enabled": true, "rules": [{
            "name": rule["name"], "enabled": true, "action": "accept", "bidirectional": false,
            "protocol": "tcp", "ports": ["22"], "sources": ids(&rule["sources"]),
            "destinations": ids(&rule["destinations"])}]}),
    );
    let out = birdhouse(
        &lab,
        dir.path(),
        &["apply", "plan.json", "--discard-secrets"],
    );
    assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("changed since the plan was made"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        !crate::e2e::all_group_names(&server).contains(&"imaging".to_owned()),
        "a stale plan was applied"
    );
}

#[test]
#[ignore = "needs NetBird lab"]
fn a_server_whose_audit_log_is_off_has_its_tenants_read_whole_every_run() {
    // NB_EVENT_ACTIVITY_LOG_ENABLED=false: the server stores no event, so a tenant's log stays
    // empty and nothing can be proven by it.
    let lab = Lab::start(birdhouse_lab::LabOptions {
        tenants: vec![birdhouse_lab::TenantSpec {
            name: "Acme Dental".to_owned(),
            domain: "acme-dental.example".to_owned(),
        }],
        spares: 0,
        activity_log_off: true,
        ..birdhouse_lab::LabOptions::default()
    })
    .expect("the lab starts");
    let (lab, server, _probe, dir) = applied(lab);
    assert_eq!(
        write(&server, "GET", "/api/events/audit", &Value::Null),
        json!([]),
        "the apply's writes were logged"
    );
    let (_, first) = plan_json(&lab, dir.path());
    assert_eq!(source(&first), &Value::Null, "{first}");
    let (out, second) = plan_json(&lab, dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(source(&second)["source"], "reread", "{second}");
    assert!(
        source(&second)["why"]
            .as_str()
            .unwrap()
            .contains("audit log was empty"),
        "{second}"
    );
    assert_eq!(
        second["tenants"][0]["fingerprint"],
        first["tenants"][0]["fingerprint"]
    );
}

#[test]
#[ignore = "needs NetBird lab"]
fn audit_logs_read_while_the_files_load_are_the_planned_tenants_and_invalid_files_say_so() {
    // Two tenants on two servers, one file each: the audit logs are asked for as each file is
    // decoded, before the files are checked together.
    let lab = Lab::start(birdhouse_lab::LabOptions {
        tenants: vec![
            birdhouse_lab::TenantSpec {
                name: "Acme Dental".to_owned(),
                domain: "acme-dental.example".to_owned(),
            },
            birdhouse_lab::TenantSpec {
                name: "Bright Smiles".to_owned(),
                domain: "bright-smiles.example".to_owned(),
            },
        ],
        spares: 0,
        ..birdhouse_lab::LabOptions::default()
    })
    .expect("the lab starts");
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("tenants");
    std::fs::create_dir(&files).unwrap();
    for (file, name, domain) in [
        ("acme.yaml", "Acme Dental", "acme-dental.example"),
        ("bright.yaml", "Bright Smiles", "bright-smiles.example"),
    ] {
        let text = format!(
            "version: 1\ntenants:\n  - name: {name}\n    domain: {domain}\n    groups:\n      - name: staff\n"
        );
        std::fs::write(files.join(file), text).unwrap();
    }
    let plan = |extra: &[&str]| {
        let mut args = vec!["plan", "-f", "tenants", "--snapshots", "kept"];
        args.extend_from_slice(extra);
        birdhouse(&lab, dir.path(), &args)
    };
    let out = plan(&["--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    std::thread::sleep(SETTLING);

    // `--tenant` keeps one: only its log is read, early or late, and it is proven by it.
    lab.reset_stats();
    let out = plan(&["--tenant", "Acme Dental", "--format", "json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let planned: Value = serde_json::from_str(&out.stdout).expect("a JSON plan");
    assert_eq!(planned["tenants"].as_array().unwrap().len(), 1, "{planned}");
    assert_eq!(
        planned["tenants"][0]["live_source"]["source"], "stored",
        "{planned}"
    );
    let audit_reads = gets(&lab)
        .iter()
        .filter(|call| call.as_str() == "GET /api/events/audit")
        .count();
    assert_eq!(audit_reads, 1, "{:?}", gets(&lab));

    // A broken file stops the run after the others were decoded: nothing is written, and the
    // count line says reads were made instead of "nothing was contacted".
    std::fs::write(files.join("broken.yaml"), "version: 1\ntenants: [\n").unwrap();
    lab.reset_stats();
    let out = plan(&[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("broken.yaml:"), "{}", out.stderr);
    let stats = lab.stats();
    let writes: Vec<&String> = stats
        .calls
        .keys()
        .filter(|call| !call.starts_with("GET "))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    let received: u64 = stats.calls.values().sum();
    let said = out
        .stderr
        .lines()
        .find(|line| line.contains("found; nothing was"))
        .unwrap_or_else(|| panic!("a count line: {}", out.stderr));
    if received == 0 {
        assert!(
            said.ends_with("nothing was contacted") || said.contains("made while the files loaded"),
            "{said}"
        );
    } else {
        // Every read the servers received is counted (a read sent as the run stopped may not
        // have arrived); at most the tenant list and the two logs.
        let made: u64 = said
            .split('(')
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a number of reads: {said}"));
        assert!(received <= made && made <= 3, "{said}: {received} received");
        assert!(said.contains("nothing was written"), "{said}");
    }
}
