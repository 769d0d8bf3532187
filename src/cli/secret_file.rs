//! The files a one-time secret is written to on purpose (`bootstrap --pat-out`, `token rotate
//! --out`): new files only, mode 0600 from the first byte, never a symlink followed.

use std::io::Write;
use std::path::Path;

use crate::cli::UsageError;
use crate::secret::Secret;

/// Where a secret goes must be writable as a new file: the parent is a directory, and nothing
/// (no file, no symlink, dangling or not) is at the path. Checked before the secret exists, so
/// a refusal costs nothing.
pub(crate) fn check_new(path: &Path, flag: &str) -> Result<(), UsageError> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(UsageError(format!(
            "{flag} {} already exists; birdhouse never overwrites a token file or follows a \
             symlink",
            path.display()
        )));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !std::fs::metadata(parent).is_ok_and(|m| m.is_dir()) {
        return Err(UsageError(format!(
            "{flag} {}: the directory {} does not exist; create it first",
            path.display(),
            parent.display()
        )));
    }
    Ok(())
}

/// Creates `path` with mode 0600 (never wider, even for a moment) and writes the secret.
pub(crate) fn write_new(path: &Path, secret: &Secret<String>) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(secret.expose().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
