//! The files a running lab leaves for its users: `lab.env` and `lab.json`.
//!
//! `lab.env` is what birdhouse needs (`NETBIRD_API_URL`, `NETBIRD_API_TOKEN`), in a form a
//! shell can `source` and a Makefile can `include`. `lab.json` lists every server with its own
//! URL, PAT and pid, so tests can probe a tenant's server directly and `down` knows exactly
//! which processes are the lab's. Both are rewritten whenever the set of servers changes (a
//! spare became a tenant, a new spare started), by writing a temporary file and renaming it.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::msp::rate_limit::RateLimit;

/// File name of the env file inside the lab directory.
pub const ENV_FILE: &str = "lab.env";
/// File name of the state file inside the lab directory.
pub const STATE_FILE: &str = "lab.json";
/// Version of the `lab.json` format; bumped when a field changes meaning or goes away.
pub const STATE_VERSION: u32 = 1;

/// What a server is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The MSP's own account: where requests without `?account=` (or with an unknown id) land.
    Msp,
    /// A tenant, listed by `GET /api/integrations/msp/tenants`.
    Tenant,
    /// Started and bootstrapped in advance; becomes a tenant on `POST .../tenants`.
    Spare,
}

/// One running NetBird server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRecord {
    /// What the server is for.
    pub role: Role,
    /// Tenant name (`msp` for the MSP's own server, empty for a spare).
    pub name: String,
    /// Tenant domain as the MSP list shows it (empty for a spare). The server itself knows
    /// nothing of it: its `GET /api/accounts` reports an empty `domain` (v0.77.1, setup flow).
    pub domain: String,
    /// The real NetBird account id of the server's only account: the tenant id.
    pub account_id: String,
    /// Base URL of the server's own API, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// The port in `url`.
    pub port: u16,
    /// The setup-time PAT of the server's owner, for direct probing.
    pub pat: String,
    /// Process id of the server.
    pub pid: u32,
    /// The server's directory: `config.yaml`, `server.log` and its sqlite files under `data/`.
    pub data_dir: PathBuf,
}

impl fmt::Debug for ServerRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRecord")
            .field("role", &self.role)
            .field("name", &self.name)
            .field("domain", &self.domain)
            .field("account_id", &self.account_id)
            .field("url", &self.url)
            .field("pid", &self.pid)
            .field("pat", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The MSP front as the state file records it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontRecord {
    /// Base URL of the front: the `NETBIRD_API_URL` for birdhouse.
    pub url: String,
    /// The MSP token: the `NETBIRD_API_TOKEN` for birdhouse.
    pub token: String,
    /// Process id of the process serving the front and owning the servers.
    pub pid: u32,
    /// The rate limit in force when the file was written (`null` when off).
    pub rate_limit: Option<RateLimit>,
}

/// The whole `lab.json`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabState {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// The NetBird release the servers run.
    pub netbird_version: String,
    /// The server binary they run.
    pub binary: PathBuf,
    /// The MSP front.
    pub front: FrontRecord,
    /// Every server: the MSP's own first, then tenants, then spares.
    pub servers: Vec<ServerRecord>,
}

impl LabState {
    /// The contents of `lab.env`.
    pub fn env_file_text(&self) -> String {
        format!(
            "# Written by birdhouse-lab: the MSP front of a running lab. Servers: {STATE_FILE}.\n\
             NETBIRD_API_URL={}\nNETBIRD_API_TOKEN={}\n",
            self.front.url, self.front.token
        )
    }

    /// Writes `lab.json` and `lab.env` into `dir`, each atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).expect("invariant: state serialises");
        write_atomic(&dir.join(STATE_FILE), &(json + "\n"))?;
        write_atomic(&dir.join(ENV_FILE), &self.env_file_text())
    }

    /// Reads `lab.json` from `dir`; `None` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(STATE_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let state =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Ok(Some(state))
    }

    /// Removes `lab.json` and `lab.env` from `dir`, if present.
    pub fn remove(dir: &Path) -> Result<()> {
        for name in [STATE_FILE, ENV_FILE] {
            match fs::remove_file(dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("removing {name}"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Writes `text` to a sibling temporary file, then renames it over `path`, so a reader never
/// sees half a file.
fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming into {}", path.display()))
}
