//! One writer per tenant. NetBird has no locks or ETags, so two applies on one tenant would
//! both create the same setup keys and policies (names need not be unique) and leave every
//! later plan blocked on duplicates. Before its first write, apply takes the tenant's lock:
//!
//! 1. create a group named `birdhouse-lock <run> <holder>` (its name says who holds it:
//!    host, process, CI job, since when),
//! 2. re-read the tenant (the stale check every apply makes before writing); the lock is held
//!    only when that read shows no other lock group. Otherwise the own lock is removed again and
//!    the tenant is refused, naming the holder; nothing was written.
//! 3. remove the group when the tenant ends, whatever the outcome (done, failed, stale,
//!    interrupted by Ctrl-C or SIGTERM).
//!
//! Why create-then-look instead of relying on the server's 409 for a second group of the same
//! name: that check is a read then an insert without a lock or a unique index (v0.77.1,
//! `validateNewGroup`), so on a Postgres server two concurrent creates can both succeed. Looking
//! after creating is safe on any store: of two applies, the later one to create its lock always
//! sees the earlier one's (the earlier create finished before the earlier look, which saw no
//! other lock, so it finished before the later create). If both look at once, both see two
//! locks and both stand back: no one writes, and the next apply goes through.
//!
//! A lock left by a killed apply names its holder. On the same host, the next apply sees that
//! the process is gone and removes the lock itself; a lock of another host (a lost CI runner)
//! is held until `birdhouse unlock` removes it. Reads set lock groups aside
//! (`LiveTenant::locks`), so plans, export and prune never see them.

use std::fmt;
use std::time::SystemTime;

use crate::api::{ApiError, TenantClient};
use crate::kinds::wire;
use crate::kinds::{LOCK_GROUP_PREFIX, is_lock_group};

/// Who takes a lock: printed in the lock's name so whoever meets it knows whom to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Distinguishes this run's lock from any other, even of the same host and process.
    run: String,
    /// `host ci-7 pid 4242 job https://… since 2026-12-01T08:00:00Z`.
    description: String,
}

impl Holder {
    /// This process: host name, pid, the CI job when there is one, and the time now.
    pub fn this_process() -> Self {
        let host = this_host();
        let job = ci_job()
            .map(|job| format!(" job {job}"))
            .unwrap_or_default();
        let since = humantime::format_rfc3339_seconds(SystemTime::now());
        let description = format!("host {host} pid {}{job} since {since}", std::process::id());
        Self {
            run: format!("{:08x}", fastrand::u32(..)),
            description,
        }
    }

    /// The name of the lock group this holder creates.
    pub fn group_name(&self) -> String {
        format!("{LOCK_GROUP_PREFIX}{} {}", self.run, self.description)
    }
}

/// The CI job running this process, so a lock names the pipeline to look at.
fn ci_job() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(server), Some(repo), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        return Some(format!("{server}/{repo}/actions/runs/{run}"));
    }
    var("CI_JOB_URL")
}

/// Another apply's lock, as found on the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherLock {
    /// The lock group's id.
    pub id: String,
    /// Who holds it (the group's name without the prefix and the run id).
    pub holder: String,
}

impl OtherLock {
    fn from_group(group: &wire::Group) -> Self {
        let rest = group.name.strip_prefix(LOCK_GROUP_PREFIX).unwrap_or("");
        let holder = rest.split_once(' ').map_or(rest, |(_run, holder)| holder);
        Self {
            id: group.id.clone(),
            holder: holder.to_owned(),
        }
    }

    /// Whether the lock was left by a process of this host that no longer runs (an apply
    /// killed with SIGKILL here): such a lock guards nothing, and the next apply on this host
    /// removes it instead of waiting for `birdhouse unlock`. Only provable deaths count: a lock
    /// of another host, or where process liveness cannot be read, is held.
    pub fn is_abandoned_here(&self) -> bool {
        let mut words = self.holder.split(' ');
        let (Some("host"), Some(host), Some("pid"), Some(pid)) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return false;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            return false;
        };
        let procfs = std::path::Path::new("/proc/self");
        host == this_host()
            && pid != std::process::id()
            && procfs.exists()
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
    }
}

/// This machine's host name, as a lock names it.
fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && !h.contains(' '))
        .unwrap_or_else(|| "unknown-host".to_owned())
}

