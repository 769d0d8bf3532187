//! The `birdhouse-lab` command: `build`, `up`, `down`, `status` (and the hidden `serve`), and
//! `synthetic`, the in-memory backend for scale benchmarks (not NetBird; see `synthetic`).
//!
//! `up` returns once the lab is ready but the lab must keep running, so `up` starts a detached
//! `birdhouse-lab serve` process (its own process group, log in `<dir>/lab.log`) and waits for
//! it to write `<dir>/lab.json`. That daemon owns every NetBird server: servers exit when it
//! does, whatever way it ends. `down` signals it by the pid in `lab.json`, after checking the
//! pid still runs the daemon for that directory. stdout carries only what was asked for (the
//! env file, the binary path, the status); progress goes to stderr.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::lab::{LabOptions, PeerSpec, TenantSpec, run_daemon};
use crate::msp::rate_limit::RateLimit;
use crate::process;
use crate::server_binary;
use crate::state::{ENV_FILE, LabState, STATE_FILE};

/// How long `up` waits for the daemon to be ready (a first run builds the server first, in
/// `up` itself, so this covers only starting and bootstrapping servers).
const UP_DEADLINE: Duration = Duration::from_mins(5);
/// How long `down` waits for the daemon to stop its servers before killing it.
const DOWN_DEADLINE: Duration = Duration::from_secs(30);
const LOG_FILE: &str = "lab.log";

/// Real NetBird servers behind an emulated MSP front, for birdhouse's tests and demo.
#[derive(Debug, Parser)]
#[command(name = "birdhouse-lab", version)]
struct Cli {
    #[command(subcommand)]
    command: LabCommand,
}

#[derive(Debug, Subcommand)]
enum LabCommand {
    /// Build (or find in the cache) the NetBird server binary and print its path.
    Build,
    /// Start a lab in the background; returns when it is ready and prints its env file.
    Up(UpArgs),
    /// Stop the lab of a directory: its daemon and servers, and nothing else.
    Down(DirArg),
    /// Print the env file and the servers of the running lab.
    Status(DirArg),
    /// Run a lab in the foreground until SIGTERM (what `up` starts).
    #[command(hide = true)]
    Serve(UpArgs),
    /// Serve the synthetic backend (in memory, not NetBird) for scale benchmarks, in the
    /// foreground until SIGTERM; prints the env file once ready.
    Synthetic(SyntheticArgs),
}

/// `birdhouse-lab synthetic`.
#[derive(Debug, Clone, Args)]
struct SyntheticArgs {
    /// Tenants, named tenant-1..N with domains tenant-N.synthetic.example
    #[arg(long, default_value_t = 100)]
    tenants: usize,
    /// Objects per tenant (groups, setup keys, users, networks with resources and routers,
    /// policies)
    #[arg(long, default_value_t = 100)]
    objects: usize,
    /// Wait before answering each API request, in milliseconds
    #[arg(long, default_value_t = 5)]
    latency_ms: u64,
    /// Per-token rate limit: requests per minute (off unless given)
    #[arg(long, requires = "rate_limit_burst")]
    rate_limit_rpm: Option<u32>,
    /// Per-token rate limit: bucket size
    #[arg(long, requires = "rate_limit_rpm")]
    rate_limit_burst: Option<u32>,
    /// Port on 127.0.0.1 (0: any free port)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to write the env file [default: .lab/synthetic.env in the repository root]
    #[arg(long)]
    env_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
struct DirArg {
    /// Lab directory (state files, server data, log) [default: .lab in the repository root]
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
struct UpArgs {
    #[command(flatten)]
    dir: DirArg,
    /// Number of tenants, named tenant-1..N with domains tenant-N.lab.example
    #[arg(long)]
    tenants: Option<usize>,
    /// A tenant as NAME=DOMAIN (repeatable); replaces the numbered tenants
    #[arg(long = "tenant", value_name = "NAME=DOMAIN", value_parser = parse_tenant)]
    tenant: Vec<TenantSpec>,
    /// A peer to enrol as TENANT=HOSTNAME (repeatable), registered the way an agent with a
    /// setup key registers (never online)
    #[arg(long = "peer", value_name = "TENANT=HOSTNAME", value_parser = parse_peer)]
    peer: Vec<PeerSpec>,
    /// A group to make in the MSP's own account (repeatable), for a tenant's `msp_access`
    #[arg(long = "msp-group", value_name = "NAME")]
    msp_group: Vec<String>,
    /// Servers started in advance for tenant creation
    #[arg(long, default_value_t = 1)]
    spares: usize,
    /// Per-token rate limit of the front: requests per minute (off unless given)
    #[arg(long, requires = "rate_limit_burst")]
    rate_limit_rpm: Option<u32>,
    /// Per-token rate limit of the front: bucket size
    #[arg(long, requires = "rate_limit_rpm")]
    rate_limit_burst: Option<u32>,
}

impl UpArgs {
    fn options(&self) -> Result<LabOptions> {
        let tenants = match (self.tenants, self.tenant.is_empty()) {
            (Some(n), false) if n != self.tenant.len() => {
                bail!(
                    "--tenants {n} disagrees with the {} --tenant options",
                    self.tenant.len()
                )
            }
            (_, false) => self.tenant.clone(),
            (n, true) => (1..=n.unwrap_or(2)).map(TenantSpec::numbered).collect(),
        };
        let rate_limit = match (self.rate_limit_rpm, self.rate_limit_burst) {
            (Some(requests_per_minute), Some(burst)) => Some(RateLimit {
                requests_per_minute,
                burst,
            }),
            _ => None,
        };
        Ok(LabOptions {
            tenants,
            spares: self.spares,
            rate_limit,
            dir: Some(lab_dir(&self.dir)?),
            peers: self.peer.clone(),
            msp_groups: self.msp_group.clone(),
            activity_log_off: false,
        })
    }

