//! The audit log on a real NetBird server (the lab), as the snapshot proof will read it: one
//! `GET /api/events/audit?account=<id>` answers a bare array (paging parameters ignored) of
//! events with string ids; every event birdhouse's writes leave is in `live::audit`'s table and
//! names the kind written, across all sixteen kinds; a raw change made the dashboard's way is
//! logged; and the changes `live::audit::UNLOGGED` names leave no event at all.

use std::collections::BTreeSet;
use std::time::Duration;

use birdhouse::kinds::Kind;
use birdhouse::live::audit::{Touches, UNLOGGED, touched_by};
use birdhouse_lab::ServerRecord;
use serde_json::{Value, json};

use crate::e2e::{birdhouse, find_by, live_list, write};
use crate::support::{examples_lab, repo_root};

/// How long NetBird may take to store an event: it saves them on a goroutine after answering.
const EVENT_SAVE_WAIT: Duration = Duration::from_millis(800);

/// The tenant's events newer than `after` (by id), read past birdhouse.
fn events_after(server: &ServerRecord, after: u64) -> Vec<Value> {
    std::thread::sleep(EVENT_SAVE_WAIT);
    let events = write(server, "GET", "/api/events/audit", &Value::Null);
    events
        .as_array()
        .expect("a bare array")
        .iter()
        .filter(|e| event_id(e) > after)
        .cloned()
        .collect()
}

fn event_id(event: &Value) -> u64 {
    event["id"]
        .as_str()
        .expect("event ids are strings")
        .parse()
        .expect("a decimal id")
}

fn newest_id(server: &ServerRecord) -> u64 {
    events_after(server, 0)
        .iter()
        .map(event_id)
        .max()
        .unwrap_or(0)
}

