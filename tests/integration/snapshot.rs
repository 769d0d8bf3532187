//! Reading live state: exactly which calls a snapshot costs, and the identity check that keeps
//! one customer's configuration out of the MSP's own account.

use std::fmt::Write as _;
use std::time::Duration;

use birdhouse::api::{Client, ClientConfig};
use birdhouse::kinds::Kind;
use birdhouse::live::{LiveError, Reads, fetch_tenant};
use birdhouse::secret::Secret;
use httpmock::prelude::*;
use serde_json::{Value, json};

use crate::support::Test;

const TOKEN: &str = "nbp_SnapshotTokenThatMustNotLeak0aB1c2";
const TENANT: &str = "tenant0000000000001";

fn client(server: &MockServer) -> Client {
    let mut config = ClientConfig::new(server.base_url(), Secret::new(TOKEN.to_owned()));
    config.timeout = Duration::from_secs(5);
    Client::new(config).unwrap()
}

fn networks(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|i| {
                json!({"id": format!("n{i}"), "name": format!("net-{i}"), "description": "",
                       "routers": [], "resources": [format!("r{i}")], "routing_peers_count": 0,
                       "policies": []})
            })
            .collect(),
    )
}

fn resources(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|i| {
                json!({"id": format!("r{i}"), "name": format!("res-{i}"), "description": "",
                       "type": "subnet", "address": format!("10.{i}.0.0/24"), "enabled": true,
                       "groups": [{"id": "g1", "name": "devs", "peers_count": 0, "resources_count": 1}]})
            })
            .collect(),
    )
}

/// Every list, without the account answer (whose settings are read only when managed or
/// exported): the identity is then proven by the groups alone.
const LISTS: Reads = Reads {
    account_settings: false,
    ..Reads::ALL
};

/// Serves one tenant's lists (each only with `?account=TENANT`) and returns a mock per path.
fn serve_tenant(server: &MockServer, network_count: usize) -> Vec<(String, httpmock::Mock<'_>)> {
    let mut mocks = serve_lists(server, network_count);
    let resources = server.mock(|when, then| {
        when.method(GET)
            .path("/api/networks/resources")
            .query_param("account", TENANT);
        then.status(200).json_body(resources(network_count));
    });
    mocks.push(("/api/networks/resources".to_owned(), resources));
    mocks
}

/// Like [`serve_tenant`] for a server without the account-wide resource list: it answers
/// `GET /api/networks/resources` with the plain-text 404 of NetBird's router for a route it
/// does not have, and serves each network's resources at `/api/networks/{id}/resources`.
fn serve_tenant_without_account_wide_resources(
    server: &MockServer,
    network_count: usize,
) -> Vec<(String, httpmock::Mock<'_>)> {
    let mut mocks = serve_lists(server, network_count);
    let missing = server.mock(|when, then| {
        when.method(GET).path("/api/networks/resources");
        then.status(404)
            .header("content-type", "text/plain; charset=utf-8")
            .body("404 page not found\n");
    });
    mocks.push(("/api/networks/resources".to_owned(), missing));
    let Value::Array(all) = resources(network_count) else {
        unreachable!("resources() is a list")
    };
    for (i, resource) in all.into_iter().enumerate() {
        let path = format!("/api/networks/n{i}/resources");
        let mock = server.mock(|when, then| {
            when.method(GET).path(&path).query_param("account", TENANT);
            then.status(200).json_body(json!([resource]));
        });
        mocks.push((path, mock));
    }
    mocks
}

