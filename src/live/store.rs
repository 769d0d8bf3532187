//! Snapshots kept between runs (`--snapshots DIR`): one JSON file per tenant account, holding
//! the lists as the server answered them and the newest audit event seen before they were
//! read. [`crate::live::proof`] decides whether one is still current; this module only keeps
//! them.
//!
//! The lists are kept as the server sent them (wire shapes), not as the converted model: a
//! converted snapshot names groups, resources and peers by name, so one renamed group would
//! make every stored kind that names it stale without an event of its own. From the wire
//! lists, a refreshed group list renames them all on conversion.
//!
//! A file that cannot be read, is of another format or server, or names another account is
//! treated as absent (the tenant is read whole) and replaced after the read. Files are written
//! whole to a temporary name and renamed into place, readable by their owner only: they hold
//! a customer's configuration (never a secret: the API lists no setup key or token value).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::api::wire::AuditEvent;
use crate::live::WireTenant;
use crate::live::lists::List;

/// The version of the snapshot files; another version is never read.
pub const STORED_FORMAT: u32 = 1;

/// Where `--snapshots` keeps its files when given no directory: inside the working tree, for
/// a CI cache to save and restore (it belongs in `.gitignore`).
pub const DEFAULT_SNAPSHOT_DIR: &str = ".birdhouse/snapshots";

/// One tenant's stored snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTenant {
    /// [`STORED_FORMAT`].
    pub format: u32,
    /// The server it was read from (its API base URL).
    #[serde(default)]
    pub server: String,
    /// The account it was read from (proven when it was read).
    pub account_id: String,
    /// When it was read (RFC 3339).
    pub read_at: String,
    /// The lists it holds.
    pub lists: BTreeSet<List>,
    /// The service users whose tokens it holds.
    pub token_owners: BTreeSet<String>,
    /// The newest event of the tenant's audit log, listed before the lists were read (so a
    /// change made while they were read shows as newer next time); `None` when the log was
    /// empty.
    pub newest_event: Option<AuditEvent>,
    /// Lists touched by events stamped just before the read, whose changes may not have been
    /// committed when it was made (see [`crate::live::proof::SETTLING`]): read again next time.
    #[serde(default)]
    pub unsettled: BTreeSet<List>,
    /// When the lists NetBird changes without an event were last read, when that was after
    /// `read_at` (kept only for `--unlogged-max-age`; `None`: at `read_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlogged_read_at: Option<String>,
    /// The lists as the server answered them.
    pub wire: WireTenant,
}

impl StoredTenant {
    /// A snapshot of `account_id` read now (its server is set by [`SnapshotStore::save`]).
    pub fn new(
        account_id: String,
        lists: BTreeSet<List>,
        token_owners: BTreeSet<String>,
        newest_event: Option<AuditEvent>,
        wire: WireTenant,
    ) -> StoredTenant {
        StoredTenant {
            format: STORED_FORMAT,
            server: String::new(),
            account_id,
            read_at: rfc3339(std::time::SystemTime::now()),
            lists,
            token_owners,
            newest_event,
            unsettled: BTreeSet::new(),
            unlogged_read_at: None,
            wire,
        }
    }

    /// When the lists NetBird changes without an event were last read (RFC 3339).
    pub fn unlogged_read_time(&self) -> &str {
        self.unlogged_read_at.as_deref().unwrap_or(&self.read_at)
    }
}

/// `at` as the snapshot files write times: RFC 3339, to the second.
pub fn rfc3339(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// How long a stored snapshot may be proven current before its tenant is read whole again
/// (`--snapshot-max-age`): the bound on what a log the server stopped writing can hide.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_hours(24);

/// What `--snapshots` asks for: where the snapshots are kept and how long what they hold may
/// stand for the live state.
#[derive(Debug, Clone, Copy)]
pub struct KeptSettings<'a> {
    /// The directory.
    pub dir: &'a Path,
    /// `--snapshot-max-age`: how long after its read a snapshot may be proven current.
    pub max_age: Duration,
    /// `--unlogged-max-age`: how long after their read the lists NetBird changes without an
    /// event may be planned as stored (zero: read on every run).
    pub unlogged_max_age: Duration,
}

/// The directory of stored snapshots, for one server.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    dir: PathBuf,
    server: String,
    max_age: Duration,
    unlogged_max_age: Duration,
}

impl SnapshotStore {
    /// Snapshots of `server`'s tenants in `dir` (made on the first save), proven for at most
    /// [`DEFAULT_MAX_AGE`].
    pub fn new(dir: PathBuf, server: &str) -> SnapshotStore {
        SnapshotStore {
            dir,
            server: server.to_owned(),
            max_age: DEFAULT_MAX_AGE,
            unlogged_max_age: Duration::ZERO,
        }
    }

