//! The only filesystem reads of desired state: find the files, read them, parse them into
//! located node trees, and hand each tree on as soon as it is parsed (so a large tree of files
//! never holds every node tree in memory at once).
//!
//! Only regular files are opened: opening a FIFO blocks until something writes to it, and a
//! device can be read forever, so such entries (and symlinks to them) are skipped with a
//! warning, and refused when named directly.

use std::fs::FileType;
use std::path::{Path, PathBuf};

use crate::desired::Skipped;
use crate::diag::{Diagnostic, Diagnostics, FileId, Located, SourceMap, Span};
use crate::kinds::kit::node::{Node, parse};

/// Reads and parses every desired-state file under `path`, passing each tree to `each`.
/// Entries that are not regular files are left unopened and listed in `skipped`.
pub(crate) fn load_files(
    path: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    skipped: &mut Vec<Skipped>,
    each: impl FnMut(&mut Diagnostics, FileId, Located<Node>),
) {
    let files = match discover(path, skipped) {
        Ok(files) => files,
        Err(message) => {
            diagnostics.push(Diagnostic::global(message));
            return;
        }
    };
    let contents = files.into_iter().map(|file_path| {
        let bytes = std::fs::read(&file_path).map_err(|err| format!("cannot read the file: {err}"));
        (file_path, bytes)
    });
    parse_files(contents, sources, diagnostics, each);
}

/// Parses file contents already in memory (or the error met reading them), passing each tree
/// to `each`.
pub(crate) fn parse_files(
    contents: impl IntoIterator<Item = (PathBuf, Result<Vec<u8>, String>)>,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    mut each: impl FnMut(&mut Diagnostics, FileId, Located<Node>),
) {
    for (file_path, bytes) in contents {
        let file = sources.add(file_path);
        let text = match bytes.map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(err)) => {
                diagnostics.push(invalid_utf8(file, &err));
                continue;
            }
            Err(message) => {
                diagnostics.push(Diagnostic::at(start_of(file), "", message));
                continue;
            }
        };
        match parse(&text, file) {
            Ok(root) => each(diagnostics, file, root),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
}

fn start_of(file: FileId) -> Span {
    Span {
        file,
        line: 1,
        column: 1,
    }
}

/// The first byte that is not UTF-8, at its line and column (counted in characters), so the
/// user finds it without a hex editor.
fn invalid_utf8(file: FileId, err: &std::string::FromUtf8Error) -> Diagnostic {
    let bytes = err.as_bytes();
    let valid = &bytes[..err.utf8_error().valid_up_to()];
    let valid = std::str::from_utf8(valid).expect("invariant: the prefix is valid UTF-8");
    let line_start = valid.rfind('\n').map_or(0, |newline| newline + 1);
    let to_count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let span = Span {
        file,
        line: to_count(valid.matches('\n').count() + 1),
        column: to_count(valid[line_start..].chars().count() + 1),
    };
    let what = match err.utf8_error().error_len() {
        Some(_) => format!("byte 0x{:02x}", bytes[valid.len()]),
        None => "a character cut off at the end".to_owned(),
    };
    Diagnostic::at(span, "", format!("the file is not valid UTF-8: {what}")).expected("UTF-8 text")
}

/// One file, or every `*.yaml`/`*.yml` below a directory (hidden entries skipped), sorted so
/// runs are reproducible.
fn discover(path: &Path, skipped: &mut Vec<Skipped>) -> Result<Vec<PathBuf>, String> {
    let metadata = std::fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?;
    if metadata.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    if !metadata.is_dir() {
        return Err(format!(
            "{}: {}, not a regular file or directory; only regular files are read",
            path.display(),
            special_kind(metadata.file_type())
        ));
    }
    let mut files = Vec::new();
    walk(path, &mut files, skipped).map_err(|err| format!("{}: {err}", path.display()))?;
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "{}: no *.yaml or *.yml files in this directory",
            path.display()
        ));
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            walk(&path, files, skipped)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            match special_target(&path, file_type) {
                Some(kind) => skipped.push(Skipped { path, kind }),
                None => files.push(path),
            }
        }
    }
    Ok(())
}

/// What the entry is when it must not be opened: neither a regular file nor a directory,
/// itself or at the end of its symlink. A dangling symlink or one to a directory is read, so
/// the read error says what is wrong with it.
fn special_target(path: &Path, file_type: FileType) -> Option<&'static str> {
    let target = if file_type.is_symlink() {
        std::fs::metadata(path).ok()?.file_type()
    } else {
        file_type
    };
    (!target.is_file() && !target.is_dir()).then(|| special_kind(target))
}

/// "a FIFO", "a socket", ...: what a special file is, for messages.
fn special_kind(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    let _ = file_type;
    "a special file"
}
