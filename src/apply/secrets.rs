//! The secrets sink: where one-time secrets go (a new setup key's plain key, a new service
//! user's token, a new local user's generated password) and nowhere else.
//!
//! The server shows each of these exactly once, in the answer to the POST that created the
//! object, so the sink is the only place they can ever be recovered from. With
//! `--secrets-out FILE` they are appended to FILE as JSON lines
//! (`{"tenant","kind","name","secret"}`); without it they are dropped and the caller warns,
//! naming what was dropped but never the value.
//!
//! Beside it, `FILE.journal` is a write-ahead journal that holds no secret. Before each POST
//! that creates a secret, a record `{"tenant","kind","name","pending":true}` is written and
//! flushed; once the answer is in, `"outcome":"saved"` (the secret is in FILE), `"no_secret"`
//! (the answer carried none) or `"not_created"` (the server refused) settles it. A record still
//! pending when a later run reads the journal is a create whose secret never reached FILE (a
//! kill -9 between the answer and the write, an answer that could not be read): [`lost_secrets`]
//! returns those, and the planner makes the object again (a new setup key, a new token) instead
//! of staying silent. Holding only names, the journal can be kept between CI runs where the
//! secrets file cannot.
//!
//! Both files are created with mode 0600 before the first write. An existing file is appended to
//! (so a rerun after a failure adds the secrets of what it creates) but only if it is a regular
//! file of mode 0600: anything wider could already have leaked, so birdhouse refuses it before
//! changing any tenant.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::plan::LostSecrets;
use crate::secret::Secret;

/// What kind of one-time secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// The plain key of a new setup key.
    SetupKey,
    /// The personal access token of a new service user.
    ServiceUserToken,
    /// The generated password of a new local user (NetBird's embedded identity provider).
    UserPassword,
}

impl SecretKind {
    /// Words for messages: "setup key", "service-user token", "user password".
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::SetupKey => "setup key",
            SecretKind::ServiceUserToken => "service-user token",
            SecretKind::UserPassword => "user password",
        }
    }
}

/// Why the secrets file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The file exists with permissions wider than 0600.
    #[error(
        "{path}: exists with mode {mode:04o}; a secrets file must be mode 0600 (chmod 600 it, or \
         name a new file)"
    )]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The path exists but is not a regular file.
    #[error("{path}: exists and is not a regular file")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A line of the file is not a record birdhouse writes (its content is never shown: it
    /// may hold a secret).
    #[error(
        "{path}:{line}: not a birdhouse secrets record; the file must hold only the lines apply writes"
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
    },
    /// The file could not be opened, created or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

/// Where a secret went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Appended to the secrets file.
    Written,
    /// No secrets file was given: the secret is gone.
    Dropped,
}

/// The destination of one-time secrets for a whole run; shared by every tenant.
#[derive(Debug)]
pub struct SecretsSink {
    file: Option<(PathBuf, Mutex<File>)>,
    journal: Option<(PathBuf, Mutex<File>)>,
    /// Secrets written so far, for the summary.
    written: AtomicUsize,
}

/// The journal beside a secrets file: `FILE.journal`.
pub fn journal_path(secrets: &Path) -> PathBuf {
    let mut name = secrets.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// One line of the file, as written.
#[derive(Serialize)]
struct Line<'a> {
    tenant: &'a str,
    kind: SecretKind,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a str>,
}

impl<'a> Line<'a> {
    /// A line about one secret, with nothing else said yet.
    fn about(tenant: &'a str, kind: SecretKind, name: &'a str) -> Self {
        Self {
            tenant,
            kind,
            name,
            secret: None,
            pending: None,
            outcome: None,
        }
    }

    /// The journal's record of how a create ended.
    fn outcome(tenant: &'a str, kind: SecretKind, name: &'a str, outcome: &'a str) -> Self {
        Self {
            outcome: Some(outcome),
            ..Self::about(tenant, kind, name)
        }
    }
}

/// One line of the file, as read back: the secret itself is never read into memory.
#[derive(Deserialize)]
struct Record {
    tenant: String,
    kind: SecretKind,
    name: String,
    #[serde(default)]
    pending: bool,
}

/// How a create that was recorded as pending ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The answer carried no secret (a user invited on a server without an embedded IdP).
    NoSecret,
    /// The server refused the create: nothing exists, nothing was lost.
    NotCreated,
}

/// Every create whose one-time secret never reached the secrets file at `secrets`, by tenant
/// name, from its journal. A missing journal has none.
pub fn lost_secrets(secrets: &Path) -> Result<BTreeMap<String, LostSecrets>, SecretsError> {
    let path = &journal_path(secrets);
    let io = |source| SecretsError::Io {
        path: path.to_owned(),
        source,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(err) => return Err(io(err)),
    };
    let mut open: BTreeMap<(String, SecretKind, String), bool> = BTreeMap::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|_| SecretsError::Malformed {
            path: path.to_owned(),
            line: index + 1,
        })?;
        open.insert((record.tenant, record.kind, record.name), record.pending);
    }
    let mut lost: BTreeMap<String, LostSecrets> = BTreeMap::new();
    for ((tenant, kind, name), pending) in open {
        if !pending {
            continue;
        }
        let entry = lost.entry(tenant).or_default();
        match kind {
            SecretKind::SetupKey => entry.setup_keys.insert(name),
            SecretKind::ServiceUserToken => entry.service_user_tokens.insert(name),
            SecretKind::UserPassword => entry.user_passwords.insert(name.to_ascii_lowercase()),
        };
    }
    Ok(lost)
}

impl SecretsSink {
    /// No file: every secret is dropped (the caller warns).
    pub fn none() -> Self {
        Self {
            file: None,
            journal: None,
            written: AtomicUsize::new(0),
        }
    }

