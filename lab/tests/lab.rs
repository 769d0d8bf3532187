//! The lab against real NetBird servers: the MSP front's contract, checked with raw HTTP and
//! with probes that read each tenant's own server directly.
//!
//! Ignored by default because they need the NetBird server binary, which a fresh machine builds
//! on first run (minutes, needs the Go module proxy). Run them with
//! `cargo test -p birdhouse-lab --test lab -- --include-ignored`.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use birdhouse_lab::probe::Probe;
use birdhouse_lab::state::LabState;
use birdhouse_lab::{Lab, LabOptions, RateLimit, Role};
use serde_json::{Value, json};

/// Raw HTTP against the front, with or without the MSP token.
struct Front {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Front {
    fn of(lab: &Lab) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: lab.base_url().to_owned(),
            token: lab.token().expose().to_owned(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the front answers")
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .send(reqwest::Method::GET, path, Some(&self.token), None)
            .await;
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .send(reqwest::Method::POST, path, Some(&self.token), Some(body))
            .await;
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn account_id(&self, query: &str) -> String {
        let (status, body) = self.get(&format!("/api/accounts{query}")).await;
        assert_eq!(status, 200, "GET /api/accounts{query}: {body}");
        body[0]["id"].as_str().expect("accounts[0].id").to_owned()
    }
}

#[tokio::test]
#[ignore = "needs NetBird lab (built on first run)"]
async fn front_routes_by_account_and_creates_tenants() {
    let lab = Lab::start(LabOptions::with_tenants(2)).expect("lab starts");
    let front = Front::of(&lab);
    let msp_id = Probe::new(lab.msp()).account_id().await.unwrap();

    // The tenant list: the spec's shape, and ids that are the servers' real account ids.
    let (status, list) = front.get("/api/integrations/msp/tenants").await;
    assert_eq!(status, 200);
    let list = list.as_array().expect("a bare array").clone();
    assert_eq!(list.len(), 2);
    for (n, tenant) in list.iter().enumerate() {
        let keys: BTreeSet<&str> = tenant
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for required in [
            "id",
            "name",
            "domain",
            "groups",
            "created_at",
            "updated_at",
            "status",
            "dns_challenge",
        ] {
            assert!(
                keys.contains(required),
                "tenant {n} lacks {required}: {tenant}"
            );
        }
        assert_eq!(tenant["name"], format!("tenant-{}", n + 1));
        assert_eq!(tenant["domain"], format!("tenant-{}.lab.example", n + 1));
        assert_eq!(tenant["status"], "active");
        assert_eq!(tenant["groups"], json!([]));
        let server = lab.tenant(&format!("tenant-{}", n + 1)).unwrap();
        let real_id = Probe::new(&server).account_id().await.unwrap();
        assert_eq!(tenant["id"], real_id.as_str());
        assert_ne!(real_id, msp_id);
    }
    let ids: Vec<String> = list
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();

    // `?account=` routes to the tenant; an unknown id or none lands on the MSP's own account.
    for id in &ids {
        assert_eq!(&front.account_id(&format!("?account={id}")).await, id);
    }
    assert_eq!(
        front.account_id("?account=d0000000000000000000").await,
        msp_id
    );
    assert_eq!(front.account_id("").await, msp_id);

    // A write through the front lands in that tenant only (checked on the servers directly).
    let (status, group) = front
        .post(
            &format!("/api/groups?account={}", ids[0]),
            json!({"name": "lab-probe"}),
        )
        .await;
    assert_eq!(status, 200, "{group}");
    let tenant_1 = Probe::new(&lab.tenant("tenant-1").unwrap());
    let tenant_2 = Probe::new(&lab.tenant("tenant-2").unwrap());
    assert!(
        tenant_1
            .group_names()
            .await
            .unwrap()
            .contains(&"lab-probe".to_owned())
    );
    assert!(
        !tenant_2
            .group_names()
            .await
            .unwrap()
            .contains(&"lab-probe".to_owned())
    );
    assert!(
        !Probe::new(lab.msp())
            .group_names()
            .await
            .unwrap()
            .contains(&"lab-probe".to_owned())
    );

    // Wrong or missing token: NetBird's 401 body.
    for token in [Some("nbp_wrongwrongwrongwrongwrongwrongwrong0000"), None] {
        let response = front
            .send(reqwest::Method::GET, "/api/groups", token, None)
            .await;
        assert_eq!(response.status().as_u16(), 401);
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"message":"token invalid","code":401}"#
        );
    }

