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

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema_text =
        std::fs::read_to_string(repo_root().join("schema/birdhouse.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for bad in [
        "version: 1\ntenant: []\n",
        "version: 2\n",
        "version: 1\ntenants: [{name: a, domain: a.example, groups: [{nmae: x}]}]\n",
        "version: 1\ntenants: [{name: a, domain: a.example, setup_keys: [{name: k, type: reuseable}]}]\n",
        "version: 1\ntenants: [{name: a, domain: a.example, users: [{email: a@a.example, role: admn}]}]\n",
        "version: 1\ntenants: [{name: a, domain: a.example, prune: [group]}]\n",
    ] {
        let value: serde_json::Value = serde_saphyr::from_str(bad).unwrap();
        assert!(!validator.is_valid(&value), "the schema accepts {bad:?}");
        let loaded = birdhouse::desired::load_contents([(
            PathBuf::from("bad.yaml"),
            bad.as_bytes().to_vec(),
        )]);
        assert!(loaded.state.is_err(), "the loader accepts {bad:?}");
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
