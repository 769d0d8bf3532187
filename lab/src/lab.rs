//! Starting and stopping a whole lab: servers, front, state files.
//!
//! [`Lab::start`] is the entry point for Rust tests: it runs the lab on its own thread and
//! runtime, so it works from plain `#[test]` and `#[tokio::test]` alike, and dropping the
//! [`Lab`] stops everything it started. [`run_daemon`] is the same lab for `birdhouse-lab up`:
//! it writes the state files and runs until SIGTERM or SIGINT.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::fixtures;
use crate::fleet::Fleet;
use crate::msp::Front;
use crate::msp::rate_limit::RateLimit;
use crate::msp::stats::Stats;
use crate::msp::tenants::{Tenant, TenantList};
use crate::server_binary::{self, NETBIRD_VERSION};
use crate::state::{FrontRecord, LabState, Role, ServerRecord};
use crate::token::MspToken;

/// A tenant to create at start: its name and domain in the MSP list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSpec {
    /// Tenant name.
    pub name: String,
    /// Tenant domain.
    pub domain: String,
}

impl TenantSpec {
    /// `tenant-<n>` with domain `tenant-<n>.lab.example`.
    pub fn numbered(n: usize) -> Self {
        Self {
            name: format!("tenant-{n}"),
            domain: format!("tenant-{n}.lab.example"),
        }
    }
}

/// A peer to enrol at start: the tenant it joins (by the tenant's name) and its hostname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSpec {
    /// The tenant's name, as in [`TenantSpec::name`].
    pub tenant: String,
    /// The peer's hostname, which NetBird makes its name.
    pub hostname: String,
}

/// What to start.
#[derive(Debug, Clone)]
pub struct LabOptions {
    /// The tenants listed from the start, one server each.
    pub tenants: Vec<TenantSpec>,
    /// Servers kept started in advance for `POST .../tenants`.
    pub spares: usize,
    /// The per-token rate limit of the front; `None` (the default) is off.
    pub rate_limit: Option<RateLimit>,
    /// Where server directories (and, for the daemon, the state files) go. `None`: a fresh
    /// directory under the system temp dir, removed when the lab stops.
    pub dir: Option<PathBuf>,
    /// Peers registered in their tenants before the lab is ready.
    pub peers: Vec<PeerSpec>,
    /// Groups made in the MSP's own account before the lab is ready (the groups an MSP names
    /// in a tenant's `msp_access`).
    pub msp_groups: Vec<String>,
    /// Start every server with its audit log off (`NB_EVENT_ACTIVITY_LOG_ENABLED=false`): it
    /// stores no event, and its log stays empty.
    pub activity_log_off: bool,
}

impl Default for LabOptions {
    /// No tenants, one spare, no rate limit, a temporary directory, nothing enrolled.
    fn default() -> Self {
        Self {
            tenants: Vec::new(),
            spares: 1,
            rate_limit: None,
            dir: None,
            peers: Vec::new(),
            msp_groups: Vec::new(),
            activity_log_off: false,
        }
    }
}

impl LabOptions {
    /// `n` numbered tenants, one spare, no rate limit, a temporary directory.
    pub fn with_tenants(n: usize) -> Self {
        Self {
            tenants: (1..=n).map(TenantSpec::numbered).collect(),
            ..Self::default()
        }
    }
}

/// A lab running on the current runtime.
struct Running {
    front: Arc<Front>,
    fleet: Arc<Fleet>,
    url: String,
    dir: PathBuf,
    owns_dir: bool,
    tasks: JoinSet<()>,
}

