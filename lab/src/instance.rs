//! One real NetBird server: configure it, start it, wait until it answers, bootstrap it.
//!
//! Each server gets its own directory (config, log, sqlite files), its own four ports and a
//! clean environment, so servers never see each other or the caller's `NB_*` variables. Its
//! stdin is a pipe the lab never writes to: the lab's `main.go` exits when that pipe closes,
//! so a server cannot outlive the process that started it, however that process ends.
//! Readiness is a condition (`GET /api/instance` answers 200), polled with a deadline.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_json::json;
use tokio::process::{Child, ChildStdin, Command};

use crate::ports::ServerPorts;
use crate::state::{Role, ServerRecord};
use crate::token::random_base62;

/// How long a server may take from spawn to answering `GET /api/instance`. NetBird's own e2e
/// harness allows 120 s; a loaded two-core machine starting several servers needs some of it.
const READY_DEADLINE: Duration = Duration::from_mins(2);
/// Attempts with fresh ports when a server exits before it is ready (a port taken meanwhile).
const START_ATTEMPTS: usize = 3;
/// Days the setup PAT stays valid: NetBird's maximum, longer than any lab lives.
const PAT_EXPIRE_IN_DAYS: u32 = 365;

/// A running, bootstrapped NetBird server owned by this process.
pub struct Instance {
    /// How the server is recorded in the state file.
    pub record: ServerRecord,
    child: Child,
    /// Held, never written: dropping it tells the server to exit (see the module docs).
    _stdin: ChildStdin,
}

impl Instance {
    /// Starts a server in `dir` (created, must not hold another server) and bootstraps it.
    /// The record has role [`Role::Spare`] and no name; the caller assigns those.
    pub async fn launch(
        binary: &Path,
        dir: PathBuf,
        http: &reqwest::Client,
        activity_log_off: bool,
    ) -> Result<Self> {
        let mut last_error = None;
        for attempt in 1..=START_ATTEMPTS {
            if dir.exists() {
                fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
            }
            match Self::launch_once(binary, &dir, http, activity_log_off).await {
                Ok(instance) => return Ok(instance),
                Err(e) if e.is::<ExitedEarly>() && attempt < START_ATTEMPTS => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.expect("invariant: the loop ran at least once"))
    }

    async fn launch_once(
        binary: &Path,
        dir: &Path,
        http: &reqwest::Client,
        activity_log_off: bool,
    ) -> Result<Self> {
        let mut instance = Self::start(binary, dir, http, true, activity_log_off).await?;
        let url = instance.record.url.clone();
        instance.record.pat = setup(http, &url).await?;
        instance.record.account_id = account_id(http, &url, &instance.record.pat).await?;
        Ok(instance)
    }

    /// Starts a server and waits until it answers, without running its first-time setup: for
    /// testing `birdhouse bootstrap` against a fresh server. `setup_pat_enabled` sets
    /// `NB_SETUP_PAT_ENABLED`. The record's `pat` and `account_id` stay empty.
    pub async fn launch_fresh(
        binary: &Path,
        dir: PathBuf,
        http: &reqwest::Client,
        setup_pat_enabled: bool,
    ) -> Result<Self> {
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        Self::start(binary, &dir, http, setup_pat_enabled, false).await
    }

    /// `activity_log_off` starts the server with `NB_EVENT_ACTIVITY_LOG_ENABLED=false`: it then
    /// stores no audit event.
    async fn start(
        binary: &Path,
        dir: &Path,
        http: &reqwest::Client,
        setup_pat_enabled: bool,
        activity_log_off: bool,
    ) -> Result<Self> {
        let data = dir.join("data");
        fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
        let ports = ServerPorts::pick()?;
        let config = dir.join("config.yaml");
        fs::write(&config, config_yaml(ports, &data))
            .with_context(|| format!("writing {}", config.display()))?;
        let log_path = dir.join("server.log");
        let log = fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;

        let mut child = Command::new(binary)
            .arg("--config")
            .arg(&config)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env(
                "NB_SETUP_PAT_ENABLED",
                if setup_pat_enabled { "true" } else { "false" },
            )
            .env("NB_DISABLE_GEOLOCATION", "true")
            .env(
                "NB_EVENT_ACTIVITY_LOG_ENABLED",
                if activity_log_off { "false" } else { "true" },
            )
            .env("BIRDHOUSE_LAB_EXIT_ON_STDIN_EOF", "1")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdin = child.stdin.take().expect("invariant: stdin is piped");
        let pid = child.id().context("the server exited at once")?;
        let url = format!("http://127.0.0.1:{}", ports.listen);

        wait_ready(&mut child, http, &url, &log_path).await?;
        Ok(Self {
            record: ServerRecord {
                role: Role::Spare,
                name: String::new(),
                domain: String::new(),
                account_id: String::new(),
                url,
                port: ports.listen,
                pat: String::new(),
                pid,
                data_dir: dir.to_path_buf(),
            },
            child,
            _stdin: stdin,
        })
    }

    /// Kills the server, waits for it, and removes its directory.
    pub async fn stop(mut self) -> Result<()> {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        match fs::remove_dir_all(&self.record.data_dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing {}", self.record.data_dir.display()))
            }
            _ => Ok(()),
        }
    }
}