    /// The same arguments for the `serve` child, with the directory made absolute.
    fn serve_args(&self, dir: &Path) -> Vec<String> {
        let mut args = vec![
            "serve".to_owned(),
            "--dir".to_owned(),
            dir.display().to_string(),
        ];
        let options = self.options().expect("invariant: checked by the caller");
        for t in options.tenants {
            args.push(format!("--tenant={}={}", t.name, t.domain));
        }
        for p in options.peers {
            args.push(format!("--peer={}={}", p.tenant, p.hostname));
        }
        for g in options.msp_groups {
            args.push(format!("--msp-group={g}"));
        }
        args.push(format!("--spares={}", self.spares));
        if let Some(limit) = options.rate_limit {
            args.push(format!("--rate-limit-rpm={}", limit.requests_per_minute));
            args.push(format!("--rate-limit-burst={}", limit.burst));
        }
        args
    }
}

fn parse_tenant(text: &str) -> Result<TenantSpec, String> {
    match text.split_once('=') {
        Some((name, domain)) if !name.is_empty() && !domain.is_empty() => Ok(TenantSpec {
            name: name.to_owned(),
            domain: domain.to_owned(),
        }),
        _ => Err(format!("expected NAME=DOMAIN, got {text:?}")),
    }
}

fn parse_peer(text: &str) -> Result<PeerSpec, String> {
    match text.rsplit_once('=') {
        Some((tenant, hostname)) if !tenant.is_empty() && !hostname.is_empty() => Ok(PeerSpec {
            tenant: tenant.to_owned(),
            hostname: hostname.to_owned(),
        }),
        _ => Err(format!("expected TENANT=HOSTNAME, got {text:?}")),
    }
}

/// The lab directory, absolute (the daemon's command line names it, and `down` checks that).
fn lab_dir(arg: &DirArg) -> Result<PathBuf> {
    let dir = match &arg.dir {
        Some(dir) => dir.clone(),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("invariant: lab/ sits in the repository root")
            .join(".lab"),
    };
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    dir.canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))
}