fn codes(events: &[Value]) -> BTreeSet<String> {
    events
        .iter()
        .map(|e| e["activity_code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
#[ignore = "needs NetBird lab"]
fn every_write_birdhouse_makes_is_logged_under_the_kind_it_wrote_and_the_silent_ones_are_known() {
    let lab = examples_lab();
    let dir = tempfile::tempdir().unwrap();
    let examples = repo_root().join("examples/tenants");
    let out = birdhouse(
        &lab,
        dir.path(),
        &[
            "apply",
            "-f",
            examples.to_str().unwrap(),
            "--tenant",
            "Acme Dental",
            "--yes",
            "--discard-secrets",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let acme = lab.tenant("Acme Dental").unwrap();

    // Through the MSP front with the one token, as birdhouse reads it; paging ignored.
    let front = crate::msp_access::front(&lab);
    std::thread::sleep(EVENT_SAVE_WAIT);
    let answer = write(
        &front,
        "GET",
        &format!(
            "/api/events/audit?account={}&page=1&page_size=5",
            acme.account_id
        ),
        &Value::Null,
    );
    let events = answer.as_array().expect("a bare array, not a page object");
    assert!(events.len() > 5, "page_size is not honoured: {answer}");
    let mut touched = BTreeSet::new();
    for event in events {
        let code = event["activity_code"].as_str().unwrap();
        match touched_by(code) {
            Touches::Kinds(kinds) => touched.extend(kinds.iter().copied()),
            Touches::Nothing => {}
            Touches::Unknown => panic!("{code} is not in live::audit's table: {event}"),
        }
        event_id(event);
    }
    let all: BTreeSet<Kind> = Kind::ALL.into_iter().collect();
    assert_eq!(
        touched,
        all,
        "the example tenant writes every kind; codes seen: {:?}",
        codes(events)
    );
    for code in [
        "group.add",
        "peer.group.add",
        "setupkey.add",
        "setupkey.revoke",
        "user.create",
        "service.user.create",
        "personal.access.token.create",
        "posture.check.create",
        "policy.add",
        "policy.delete",
        "route.add",
        "nameserver.group.add",
        "dns.setting.disabled.management.group.add",
        "dns.zone.create",
        "dns.zone.record.create",
        "network.create",
        "network.resource.create",
        "network.router.create",
        "peer.ssh.enable",
    ] {
        assert!(
            codes(events).contains(code),
            "{code} in {:?}",
            codes(events)
        );
    }
    // Events live in the tenant's own log: the MSP's account holds none of these writes.
    let msp_codes = codes(&events_after(lab.msp(), 0));
    assert!(!msp_codes.contains("dns.zone.create"), "{msp_codes:?}");

    // A raw change, the dashboard's way, is logged under its kind.
    let probe = birdhouse_lab::probe::Probe::new(&acme);
    let since = newest_id(&acme);
    let mut policy = find_by(
        &live_list(&probe, "/api/policies"),
        "name",
        "imaging-archive",
    )
    .clone();
    policy["description"] = json!("changed by hand");
    let policy_id = policy["id"].as_str().unwrap().to_owned();
    for rule in policy["rules"].as_array_mut().unwrap() {
        for side in ["sources", "destinations"] {
            if let Some(groups) = rule[side].as_array() {
                let ids: Vec<Value> = groups.iter().map(|g| g["id"].clone()).collect();
                rule[side] = Value::Array(ids);
            }
        }
    }
    write(&acme, "PUT", &format!("/api/policies/{policy_id}"), &policy);
    let logged = events_after(&acme, since);
    assert_eq!(codes(&logged), BTreeSet::from(["policy.update".to_owned()]));
    assert_eq!(touched_by("policy.update"), Touches::Kinds(&[Kind::Policy]));

    // The silent changes of UNLOGGED, each made on the server and met by no event.
    let accounts = write(&acme, "GET", "/api/accounts", &Value::Null);
    let mut account = accounts[0].clone();
    let account_path = format!("/api/accounts/{}", acme.account_id);
    account["settings"]["groups_propagation_enabled"] = json!(false);
    write(
        &acme,
        "PUT",
        &account_path,
        &json!({"settings": account["settings"]}),
    );
    let since = newest_id(&acme);
    account["settings"]["regular_users_view_blocked"] = json!(
        !account["settings"]["regular_users_view_blocked"]
            .as_bool()
            .unwrap_or(false)
    );
    account["settings"]["extra"]["user_approval_required"] = json!(true);
    write(
        &acme,
        "PUT",
        &account_path,
        &json!({"settings": account["settings"]}),
    );
    let settings_now = write(&acme, "GET", "/api/accounts", &Value::Null)[0]["settings"].clone();
    assert_eq!(
        settings_now["regular_users_view_blocked"],
        account["settings"]["regular_users_view_blocked"],
        "{settings_now}"
    );
    assert_eq!(events_after(&acme, since), Vec::<Value>::new(), "settings");
    assert!(UNLOGGED.iter().any(|u| u.kind == Kind::AccountSettings));

    let users = live_list(&probe, "/api/users");
    let front_desk = find_by(&users, "email", "front.desk@acme-dental.example");
    let dentists = find_by(&live_list(&probe, "/api/groups"), "name", "dentists")["id"].clone();
    write(
        &acme,
        "PUT",
        &format!("/api/users/{}", front_desk["id"].as_str().unwrap()),
        &json!({"role": front_desk["role"], "auto_groups": [dentists],
                "is_blocked": false}),
    );
    let user_now = find_by(
        &live_list(&probe, "/api/users"),
        "email",
        "front.desk@acme-dental.example",
    )
    .clone();
    assert_eq!(user_now["auto_groups"], json!([dentists]), "{user_now}");
    assert_eq!(events_after(&acme, since), Vec::<Value>::new(), "users");
    assert!(UNLOGGED.iter().any(|u| u.kind == Kind::User));

    let resource = find_by(
        &live_list(&probe, "/api/networks/resources"),
        "name",
        "practice-server",
    )
    .clone();
    let imaging = find_by(&live_list(&probe, "/api/groups"), "name", "imaging").clone();
    let peers: Vec<Value> = imaging["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    write(
        &acme,
        "PUT",
        &format!("/api/groups/{}", imaging["id"].as_str().unwrap()),
        &json!({"name": "imaging", "peers": peers,
                "resources": [{"id": resource["id"], "type": resource["type"]}]}),
    );
    let resource_now = find_by(
        &live_list(&probe, "/api/networks/resources"),
        "name",
        "practice-server",
    )
    .clone();
    assert!(
        resource_now["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == imaging["id"]),
        "the resource's groups changed with the group: {resource_now}"
    );
    assert_eq!(events_after(&acme, since), Vec::<Value>::new(), "resources");
    assert!(UNLOGGED.iter().any(|u| u.kind == Kind::NetworkResource));
}
