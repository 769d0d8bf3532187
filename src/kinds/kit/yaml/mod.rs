//! YAML text to the located tree, straight from the parser's events.
//!
//! The tree is built from granit-parser's event stream rather than through a serde
//! deserializer: a span on every node through serde costs a synthetic map per node, and the
//! parse was most of a large plan's CPU (1,000 files of 100 objects: 1.2 s through serde,
//! 0.5 s from the events). Everything a serde reader did on the way is done here: scalars
//! mean what they always meant ([`scalar`]), anchors and aliases, merge keys (`<<`), duplicate
//! keys refused, one document per file, and budgets against hostile input (an alias bomb,
//! nesting without end).

mod scalar;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

use self::scalar::{ScalarError, Tag};
use super::node::Node;
use crate::diag::{Diagnostic, FileId, Located, Span};

/// The namespace of YAML's own tags (`!!int` is `tag:yaml.org,2002:int`).
const CORE_TAGS: &str = "tag:yaml.org,2002:";

/// Nodes accepted in any file, however small.
const MIN_NODE_BUDGET: usize = 250_000;

/// Nesting deeper than any desired-state document needs, and shallow enough that walking
/// and dropping the tree cannot exhaust a thread's stack.
const MAX_DEPTH: usize = 64;

/// Nodes aliases may repeat in one file, whatever its size.
const MAX_REPLAYED_NODES: usize = 1_000_000;

/// Scalar text aliases may repeat in one file (one long anchored string aliased many times
/// is one node per alias but much memory).
const MAX_REPLAYED_BYTES: usize = 64 * 1024 * 1024;

/// Parses one YAML document into a located tree; what is wrong becomes one diagnostic at
/// the place it was found.
pub(crate) fn parse(text: &str, file: FileId) -> Result<Located<Node>, Diagnostic> {
    let mut builder = Builder::new(text, file);
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| syntax_error(&err, file))?;
        builder
            .event(event, builder.span(&span.start))
            .map_err(Refusal::into_diagnostic)?;
    }
    Ok(builder.root.unwrap_or_else(|| {
        Located::new(
            Node::Null,
            Span {
                file,
                line: 1,
                column: 1,
            },
        )
    }))
}

fn syntax_error(err: &ScanError, file: FileId) -> Diagnostic {
    let span = span_at(file, err.marker());
    Diagnostic::at(span, "", format!("YAML syntax error: {}", err.info())).expected("valid YAML")
}

fn span_at(file: FileId, marker: &Marker) -> Span {
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Span {
        file,
        line: to_u32(marker.line()).max(1),
        column: to_u32(marker.col()).saturating_add(1),
    }
}

/// Why the text is not accepted, and where.
struct Refusal {
    span: Span,
    message: String,
}

impl Refusal {
    fn syntax(span: Span, message: impl Into<String>) -> Self {
        Self {
            span,
            message: format!("YAML syntax error: {}", message.into()),
        }
    }

    fn limit(span: Span, message: &str) -> Self {
        Self {
            span,
            message: format!("YAML refused: {message}"),
        }
    }

    fn into_diagnostic(self) -> Diagnostic {
        Diagnostic::at(self.span, "", self.message).expected("valid YAML")
    }
}

const REPEATS: &str = "aliases repeat too much of the document (an alias bomb?)";

/// A mapping key as far as sameness goes: two keys are duplicates when their scalars mean
/// the same. Keys that are lists or mappings are left to the decoder, which refuses them.
#[derive(PartialEq, Eq, Hash)]
enum KeyIdentity {
    Null,
    Bool(bool),
    Int(i128),
    Float(u64),
    Str(String),
}

impl KeyIdentity {
    fn of(node: &Node) -> Option<Self> {
        Some(match node {
            Node::Null => Self::Null,
            Node::Bool(b) => Self::Bool(*b),
            Node::Int(i) => Self::Int(*i),
            Node::Float(f) => Self::Float(f.to_bits()),
            Node::Str(s) => Self::Str(s.clone()),
            Node::Seq(_) | Node::Map(_) => return None,
        })
    }
}

