//! Desired state: YAML files → validated, merged, model-typed tenants.
//!
//! `load` reads and parses files, `decode` checks shapes and values, `resolve` merges baselines
//! and checks names and references. Nothing here touches the network.

mod decode;
pub(crate) mod document;
pub(crate) mod export;
mod load;
mod resolve;
pub(crate) mod schema;
#[cfg(test)]
mod schema_agreement;
pub(crate) mod shared;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostics, FileId, SourceMap, Span};
use crate::kinds::{Kind, Tenant};

/// Every tenant the files describe, validated.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    /// The tenants, in file order.
    pub tenants: Vec<DesiredTenant>,
}

/// One tenant as the files want it.
#[derive(Debug, Clone)]
pub struct DesiredTenant {
    /// Display name (the MSP tenant's name).
    pub name: String,
    /// Which account this is.
    pub target: TenantTarget,
    /// Create the tenant through the MSP API when it does not exist.
    pub create: bool,
    /// Kinds whose unlisted live objects are deleted.
    pub prune: BTreeSet<Kind>,
    /// Baselines merged in, in order.
    pub baselines: Vec<String>,
    /// Which of the MSP's groups may enter the tenant, as which role (`None`: unmanaged).
    pub msp_access: Option<Vec<crate::kinds::MspAccess>>,
    /// The merged objects.
    pub objects: Tenant,
    /// Files that define the tenant or a baseline it uses (for `--changed-since`).
    pub files: BTreeSet<FileId>,
    /// Where the tenant entry starts.
    pub span: Span,
}

/// How a tenant's account is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantTarget {
    /// A pinned account id.
    pub id: Option<String>,
    /// The MSP tenant's domain (lower case).
    pub domain: Option<String>,
    /// The token's own account (no `?account=`).
    pub self_account: bool,
}

/// The result of loading: desired state with its source map, or every problem found.
pub struct Loaded {
    /// The files read, for printing spans.
    pub sources: SourceMap,
    /// The desired state, when there were no problems.
    pub state: Result<DesiredState, Diagnostics>,
    /// Entries of a directory that were not opened because they are not regular files.
    pub skipped: Vec<Skipped>,
}

/// A `*.yaml`/`*.yml` entry left unopened: a FIFO, socket or device (or a symlink to one),
/// which could block the run or never end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry's path.
    pub path: PathBuf,
    /// What it is: "a FIFO", "a socket", "a device", ...
    pub kind: &'static str,
}

/// A tenant entry as soon as its file is decoded, before the files are checked together:
/// enough to find its account, so its first reads can start while the other files load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyTenant {
    /// The entry's name.
    pub name: String,
    /// The account it names, as written.
    pub target: TenantTarget,
    /// `create: true`.
    pub create: bool,
}

/// Loads, decodes and resolves the file or directory at `path`; pure but for reading files.
pub fn load(path: &Path) -> Loaded {
    load_watching(path, &|_| {})
}

/// Like [`load()`], telling `watch` of every tenant entry as soon as its file is decoded (on
/// the loading threads, in no fixed order). An entry told of may still be refused when the
/// files are checked together.
pub fn load_watching(path: &Path, watch: &(dyn Fn(EarlyTenant) + Sync)) -> Loaded {
    let mut sources = SourceMap::default();
    let mut diagnostics = Diagnostics::default();
    let mut skipped = Vec::new();
    let documents = load::load_files(
        path,
        &mut sources,
        &mut diagnostics,
        &mut skipped,
        |diagnostics, file, root| {
            let decoded = decode_one(diagnostics, file, root)?;
            for doc in &decoded.1.tenants {
                watch(EarlyTenant {
                    name: doc.name.value.clone(),
                    target: resolve::target_of(doc),
                    create: doc.create.unwrap_or(false),
                });
            }
            Some(decoded)
        },
    );
    let mut loaded = finish(documents, sources, diagnostics);
    loaded.skipped = skipped;
    loaded
}

/// Like [`load()`], for file contents already in memory (fuzzing, tests, `--changed-since`).
pub fn load_contents(files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) -> Loaded {
    let mut sources = SourceMap::default();
    let mut diagnostics = Diagnostics::default();
    let contents = files.into_iter().map(|(path, bytes)| (path, Some(bytes)));
    let documents = load::parse_files(contents, &mut sources, &mut diagnostics, decode_one);
    finish(documents, sources, diagnostics)
}

/// Decodes one file's tree; the tree is dropped by the caller right after, so only one tree
/// per loading thread is in memory at a time.
fn decode_one(
    diagnostics: &mut Diagnostics,
    file: FileId,
    root: &crate::diag::Located<crate::kinds::kit::node::Node>,
) -> Option<(FileId, document::Document)> {
    decode::document(&mut crate::kinds::kit::node::Reader::new(diagnostics), root)
        .map(|doc| (file, doc))
}

/// Resolves the decoded documents into desired state, or every problem found.
fn finish(
    documents: Vec<(FileId, document::Document)>,
    sources: SourceMap,
    mut diagnostics: Diagnostics,
) -> Loaded {
    let state = resolve::resolve(documents, &mut diagnostics);
    let state = if diagnostics.is_empty() {
        Ok(state)
    } else {
        Err(diagnostics)
    };
    Loaded {
        sources,
        state,
        skipped: Vec::new(),
    }
}
