//! The secrets sink: where one-time secrets go (a new setup key's plain key, a new service
//! user's token, a new local user's generated password) and nowhere else.
//!
//! The server shows each of these exactly once, in the answer to the POST that created the
//! object, so the sink is the only place they can ever be recovered from. With
//! `--secrets-out FILE` they are appended to FILE as JSON lines
//! (`{"tenant","kind","name","secret"}`); without it they are dropped and the caller warns,
//! naming what was dropped but never the value.
//!
//! The file is created with mode 0600 before the first write. An existing file is appended to
//! (so a rerun after a failure adds the secrets of what it creates) but only if it is a regular
//! file of mode 0600: anything wider could already have leaked, so birdhouse refuses it before
//! changing any tenant.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::secret::Secret;

/// What kind of one-time secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

#[derive(Serialize)]
struct Line<'a> {
    tenant: &'a str,
    kind: SecretKind,
    name: &'a str,
    secret: &'a str,
}

impl SecretsSink {
    /// No file: every secret is dropped (the caller warns).
    pub fn none() -> Self {
        Self { file: None }
    }

    /// Checks `path` without creating anything: an existing path must be a regular file of
    /// mode 0600. Lets a command refuse a bad path before it reads or writes any tenant.
    pub fn check(path: &Path) -> Result<(), SecretsError> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) => check_existing(path, &meta),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(SecretsError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Opens `path` for appending, creating it with mode 0600 when it does not exist.
    pub fn open(path: &Path) -> Result<Self, SecretsError> {
        Self::check(path)?;
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
        Ok(Self {
            file: Some((path.to_owned(), Mutex::new(file))),
        })
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
        let Some((path, file)) = &self.file else {
            return Ok(Stored::Dropped);
        };
        let mut text = serde_json::to_string(&Line {
            tenant,
            kind,
            name,
            secret: secret.expose(),
        })
        .expect("invariant: a line of strings serialises to JSON");
        text.push('\n');
        let mut file = file
            .lock()
            .expect("invariant: the secrets file lock is never poisoned");
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|source| SecretsError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(Stored::Written)
    }
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