/// One entry of a mapping being built: a key with its value, or a merge (`<<`) of other
/// mappings whose keys the mapping's own keys override.
enum Entry {
    Pair(Located<Node>, Located<Node>),
    Merge(Vec<Located<Node>>),
}

/// A mapping being built.
#[derive(Default)]
struct OpenMap {
    entries: Vec<Entry>,
    /// The key read, waiting for its value (and whether it is the merge key).
    key: Option<(Located<Node>, bool)>,
    /// The keys so far, once the mapping is too large to scan for a duplicate.
    keys: HashSet<KeyIdentity>,
}

/// Mappings with fewer keys are scanned for a duplicate (most are a handful of fields, and a
/// set for each would cost more than the scan); larger ones keep a set.
const SCANNED_KEYS: usize = 16;

impl OpenMap {
    /// Whether `key` is new to the mapping (a list or mapping as a key always is).
    fn is_new_key(&mut self, key: &Node) -> bool {
        if self.entries.len() < SCANNED_KEYS {
            return !self.pairs().any(|k| same_key(k, key));
        }
        let Some(identity) = KeyIdentity::of(key) else {
            return true;
        };
        if self.keys.is_empty() {
            let existing: HashSet<KeyIdentity> = self.pairs().filter_map(KeyIdentity::of).collect();
            self.keys = existing;
        }
        self.keys.insert(identity)
    }

    fn pairs(&self) -> impl Iterator<Item = &Node> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Pair(k, _) => Some(&k.value),
            Entry::Merge(_) => None,
        })
    }
}

/// Whether two scalar keys mean the same (what [`KeyIdentity`] compares, without building it).
fn same_key(a: &Node, b: &Node) -> bool {
    match (a, b) {
        (Node::Str(a), Node::Str(b)) => a == b,
        (Node::Int(a), Node::Int(b)) => a == b,
        (Node::Float(a), Node::Float(b)) => a.to_bits() == b.to_bits(),
        (Node::Bool(a), Node::Bool(b)) => a == b,
        (Node::Null, Node::Null) => true,
        _ => false,
    }
}

enum Collection {
    Seq(Vec<Located<Node>>),
    Map(OpenMap),
}

/// A list or mapping whose end has not been read yet.
struct Open {
    collection: Collection,
    span: Span,
    anchor: usize,
    /// The node count and scalar bytes when it opened, so an anchor knows what it repeats.
    nodes_before: usize,
    bytes_before: usize,
}

/// A finished anchored node, and what repeating it costs.
struct Anchored {
    node: Located<Node>,
    nodes: usize,
    bytes: usize,
}

struct Builder {
    file: FileId,
    stack: Vec<Open>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Located<Node>>,
    documents: usize,
    nodes: usize,
    bytes: usize,
    max_nodes: usize,
    replayed_nodes: usize,
    replayed_bytes: usize,
}

impl Builder {
    fn new(text: &str, file: FileId) -> Self {
        Self {
            file,
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            documents: 0,
            nodes: 0,
            bytes: 0,
            // A node takes at least half a byte of ordinary text; only aliases exceed that,
            // and what they repeat counts against the same budget.
            max_nodes: MIN_NODE_BUDGET.max(text.len().saturating_mul(2)),
            replayed_nodes: 0,
            replayed_bytes: 0,
        }
    }