/// The server exited before it was ready; retrying with fresh ports may help.
#[derive(Debug)]
struct ExitedEarly(String);

impl std::fmt::Display for ExitedEarly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExitedEarly {}

/// The minimal config of a single server with sqlite and plain HTTP on loopback, after
/// NetBird's own e2e harness. `auth.issuer` must name this server's own port: the embedded IdP
/// validates tokens against it.
fn config_yaml(ports: ServerPorts, data: &Path) -> String {
    let ServerPorts {
        listen,
        metrics,
        healthcheck,
        stun,
    } = ports;
    // The relay secret guards only this loopback server's relay; it needs to be set, not secret.
    let relay_secret = random_base62(24);
    format!(
        "server:
  listenAddress: \":{listen}\"
  exposedAddress: \"http://127.0.0.1:{listen}\"
  healthcheckAddress: \"127.0.0.1:{healthcheck}\"
  metricsPort: {metrics}
  stunPorts: [{stun}]
  authSecret: \"{relay_secret}\"
  dataDir: \"{data}\"
  disableAnonymousMetrics: true
  disableGeoliteUpdate: true
  logLevel: \"warn\"
  logFile: \"console\"
  auth:
    issuer: \"http://127.0.0.1:{listen}/oauth2\"
  store:
    engine: \"sqlite\"
",
        data = data.display()
    )
}

/// Polls `GET /api/instance` until it answers 200, the server exits, or the deadline passes.
async fn wait_ready(
    child: &mut Child,
    http: &reqwest::Client,
    url: &str,
    log: &Path,
) -> Result<()> {
    let deadline = Instant::now() + READY_DEADLINE;
    let probe = format!("{url}/api/instance");
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(anyhow!(ExitedEarly(format!(
                "NetBird server exited before it was ready ({status}); log {}:\n{}",
                log.display(),
                log_tail(log)
            ))));
        }
        if let Ok(response) = http.get(&probe).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "NetBird server at {url} not ready after {}s; log {}:\n{}",
                READY_DEADLINE.as_secs(),
                log.display(),
                log_tail(log)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The last lines of a server log, for error messages.
fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[derive(Deserialize)]
struct SetupResponse {
    personal_access_token: Option<String>,
}

/// `POST /api/setup` with `create_pat`: creates the owner and returns its PAT.
async fn setup(http: &reqwest::Client, url: &str) -> Result<String> {
    let body = json!({
        "email": "owner@lab.example",
        "name": "Lab Owner",
        "password": random_base62(24),
        "create_pat": true,
        "pat_expire_in": PAT_EXPIRE_IN_DAYS,
    });
    let response = http
        .post(format!("{url}/api/setup"))
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        bail!("POST {url}/api/setup answered {status}: {text}");
    }
    let setup: SetupResponse = response
        .json()
        .await
        .context("parsing the setup response")?;
    setup.personal_access_token.context(
        "POST /api/setup returned no personal_access_token (is NB_SETUP_PAT_ENABLED=true?)",
    )
}

#[derive(Deserialize)]
struct Account {
    id: String,
}

/// The id of the server's only account, from `GET /api/accounts`.
async fn account_id(http: &reqwest::Client, url: &str, pat: &str) -> Result<String> {
    let response = http
        .get(format!("{url}/api/accounts"))
        .header("Authorization", format!("Token {pat}"))
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url}/api/accounts answered {status}");
    }
    let accounts: Vec<Account> = response.json().await.context("parsing GET /api/accounts")?;
    accounts
        .into_iter()
        .next()
        .map(|a| a.id)
        .context("GET /api/accounts returned no account")
}