impl fmt::Display for OtherLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (lock group {})", self.holder, self.id)
    }
}

/// A lock this run created on a tenant (held once [`TenantLock::confirm`] passed).
#[derive(Debug)]
pub struct TenantLock {
    group_id: String,
}

impl TenantLock {
    /// Creates the lock group. When the answer is lost, the groups are listed to find it; the
    /// create is not sent again (a second lock of the same run would only have to be removed).
    pub async fn create(client: &TenantClient, holder: &Holder) -> Result<Self, ApiError> {
        let name = holder.group_name();
        let body = crate::kinds::group::request::empty(&name);
        match client.create_group(&body).await {
            Ok(group) => Ok(Self { group_id: group.id }),
            Err(error @ ApiError::OutcomeUnknown { .. }) => {
                let groups = client.list_groups().await?;
                groups
                    .into_iter()
                    .find(|g| g.name == name)
                    .map(|g| Self { group_id: g.id })
                    .ok_or(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Whether the lock is held, given the lock groups a read made after the create saw:
    /// `Err` with the other locks when there are any (the caller releases its own and stops).
    pub fn confirm(&self, locks_seen: &[wire::Group]) -> Result<(), Vec<OtherLock>> {
        let others: Vec<OtherLock> = locks_seen
            .iter()
            .filter(|g| g.id != self.group_id && is_lock_group(&g.name))
            .map(OtherLock::from_group)
            .collect();
        if others.is_empty() {
            Ok(())
        } else {
            Err(others)
        }
    }

    /// Removes the lock group. Its id is returned on failure, for the message that tells how
    /// to remove it by hand.
    pub async fn release(self, client: &TenantClient) -> Result<(), (String, ApiError)> {
        match client.delete_group(&self.group_id).await {
            Ok(()) | Err(ApiError::NotFound { .. }) => Ok(()),
            Err(error) => Err((self.group_id, error)),
        }
    }
}

/// Every lock group of a tenant, for `birdhouse unlock`.
pub fn locks_in(groups: &[wire::Group]) -> Vec<OtherLock> {
    groups
        .iter()
        .filter(|g| is_lock_group(&g.name))
        .map(OtherLock::from_group)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, name: &str) -> wire::Group {
        serde_json::from_value(serde_json::json!({"id": id, "name": name})).unwrap()
    }

    #[test]
    fn the_lock_name_says_who_holds_it_and_reads_back() {
        let holder = Holder::this_process();
        let name = holder.group_name();
        assert!(is_lock_group(&name), "{name}");
        assert!(
            name.contains(&format!("pid {}", std::process::id())),
            "{name}"
        );
        let other = OtherLock::from_group(&group("g9", &name));
        assert!(other.holder.starts_with("host "), "{other}");
        assert!(other.holder.contains(" since "), "{other}");
        assert!(!other.holder.contains(&holder.run), "{other}");
    }

    #[test]
    fn only_a_lock_of_a_dead_process_of_this_host_is_abandoned() {
        let lock = |holder: String| OtherLock {
            id: "g".into(),
            holder,
        };
        let host = this_host();
        // pid 0 is never a process's, so /proc/0 never exists.
        assert!(lock(format!("host {host} pid 0 since t")).is_abandoned_here());
        assert!(
            !lock(format!("host {host} pid {} since t", std::process::id())).is_abandoned_here()
        );
        assert!(!lock(format!("host other-{host} pid 0 since t")).is_abandoned_here());
        assert!(!lock("made by hand".into()).is_abandoned_here());
    }

    #[test]
    fn a_lock_is_held_only_when_no_other_lock_is_seen() {
        let own = TenantLock {
            group_id: "mine".into(),
        };
        let mine = group("mine", "birdhouse-lock 0001 host a pid 1 since t");
        let theirs = group("theirs", "birdhouse-lock 0002 host b pid 2 since t");
        let plain = group("g1", "servers");
        assert_eq!(own.confirm(&[mine.clone(), plain.clone()]), Ok(()));
        let others = own.confirm(&[mine, theirs, plain]).unwrap_err();
        assert_eq!(others.len(), 1);
        assert_eq!(others[0].holder, "host b pid 2 since t");
        assert_eq!(others[0].id, "theirs");
    }
}
