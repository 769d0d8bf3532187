//! The event-built tree against serde-saphyr's (the reader desired state was read with
//! before): the same tree, spans included, for every file the project ships and for YAML in
//! every shape a hand or another tool may write it; and the refusals of hostile input.

use std::fmt::Write as _;

use super::parse;
use crate::diag::{FileId, Located, Span};
use crate::kinds::kit::node::Node;

/// serde-saphyr's reading of a document, kept as the oracle the event builder must match.
mod oracle {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    use crate::diag::{FileId, Located, Span};
    use crate::kinds::kit::node::Node;

    struct RawNode(serde_saphyr::Spanned<RawValue>);

    enum RawValue {
        Null,
        Bool(bool),
        Int(i128),
        Float(f64),
        Str(String),
        Seq(Vec<RawNode>),
        Map(Vec<(RawNode, RawNode)>),
    }

    impl<'de> Deserialize<'de> for RawNode {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            serde_saphyr::Spanned::deserialize(deserializer).map(RawNode)
        }
    }

    impl<'de> Deserialize<'de> for RawValue {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(RawVisitor)
        }
    }

    struct RawVisitor;

    impl<'de> Visitor<'de> for RawVisitor {
        type Value = RawValue;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any YAML value")
        }
        fn visit_unit<E>(self) -> Result<RawValue, E> {
            Ok(RawValue::Null)
        }
        fn visit_none<E>(self) -> Result<RawValue, E> {
            Ok(RawValue::Null)
        }
        fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
            Ok(RawValue::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
            Ok(RawValue::Int(v.into()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
            Ok(RawValue::Int(v.into()))
        }
        fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
            Ok(RawValue::Float(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
            Ok(RawValue::Str(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
            Ok(RawValue::Str(v))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(RawValue::Seq(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(RawValue::Map(entries))
        }
    }

    fn located(raw: RawNode) -> Located<Node> {
        let span = Span {
            file: FileId(0),
            line: u32::try_from(raw.0.referenced.line()).unwrap().max(1),
            column: u32::try_from(raw.0.referenced.column()).unwrap().max(1),
        };
        let node = match raw.0.value {
            RawValue::Null => Node::Null,
            RawValue::Bool(v) => Node::Bool(v),
            RawValue::Int(v) => Node::Int(v),
            RawValue::Float(v) => Node::Float(v),
            RawValue::Str(v) => Node::Str(v),
            RawValue::Seq(items) => Node::Seq(items.into_iter().map(located).collect()),
            RawValue::Map(entries) => Node::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (located(k), located(v)))
                    .collect(),
            ),
        };
        Located::new(node, span)
    }

    /// The tree, or the error's line and column.
    pub(super) fn parse(text: &str) -> Result<Located<Node>, Option<(u32, u32)>> {
        serde_saphyr::from_str::<RawNode>(text)
            .map(located)
            .map_err(|err| {
                err.location().map(|l| {
                    (
                        u32::try_from(l.line()).unwrap(),
                        u32::try_from(l.column()).unwrap(),
                    )
                })
            })
    }
}

/// Documents in the shapes people write: every scalar style and meaning, flow and block
/// collections, anchors, aliases and merges, comments everywhere, odd indentation.
const SHAPES: &[&str] = &[
    "",
    "---\nversion: 1\n...\n",
    "version: 1\n",
    "a: ~\nb: null\nc:\nd: Null\ne: NULL\nf: nULL\n",
    "a: yes\nb: No\nc: ON\nd: off\ne: y\nf: N\ng: true\nh: FALSE\ni: tRuE\n",
    "a: 1\nb: -1\nc: +1\nd: 0\ne: -0\nf: 007\ng: -007\nh: 1_000\ni: 1__0\nj: _1\nk: 1_\n",
    "a: 0x1f\nb: 0X1F\nc: 0o17\nd: 0O17\ne: 0b101\nf: -0x10\ng: 0x\nh: 0o8\n",
    "a: 9223372036854775807\nb: 9223372036854775808\nc: -9223372036854775808\nd: -9223372036854775809\n",
    "a: 18446744073709551615\nb: 18446744073709551616\nc: 340282366920938463463374607431768211456\n",
    "a: 1.5\nb: -1.5\nc: 1e3\nd: 1E-3\ne: .5\nf: 5.\ng: +.5\nh: 1.5e+3\ni: 1_0.5\n",
    "a: inf\nb: nan\nc: infinity\nd: -.nan\ne: +.nan\nf: NaN\ng: Infinity\n",
    "a: '1'\nb: \"yes\"\nc: 'null'\nd: \"\"\ne: ''\nf: \"a\\tb\\u00e9\"\ng: 'it''s'\n",
    "a: |\n  line one\n  line two\nb: >\n  folded\n  text\nc: |-\n  kept\nd: >+\n  kept\n\ne: 1\n",
    "a: !!str 42\nb: !!int '42'\nc: !!bool 'yes'\nd: !!null x\ne: !!float 1\nf: ! 42\ng: !local 42\nh: !!str\n",
    "list: [a, b, 'c', 1, {x: 1, y: [2, 3]}]\nmap: {a: 1, b: [], c: {}}\nempty: []\n",
    "- a\n- - b\n  - c\n- d: 1\n  e: 2\n-\n- ''\n",
    "key with spaces: value with spaces\n\"quoted key\": 1\n'single': 2\n? complex\n: 3\n",
    "tenants:\n  - name: acme # trailing comment\n    # own line\n    groups:\n      - name: ops\n        peers: []\n",
    "a:\n    deeply:\n        indented: 1\n    back: 2\n",
    "  indented: 1\n  root: 2\n",
    "unicode: héllo wörld ✓\nemoji: \"🔑\"\n\"ключ\": значение\n",
    "url: http://example.com:8080/path?x=1#frag\ncidr: 10.0.0.0/24\nport: 80-443\ntime: 12:30:00\n",
    "a: - not a list\n",
    "a: b: c\n",
    "a: [1, 2\n",
    "a: {b: 1\n",
    "a: 'unterminated\n",
    "a: 1\na: 2\n",
    "a: 1\nb:\n  c: 1\n  c: 2\n",
    "a: *nothing\n",
    "a: &x [*x]\n",
    "\t a: 1\n",
    "a: .inf\n",
    "a: -.Inf\n",
    "a: 1e999\n",
    "a: !!int abc\n",
    "<<: 1\n",
    "- <<: [1]\n",
];

/// Documents whose values serde-saphyr reads the same, but places differently: it moves
/// merged keys after the mapping's own and gives every node an alias repeats the alias's
/// position, while the tree here keeps merged keys where the `<<` is and the repeated nodes
/// where they are written (the place to fix them), only the alias itself at the alias.
const REPEATS_ELSEWHERE: &[&str] = &[
    "base: &base\n  a: 1\n  b: 2\nchild:\n  <<: *base\n  b: 3\n  c: 4\n",
    "one: &one {a: 1}\ntwo: &two {a: 2, b: 2}\nboth:\n  <<: [*one, *two]\n  c: 3\n",
    "before:\n  b: 0\n  <<: {a: 1, b: 2}\n",
    "names: &names [a, b, c]\nagain: *names\nscalar: &s hello\nref: *s\n",
];

/// Every YAML file the project ships as an example or fixture.
const SHIPPED: &[(&str, &str)] = &[
    (
        "examples/tenants/acme-dental.yaml",
        include_str!("../../../../examples/tenants/acme-dental.yaml"),
    ),
    (
        "examples/tenants/baselines.yaml",
        include_str!("../../../../examples/tenants/baselines.yaml"),
    ),
    (
        "examples/tenants/customers.yaml",
        include_str!("../../../../examples/tenants/customers.yaml"),
    ),
    (
        "tests/fixtures/every-key.yaml",
        include_str!("../../../../tests/fixtures/every-key.yaml"),
    ),
    (
        "tests/fixtures/exported.yaml",
        include_str!("../../../../tests/fixtures/exported.yaml"),
    ),
];

fn corpus() -> Vec<(String, String)> {
    let mut documents: Vec<(String, String)> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, text)| (format!("shape {i}"), (*text).to_owned()))
        .collect();
    for (name, text) in SHIPPED {
        documents.push(((*name).to_owned(), (*text).to_owned()));
    }
    documents
}

#[test]
fn the_tree_is_the_one_serde_saphyr_reads() {
    let mut differences = String::new();
    for (name, text) in corpus() {
        let ours = parse(&text, FileId(0));
        match (ours, oracle::parse(&text)) {
            (Ok(ours), Ok(theirs)) if ours == theirs => {}
            (Err(ours), Err(Some(theirs)))
                if ours.span.map(|s| (s.line, s.column)) != Some(theirs) =>
            {
                let _ = writeln!(
                    differences,
                    "{name}: {text:?}\n  ours:   {:?} {}\n  theirs: {theirs:?}",
                    ours.span, ours.message
                );
            }
            (Err(_), Err(_)) => {}
            (ours, theirs) => {
                let ours = ours.map_err(|d| (d.span, d.message));
                let _ = writeln!(
                    differences,
                    "{name}: {text:?}\n  ours:   {ours:?}\n  theirs: {theirs:?}"
                );
            }
        }
    }
    assert!(differences.is_empty(), "{differences}");
}

/// A tree without its positions, each mapping's keys in order, to compare values alone.
fn values(node: &Located<Node>) -> String {
    match &node.value {
        Node::Seq(items) => format!(
            "[{}]",
            items.iter().map(values).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries) => {
            let mut pairs: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", values(k), values(v)))
                .collect();
            pairs.sort();
            format!("{{{}}}", pairs.join(", "))
        }
        scalar => format!("{scalar:?}"),
    }
}

#[test]
fn repeated_and_merged_values_are_the_ones_serde_saphyr_reads() {
    for text in REPEATS_ELSEWHERE {
        let ours = parse(text, FileId(0)).expect("ours");
        let theirs = oracle::parse(text).expect("theirs");
        assert_eq!(values(&ours), values(&theirs), "{text:?}");
    }
}

#[test]
fn an_alias_is_at_the_alias_and_what_it_repeats_where_it_is_written() {
    let root = parse(
        "names: &names [a, b]
again: *names
",
        FileId(0),
    )
    .unwrap();
    let Node::Map(entries) = root.value else {
        panic!("not a map")
    };
    let again = &entries[1].1;
    assert_eq!((again.span.line, again.span.column), (2, 8));
    let Node::Seq(items) = &again.value else {
        panic!("not a list")
    };
    assert_eq!((items[1].span.line, items[1].span.column), (1, 19));
}

#[test]
fn tags_no_field_can_take_are_refused() {
    let (line, column, message) = refusal("a: !!binary aGk=\n");
    assert_eq!((line, column), (1, 13));
    assert_eq!(
        message,
        "YAML syntax error: the tag !!binary is not supported here"
    );
    let (_, _, message) = refusal("a: !!int abc\n");
    assert_eq!(message, "YAML syntax error: \"abc\" is not an integer");
}

fn refusal(text: &str) -> (u32, u32, String) {
    let err = parse(text, FileId(0)).expect_err("refused");
    let span = err.span.expect("located");
    (span.line, span.column, err.message)
}

#[test]
fn every_node_has_its_line_and_column() {
    let root = parse("version: 1\ntenants:\n  - name: acme\n", FileId(0)).unwrap();
    let Node::Map(entries) = &root.value else {
        panic!("not a map")
    };
    let (key, value) = &entries[1];
    assert_eq!((key.span.line, key.span.column), (2, 1));
    let Node::Seq(items) = &value.value else {
        panic!("not a list")
    };
    let Node::Map(fields) = &items[0].value else {
        panic!("not a map")
    };
    assert_eq!((fields[0].1.span.line, fields[0].1.span.column), (3, 11));
}

#[test]
fn syntax_errors_are_located_and_say_what_is_wrong() {
    assert_eq!(
        refusal("a: 1\na: 2\n"),
        (
            2,
            1,
            "YAML syntax error: duplicate mapping key: a".to_owned()
        )
    );
    let (line, column, message) = refusal("a: 1\nb: [1, 2\n");
    assert_eq!((line, column), (2, 4), "{message}");
    assert!(message.starts_with("YAML syntax error: "), "{message}");
    let (line, _, message) = refusal("a: 1\n---\nb: 2\n");
    assert_eq!(line, 2);
    assert!(message.contains("more than one document"), "{message}");
}

#[test]
fn merges_keep_the_mappings_own_keys_and_the_first_merged_value() {
    let root = parse(
        "one: &one {a: 1, z: 1}\ntwo: &two {a: 2, b: 2}\nboth:\n  b: 0\n  <<: [*one, *two]\n",
        FileId(0),
    )
    .unwrap();
    let Node::Map(entries) = root.value else {
        panic!("not a map")
    };
    let Node::Map(both) = &entries[2].1.value else {
        panic!("not a map")
    };
    let pairs: Vec<(String, i128)> = both
        .iter()
        .map(|(k, v)| match (&k.value, &v.value) {
            (Node::Str(k), Node::Int(v)) => (k.clone(), *v),
            other => panic!("{other:?}"),
        })
        .collect();
    let expected = [("b", 0), ("a", 1), ("z", 1)].map(|(k, v)| (k.to_owned(), v));
    assert_eq!(pairs, expected);
}

#[test]
fn an_alias_bomb_is_refused_where_it_expands() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .into_iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let aliases = vec![format!("*{previous}"); 10].join(", ");
        let _ = writeln!(bomb, "{name}: &{name} [{aliases}]");
    }
    let (line, _, message) = refusal(&bomb);
    assert!((5..=8).contains(&line), "line {line}: {message}");
    assert!(message.contains("alias bomb"), "{message}");
}