/// The lists every server has, resources aside, and the token's own account's groups (its
/// `All` group's id proves that a tenant's answer is not the own account's), named
/// `own /api/groups`.
fn serve_lists(server: &MockServer, network_count: usize) -> Vec<(String, httpmock::Mock<'_>)> {
    let own_groups = server.mock(|when, then| {
        when.method(GET)
            .path("/api/groups")
            .query_param_missing("account");
        then.status(200).json_body(json!([
            {"id": "gown", "name": "All", "issued": "api", "peers": [], "peers_count": 0,
             "resources": [], "resources_count": 0}
        ]));
    });
    let bodies = [
        (
            "/api/groups",
            json!([{"id": "g1", "name": "devs", "issued": "api", "peers": null,
                                "peers_count": 0, "resources": null, "resources_count": 0},
                               {"id": "g0", "name": "All", "issued": "api", "peers": [],
                                "peers_count": 0, "resources": [], "resources_count": 0}]),
        ),
        ("/api/setup-keys", json!([])),
        ("/api/users", json!([])),
        ("/api/policies", json!([])),
        ("/api/posture-checks", json!([])),
        ("/api/routes", json!([])),
        ("/api/dns/nameservers", json!([])),
        ("/api/dns/zones", json!([])),
        (
            "/api/dns/settings",
            json!({"disabled_management_groups": []}),
        ),
        ("/api/networks", networks(network_count)),
        ("/api/networks/routers", json!([])),
    ];
    bodies
        .into_iter()
        .map(|(path, body)| {
            let mock = server.mock(|when, then| {
                when.method(GET).path(path).query_param("account", TENANT);
                then.status(200).json_body(body);
            });
            (path.to_owned(), mock)
        })
        .chain([("own /api/groups".to_owned(), own_groups)])
        .collect()
}

