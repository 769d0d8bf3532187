//! A YAML node tree with a span on every node (built by [`super::yaml`]), and a reader that
//! turns it into typed values while collecting every problem instead of stopping at the first.
//!
//! Decoding straight into serde structs would stop at the first wrong type or unknown key;
//! walking a located tree lets `validate` report all of them in one pass.

use std::fmt::Display;
use std::str::FromStr;

use crate::diag::{Diagnostic, Diagnostics, Located, Span, did_you_mean_hint};

/// A YAML value as parsed, before any meaning is given to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Located<Node>>),
    Map(Vec<(Located<Node>, Located<Node>)>),
}

impl Node {
    /// How the node reads in a message: "a string", "a list", ...
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

/// Joins a field path and a key: `tenants[0]` + `name` = `tenants[0].name`.
pub(crate) fn field_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        return key.to_owned();
    }
    // Built by hand rather than with `format!`: every field read makes one, and a large plan
    // reads millions.
    let mut path = String::with_capacity(parent.len() + 1 + key.len());
    path.push_str(parent);
    path.push('.');
    path.push_str(key);
    path
}

/// The paths of a list's items, `path[0]`, `path[1]`, ..., written into one buffer.
struct ItemPaths {
    buffer: String,
    prefix: usize,
}

impl ItemPaths {
    fn new(path: &str) -> Self {
        let mut buffer = String::with_capacity(path.len() + 8);
        buffer.push_str(path);
        Self {
            prefix: path.len(),
            buffer,
        }
    }

    fn at(&mut self, index: usize) -> &str {
        use std::fmt::Write as _;
        self.buffer.truncate(self.prefix);
        let _ = write!(self.buffer, "[{index}]");
        &self.buffer
    }
}

/// Reads typed values out of nodes, recording a diagnostic for every node that does not fit.
/// Every reader returns `None` after recording why, so callers simply skip what failed.
pub(crate) struct Reader<'d> {
    diagnostics: &'d mut Diagnostics,
}

impl<'d> Reader<'d> {
    pub(crate) fn new(diagnostics: &'d mut Diagnostics) -> Self {
        Self { diagnostics }
    }

    /// Records a problem.
    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn wrong_type(&mut self, node: &Located<Node>, path: &str, expected: &str) {
        let hint = match (&node.value, expected) {
            (Node::Int(_) | Node::Float(_) | Node::Bool(_), "a string") => {
                "; quote it to make it a string"
            }
            _ => "",
        };
        self.report(
            Diagnostic::at(
                node.span,
                path,
                format!("found {}{hint}", node.value.describe()),
            )
            .expected(expected),
        );
    }

    pub(crate) fn string(&mut self, node: &Located<Node>, path: &str) -> Option<Located<String>> {
        match &node.value {
            Node::Str(s) if s.trim().is_empty() => {
                self.report(
                    Diagnostic::at(node.span, path, "empty string").expected("a non-empty string"),
                );
                None
            }
            Node::Str(s) => Some(Located::new(s.clone(), node.span)),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, node: &Located<Node>, path: &str) -> Option<bool> {
        if let Node::Bool(b) = node.value {
            Some(b)
        } else {
            self.wrong_type(node, path, "true or false");
            None
        }
    }

    /// An integer within `min..=max`.
    pub(crate) fn integer<T: TryFrom<i128>>(
        &mut self,
        node: &Located<Node>,
        path: &str,
        min: i128,
        max: i128,
    ) -> Option<T> {
        let expected = format!("an integer from {min} to {max}");
        match node.value {
            Node::Int(v) if (min..=max).contains(&v) => T::try_from(v).ok(),
            Node::Int(v) => {
                self.report(
                    Diagnostic::at(node.span, path, format!("{v} is out of range"))
                        .expected(expected),
                );
                None
            }
            _ => {
                self.wrong_type(node, path, &expected);
                None
            }
        }
    }

    /// One of a fixed set of words, with a "did you mean" for near misses.
    pub(crate) fn choice<T: FromStr>(
        &mut self,
        node: &Located<Node>,
        path: &str,
        what: &str,
        names: &[&'static str],
    ) -> Option<Located<T>> {
        let expected = format!("one of {}", names.join(", "));
        let Node::Str(text) = &node.value else {
            self.wrong_type(node, path, &expected);
            return None;
        };
        if let Ok(value) = text.parse() {
            return Some(Located::new(value, node.span));
        }
        let hint = did_you_mean_hint(text, names.iter().copied());
        self.report(
            Diagnostic::at(node.span, path, format!("unknown {what} {text:?}{hint}"))
                .expected(expected),
        );
        None
    }

    /// A string (or, where `integers` is set, an integer) parsed with `FromStr`.
    pub(crate) fn parsed<T>(
        &mut self,
        node: &Located<Node>,
        path: &str,
        expected: &str,
        integers: bool,
    ) -> Option<Located<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        let text = match &node.value {
            Node::Str(s) => s.clone(),
            Node::Int(i) if integers => i.to_string(),
            _ => {
                self.wrong_type(node, path, expected);
                return None;
            }
        };
        match text.parse() {
            Ok(value) => Some(Located::new(value, node.span)),
            Err(err) => {
                self.report(Diagnostic::at(node.span, path, err.to_string()).expected(expected));
                None
            }
        }
    }

    /// A list, each item read by `item`; items that fail are left out.
    pub(crate) fn list<T>(
        &mut self,
        node: &Located<Node>,
        path: &str,
        mut item: impl FnMut(&mut Self, &Located<Node>, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Node::Seq(items) = &node.value else {
            self.wrong_type(node, path, "a list");
            return None;
        };
        let mut paths = ItemPaths::new(path);
        Some(
            items
                .iter()
                .enumerate()
                .filter_map(|(index, node)| item(self, node, paths.at(index)))
                .collect(),
        )
    }

    /// A list of strings; all or nothing, so later messages can cite items by index.
    pub(crate) fn strings(
        &mut self,
        node: &Located<Node>,
        path: &str,
    ) -> Option<Vec<Located<String>>> {
        let Node::Seq(items) = &node.value else {
            self.wrong_type(node, path, "a list");
            return None;
        };
        let mut paths = ItemPaths::new(path);
        let strings: Vec<Option<Located<String>>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| self.string(item, paths.at(index)))
            .collect();
        strings.into_iter().collect()
    }

    /// A mapping, read field by field through the returned [`Fields`].
    pub(crate) fn mapping<'n>(
        &mut self,
        node: &'n Located<Node>,
        path: &str,
    ) -> Option<Fields<'n>> {
        let Node::Map(entries) = &node.value else {
            self.wrong_type(node, path, "a mapping");
            return None;
        };
        let mut fields = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match &key.value {
                Node::Str(name) => fields.push(Field {
                    name,
                    key_span: key.span,
                    value,
                    used: false,
                }),
                _ => self.wrong_type(key, path, "a field name"),
            }
        }
        Some(Fields {
            span: node.span,
            path: path.to_owned(),
            entries: fields,
            known: Vec::new(),
        })
    }
}