#[test]
fn one_long_string_repeated_by_aliases_is_refused() {
    let mut text = format!("s: &s {}\nlist:\n", "x".repeat(1 << 20));
    for _ in 0..100 {
        text.push_str("  - *s\n");
    }
    let (_, _, message) = refusal(&text);
    assert!(message.contains("alias bomb"), "{message}");
}

#[test]
fn nesting_without_end_is_refused_before_it_costs_the_stack() {
    let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (line, column, message) = refusal(&flow);
    assert_eq!(line, 1);
    assert!(column <= 256, "column {column}: {message}");
    let mut block = String::new();
    for depth in 0..100 {
        let _ = writeln!(block, "{}k{depth}:", "  ".repeat(depth));
    }
    let (line, _, message) = refusal(&block);
    assert_eq!(line, 65, "{message}");
    assert_eq!(
        message,
        "YAML refused: the document nests deeper than 64 levels"
    );
    let nested = format!("{}1{}", "[".repeat(60), "]".repeat(60));
    assert!(parse(&nested, FileId(0)).is_ok());
}

#[test]
fn a_large_file_of_ordinary_yaml_is_accepted() {
    let mut text = String::from("tenants:\n");
    for t in 0..1_000 {
        let _ = writeln!(text, "  - name: tenant-{t}\n    groups:");
        for g in 0..100 {
            let _ = writeln!(text, "      - name: g{g}");
        }
    }
    let root = parse(&text, FileId(0)).expect("accepted");
    assert!(matches!(root.value, Node::Map(_)));
}

#[test]
fn an_empty_file_is_null_at_its_start() {
    let root = parse("# nothing\n", FileId(3)).unwrap();
    assert_eq!(
        root,
        Located::new(
            Node::Null,
            Span {
                file: FileId(3),
                line: 1,
                column: 1
            }
        )
    );
}

#[test]
fn a_duplicate_key_is_found_in_a_large_mapping_too() {
    let mut text = String::new();
    for k in 0..100 {
        let _ = writeln!(text, "k{k}: {k}");
    }
    text.push_str("k3: again\n");
    assert_eq!(
        refusal(&text),
        (
            101,
            1,
            "YAML syntax error: duplicate mapping key: k3".to_owned()
        )
    );
    let mut keys = String::new();
    for k in 0..100 {
        let _ = writeln!(keys, "k{k}: {k}");
    }
    assert!(parse(&keys, FileId(0)).is_ok());
}