fn calls_for_networks(network_count: usize) -> (usize, Vec<(String, usize)>) {
    let server = MockServer::start();
    let mocks = serve_tenant(&server, network_count);
    let client = client(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let live = runtime
        .block_on(fetch_tenant(
            &client.tenant(Some(TENANT)),
            Some(TENANT),
            LISTS,
        ))
        .expect("the snapshot reads");
    assert_eq!(live.snapshot.objects.networks.len(), network_count);
    assert_eq!(
        live.snapshot.objects.count(Kind::NetworkResource),
        network_count
    );
    let hits = mocks
        .iter()
        .map(|(path, mock)| (path.clone(), mock.calls()))
        .collect();
    (usize::try_from(client.stats().requests).unwrap(), hits)
}

#[test]
fn a_snapshot_costs_one_list_per_kind_and_the_identity_comes_with_the_groups() {
    let every_list_once = |hits: &[(String, usize)], resources: usize| {
        for (path, calls) in hits {
            let expected = if path == "/api/networks/resources" {
                resources
            } else {
                1
            };
            assert_eq!(*calls, expected, "{path}");
        }
    };
    // The own account's groups (read once per run) and the tenant's eleven reads; no identity
    // call: the tenant's groups prove it.
    let (total, hits) = calls_for_networks(0);
    assert_eq!(total, 12, "no networks: no resource list");
    every_list_once(&hits, 0);
    let (total, hits) = calls_for_networks(1);
    assert_eq!(total, 13);
    every_list_once(&hits, 1);
    let (total, hits) = calls_for_networks(5);
    assert_eq!(
        total, 13,
        "five networks cost the same as one: one account-wide resource list"
    );
    every_list_once(&hits, 1);
}

/// How often each path was called.
fn calls(mocks: &[(String, httpmock::Mock<'_>)]) -> Vec<(String, usize)> {
    mocks
        .iter()
        .map(|(path, mock)| (path.clone(), mock.calls()))
        .collect()
}

#[test]
fn without_the_account_wide_resource_list_resources_are_read_per_network_for_the_whole_run() {
    let server = MockServer::start();
    let mocks = serve_tenant_without_account_wide_resources(&server, 3);
    let client = client(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let read = || {
        runtime
            .block_on(fetch_tenant(
                &client.tenant(Some(TENANT)),
                Some(TENANT),
                LISTS,
            ))
            .expect("the snapshot reads")
    };

    let first = read();
    assert_eq!(first.snapshot.objects.count(Kind::NetworkResource), 3);
    assert_eq!(
        client.stats().requests,
        12 + 1 + 3,
        "the lists, the 404, one list per network"
    );
    // A second read in the same run (another tenant, apply's re-read) does not ask again.
    let second = read();
    assert_eq!(second.snapshot, first.snapshot);
    assert_eq!(
        client.stats().requests,
        16 + 11 + 3,
        "the own account's groups are not read again either"
    );
    for (path, calls) in calls(&mocks) {
        let expected = match path.as_str() {
            "/api/networks/resources" | "own /api/groups" => 1,
            _ => 2,
        };
        assert_eq!(calls, expected, "{path}");
    }
}

/// Files for the tenant [`serve_tenant`] serves with three networks, as it is: nothing to do.
fn three_networks_as_they_are() -> String {
    let mut text = format!(
        "version: 1\ntenants:\n  - name: Acme\n    id: {TENANT}\n    groups: [{{name: devs}}]\n    networks:\n"
    );
    for i in 0..3 {
        let _ = writeln!(
            text,
            "      - name: net-{i}\n        resources:\n          - {{name: res-{i}, address: 10.{i}.0.0/24, groups: [devs]}}"
        );
    }
    text
}

#[test]
fn plan_falls_back_to_per_network_resource_lists_and_says_so_once() {
    let server = MockServer::start();
    let mocks = serve_tenant_without_account_wide_resources(&server, 3);
    // The pinned id is checked against the MSP tenant list (one call, not counted below).
    server.mock(|when, then| {
        when.method(GET).path("/api/integrations/msp/tenants");
        then.status(200)
            .json_body(json!([{"id": TENANT, "name": "Acme", "domain": "acme.example"}]));
    });

    let out = Test::new()
        .file("tenants.yaml", &three_networks_as_they_are())
        .env("NETBIRD_API_URL", &server.base_url())
        .env("NETBIRD_API_TOKEN", TOKEN)
        .args(&["plan", "-f", "tenants.yaml", "--color", "never", "-v"])
        .run();

    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("No changes"),
        "the resources were read: {}",
        out.stdout
    );
    let notes: Vec<&str> = out
        .stderr
        .lines()
        .filter(|line| line.contains("the server has no GET /api/networks/resources"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", out.stderr);
    assert!(
        notes[0].contains("GET /api/networks/{id}/resources, one call per network"),
        "{}",
        notes[0]
    );
    for (path, calls) in calls(&mocks) {
        // Policies are read too: a resource moved to another network is replaced, and every
        // policy that targets it is pointed at the new one.
        let unread = [
            "/api/setup-keys",
            "/api/users",
            "/api/posture-checks",
            "/api/routes",
            "/api/dns/nameservers",
            "/api/dns/settings",
            "/api/dns/zones",
        ];
        let expected = usize::from(!unread.contains(&path.as_str()));
        assert_eq!(calls, expected, "{path}");
    }
}

#[test]
fn export_reads_resources_per_network_where_the_account_wide_list_is_missing() {
    let server = MockServer::start();
    let mocks = serve_tenant_without_account_wide_resources(&server, 3);
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/integrations/msp/tenants")
            .query_param_missing("account");
        then.status(200).json_body(json!([
            {"id": TENANT, "name": "Acme", "domain": "acme.example", "groups": [],
             "status": "active", "created_at": "2025-01-01T00:00:00Z",
             "updated_at": "2025-01-01T00:00:00Z", "dns_challenge": "x"}
        ]));
    });
    // Export reads the account answer too (for its settings), and proves the identity with it.
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/accounts")
            .query_param("account", TENANT);
        then.status(200)
            .json_body(json!([{"id": TENANT, "domain": "acme.example",
            "settings": {"peer_login_expiration_enabled": true, "peer_login_expiration": 86400}}]));
    });
    // Export reads the peers too, to write routers' peers by name.
    let peers = server.mock(|when, then| {
        when.method(GET)
            .path("/api/peers")
            .query_param("account", TENANT);
        then.status(200).json_body(json!([]));
    });

    let test = Test::new()
        .env("NETBIRD_API_URL", &server.base_url())
        .env("NETBIRD_API_TOKEN", TOKEN)
        .args(&["export", "-o", "out"]);
    let out = test.run();

    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = std::fs::read_to_string(test.path().join("out/acme.yaml")).unwrap();
    for i in 0..3 {
        assert!(file.contains(&format!("name: res-{i}")), "{file}");
    }
    for (path, calls) in calls(&mocks) {
        // The account answer proves the identity: the own account's groups are not needed.
        let expected = usize::from(path != "own /api/groups");
        assert_eq!(calls, expected, "{path}");
    }
    assert_eq!(peers.calls(), 1);
}

#[test]
fn kinds_no_tenant_manages_are_not_read() {
    let server = MockServer::start();
    let mocks = serve_tenant(&server, 0);
    let client = client(&server);
    let reads = Reads::for_kinds(&[Kind::Group].into_iter().collect(), false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(fetch_tenant(
            &client.tenant(Some(TENANT)),
            Some(TENANT),
            reads,
        ))
        .unwrap();
    let read: Vec<&str> = mocks
        .iter()
        .filter(|(_, m)| m.calls() > 0)
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(read, ["/api/groups", "own /api/groups"]);
}

#[test]
fn a_tenant_answered_by_another_account_is_refused() {
    let server = MockServer::start();
    // NetBird ignores an `account` it does not honour and answers for the caller's own account:
    // the same `All` group, with or without `?account=`.
    let accounts = server.mock(|when, then| {
        when.method(GET).path("/api/accounts");
        then.status(200)
            .json_body(json!([{"id": "msp-own-account", "domain": "msp.example", "settings": {}}]));
    });
    let groups = server.mock(|when, then| {
        when.method(GET).path("/api/groups");
        then.status(200).json_body(json!([
            {"id": "gown", "name": "All", "issued": "api", "peers": [], "peers_count": 0,
             "resources": [], "resources_count": 0}
        ]));
    });
    let lists = server.mock(|when, then| {
        when.method(GET).path("/api/setup-keys");
        then.status(200).json_body(json!([]));
    });
    let client = client(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let err = runtime
        .block_on(fetch_tenant(
            &client.tenant(Some(TENANT)),
            Some(TENANT),
            LISTS,
        ))
        .unwrap_err();
    assert!(
        matches!(&err, LiveError::WrongTenant { requested, answered } if requested == TENANT && answered == "msp-own-account")
    );
    assert!(
        err.to_string().contains("nothing will be written to it"),
        "{err}"
    );
    assert_eq!(
        lists.calls(),
        0,
        "nothing but the groups is read from the wrong account"
    );
    // The own account's groups, the tenant's (which are the same), and one call to name the
    // account that answered.
    assert_eq!((groups.calls(), accounts.calls()), (2, 1));
}

#[test]
fn plan_reports_the_refused_tenant_and_plans_the_others() {
    let server = MockServer::start();
    serve_tenant(&server, 0);
    // The MSP link of the second does not work: the API answers from the MSP's own account,
    // whose `All` group gives it away.
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/groups")
            .query_param("account", "not-linked-tenant");
        then.status(200).json_body(json!([
            {"id": "gown", "name": "All", "issued": "api", "peers": [], "peers_count": 0,
             "resources": [], "resources_count": 0}
        ]));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/accounts")
            .query_param("account", "not-linked-tenant");
        then.status(200)
            .json_body(json!([{"id": "msp-own-account", "domain": "msp.example", "settings": {}}]));
    });
    // Pinned ids are checked against the MSP tenant list first; both are listed, but the MSP
    // link of the second does not work (the API answers from the MSP's own account).
    server.mock(|when, then| {
        when.method(GET).path("/api/integrations/msp/tenants");
        then.status(200).json_body(json!([
            {"id": TENANT, "name": "Good", "domain": "good.example"},
            {"id": "not-linked-tenant", "name": "Unlinked", "domain": "unlinked.example"}
        ]));
    });
    let files = format!(
        "version: 1\ntenants:\n  - name: Good\n    id: {TENANT}\n    groups: [{{name: devs}}, {{name: ops}}]\n  - name: Unlinked\n    id: not-linked-tenant\n    groups: [{{name: devs}}]\n"
    );
    let out = Test::new()
        .file("tenants.yaml", &files)
        .env("NETBIRD_API_URL", &server.base_url())
        .env("NETBIRD_API_TOKEN", TOKEN)
        .args(&["plan", "-f", "tenants.yaml", "--color", "never", "-vv"])
        .run();
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("+ group ops"), "{}", out.stdout);
    assert!(out.stdout.contains("identity check failed: asked for account \"not-linked-tenant\" but the API answered for account \"msp-own-account\""), "{}", out.stdout);
    assert!(
        out.stderr.contains("tenant \"Unlinked\" cannot be applied"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));
}