impl Running {
    /// Builds the binary if needed, starts every server concurrently, then the front.
    async fn start(options: LabOptions) -> Result<Self> {
        let binary = tokio::task::spawn_blocking(|| {
            server_binary::ensure_built(&|line| eprintln!("birdhouse-lab: {line}"))
        })
        .await
        .context("the build task panicked")??;
        let (dir, owns_dir) = match options.dir {
            Some(dir) => (dir, false),
            None => (fresh_temp_dir()?, true),
        };
        let servers_dir = dir.join("servers");
        if servers_dir.exists() {
            std::fs::remove_dir_all(&servers_dir)
                .with_context(|| format!("clearing {}", servers_dir.display()))?;
        }
        let fleet = Fleet::new(
            binary,
            servers_dir,
            options.spares,
            options.activity_log_off,
        );

        // MSP first, then the tenants, then the spares; all start at once.
        let wanted = 1 + options.tenants.len() + options.spares;
        let mut launches = JoinSet::new();
        for slot in 0..wanted {
            let fleet = Arc::clone(&fleet);
            launches.spawn(async move { (slot, fleet.launch().await) });
        }
        let mut records: Vec<Option<ServerRecord>> = vec![None; wanted];
        let mut failure = None;
        while let Some(joined) = launches.join_next().await {
            match joined.context("a server start task panicked") {
                Ok((slot, Ok(record))) => records[slot] = Some(record),
                Ok((_, Err(e))) | Err(e) => failure = failure.or(Some(e)),
            }
        }
        if let Some(e) = failure {
            return Err(Self::abandon(
                &fleet,
                &dir,
                owns_dir,
                e,
                "starting the lab's NetBird servers",
            )
            .await);
        }
        let mut records = records
            .into_iter()
            .map(|r| r.expect("invariant: no failure"));

        let mut msp = records
            .next()
            .expect("invariant: the MSP server was started");
        msp.role = Role::Msp;
        "msp".clone_into(&mut msp.name);
        "msp.lab.example".clone_into(&mut msp.domain);
        let tenant_servers: Vec<(TenantSpec, ServerRecord)> =
            options.tenants.into_iter().zip(records.by_ref()).collect();
        if let Err(e) =
            fixtures::seed(&msp, &tenant_servers, options.peers, options.msp_groups).await
        {
            return Err(Self::abandon(
                &fleet,
                &dir,
                owns_dir,
                e,
                "enrolling the lab's peers and MSP groups",
            )
            .await);
        }

        let mut tenants = TenantList::default();
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        for (spec, server) in tenant_servers {
            tenants.add(server, spec.name, spec.domain, Vec::new(), &now);
        }
        fleet.add_spares(records);

        let front = Front::new(
            MspToken::generate(),
            msp,
            tenants,
            Arc::clone(&fleet),
            options.rate_limit,
        );
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("binding the front")?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut tasks = JoinSet::new();
        tasks.spawn(Arc::clone(&front).serve(listener));
        Ok(Self {
            front,
            fleet,
            url,
            dir,
            owns_dir,
            tasks,
        })
    }

    /// Stops what a failed start began and says what failed.
    async fn abandon(
        fleet: &Fleet,
        dir: &Path,
        owns_dir: bool,
        error: anyhow::Error,
        doing: &'static str,
    ) -> anyhow::Error {
        fleet.shutdown().await;
        if owns_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        error.context(doing)
    }

    /// The state as `lab.json` records it.
    fn state(&self) -> LabState {
        state_of(&self.front, &self.fleet, &self.url)
    }

    /// Rewrites the state files in `self.dir` now and whenever the servers change.
    fn keep_state_files_written(&mut self) -> Result<()> {
        self.state().write(&self.dir)?;
        let (front, fleet, url, dir) = (
            Arc::clone(&self.front),
            Arc::clone(&self.fleet),
            self.url.clone(),
            self.dir.clone(),
        );
        let changed = fleet.changed();
        self.tasks.spawn(async move {
            loop {
                changed.notified().await;
                if let Err(e) = state_of(&front, &fleet, &url).write(&dir) {
                    eprintln!("birdhouse-lab: {e:#}");
                }
            }
        });
        Ok(())
    }

