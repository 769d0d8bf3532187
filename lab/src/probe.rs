//! Raw reads straight from one NetBird server, bypassing the front and birdhouse alike.
//!
//! Tests use these to check what really happened in a tenant: they talk to the tenant's own
//! server with its own PAT, so neither birdhouse's client nor the front's routing can make a
//! wrong result look right. Reads only; a probe never changes a server.

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::state::ServerRecord;

/// A reader of one server's API.
#[derive(Debug, Clone)]
pub struct Probe {
    server: ServerRecord,
    http: reqwest::Client,
}

impl Probe {
    /// A probe of `server` (a tenant's, a spare's or the MSP's own).
    pub fn new(server: &ServerRecord) -> Self {
        Self {
            server: server.clone(),
            http: reqwest::Client::new(),
        }
    }

    /// `GET <path>` (e.g. `/api/groups`) with the server's PAT; the status and the body parsed
    /// as JSON (`Value::Null` when the body is not JSON).
    pub async fn get_raw(&self, path: &str) -> Result<(u16, Value)> {
        let response = self
            .http
            .get(format!("{}{path}", self.server.url))
            .header("Authorization", format!("Token {}", self.server.pat))
            .send()
            .await
            .with_context(|| format!("GET {path} on {}", self.server.url))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// `GET <path>`, which must answer 200; the JSON body.
    pub async fn get(&self, path: &str) -> Result<Value> {
        let (status, body) = self.get_raw(path).await?;
        if status != 200 {
            bail!(
                "GET {path} on {} answered {status}: {body}",
                self.server.url
            );
        }
        Ok(body)
    }

    /// The server's account id, from `GET /api/accounts`.
    pub async fn account_id(&self) -> Result<String> {
        let accounts = self.get("/api/accounts").await?;
        accounts[0]["id"]
            .as_str()
            .map(str::to_owned)
            .context("GET /api/accounts has no [0].id")
    }

    /// The names of the server's groups, sorted.
    pub async fn group_names(&self) -> Result<Vec<String>> {
        let groups = self.get("/api/groups").await?;
        let mut names: Vec<String> = groups
            .as_array()
            .context("GET /api/groups is not an array")?
            .iter()
            .filter_map(|g| g["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        Ok(names)
    }

    /// [`Probe::get`] for synchronous tests: runs on a private runtime on its own thread, so
    /// it also works inside an async test. A fresh client each time, because pooled
    /// connections die with the runtime that opened them.
    pub fn get_blocking(&self, path: &str) -> Result<Value> {
        let probe = Self::new(&self.server);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?
                        .block_on(probe.get(path))
                })
                .join()
                .unwrap_or_else(|_| bail!("the probe thread panicked"))
        })
    }
}