    // Creating a tenant hands out a working server at once; duplicates are refused.
    let (status, created) = front
        .post(
            "/api/integrations/msp/tenants",
            json!({"name": "Acme", "domain": "acme.example", "groups": [{"id": "g1", "role": "admin"}]}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["status"], "active");
    assert_eq!(created["groups"], json!([{"id": "g1", "role": "admin"}]));
    let new_id = created["id"].as_str().unwrap().to_owned();
    assert!(!ids.contains(&new_id) && new_id != msp_id);
    assert_eq!(
        front.account_id(&format!("?account={new_id}")).await,
        new_id
    );
    let acme = lab
        .tenant("Acme")
        .expect("the new tenant is listed by the lab");
    assert_eq!(acme.role, Role::Tenant);
    assert_eq!(Probe::new(&acme).account_id().await.unwrap(), new_id);
    let (_, list) = front.get("/api/integrations/msp/tenants").await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    let (status, body) = front
        .post(
            "/api/integrations/msp/tenants",
            json!({"name": "Acme again", "domain": "acme.example", "groups": []}),
        )
        .await;
    assert_eq!((status, &body["code"]), (409, &json!(409)), "{body}");

    // Renaming keeps the id and the domain.
    let response = front
        .send(
            reqwest::Method::PUT,
            &format!("/api/integrations/msp/tenants/{new_id}"),
            Some(&front.token),
            Some(json!({"name": "Acme Corp", "groups": []})),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let renamed: Value = response.json().await.unwrap();
    assert_eq!(
        (&renamed["name"], &renamed["domain"]),
        (&json!("Acme Corp"), &json!("acme.example"))
    );

    // Call counters: per method and path template, readable and resettable over HTTP.
    let reset = front
        .http
        .post(format!("{}/lab/stats/reset", front.url))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status().as_u16(), 200);
    for id in &ids {
        front.get(&format!("/api/groups?account={id}")).await;
    }
    front
        .get(&format!(
            "/api/users/{}/tokens?account={}",
            "someuser", ids[0]
        ))
        .await;
    let _ = front
        .send(reqwest::Method::GET, "/api/peers", None, None)
        .await;
    let counters: Value = front
        .http
        .get(format!("{}/lab/stats", front.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["requests"], 4, "{counters}");
    assert_eq!(counters["unauthorized"], 1, "{counters}");
    assert_eq!(counters["rate_limited"], 0, "{counters}");
    assert_eq!(
        counters["calls"],
        json!({"GET /api/groups": 2, "GET /api/users/{id}/tokens": 1, "GET /api/peers": 1})
    );
    assert_eq!(lab.stats().requests, 4);
}

#[tokio::test]
#[ignore = "needs NetBird lab (built on first run)"]
async fn rate_limit_answers_netbirds_429_without_retry_after() {
    let options = LabOptions {
        tenants: Vec::new(),
        spares: 0,
        // One token a minute: nothing refills while the test runs.
        rate_limit: Some(RateLimit {
            requests_per_minute: 1,
            burst: 3,
        }),
        ..LabOptions::default()
    };
    let lab = Lab::start(options).expect("lab starts");
    let front = Front::of(&lab);

    for n in 1..=3 {
        let (status, body) = front.get("/api/groups").await;
        assert_eq!(status, 200, "request {n} is within the burst: {body}");
    }
    let response = front
        .send(
            reqwest::Method::GET,
            "/api/groups",
            Some(&front.token),
            None,
        )
        .await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(
        response.headers().get("retry-after").is_none(),
        "{:?}",
        response.headers()
    );
    assert!(
        !response
            .headers()
            .keys()
            .any(|k| k.as_str().starts_with("x-ratelimit"))
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"too many requests","code":429}"#
    );

    // The bucket is per token: another token is not limited by this one (and is rejected).
    let other = front
        .send(reqwest::Method::GET, "/api/groups", Some("nbp_other"), None)
        .await;
    assert_eq!(other.status().as_u16(), 401);

    let stats = lab.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.unauthorized),
        (5, 1, 1)
    );
    assert_eq!(stats.rate_limited_calls["GET /api/groups"], 1);

    // Turning the limit off over HTTP lets requests through again.
    let off = front
        .http
        .put(format!("{}/lab/rate-limit", front.url))
        .json(&Value::Null);
    assert_eq!(off.send().await.unwrap().status().as_u16(), 200);
    assert_eq!(front.get("/api/groups").await.0, 200);
}

