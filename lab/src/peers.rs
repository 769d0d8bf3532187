//! Real peers for a lab server: registered through the management gRPC API with a setup key,
//! the way `netbird up --setup-key` registers a machine, by the server binary's own
//! `birdhouse-enrol-peer` command (`lab/netbird-server/enrol.go`). Each peer has a fresh
//! WireGuard key and is named by its hostname; no client daemon or tunnel runs, so the peers
//! stay offline, which is all the management API needs to list, group and route through them.

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::server_binary;
use crate::state::ServerRecord;

/// Registers one peer per hostname on `server`, and returns their ids in the same order. The
/// setup key they register with is made for the purpose and deleted afterwards, so the
/// server's setup keys are as they were.
pub fn enrol(server: &ServerRecord, hostnames: &[&str]) -> Result<Vec<String>> {
    let binary = server_binary::ensure_built(&|_| {})?;
    let key = api(
        server,
        "POST",
        "/api/setup-keys",
        Some(
            &json!({"name": "lab-enrolment", "type": "reusable", "expires_in": 3600,
                     "auto_groups": [], "usage_limit": 0}),
        ),
    )?;
    let secret = key["key"]
        .as_str()
        .context("the setup key answer has no key")?;
    for hostname in hostnames {
        let output = Command::new(&binary)
            .arg("birdhouse-enrol-peer")
            .args(["--management", &format!("127.0.0.1:{}", server.port)])
            .args(["--hostname", hostname])
            .env("BIRDHOUSE_LAB_SETUP_KEY", secret)
            .output()
            .context("running the server binary's birdhouse-enrol-peer")?;
        if !output.status.success() {
            bail!(
                "enrolling peer {hostname:?} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
    }
    let key_id = key["id"]
        .as_str()
        .context("the setup key answer has no id")?;
    api(server, "DELETE", &format!("/api/setup-keys/{key_id}"), None)?;
    let peers = api(server, "GET", "/api/peers", None)?;
    hostnames
        .iter()
        .map(|hostname| {
            peers
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == *hostname)
                .and_then(|p| p["id"].as_str())
                .map(str::to_owned)
                .with_context(|| format!("peer {hostname:?} is not in GET /api/peers"))
        })
        .collect()
}

/// One call to the server's own API with its PAT, on a private runtime (so it also works
/// inside an async test); the JSON answer.
pub(crate) fn api(
    server: &ServerRecord,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value> {
    let url = format!("{}{path}", server.url);
    let pat = server.pat.clone();
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
                    .block_on(async {
                        let mut request = reqwest::Client::new()
                            .request(method.clone(), &url)
                            .header("Authorization", format!("Token {pat}"));
                        if let Some(body) = body {
                            request = request.json(body);
                        }
                        let response = request.send().await?;
                        let status = response.status();
                        let text = response.text().await?;
                        if !status.is_success() {
                            bail!("{method} {url} answered {status}: {text}");
                        }
                        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
                    })
            })
            .join()
            .unwrap_or_else(|_| bail!("the request thread panicked"))
    })
}