    /// Checks `path` and its journal without creating anything: an existing path must be a
    /// regular file of mode 0600. Lets a command refuse a bad path before it reads or writes any
    /// tenant.
    pub fn check(path: &Path) -> Result<(), SecretsError> {
        check_path(path)?;
        check_path(&journal_path(path))
    }

    /// Opens `path` and its journal for appending, creating them with mode 0600 when they do
    /// not exist.
    pub fn open(path: &Path) -> Result<Self, SecretsError> {
        Self::check(path)?;
        Ok(Self {
            file: Some((path.to_owned(), Mutex::new(open_0600(path)?))),
            journal: Some({
                let journal = journal_path(path);
                let file = open_0600(&journal)?;
                (journal, Mutex::new(file))
            }),
            written: AtomicUsize::new(0),
        })
    }

    /// Secrets written to the file by this run.
    pub fn written(&self) -> usize {
        self.written.load(Ordering::Relaxed)
    }

    /// The file, when there is one.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    /// Records, before the POST, that a create of this secret is about to be sent.
    pub fn intend(&self, tenant: &str, kind: SecretKind, name: &str) -> Result<(), SecretsError> {
        let line = Line {
            pending: Some(true),
            ..Line::about(tenant, kind, name)
        };
        append(self.journal.as_ref(), &line)
    }

    /// Settles a pending create that brought no secret to keep.
    pub fn settle(
        &self,
        tenant: &str,
        kind: SecretKind,
        name: &str,
        settled: Settled,
    ) -> Result<(), SecretsError> {
        let outcome = match settled {
            Settled::NoSecret => "no_secret",
            Settled::NotCreated => "not_created",
        };
        append(
            self.journal.as_ref(),
            &Line::outcome(tenant, kind, name, outcome),
        )
    }

    /// Whether secrets are kept (a file was given).
    pub fn keeps_secrets(&self) -> bool {
        self.file.is_some()
    }

    /// Stores one secret: one JSON line, flushed to disk before returning, so a crash right
    /// after cannot lose it.
    pub fn store(
        &self,
        tenant: &str,
        kind: SecretKind,
        name: &str,
        secret: &Secret<String>,
    ) -> Result<Stored, SecretsError> {
        if self.file.is_none() {
            return Ok(Stored::Dropped);
        }
        let line = Line {
            secret: Some(secret.expose()),
            ..Line::about(tenant, kind, name)
        };
        append(self.file.as_ref(), &line)?;
        self.written.fetch_add(1, Ordering::Relaxed);
        append(
            self.journal.as_ref(),
            &Line::outcome(tenant, kind, name, "saved"),
        )?;
        Ok(Stored::Written)
    }
}

/// Appends one line and flushes it to disk before returning, so a crash right after cannot
/// lose it. Without a file, nothing is written.
fn append(file: Option<&(PathBuf, Mutex<File>)>, line: &Line<'_>) -> Result<(), SecretsError> {
    let Some((path, file)) = file else {
        return Ok(());
    };
    let mut text =
        serde_json::to_string(line).expect("invariant: a line of strings serialises to JSON");
    text.push('\n');
    let mut file = file
        .lock()
        .expect("invariant: the secrets file lock is never poisoned");
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|source| SecretsError::Io {
            path: path.clone(),
            source,
        })
}

fn check_path(path: &Path) -> Result<(), SecretsError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => check_existing(path, &meta),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SecretsError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Opens `path` for appending, created with mode 0600 (never wider, even for a moment).
fn open_0600(path: &Path) -> Result<File, SecretsError> {
    let io = |source| SecretsError::Io {
        path: path.to_owned(),
        source,
    };
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(io)?;
    // Another process could have created the file between the check and the open.
    check_existing(path, &file.metadata().map_err(io)?)?;
    Ok(file)
}

fn check_existing(path: &Path, meta: &std::fs::Metadata) -> Result<(), SecretsError> {
    if !meta.file_type().is_file() {
        return Err(SecretsError::NotAFile {
            path: path.to_owned(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode != 0o600 {
            return Err(SecretsError::TooOpen {
                path: path.to_owned(),
                mode,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{SecretKind, SecretsError, SecretsSink, Stored};
    use crate::secret::Secret;

    #[cfg(unix)]
    fn mode(path: &std::path::Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn creates_0600_and_appends_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.jsonl");
        let sink = SecretsSink::open(&path).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let stored = sink
            .store(
                "Acme",
                SecretKind::SetupKey,
                "office",
                &Secret::new("K1".into()),
            )
            .unwrap();
        assert_eq!(stored, Stored::Written);
        drop(sink);
        let again = SecretsSink::open(&path).unwrap();
        again
            .store(
                "Acme",
                SecretKind::ServiceUserToken,
                "ci",
                &Secret::new("T2".into()),
            )
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\"tenant\":\"Acme\",\"kind\":\"setup_key\",\"name\":\"office\",\"secret\":\"K1\"}\n\
             {\"tenant\":\"Acme\",\"kind\":\"service_user_token\",\"name\":\"ci\",\"secret\":\"T2\"}\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_an_existing_file_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.jsonl");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = SecretsSink::open(&path).unwrap_err();
        assert!(
            matches!(err, SecretsError::TooOpen { mode: 0o644, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("mode 0644"), "{err}");
        assert!(SecretsSink::check(dir.path()).is_err());
    }

    #[test]
    fn without_a_file_secrets_are_dropped() {
        let sink = SecretsSink::none();
        assert!(!sink.keeps_secrets());
        let stored = sink
            .store("A", SecretKind::UserPassword, "u", &Secret::new("p".into()))
            .unwrap();
        assert_eq!(stored, Stored::Dropped);
    }
}