    /// The snapshots `kept` asks for, of `server`'s tenants.
    pub fn open(kept: KeptSettings<'_>, server: &str) -> SnapshotStore {
        SnapshotStore {
            max_age: kept.max_age,
            unlogged_max_age: kept.unlogged_max_age,
            ..SnapshotStore::new(kept.dir.to_path_buf(), server)
        }
    }

    /// How long a snapshot may be proven after its read.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How long the lists no event vouches for may be planned as stored (zero: read on every
    /// run).
    pub fn unlogged_max_age(&self) -> Duration {
        self.unlogged_max_age
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The stored snapshot of `account_id`, when there is a usable one. An unusable file is
    /// logged and left for the next save to replace.
    pub fn load(&self, account_id: &str) -> Option<StoredTenant> {
        let path = self.path(account_id)?;
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot read a stored snapshot; reading the tenant");
                return None;
            }
        };
        let stored: StoredTenant = match serde_json::from_slice(&text) {
            Ok(stored) => stored,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "a stored snapshot does not parse; reading the tenant");
                return None;
            }
        };
        let usable = stored.format == STORED_FORMAT
            && stored.server == self.server
            && stored.account_id == account_id;
        if !usable {
            tracing::info!(path = %path.display(), "a stored snapshot is of another format, server or account; reading the tenant");
            return None;
        }
        Some(stored)
    }

    /// Stores `stored` as its account's snapshot, replacing the one before.
    pub fn save(&self, mut stored: StoredTenant) -> std::io::Result<()> {
        let Some(path) = self.path(&stored.account_id) else {
            return Ok(());
        };
        stored.server.clone_from(&self.server);
        std::fs::create_dir_all(&self.dir)?;
        let text = serde_json::to_vec(&stored).map_err(std::io::Error::other)?;
        let partial = path.with_extension(format!("json.{}.partial", std::process::id()));
        write_private(&partial, &text)?;
        std::fs::rename(&partial, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&partial);
        })
    }

    /// Drops `account_id`'s snapshot (after a write to the tenant): the next run reads it.
    pub fn forget(&self, account_id: &str) -> std::io::Result<()> {
        let Some(path) = self.path(account_id) else {
            return Ok(());
        };
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// The file of `account_id`; `None` for an id that is not a plain name (never a path).
    fn path(&self, account_id: &str) -> Option<PathBuf> {
        let plain = !account_id.is_empty()
            && account_id.len() <= 128
            && account_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        plain.then(|| self.dir.join(format!("{account_id}.json")))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // Not synced to disk: a file cut short by a crash fails to parse and reads as no snapshot
    // (a whole read), so a cache needs no fsync per tenant.
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::{SnapshotStore, StoredTenant};
    use crate::live::WireTenant;

    #[test]
    fn a_snapshot_is_kept_per_account_and_server_and_never_outside_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path().join("snapshots"), "https://a.example/");
        let stored = StoredTenant::new(
            "acct-1".into(),
            [crate::live::lists::List::Groups].into(),
            std::collections::BTreeSet::new(),
            None,
            WireTenant::default(),
        );
        store.save(stored).unwrap();
        assert!(store.load("acct-1").is_some());
        assert!(store.load("acct-2").is_none());
        // Another server's store does not take it, even in the same directory.
        let other = SnapshotStore::new(dir.path().join("snapshots"), "https://b.example/");
        assert!(other.load("acct-1").is_none());
        // A file copied to another account's name is not that account's snapshot.
        std::fs::copy(
            dir.path().join("snapshots/acct-1.json"),
            dir.path().join("snapshots/acct-2.json"),
        )
        .unwrap();
        assert!(store.load("acct-2").is_none());
        // Ids that are not plain names are never made into paths.
        let escape = StoredTenant::new(
            "../escape".into(),
            std::collections::BTreeSet::new(),
            std::collections::BTreeSet::new(),
            None,
            WireTenant::default(),
        );
        store.save(escape).unwrap();
        assert!(!dir.path().join("escape.json").exists());
        store.forget("acct-1").unwrap();
        assert!(store.load("acct-1").is_none());
        store.forget("acct-1").unwrap();
    }

    #[test]
    fn a_broken_file_reads_as_no_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path().to_path_buf(), "s");
        std::fs::write(dir.path().join("acct.json"), b"{not json").unwrap();
        assert!(store.load("acct").is_none());
    }
}
