//! Located diagnostics: what is wrong with the input, where (file, line, column, field path),
//! and what was expected. Input problems are collected, never thrown one at a time, so a user
//! fixes a broken tree in one pass.

use std::fmt;
use std::path::{Path, PathBuf};

/// Index of a source file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A position in a source file; lines and columns count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Located<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// The files of one run, so spans can be printed as paths.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    paths: Vec<PathBuf>,
}

impl SourceMap {
    /// Registers a file and returns its id.
    pub fn add(&mut self, path: PathBuf) -> FileId {
        let id = FileId(u32::try_from(self.paths.len()).expect("invariant: fewer than 2^32 files"));
        self.paths.push(path);
        id
    }

    /// The path of a registered file.
    pub fn path(&self, file: FileId) -> &Path {
        &self.paths[file.0 as usize]
    }

    /// Every registered file, in id order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }
}

/// One problem in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is; `None` for problems of the input as a whole (no files found).
    pub span: Option<Span>,
    /// The field path from the document root, e.g. `tenants[0].policies[1].rules[0].sources[1]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What was expected instead, when that helps.
    pub expected: Option<String>,
    /// Other places involved (the first definition of a duplicate, for example).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// A problem at a span.
    pub fn at(span: Span, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            span: Some(span),
            path: path.into(),
            message: message.into(),
            expected: None,
            related: Vec::new(),
        }
    }

    /// A problem with no location.
    pub fn global(message: impl Into<String>) -> Self {
        Self {
            span: None,
            path: String::new(),
            message: message.into(),
            expected: None,
            related: Vec::new(),
        }
    }

    /// Adds what was expected.
    #[must_use]
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Adds another place involved in the problem.
    #[must_use]
    pub fn related(mut self, span: Span, note: impl Into<String>) -> Self {
        self.related.push((span, note.into()));
        self
    }

    /// Prints the diagnostic as `file:line:column: path: message (expected ...)`, with the
    /// related places on following lines.
    pub fn display<'a>(&'a self, sources: &'a SourceMap) -> impl fmt::Display + 'a {
        DisplayDiagnostic {
            diagnostic: self,
            sources,
        }
    }
}

struct DisplayDiagnostic<'a> {
    diagnostic: &'a Diagnostic,
    sources: &'a SourceMap,
}

impl fmt::Display for DisplayDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        if let Some(span) = d.span {
            write_span(f, self.sources, span)?;
            f.write_str(": ")?;
        }
        if !d.path.is_empty() {
            write!(f, "{}: ", d.path)?;
        }
        f.write_str(&d.message)?;
        if let Some(expected) = &d.expected {
            write!(f, " (expected {expected})")?;
        }
        for (span, note) in &d.related {
            f.write_str("\n  ")?;
            write_span(f, self.sources, *span)?;
            write!(f, ": note: {note}")?;
        }
        Ok(())
    }
}

fn write_span(f: &mut fmt::Formatter<'_>, sources: &SourceMap, span: Span) -> fmt::Result {
    write!(
        f,
        "{}:{}:{}",
        sources.path(span.file).display(),
        span.line,
        span.column
    )
}

/// Every problem found in the input, sorted by file and position when printed.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Records every problem of `other`, after those recorded so far.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The number of problems.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The problems, sorted by file, line and column (unlocated ones first).
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by(|a, b| a.span.cmp(&b.span).then_with(|| a.message.cmp(&b.message)));
        items
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// The "did you mean" tail of a message (`; did you mean "name"?`), or nothing when no
/// candidate is close.
pub fn did_you_mean_hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|near| format!("; did you mean {near:?}?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Diagnostic, SourceMap, Span, did_you_mean, did_you_mean_hint};

    #[test]
    fn prints_file_line_column_path_message_expected() {
        let mut sources = SourceMap::default();
        let file = sources.add("tenants/acme.yaml".into());
        let first = sources.add("tenants/base.yaml".into());
        let diagnostic = Diagnostic::at(
            Span {
                file,
                line: 14,
                column: 7,
            },
            "tenants[0].groups[1]",
            "duplicate group \"ops\"",
        )
        .expected("unique names")
        .related(
            Span {
                file: first,
                line: 3,
                column: 5,
            },
            "first defined here",
        );
        assert_eq!(
            diagnostic.display(&sources).to_string(),
            "tenants/acme.yaml:14:7: tenants[0].groups[1]: duplicate group \"ops\" (expected unique \
             names)\n  tenants/base.yaml:3:5: note: first defined here"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("nmae", ["name", "domain"]), Some("name"));
        assert_eq!(
            did_you_mean("developrs", ["developers", "admins"]),
            Some("developers")
        );
        assert_eq!(did_you_mean("zzz", ["name", "domain"]), None);
        assert_eq!(
            did_you_mean_hint("nmae", ["name"]),
            "; did you mean \"name\"?"
        );
        assert_eq!(did_you_mean_hint("zzz", ["name"]), "");
    }
}
