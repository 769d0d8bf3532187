//! Benchmark (not a timed test): snapshot-shaped reads of many tenants through the API client
//! against a local httpmock server.
//!
//! For each tenant it makes the calls `live` will make for one snapshot (identity check,
//! groups, setup keys, users, policies, networks, account-wide routers, resources per network:
//! 7 + N_networks) with `--parallel`-style concurrency, then reports:
//! - calls: what the client counted and what the server saw (they must agree);
//! - client CPU per request: CPU time of the thread running the client (the mock server runs
//!   on threads of its own and is not counted), from `/proc/thread-self/schedstat`;
//! - the budget: the same run on a virtual clock at NetBird Cloud's budget (120/min, burst
//!   1,200), compared with the floor the budget allows, `(calls - burst) / 2` seconds.
//!
//! `cargo bench --bench snapshot_calls [-- --tenants N --networks K --parallel P]`. Under
//! `cargo test --benches` it runs one small round as a smoke test.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use birdhouse::api::{Client, ClientConfig, TenantClient, VirtualClock};
use birdhouse::secret::Secret;
use httpmock::prelude::*;
use serde_json::{Value, json};

struct Options {
    tenants: usize,
    networks: usize,
    parallel: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    Options {
        tenants: value("--tenants", if bench { 200 } else { 3 }),
        networks: value("--networks", 3),
        parallel: value("--parallel", 4),
    }
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// A count as a float, for ratios in the report.
fn float(n: usize) -> f64 {
    f64::from(u32::try_from(n).expect("counts in this benchmark fit in u32"))
}

fn list(n: usize, item: impl Fn(usize) -> Value) -> Value {
    Value::Array((0..n).map(item).collect())
}

/// Realistic bodies: a mid-sized tenant.
fn mock_tenant_api(server: &MockServer, networks: usize) -> Vec<httpmock::Mock<'_>> {
    let mut mocks = Vec::new();
    let group_min = |i: usize| {
        json!({"id": format!("g{i}"), "name": format!("group-{i}"),
                                      "peers_count": 3, "resources_count": 1})
    };
    let bodies: Vec<(&str, Value)> = vec![
        (
            "/api/accounts",
            json!([{"id": "acc", "domain": "acme.example",
            "domain_category": "private", "created_at": "2025-01-01T00:00:00Z",
            "created_by": "u0", "settings": {"peer_login_expiration_enabled": true,
            "peer_login_expiration": 86400, "groups_propagation_enabled": true,
            "network_range": "100.64.0.0/16"}}]),
        ),
        (
            "/api/groups",
            list(20, |i| {
                json!({"id": format!("g{i}"), "name": format!("group-{i}"),
            "issued": "api", "peers": [{"id": "p1", "name": "host-1"}, {"id": "p2", "name": "h2"}],
            "peers_count": 2, "resources": null, "resources_count": 0})
            }),
        ),
        (
            "/api/setup-keys",
            list(5, |i| {
                json!({"id": format!("k{i}"), "key": "A6160****",
            "name": format!("key-{i}"), "type": "reusable", "expires": "2026-01-01T00:00:00Z",
            "valid": true, "revoked": false, "used_times": 4, "last_used": "2025-05-05T00:00:00Z",
            "state": "valid", "auto_groups": ["g1", "g2"], "updated_at": "2025-05-05T00:00:00Z",
            "usage_limit": 0, "ephemeral": false, "allow_extra_dns_labels": false})
            }),
        ),
        (
            "/api/users",
            list(10, |i| {
                json!({"id": format!("u{i}"),
            "email": format!("user{i}@acme.example"), "name": format!("User {i}"),
            "role": "user", "status": "active", "auto_groups": ["g1"], "is_current": false,
            "is_service_user": false, "is_blocked": false, "pending_approval": false,
            "issued": "api", "last_login": "2025-05-05T00:00:00Z"})
            }),
        ),
        (
            "/api/policies",
            list(10, |i| {
                json!({"id": format!("pol{i}"), "name": format!("p-{i}"),
            "description": "", "enabled": true, "source_posture_checks": [],
            "rules": [{"id": format!("pol{i}"), "name": format!("p-{i}"), "enabled": true,
              "action": "accept", "bidirectional": true, "protocol": "tcp", "ports": ["22"],
              "sources": [group_min(1)], "destinations": [group_min(2)]}]})
            }),
        ),
        (
            "/api/networks",
            list(networks, |i| {
                json!({"id": format!("n{i}"),
            "name": format!("net-{i}"), "description": "", "routers": [format!("r{i}")],
            "resources": [format!("res{i}")], "routing_peers_count": 1, "policies": []})
            }),
        ),
        (
            "/api/networks/routers",
            list(networks, |i| {
                json!({"id": format!("r{i}"), "peer": "",
            "peer_groups": ["g3"], "masquerade": true, "metric": 9999, "enabled": true})
            }),
        ),
    ];
    for (path, body) in bodies {
        mocks.push(server.mock(|when, then| {
            when.method(GET).path(path);
            then.status(200).json_body(body);
        }));
    }
    mocks.push(server.mock(|when, then| {
        when.method(GET)
            .path_matches(r"^/api/networks/[^/]+/resources$");
        then.status(200)
            .json_body(json!([{"id": "res1", "name": "lan", "description": "",
            "type": "subnet", "address": "10.10.0.0/24", "enabled": true,
            "groups": [group_min(1)]}]));
    }));
    mocks
}

