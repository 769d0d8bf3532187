//! Finding and stopping the lab's own processes by pid, and nothing else.
//!
//! A pid in a state file may have been reused by an unrelated process since the lab wrote it,
//! so before signalling, the process's command line (`/proc/<pid>/cmdline`) must still contain
//! what the lab started it with: the daemon's `serve` and lab directory, a server's config path.

use std::path::Path;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

/// The command-line arguments of `pid`; `None` when it is gone or a zombie.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state letter follows the parenthesised command name, which may contain spaces.
    let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect(),
    )
}

/// True when `pid` runs and its command line contains every one of `needles` (as substrings
/// of some argument).
pub fn is_ours(pid: u32, needles: &[&str]) -> bool {
    cmdline(pid).is_some_and(|args| needles.iter().all(|n| args.iter().any(|a| a.contains(n))))
}

/// True when `pid` runs the lab daemon for `dir`.
pub fn is_lab_daemon(pid: u32, dir: &Path) -> bool {
    is_ours(pid, &["birdhouse-lab", "serve", &dir.to_string_lossy()])
}

/// True when `pid` runs the NetBird server whose directory is `data_dir`.
pub fn is_lab_server(pid: u32, data_dir: &Path) -> bool {
    is_ours(
        pid,
        &["--config", &data_dir.join("config.yaml").to_string_lossy()],
    )
}

/// Sends SIGTERM (or SIGKILL when `force`) to `pid`.
pub fn signal(pid: u32, force: bool) -> std::io::Result<()> {
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| std::io::Error::other("not a valid pid"))?;
    kill_process(pid, if force { Signal::KILL } else { Signal::TERM }).map_err(Into::into)
}

/// Waits until `pid` is gone (or a zombie), up to `timeout`; true when it went.
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while cmdline(pid).is_some() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{cmdline, is_ours};

    #[test]
    fn reads_its_own_command_line() {
        let me = std::process::id();
        let args = cmdline(me).expect("this process runs");
        assert!(!args.is_empty());
        assert!(is_ours(me, &[&args[0]]));
        assert!(!is_ours(me, &["no-such-argument-anywhere-7f3a"]));
    }
}