struct Field<'n> {
    name: &'n str,
    key_span: Span,
    value: &'n Located<Node>,
    used: bool,
}

/// The fields of one mapping. Every `take` names a field the mapping may have, so `finish`
/// can report the rest as unknown, with the closest known name as a hint.
pub(crate) struct Fields<'n> {
    span: Span,
    path: String,
    entries: Vec<Field<'n>>,
    known: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// Where the mapping starts.
    pub(crate) fn span(&self) -> Span {
        self.span
    }

    /// The mapping's field path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The path of one of its fields.
    pub(crate) fn child(&self, key: &str) -> String {
        field_path(&self.path, key)
    }

    /// Whether the mapping has this field (without taking it).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|f| f.name == key)
    }

    /// The value of an optional field.
    pub(crate) fn take(&mut self, key: &'static str) -> Option<&'n Located<Node>> {
        #[cfg(test)]
        asked::record(&self.path, key);
        self.known.push(key);
        let field = self.entries.iter_mut().find(|f| f.name == key)?;
        field.used = true;
        Some(field.value)
    }

    /// The value of a required field; its absence is reported.
    pub(crate) fn require(
        &mut self,
        reader: &mut Reader<'_>,
        key: &'static str,
    ) -> Option<&'n Located<Node>> {
        let value = self.take(key);
        if value.is_none() {
            reader.report(
                Diagnostic::at(self.span, &self.path, format!("missing field {key:?}"))
                    .expected(format!("a {key:?} field")),
            );
        }
        value
    }

    /// Reports every field no `take` asked for.
    pub(crate) fn finish(self, reader: &mut Reader<'_>) {
        for field in self.entries.iter().filter(|f| !f.used) {
            let hint = did_you_mean_hint(field.name, self.known.iter().copied());
            let mut known = self.known.clone();
            known.sort_unstable();
            reader.report(
                Diagnostic::at(
                    field.key_span,
                    &self.path,
                    format!("unknown field {:?}{hint}", field.name),
                )
                .expected(format!("one of {}", known.join(", "))),
            );
        }
    }
}

/// Every key the decoder asks a mapping for, with the mapping's field path, so a test can look
/// each one up in the schema at that place (`schema_agreement`). Only [`Fields::take`] (and
/// `require`, which calls it) records: those are the keys `finish` accepts, while `has` only
/// looks. Built for tests alone; the decoder outside tests has no such hook.
#[cfg(test)]
pub(crate) mod asked {
    use std::cell::RefCell;

    thread_local! {
        /// `Some` while [`during`] runs on this thread.
        static KEYS: RefCell<Option<Vec<(String, &'static str)>>> = const { RefCell::new(None) };
    }

    /// Runs `decode` and returns the (mapping path, key) pairs it asked for, in order.
    pub(crate) fn during(decode: impl FnOnce()) -> Vec<(String, &'static str)> {
        KEYS.set(Some(Vec::new()));
        decode();
        KEYS.take().unwrap_or_default()
    }

    pub(super) fn record(path: &str, key: &'static str) {
        KEYS.with_borrow_mut(|keys| {
            if let Some(keys) = keys {
                keys.push((path.to_owned(), key));
            }
        });
    }
}