    /// Stops the front and every server; removes what the lab created.
    async fn shutdown(mut self) {
        self.tasks.shutdown().await;
        self.fleet.shutdown().await;
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn state_of(front: &Front, fleet: &Fleet, url: &str) -> LabState {
    let mut servers = vec![front.msp().clone()];
    servers.extend(front.tenants().into_iter().map(|t| t.server));
    servers.extend(fleet.spares().into_iter().map(|mut s| {
        s.role = Role::Spare;
        s
    }));
    LabState {
        version: crate::state::STATE_VERSION,
        netbird_version: NETBIRD_VERSION.to_owned(),
        binary: server_binary::cached_path().unwrap_or_default(),
        front: FrontRecord {
            url: url.to_owned(),
            token: front.token().expose().to_owned(),
            pid: std::process::id(),
            rate_limit: front.rate_limit(),
        },
        servers,
    }
}

/// A directory under the system temp dir that no other lab of this process uses.
fn fresh_temp_dir() -> Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("birdhouse-lab-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// A running lab for tests. Dropping it stops every process it started and removes its
/// directory (when it made one).
pub struct Lab {
    front: Arc<Front>,
    url: String,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Lab {
    /// Starts a lab and returns once every server is bootstrapped and the front listens.
    /// Builds the NetBird server first if the cache has none (minutes, once per machine).
    pub fn start(options: LabOptions) -> Result<Self> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("birdhouse-lab".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow::Error::from(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Running::start(options).await {
                        Ok(running) => {
                            let handles = (
                                Arc::clone(&running.front),
                                running.url.clone(),
                                running.dir.clone(),
                            );
                            if ready_tx.send(Ok(handles)).is_ok() {
                                let _ = stop_rx.await;
                            }
                            running.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (front, url, dir) = ready_rx
            .recv()
            .context("the lab thread died while starting")??;
        Ok(Self {
            front,
            url,
            dir,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Base URL of the MSP front, e.g. `http://127.0.0.1:41234`: birdhouse's `NETBIRD_API_URL`.
    pub fn base_url(&self) -> &str {
        &self.url
    }

    /// The one token the front accepts: birdhouse's `NETBIRD_API_TOKEN`.
    pub fn token(&self) -> &MspToken {
        self.front.token()
    }

    /// The MSP's own server (where requests without a known `?account=` land).
    pub fn msp(&self) -> &ServerRecord {
        self.front.msp()
    }

    /// Every tenant's server, in creation order (tenants created through the front included).
    pub fn tenants(&self) -> Vec<ServerRecord> {
        self.front
            .tenants()
            .into_iter()
            .map(|t: Tenant| t.server)
            .collect()
    }

    /// The tenant named `name`.
    pub fn tenant(&self, name: &str) -> Option<ServerRecord> {
        self.tenants().into_iter().find(|t| t.name == name)
    }

    /// The lab's directory (server directories are under `servers/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The front's call counters.
    pub fn stats(&self) -> Stats {
        self.front.stats()
    }

    /// Zeroes the front's call counters.
    pub fn reset_stats(&self) {
        self.front.reset_stats();
    }

    /// Delays every write the front forwards to a server (zero: none), like a slow proxy.
    pub fn set_write_delay(&self, delay: std::time::Duration) {
        self.front.set_write_delay(delay);
    }

    /// Changes the front's rate limit (`None`: off); every bucket starts full.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.front.set_rate_limit(limit);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs a lab in this process until SIGTERM or SIGINT, keeping `lab.json` and `lab.env` in
/// `options.dir` current; removes them and every server on the way out.
pub async fn run_daemon(options: LabOptions) -> Result<()> {
    let dir = options
        .dir
        .clone()
        .context("the daemon needs a lab directory")?;
    let mut running = Running::start(options).await?;
    running.keep_state_files_written()?;
    eprintln!(
        "birdhouse-lab: ready: front {} (pid {})",
        running.url,
        std::process::id()
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    eprintln!("birdhouse-lab: stopping");
    running.shutdown().await;
    LabState::remove(&dir)?;
    eprintln!("birdhouse-lab: stopped");
    Ok(())
}