#[test]
#[ignore = "needs NetBird lab (built on first run)"]
fn up_status_down_leave_nothing_running() {
    let bin = env!("CARGO_BIN_EXE_birdhouse-lab");
    let dir = std::env::temp_dir().join(format!("birdhouse-lab-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let try_run = |args: &[&str]| {
        let output = Command::new(bin)
            .args(args)
            .arg("--dir")
            .arg(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            stderr,
        )
    };
    let run = |args: &[&str]| {
        let (ok, stdout, stderr) = try_run(args);
        assert!(ok, "{args:?} failed:\n{stderr}");
        stdout
    };

    let _down_even_on_failure = DownOnDrop {
        bin,
        dir: dir.clone(),
    };
    let stdout = run(&[
        "up",
        "--tenant",
        "acme=acme.example",
        "--peer",
        "acme=gw-1",
        "--msp-group",
        "acme-support",
        "--spares",
        "0",
    ]);
    let env = std::fs::read_to_string(dir.join("lab.env")).unwrap();
    assert_eq!(stdout, env);
    let state = LabState::read(&dir).unwrap().expect("up wrote lab.json");
    assert!(env.contains(&format!("NETBIRD_API_URL={}\n", state.front.url)));
    assert!(env.contains(&format!("NETBIRD_API_TOKEN={}\n", state.front.token)));
    let roles: Vec<(Role, &str)> = state
        .servers
        .iter()
        .map(|s| (s.role, s.name.as_str()))
        .collect();
    assert_eq!(roles, [(Role::Msp, "msp"), (Role::Tenant, "acme")]);
    assert!(alive(state.front.pid));
    assert!(
        state
            .servers
            .iter()
            .all(|s| alive(s.pid) && s.data_dir.is_dir())
    );

    // The tenant is reachable through the front with the MSP token.
    let acme = &state.servers[1];
    let accounts = probe_front(&state.front.url, &state.front.token, &acme.account_id);
    assert_eq!(accounts[0]["id"], acme.account_id.as_str());

    // What `up` was asked to make before it reported ready: the peer enrolled in its tenant
    // (and only there), the group in the MSP's own account.
    let peer_names = |server: &birdhouse_lab::ServerRecord| -> Vec<String> {
        let peers = Probe::new(server).get_blocking("/api/peers").unwrap();
        peers
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(peer_names(acme), ["gw-1"]);
    assert!(peer_names(&state.servers[0]).is_empty());
    let msp_groups = Probe::new(&state.servers[0])
        .get_blocking("/api/groups")
        .unwrap();
    assert!(
        msp_groups
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "acme-support"),
        "{msp_groups}"
    );
    let setup_keys = Probe::new(acme).get_blocking("/api/setup-keys").unwrap();
    assert_eq!(setup_keys, json!([]), "the enrolment key is deleted again");

    assert!(run(&["status"]).contains(&acme.account_id));
    let (ok, _, stderr) = try_run(&["up", "--tenants", "1"]);
    assert!(
        !ok && stderr.contains("already running"),
        "a second up must refuse: {stderr}"
    );
    run(&["down"]);
    assert!(!alive(state.front.pid));
    assert!(state.servers.iter().all(|s| !alive(s.pid)));
    assert!(!dir.join("servers").exists());
    assert!(!dir.join("lab.json").exists() && !dir.join("lab.env").exists());
}

/// Runs `birdhouse-lab down` when dropped, so a failing assertion leaves no lab behind.
struct DownOnDrop {
    bin: &'static str,
    dir: std::path::PathBuf,
}

impl Drop for DownOnDrop {
    fn drop(&mut self) {
        let _ = Command::new(self.bin)
            .arg("down")
            .arg("--dir")
            .arg(&self.dir)
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn alive(pid: u32) -> bool {
    birdhouse_lab::process::cmdline(pid).is_some()
}

fn probe_front(url: &str, token: &str, account: &str) -> Value {
    let path = format!("{url}/api/accounts?account={account}");
    let token = token.to_owned();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                reqwest::Client::new()
                    .get(path)
                    .header("Authorization", format!("Token {token}"))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap()
            })
    })
    .join()
    .unwrap()
}