/// Parses the command line and runs the command; the binary's whole `main`.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        LabCommand::Build => build(),
        LabCommand::Up(args) => up(&args),
        LabCommand::Down(args) => down(&args),
        LabCommand::Status(args) => status(&args),
        LabCommand::Serve(args) => serve(&args),
        LabCommand::Synthetic(args) => synthetic(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("birdhouse-lab: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn progress(line: &str) {
    eprintln!("birdhouse-lab: {line}");
}

fn build() -> Result<()> {
    let binary = server_binary::ensure_built(&progress)?;
    println!("{}", binary.display());
    Ok(())
}

fn up(args: &UpArgs) -> Result<()> {
    let started = Instant::now();
    args.options()?;
    let dir = lab_dir(&args.dir)?;
    if let Some(state) = LabState::read(&dir)? {
        if process::is_lab_daemon(state.front.pid, &dir) {
            bail!(
                "a lab is already running in {} (pid {}); run `birdhouse-lab down` first",
                dir.display(),
                state.front.pid
            );
        }
        progress("removing the state of a lab that is no longer running");
        stop_leftover_servers(&state);
        LabState::remove(&dir)?;
    }
    // Build here, in the foreground, so a first run shows its progress on this terminal.
    let binary = server_binary::ensure_built(&progress)?;
    progress(&format!("NetBird server {}", binary.display()));

    let log_path = dir.join(LOG_FILE);
    let log =
        fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let mut daemon = Command::new(std::env::current_exe()?)
        .args(args.serve_args(&dir))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("starting the lab daemon")?;
    let pid = daemon.id();

    let mut log_reader = BufReader::new(fs::File::open(&log_path)?);
    let deadline = Instant::now() + UP_DEADLINE;
    loop {
        echo_new_lines(&mut log_reader);
        if let Some(state) = LabState::read(&dir)?
            && state.front.pid == pid
        {
            echo_new_lines(&mut log_reader);
            progress(&format!(
                "lab ready in {:.1}s: {} tenants, front {}, daemon pid {pid}; stop it with \
                 `birdhouse-lab down`",
                started.elapsed().as_secs_f64(),
                state
                    .servers
                    .iter()
                    .filter(|s| s.role == crate::Role::Tenant)
                    .count(),
                state.front.url,
            ));
            progress(&format!("env file {}", dir.join(ENV_FILE).display()));
            print!("{}", state.env_file_text());
            return Ok(());
        }
        if let Some(exit) = daemon.try_wait()? {
            echo_new_lines(&mut log_reader);
            bail!(
                "the lab daemon exited before it was ready ({exit}); log {}",
                log_path.display()
            );
        }
        if Instant::now() > deadline {
            let _ = process::signal(pid, false);
            bail!(
                "the lab was not ready after {}s; log {}",
                UP_DEADLINE.as_secs(),
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Copies lines the daemon appended to its log onto stderr.
fn echo_new_lines(reader: &mut BufReader<fs::File>) {
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        if !line.ends_with('\n') {
            // A half-written line: read it again, whole, next time.
            let _ = reader.seek_relative(-i64::try_from(line.len()).unwrap_or(0));
            break;
        }
        eprint!("  | {line}");
        line.clear();
    }
    let _ = std::io::stderr().flush();
}

fn down(args: &DirArg) -> Result<()> {
    let dir = lab_dir(args)?;
    let Some(state) = LabState::read(&dir)? else {
        progress(&format!("no lab is running in {}", dir.display()));
        return Ok(());
    };
    let pid = state.front.pid;
    if process::is_lab_daemon(pid, &dir) {
        process::signal(pid, false).context("signalling the lab daemon")?;
        if !process::wait_gone(pid, DOWN_DEADLINE) {
            progress(&format!(
                "the daemon (pid {pid}) did not stop in time; killing it"
            ));
            let _ = process::signal(pid, true);
            process::wait_gone(pid, Duration::from_secs(5));
        }
    } else {
        progress(&format!("the daemon (pid {pid}) is not running any more"));
    }
    let stopped = stop_leftover_servers(&state);
    let _ = fs::remove_dir_all(dir.join("servers"));
    LabState::remove(&dir)?;
    progress(&format!(
        "stopped the lab in {} ({} servers{})",
        dir.display(),
        state.servers.len(),
        if stopped > 0 {
            format!(", {stopped} of them killed directly")
        } else {
            String::new()
        }
    ));
    Ok(())
}

/// Kills servers of `state` that still run (normally none: they exit with their daemon).
fn stop_leftover_servers(state: &LabState) -> usize {
    let mut killed = 0;
    for server in &state.servers {
        if process::is_lab_server(server.pid, &server.data_dir) {
            if process::signal(server.pid, true).is_ok() {
                killed += 1;
            }
            process::wait_gone(server.pid, Duration::from_secs(5));
        }
    }
    killed
}

fn status(args: &DirArg) -> Result<()> {
    let dir = lab_dir(args)?;
    let Some(state) = LabState::read(&dir)? else {
        bail!("no lab is running in {}", dir.display());
    };
    let alive = |running: bool| if running { "running" } else { "GONE" };
    println!("# {}", dir.join(ENV_FILE).display());
    print!("{}", state.env_file_text());
    println!("# {} (PATs there)", dir.join(STATE_FILE).display());
    println!(
        "front   {}  pid {} {}  rate limit {}",
        state.front.url,
        state.front.pid,
        alive(process::is_lab_daemon(state.front.pid, &dir)),
        state.front.rate_limit.map_or("off".to_owned(), |l| format!(
            "{} rpm, burst {}",
            l.requests_per_minute, l.burst
        )),
    );
    for s in &state.servers {
        println!(
            "{:<7} {:<12} {:<24} {:<22} {}  pid {} {}",
            format!("{:?}", s.role).to_lowercase(),
            s.name,
            s.domain,
            s.account_id,
            s.url,
            s.pid,
            alive(process::is_lab_server(s.pid, &s.data_dir)),
        );
    }
    Ok(())
}

fn serve(args: &UpArgs) -> Result<()> {
    let options = args.options()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run_daemon(options))
}

fn synthetic(args: &SyntheticArgs) -> Result<()> {
    let env_file = match &args.env_file {
        Some(path) => path.clone(),
        None => lab_dir(&DirArg { dir: None })?.join("synthetic.env"),
    };
    let options = crate::synthetic::SyntheticOptions {
        tenants: args.tenants,
        objects: args.objects,
        latency: Duration::from_millis(args.latency_ms),
        rate_limit: args.rate_limit_rpm.zip(args.rate_limit_burst).map(
            |(requests_per_minute, burst)| RateLimit {
                requests_per_minute,
                burst,
            },
        ),
        port: args.port,
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(crate::synthetic::run(options, &env_file))
}