/// The calls of one tenant snapshot; returns how many were made.
async fn snapshot(tenant: TenantClient) -> usize {
    let accounts = tenant.list_accounts().await.expect("accounts");
    assert_eq!(accounts.len(), 1);
    tenant.list_groups().await.expect("groups");
    tenant.list_setup_keys().await.expect("setup keys");
    tenant.list_users().await.expect("users");
    tenant.list_policies().await.expect("policies");
    let networks = tenant.list_networks().await.expect("networks");
    tenant.list_network_routers().await.expect("routers");
    for network in &networks {
        tenant
            .list_resources_of_network(&network.id)
            .await
            .expect("resources");
    }
    7 + networks.len()
}

/// Snapshots every tenant, at most `parallel` at once; returns the calls made.
async fn run(client: &Client, tenants: usize, parallel: usize) -> usize {
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..tenants {
        let tenant = client.tenant(Some(&format!("tenant{i:04}")));
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            snapshot(tenant).await
        });
    }
    let mut calls = 0;
    while let Some(done) = tasks.join_next().await {
        calls += done.expect("tenant task");
    }
    calls
}

fn main() {
    let options = options();
    let server = MockServer::start();
    let mocks = mock_tenant_api(&server, options.networks);
    let server_hits = || mocks.iter().map(httpmock::Mock::calls).sum::<usize>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let token = Secret::new("nbp_BenchmarkTokenBenchmarkToken000000".to_owned());

    // 1. CPU: a budget too large to ever wait, so only the client's own work is measured.
    let mut config = ClientConfig::new(server.base_url(), token.clone());
    config.requests_per_minute = NonZeroU32::new(u32::MAX).expect("non-zero");
    config.burst = NonZeroU32::new(u32::MAX).expect("non-zero");
    let client = Client::new(config).expect("client");
    runtime.block_on(run(&client, 1, 1)); // warm up: connection, allocator
    let before = client.stats().requests;
    let hits_before = server_hits();
    let (cpu0, wall0) = (thread_cpu(), Instant::now());
    let calls = runtime.block_on(run(&client, options.tenants, options.parallel));
    let (cpu, wall) = (thread_cpu().saturating_sub(cpu0), wall0.elapsed());
    let counted = client.stats().requests - before;
    assert_eq!(
        u64::try_from(calls).expect("fits"),
        counted,
        "client count disagrees"
    );
    let server_calls = server_hits() - hits_before;
    assert_eq!(
        calls, server_calls,
        "the server saw a different number of calls"
    );

    // 2. Budget: the same run at NetBird Cloud's budget on a virtual clock.
    let clock = Arc::new(VirtualClock::new());
    let mut config = ClientConfig::new(server.base_url(), token);
    config.clock = clock.clone();
    let paced = Client::new(config).expect("client");
    let paced_calls = runtime.block_on(run(&paced, options.tenants, options.parallel));
    let floor = Duration::from_secs_f64(float(paced_calls.saturating_sub(1200)) / 2.0);
    let virtual_wall = clock.elapsed();

    let per_request = cpu.as_secs_f64() * 1e6 / float(calls);
    println!(
        "snapshot_calls: {} tenants, {} networks each, parallel {}",
        options.tenants, options.networks, options.parallel
    );
    println!(
        "  calls: {calls} ({:.1} per tenant; client counted {counted}, server saw {server_calls})",
        float(calls) / float(options.tenants)
    );
    println!(
        "  client CPU: {:.1} ms total, {per_request:.1} us per request (wall {:.1} ms)",
        cpu.as_secs_f64() * 1e3,
        wall.as_secs_f64() * 1e3
    );
    println!(
        "  at 120/min, burst 1200: {:.1} s paced (virtual), floor {:.1} s, 429s {}",
        virtual_wall.as_secs_f64(),
        floor.as_secs_f64(),
        paced.stats().rate_limited
    );
}
