//! The only filesystem reads of desired state: find the files, read them, parse them into
//! located node trees, and hand each tree on as soon as it is parsed (so a large tree of files
//! never holds every node tree in memory at once).
//!
//! Only regular files are opened: opening a FIFO blocks until something writes to it, and a
//! device can be read forever, so such entries (and symlinks to them) are skipped with a
//! warning, and refused when named directly.

use std::fs::FileType;
use std::path::{Path, PathBuf};

use rayon::iter::{IntoParallelIterator, ParallelIterator};

use crate::desired::Skipped;
use crate::diag::{Diagnostic, Diagnostics, FileId, Located, SourceMap, Span};
use crate::kinds::kit::node::Node;
use crate::kinds::kit::yaml::parse;

/// Reads, parses and decodes every desired-state file under `path`, each file on its own
/// thread of the pool; the results come back in file order. Entries that are not regular
/// files are left unopened and listed in `skipped`.
pub(crate) fn load_files<T: Send>(
    path: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    skipped: &mut Vec<Skipped>,
    each: impl Fn(&mut Diagnostics, FileId, &Located<Node>) -> Option<T> + Sync,
) -> Vec<T> {
    let files = match discover(path, skipped) {
        Ok(files) => files,
        Err(message) => {
            diagnostics.push(Diagnostic::global(message));
            return Vec::new();
        }
    };
    let contents = files.into_iter().map(|file_path| (file_path, None));
    parse_files(contents, sources, diagnostics, each)
}

/// Parses and decodes files in parallel: each from the bytes given, or read from its path when
/// `None` (a read error becomes a diagnostic at its start). Each tree goes to `each` as soon as
/// it is parsed and is dropped after, so at most one tree per pool thread is in memory, and
/// the parse, the part of loading that costs the most, runs on every core. File ids, the
/// results and the diagnostics keep file order, so output does not depend on scheduling.
pub(crate) fn parse_files<T: Send>(
    contents: impl IntoIterator<Item = (PathBuf, Option<Vec<u8>>)>,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    each: impl Fn(&mut Diagnostics, FileId, &Located<Node>) -> Option<T> + Sync,
) -> Vec<T> {
    let work: Vec<(FileId, PathBuf, Option<Vec<u8>>)> = contents
        .into_iter()
        .map(|(file_path, bytes)| (sources.add(file_path.clone()), file_path, bytes))
        .collect();
    let outcomes: Vec<(Diagnostics, Option<T>)> = work
        .into_par_iter()
        .map(|(file, file_path, bytes)| {
            let mut found = Diagnostics::default();
            let decoded = parse_one(file, &file_path, bytes, &mut found)
                .and_then(|root| each(&mut found, file, &root));
            (found, decoded)
        })
        .collect();
    let mut results = Vec::new();
    for (found, decoded) in outcomes {
        diagnostics.extend(found);
        results.extend(decoded);
    }
    results
}

/// One file's tree, or `None` with the reason in `diagnostics`.
fn parse_one(
    file: FileId,
    file_path: &Path,
    bytes: Option<Vec<u8>>,
    diagnostics: &mut Diagnostics,
) -> Option<Located<Node>> {
    let bytes = match bytes {
        Some(bytes) => bytes,
        None => match std::fs::read(file_path) {
            Ok(bytes) => bytes,
            Err(err) => {
                let message = format!("cannot read the file: {err}");
                diagnostics.push(Diagnostic::at(start_of(file), "", message));
                return None;
            }
        },
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            diagnostics.push(invalid_utf8(file, &err));
            return None;
        }
    };
    match parse(&text, file) {
        Ok(root) => Some(root),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::desired::load_contents;

    /// Files are parsed on several threads, but what comes back must not depend on which
    /// finished first: tenants in file order, each problem at its own file's id.
    #[test]
    fn parallel_loading_keeps_file_order_for_tenants_and_problems() {
        let file = |n: usize| {
            let text =
                format!("version: 1\ntenants:\n  - name: t-{n:03}\n    domain: t{n}.example\n");
            (PathBuf::from(format!("t-{n:03}.yaml")), text.into_bytes())
        };
        let loaded = load_contents((0..64).map(file));
        let state = loaded.state.expect("valid");
        let names: Vec<&str> = state.tenants.iter().map(|t| t.name.as_str()).collect();
        let expected: Vec<String> = (0..64).map(|n| format!("t-{n:03}")).collect();
        assert_eq!(names, expected);

        let broken = (0..64).map(|n| {
            let (path, text) = file(n);
            let text = if n % 2 == 1 {
                String::from_utf8(text).unwrap().replace("domain", "domian")
            } else {
                String::from_utf8(text).unwrap()
            };
            (path, text.into_bytes())
        });
        let loaded = load_contents(broken);
        let problems = loaded.state.expect_err("unknown keys");
        let mut files: Vec<PathBuf> = problems
            .sorted()
            .iter()
            .map(|d| {
                let span = d.span.expect("a problem in a file is located");
                loaded.sources.path(span.file).to_owned()
            })
            .collect();
        files.dedup();
        let odd: Vec<PathBuf> = (0..64)
            .filter(|n| n % 2 == 1)
            .map(|n| PathBuf::from(format!("t-{n:03}.yaml")))
            .collect();
        assert_eq!(files, odd);
    }
}
