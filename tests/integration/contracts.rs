//! Contracts that must keep holding: the checked-in schema, the examples, and a loader that
//! never panics whatever it is given.

use std::path::PathBuf;

use proptest::prelude::*;

use crate::support::repo_root;

fn example_files() -> Vec<PathBuf> {
    let dir = repo_root().join("examples/tenants");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "examples/tenants should hold several files"
    );
    files
}

#[test]
fn every_example_validates_against_the_schema() {
    let schema_text =
        std::fs::read_to_string(repo_root().join("schema/birdhouse.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    for path in example_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match the schema:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
}

/// A tenant with a group `g` and a network `lan` holding a resource `r`, valid as it stands.
/// The cases below add one line to it, so that line is what the schema and the loader reject
/// (and not, say, a policy naming a group that does not exist).
const VALID_TENANT: &str = "\
version: 1
tenants:
  - name: a
    domain: a.example
    groups: [{name: g}]
    networks:
      - name: lan
        resources: [{name: r, address: 10.0.0.0/24}]
";

/// What the loader says about `text`, one message per problem; empty when it accepts it.
fn loader_messages(text: &str) -> Vec<String> {
    let loaded =
        birdhouse::desired::load_contents([(PathBuf::from("bad.yaml"), text.as_bytes().to_vec())]);
    match &loaded.state {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics
            .sorted()
            .iter()
            .map(|d| d.display(&loaded.sources).to_string())
            .collect(),
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema_text =
        std::fs::read_to_string(repo_root().join("schema/birdhouse.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let valid: serde_json::Value = serde_saphyr::from_str(VALID_TENANT).unwrap();
    assert!(
        validator.is_valid(&valid),
        "the schema rejects the valid tenant"
    );
    assert_eq!(loader_messages(VALID_TENANT), Vec::<String>::new());
    let tenant = |line: &str| format!("{VALID_TENANT}{line}\n");
    // Each bad document, and what the loader says about it.
    for (bad, why) in [
        ("version: 1\ntenant: []\n".to_owned(), "unknown field \"tenant\""),
        ("version: 2\n".to_owned(), "unsupported format version 2"),
        (
            "version: 1\ntenants: [{name: a, domain: a.example, groups: [{nmae: x}]}]\n".to_owned(),
            "unknown field \"nmae\"",
        ),
        (
            "version: 1\ntenants: [{name: a, domain: a.example, setup_keys: [{name: k, type: reuseable}]}]\n".to_owned(),
            "unknown setup key type \"reuseable\"",
        ),
        (
            "version: 1\ntenants: [{name: a, domain: a.example, users: [{email: a@a.example, role: admn}]}]\n".to_owned(),
            "unknown role \"admn\"",
        ),
        (
            "version: 1\ntenants: [{name: a, domain: a.example, prune: [group]}]\n".to_owned(),
            "unknown kind \"group\"",
        ),
        // An optional key may be left out, never null.
        (tenant("    create: null"), "tenants[0].create: found null"),
        (tenant("        description: null"), "networks[0].description: found null"),
        (tenant("    users: [{email: a@a.example, role: null}]"), "users[0].role: found null"),
        (tenant("    users: [{service: s, token: null}]"), "users[0].token: found null"),
        // A router names its peer or its peer groups: exactly one of them.
        (
            tenant("        routers: [{peer: p, peer_groups: [g]}]"),
            "a router has both `peer` and `peer_groups`",
        ),
        (
            tenant("        routers: [{metric: 10}]"),
            "a router needs `peer` or `peer_groups`",
        ),
        // A rule reaches destination groups or one resource: exactly one of them.
        (
            tenant(
                "    policies: [{name: p, rules: [{protocol: all, sources: [g], destinations: [g], \
                 destination_resource: {network: lan, resource: r}}]}]",
            ),
            "a rule has both `destinations` and `destination_resource`",
        ),
        (
            tenant("    policies: [{name: p, rules: [{protocol: all, sources: [g]}]}]"),
            "a rule needs `destinations` or `destination_resource`",
        ),
    ] {
        let value: serde_json::Value = serde_saphyr::from_str(&bad).unwrap();
        assert!(!validator.is_valid(&value), "the schema accepts {bad:?}");
        let messages = loader_messages(&bad);
        assert!(
            messages.iter().any(|message| message.contains(why)),
            "the loader does not say {why:?} about {bad:?}: {messages:#?}"
        );
    }
}

#[test]
fn every_example_starts_with_the_schema_comment() {
    for path in example_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                "# yaml-language-server: $schema=../../schema/birdhouse.schema.json\n"
            ),
            "{} lacks the yaml-language-server comment on its first line",
            path.display()
        );
    }
}

fn examples_in_memory() -> Vec<(PathBuf, Vec<u8>)> {
    example_files()
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn loading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = birdhouse::desired::load_contents([(PathBuf::from("fuzz.yaml"), bytes)]);
    }

    #[test]
    fn loading_arbitrary_text_never_panics(text in "[-a-z0-9:{}\\[\\], \\n\"'&*!|>#%@`]{0,300}") {
        let _ = birdhouse::desired::load_contents([(PathBuf::from("fuzz.yaml"), text.into_bytes())]);
    }

    /// Mutated examples: cut, duplicate or replace bytes of real files, so the fuzzing reaches
    /// deep into the decoder and resolver instead of stopping at the YAML parser.
    #[test]
    fn loading_mutated_examples_never_panics(
        file in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>(), 1usize..40), 1..6),
    ) {
        let mut files = examples_in_memory();
        let index = file % files.len();
        let bytes = &mut files[index].1;
        for (at, op, byte, len) in edits {
            if bytes.is_empty() { break; }
            let at = at.index(bytes.len());
            let end = (at + len).min(bytes.len());
            match op {
                0 => { bytes.drain(at..end); }
                1 => { let chunk: Vec<u8> = bytes[at..end].to_vec(); bytes.splice(at..at, chunk); }
                _ => { bytes[at] = byte; }
            }
        }
        let _ = birdhouse::desired::load_contents(files);
    }
}
