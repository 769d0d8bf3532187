//! Build NetBird's combined server at the pinned release, once per machine.
//!
//! The Go module in `lab/netbird-server/` is the recipe; the binary is cached outside the
//! repository under a directory named after the release and a hash of the recipe files, so a
//! changed `main.go` or `go.sum` builds anew while every other run starts at once. A cold build
//! compiles about a thousand Go packages (minutes on a small machine), so progress is reported
//! while it runs. Concurrent builders (two test binaries, `up` and a test) take a file lock.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// The NetBird release the lab runs; `lab/netbird-server/go.mod` pins the same one.
pub const NETBIRD_VERSION: &str = "v0.77.1";

/// The files whose content decides what gets built; their hash names the cache directory.
const RECIPE_FILES: [&str; 4] = ["enrol.go", "go.mod", "go.sum", "main.go"];

const BINARY_NAME: &str = "netbird-server";

/// How often a silent build says it is still alive.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(15);

/// The Go module that builds the server (`lab/netbird-server/`).
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("netbird-server")
}

/// Where built binaries live: `$BIRDHOUSE_LAB_CACHE`, else `$XDG_CACHE_HOME/birdhouse-lab`,
/// else `~/.cache/birdhouse-lab`. Outside the repository so `cargo clean` and fresh clones
/// keep it.
pub fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("BIRDHOUSE_LAB_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("birdhouse-lab"));
    }
    let home = std::env::var_os("HOME").context("neither HOME nor XDG_CACHE_HOME is set")?;
    Ok(PathBuf::from(home).join(".cache").join("birdhouse-lab"))
}

/// The path the binary for the current recipe has (or will have) in the cache.
pub fn cached_path() -> Result<PathBuf> {
    let hash = recipe_hash(&source_dir())?;
    Ok(cache_root()?
        .join(format!("{BINARY_NAME}-{NETBIRD_VERSION}-{hash}"))
        .join(BINARY_NAME))
}

/// First 12 hex digits of SHA-256 over the recipe files, each prefixed by its name.
fn recipe_hash(dir: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    for name in RECIPE_FILES {
        let path = dir.join(name);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(&bytes);
    }
    Ok(hasher.finalize()[..6]
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        }))
}

/// Returns the cached server binary, building it first when it is missing.
///
/// `progress` receives one human-readable line at a time (start, a heartbeat with the number of
/// packages compiled so far, the end); callers print it to stderr.
pub fn ensure_built(progress: &(dyn Fn(&str) + Sync)) -> Result<PathBuf> {
    // One build at a time inside this process, so parallel tests do not start two.
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let _guard = IN_PROCESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);

    let binary = cached_path()?;
    if binary.is_file() {
        return Ok(binary);
    }
    let dir = binary
        .parent()
        .expect("invariant: the cached path has a parent");
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;

    // And one build at a time across processes.
    let lock_path = dir.join("build.lock");
    let lock =
        File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        progress("another process is building the NetBird server; waiting for it");
        lock.lock().context("waiting for the build lock")?;
    }
    if binary.is_file() {
        return Ok(binary);
    }
    build(&binary, progress)?;
    Ok(binary)
}

/// Runs `go build` into a temporary name beside `binary`, then renames it into place, so a
/// half-written file is never mistaken for a finished build.
fn build(binary: &Path, progress: &(dyn Fn(&str) + Sync)) -> Result<()> {
    let source = source_dir();
    let partial = binary.with_extension(format!("partial-{}", std::process::id()));
    let jobs = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    progress(&format!(
        "building NetBird {NETBIRD_VERSION} combined server (first run only, minutes on a small \
         machine) into {}",
        binary.display()
    ));
    let started = Instant::now();
    let mut child = Command::new("go")
        .args([
            "build",
            "-p",
            &jobs.to_string(),
            "-v",
            "-trimpath",
            "-buildvcs=false",
            "-o",
        ])
        .arg(&partial)
        .arg(".")
        .current_dir(&source)
        .env("CGO_ENABLED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("running `go build` (the lab needs Go >= 1.25 and a C compiler for sqlite)")?;

    // `go build -v` names each package as it compiles it: count them for the heartbeat and
    // keep the tail for the error message.
    let compiled = Arc::new(Mutex::new((0usize, Vec::<String>::new())));
    let stderr = child.stderr.take().expect("invariant: stderr is piped");
    let reader = {
        let compiled = Arc::clone(&compiled);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut state = compiled
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                state.0 += 1;
                state.1.push(line);
                if state.1.len() > 40 {
                    state.1.remove(0);
                }
            }
        })
    };
    let mut last_report = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for `go build`")? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(200));
        if last_report.elapsed() >= PROGRESS_INTERVAL {
            last_report = Instant::now();
            let count = compiled
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
            progress(&format!(
                "still building... {count} packages compiled, {}s elapsed",
                started.elapsed().as_secs()
            ));
        }
    };
    reader.join().ok();
    if !status.success() {
        let _ = fs::remove_file(&partial);
        let tail = compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
            .join("\n");
        bail!("`go build` of the NetBird server failed ({status}); last output:\n{tail}");
    }
    fs::rename(&partial, binary).with_context(|| format!("moving into {}", binary.display()))?;
    progress(&format!(
        "built the NetBird server in {}s",
        started.elapsed().as_secs()
    ));
    Ok(())
}
