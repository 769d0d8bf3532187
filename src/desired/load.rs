//! The only filesystem reads of desired state: find the files, read them, parse them into
//! located node trees, and hand each tree on as soon as it is parsed (so a large tree of files
//! never holds every node tree in memory at once).

use std::path::{Path, PathBuf};

use crate::desired::node::{Node, parse};
use crate::diag::{Diagnostic, Diagnostics, FileId, Located, SourceMap};

/// Reads and parses every desired-state file under `path`, passing each tree to `each`.
pub(crate) fn load_files(
    path: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    each: impl FnMut(&mut Diagnostics, FileId, Located<Node>),
) {
    let files = match discover(path) {
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
            Ok(Err(_)) => {
                diagnostics.push(
                    Diagnostic::at(start_of(file), "", "the file is not valid UTF-8")
                        .expected("UTF-8 text"),
                );
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

fn start_of(file: FileId) -> crate::diag::Span {
    crate::diag::Span {
        file,
        line: 1,
        column: 1,
    }
}

/// One file, or every `*.yaml`/`*.yml` below a directory (hidden entries skipped), sorted so
/// runs are reproducible.
fn discover(path: &Path) -> Result<Vec<PathBuf>, String> {
    let metadata = std::fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?;
    if metadata.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    walk(path, &mut files).map_err(|err| format!("{}: {err}", path.display()))?;
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "{}: no *.yaml or *.yml files in this directory",
            path.display()
        ));
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            files.push(path);
        }
    }
    Ok(())
}