    fn span(&self, marker: &Marker) -> Span {
        span_at(self.file, marker)
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Refusal> {
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Refusal::syntax(
                        span,
                        "more than one document in the file (each `---` starts one); put \
                         each in a file of its own",
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag_of(tag.as_deref());
                let merge = style == ScalarStyle::Plain && tag == Tag::None && text == "<<"
                    || matches!(&tag, Tag::Core(name) if name == "merge");
                let node = if merge {
                    Node::Str(text.into_owned())
                } else {
                    scalar::resolve(&text, style == ScalarStyle::Plain, &tag)
                        .map_err(|err| scalar_refusal(span, &text, err))?
                };
                self.count(1, scalar_bytes(&node), span)?;
                let nodes_before = self.nodes - 1;
                let bytes_before = self.bytes - scalar_bytes(&node);
                self.finish(
                    Located::new(node, span),
                    merge,
                    anchor,
                    nodes_before,
                    bytes_before,
                )?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                self.open(
                    Collection::Seq(Vec::new()),
                    "seq",
                    tag.as_deref(),
                    anchor,
                    span,
                )?;
            }
            Event::MappingStart(_, anchor, tag) => {
                self.open(
                    Collection::Map(OpenMap::default()),
                    "map",
                    tag.as_deref(),
                    anchor,
                    span,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = self
                    .stack
                    .pop()
                    .expect("invariant: the parser balances collections");
                let node = match open.collection {
                    Collection::Seq(items) => Node::Seq(items),
                    Collection::Map(map) => Node::Map(merged(map.entries)),
                };
                self.finish(
                    Located::new(node, open.span),
                    false,
                    open.anchor,
                    open.nodes_before,
                    open.bytes_before,
                )?;
            }
            Event::Alias(id) => {
                let Some((nodes, bytes)) = self.anchors.get(&id).map(|a| (a.nodes, a.bytes)) else {
                    return Err(Refusal::syntax(
                        span,
                        "an alias refers to the value it is part of",
                    ));
                };
                self.replayed_nodes = self.replayed_nodes.saturating_add(nodes);
                self.replayed_bytes = self.replayed_bytes.saturating_add(bytes);
                if self.replayed_nodes > MAX_REPLAYED_NODES
                    || self.replayed_bytes > MAX_REPLAYED_BYTES
                {
                    return Err(Refusal::limit(span, REPEATS));
                }
                self.count(nodes, bytes, span)?;
                let mut node = self.anchors[&id].node.clone();
                node.span = span;
                self.finish(node, false, 0, 0, 0)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Counts nodes against the budget; past it, the document is refused where it grew.
    fn count(&mut self, nodes: usize, bytes: usize, span: Span) -> Result<(), Refusal> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > self.max_nodes {
            return Err(Refusal::limit(
                span,
                &format!("the document has too many values for its size: {REPEATS}"),
            ));
        }
        Ok(())
    }

    fn open(
        &mut self,
        collection: Collection,
        kind: &str,
        tag: Option<&granit_parser::Tag>,
        anchor: usize,
        span: Span,
    ) -> Result<(), Refusal> {
        if let Some(name) = tag.and_then(|t| t.suffix_in_namespace(CORE_TAGS))
            && name != kind
        {
            let what = if kind == "seq" { "a list" } else { "a mapping" };
            return Err(Refusal::syntax(
                span,
                format!("the tag !!{name} does not fit {what}"),
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Refusal::limit(
                span,
                &format!("the document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.count(1, 0, span)?;
        self.stack.push(Open {
            collection,
            span,
            anchor,
            nodes_before: self.nodes - 1,
            bytes_before: self.bytes,
        });
        Ok(())
    }

    /// A finished node goes into the collection that holds it (or becomes the root), and is
    /// remembered if it carries an anchor.
    fn finish(
        &mut self,
        node: Located<Node>,
        merge_key: bool,
        anchor: usize,
        nodes_before: usize,
        bytes_before: usize,
    ) -> Result<(), Refusal> {
        if anchor != 0 {
            let anchored = Anchored {
                node: node.clone(),
                nodes: self.nodes - nodes_before,
                bytes: self.bytes - bytes_before,
            };
            self.anchors.insert(anchor, anchored);
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut parent.collection {
            Collection::Seq(items) => items.push(node),
            Collection::Map(map) => match map.key.take() {
                None => map.key = Some((node, merge_key)),
                Some((_, true)) => map.entries.push(Entry::Merge(merge_sources(node)?)),
                Some((key, false)) => {
                    if !map.is_new_key(&key.value) {
                        return Err(Refusal::syntax(
                            key.span,
                            format!("duplicate mapping key: {}", key_text(&key.value)),
                        ));
                    }
                    map.entries.push(Entry::Pair(key, node));
                }
            },
        }
        Ok(())
    }
}

/// The mappings a merge key names: one mapping, or a list of them (earlier ones win).
fn merge_sources(value: Located<Node>) -> Result<Vec<Located<Node>>, Refusal> {
    let refuse = |span| {
        Refusal::syntax(
            span,
            "a merge key (<<) takes a mapping or a list of mappings",
        )
    };
    match value.value {
        Node::Map(_) => Ok(vec![value]),
        Node::Seq(items) => {
            if let Some(item) = items.iter().find(|i| !matches!(i.value, Node::Map(_))) {
                return Err(refuse(item.span));
            }
            Ok(items)
        }
        _ => Err(refuse(value.span)),
    }
}

/// A mapping's entries with its merges resolved: its own keys first in place, a merged key
/// only where neither the mapping nor an earlier merge has it.
fn merged(entries: Vec<Entry>) -> Vec<(Located<Node>, Located<Node>)> {
    if !entries.iter().any(|e| matches!(e, Entry::Merge(_))) {
        return entries
            .into_iter()
            .map(|e| match e {
                Entry::Pair(k, v) => (k, v),
                Entry::Merge(_) => unreachable!("no merge entries"),
            })
            .collect();
    }
    let mut taken: HashSet<KeyIdentity> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Pair(k, _) => KeyIdentity::of(&k.value),
            Entry::Merge(_) => None,
        })
        .collect();
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            Entry::Pair(k, v) => out.push((k, v)),
            Entry::Merge(sources) => {
                for source in sources {
                    let Node::Map(pairs) = source.value else {
                        continue;
                    };
                    for (k, v) in pairs {
                        let fresh = KeyIdentity::of(&k.value).is_none_or(|id| taken.insert(id));
                        if fresh {
                            out.push((k, v));
                        }
                    }
                }
            }
        }
    }
    out
}

fn key_text(node: &Node) -> String {
    match node {
        Node::Null => "null".to_owned(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => f.to_string(),
        Node::Str(s) => s.clone(),
        Node::Seq(_) | Node::Map(_) => String::new(),
    }
}

fn scalar_bytes(node: &Node) -> usize {
    match node {
        Node::Str(s) => s.len(),
        _ => 0,
    }
}

/// A scalar's tag as far as its meaning goes.
fn tag_of(tag: Option<&granit_parser::Tag>) -> Tag {
    let Some(tag) = tag else {
        return Tag::None;
    };
    if let Some(name) = tag.suffix_in_namespace(CORE_TAGS) {
        return Tag::Core(name.into_owned());
    }
    match tag.suffix_in_namespace("!").as_deref() {
        Some("" | "!") => Tag::Str,
        _ => Tag::None,
    }
}

fn scalar_refusal(span: Span, text: &str, err: ScalarError) -> Refusal {
    let text: Cow<'_, str> = if text.chars().count() > 40 {
        Cow::Owned(format!("{}...", text.chars().take(40).collect::<String>()))
    } else {
        Cow::Borrowed(text)
    };
    let message = match err {
        ScalarError::NotA(what) => format!("{text:?} is not {what}"),
        ScalarError::NotFinite => {
            format!("{text} is not a finite number; quote it to make it a string")
        }
        ScalarError::UnsupportedTag(tag) => format!("the tag {tag} is not supported here"),
    };
    Refusal::syntax(span, message)
}
