//! The schema and the decoder describe the same keys.
//!
//! The JSON Schema is generated from `document`'s types, while `decode` asks for every key by
//! name, so a key added to one is easily forgotten in the other: editors would then flag a key
//! `validate` accepts, or offer one it rejects. `tests/fixtures/every-key.yaml` uses every key
//! of the format; these tests check that it really does (against the schema), that the loader
//! accepts it, and that every key the decoder asks for while reading it is in the schema at the
//! place the decoder asks for it. The schema is the generated one; a CLI test holds the
//! checked-in copy to it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::desired::schema::schema_json;
use crate::desired::{Loaded, load_contents};
use crate::kinds::kit::node::asked;

/// One document using every key of the format.
const EVERY_KEY: &str = include_str!("../../tests/fixtures/every-key.yaml");

/// A schema and where it is in the whole schema, as a JSON pointer (`#/$defs/TenantDoc`).
type At<'s> = (String, &'s Value);

fn schema() -> Value {
    serde_json::from_str(&schema_json()).expect("invariant: the schema is JSON")
}

fn load(name: &str, text: &str) -> Loaded {
    load_contents([(PathBuf::from(name), text.as_bytes().to_vec())])
}

/// The schemas a value at `at` may match: `$ref`s followed, and `anyOf`/`oneOf` taken apart
/// into their branches (a user entry is a regular or a service user). A union whose branches
/// only say which keys are required (a router's `peer` or `peer_groups`) narrows the object
/// it stands in instead of offering shapes of its own, so that object is the alternative.
fn alternatives<'s>(root: &'s Value, (pointer, schema): At<'s>) -> Vec<At<'s>> {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let resolved = target
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
            .unwrap_or_else(|| panic!("{pointer}: $ref {target} points nowhere"));
        return alternatives(root, (target.to_owned(), resolved));
    }
    let mut found = Vec::new();
    for union in ["anyOf", "oneOf"] {
        for (index, branch) in schema
            .get(union)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, branch)| !only_requires(branch))
        {
            found.extend(alternatives(
                root,
                (format!("{pointer}/{union}/{index}"), branch),
            ));
        }
    }
    if found.is_empty() {
        found.push((pointer, schema));
    }
    found
}

/// Whether a schema only says which keys are required or forbidden (`required`, `not`), such
/// as a branch of an exactly-one-of rule.
fn only_requires(schema: &Value) -> bool {
    schema.as_object().is_some_and(|object| {
        object.contains_key("required")
            && object.keys().all(|key| key == "required" || key == "not")
    })
}

/// The schema of an object schema's property `key`.
fn property<'s>((pointer, schema): &At<'s>, key: &str) -> Option<At<'s>> {
    schema
        .get("properties")
        .and_then(|properties| properties.get(key))
        .map(|property| (format!("{pointer}/properties/{key}"), property))
}

/// The schema of the values of a name-keyed map (`additionalProperties`), such as `baselines`.
fn map_values<'s>((pointer, schema): &At<'s>) -> Option<At<'s>> {
    schema
        .get("additionalProperties")
        .filter(|values| values.is_object())
        .map(|values| (format!("{pointer}/additionalProperties"), values))
}

/// The schema of a list's items.
fn items<'s>((pointer, schema): &At<'s>) -> Option<At<'s>> {
    schema
        .get("items")
        .map(|items| (format!("{pointer}/items"), items))
}

fn property_names<'s>((_, schema): &At<'s>) -> impl Iterator<Item = &'s String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys())
}

/// Every property of every object schema reachable from the root, as JSON pointers.
fn every_property(root: &Value) -> BTreeSet<String> {
    let mut properties = BTreeSet::new();
    let mut visited = BTreeSet::new();
    let mut pending = vec![("#".to_owned(), root)];
    while let Some(at) = pending.pop() {
        for at in alternatives(root, at) {
            if !visited.insert(at.0.clone()) {
                continue;
            }
            for key in property_names(&at) {
                let property = property(&at, key).expect("invariant: a listed property exists");
                properties.insert(property.0.clone());
                pending.push(property);
            }
            pending.extend(items(&at));
            pending.extend(map_values(&at));
        }
    }
    properties
}

/// Records every place of the schema (as a JSON pointer) that `value` reaches, walking the
/// two side by side. A mapping goes into the branches of an `anyOf` that have all its keys.
fn reached<'s>(root: &'s Value, at: At<'s>, value: &Value, places: &mut BTreeSet<String>) {
    for at in alternatives(root, at) {
        match value {
            Value::Object(entries) => {
                // `None` when a key is not in this branch: the mapping is another branch.
                let members: Option<Vec<(At<'s>, &Value)>> = entries
                    .iter()
                    .map(|(key, value)| {
                        let member = property(&at, key).or_else(|| map_values(&at));
                        member.map(|member| (member, value))
                    })
                    .collect();
                for (member, value) in members.into_iter().flatten() {
                    places.insert(member.0.clone());
                    reached(root, member, value, places);
                }
            }
            Value::Array(list) => {
                if let Some(item) = items(&at) {
                    for value in list {
                        reached(root, item.clone(), value, places);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The object schemas of the mapping at a decoder field path such as `tenants[0].users[1]`
/// or `baselines.office`: a name steps into a property (or a name-keyed map's values), an
/// index into a list's items; the root mapping's path is empty. (A name holding a dot would
/// read as two steps: the fixture's names have none.)
fn schemas_at<'s>(root: &'s Value, path: &str) -> Vec<At<'s>> {
    let mut current = alternatives(root, ("#".to_owned(), root));
    for segment in path.split('.').filter(|segment| !segment.is_empty()) {
        let name = segment.split('[').next().unwrap_or(segment);
        current = current
            .iter()
            .filter_map(|at| property(at, name).or_else(|| map_values(at)))
            .flat_map(|at| alternatives(root, at))
            .collect();
        for _ in 0..segment.matches('[').count() {
            current = current
                .iter()
                .filter_map(items)
                .flat_map(|at| alternatives(root, at))
                .collect();
        }
    }
    current
}

#[test]
fn the_fixture_is_valid_for_the_loader_and_the_schema() {
    let loaded = load("every-key.yaml", EVERY_KEY);
    if let Err(diagnostics) = &loaded.state {
        let messages: Vec<String> = diagnostics
            .sorted()
            .iter()
            .map(|d| d.display(&loaded.sources).to_string())
            .collect();
        panic!("the fixture does not validate:\n{}", messages.join("\n"));
    }
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    let value: Value = serde_saphyr::from_str(EVERY_KEY).expect("the fixture is YAML");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the fixture does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_fixture_uses_every_property_of_the_schema() {
    let schema = schema();
    let value: Value = serde_saphyr::from_str(EVERY_KEY).expect("the fixture is YAML");
    let mut used = BTreeSet::new();
    reached(&schema, ("#".to_owned(), &schema), &value, &mut used);
    let unused: Vec<String> = every_property(&schema)
        .into_iter()
        .filter(|property| !used.contains(property))
        .collect();
    assert!(
        unused.is_empty(),
        "tests/fixtures/every-key.yaml does not use these properties of the schema:\n{unused:#?}"
    );
}

#[test]
fn every_key_the_decoder_asks_for_is_in_the_schema_there() {
    let schema = schema();
    let mut keys: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (path, key) in asked::during(|| assert!(load("every-key.yaml", EVERY_KEY).state.is_ok())) {
        keys.entry(path).or_default().insert(key);
    }
    assert!(
        keys.get("").is_some_and(|root| root.contains("version")),
        "nothing was recorded: {keys:?}"
    );
    let mut problems = Vec::new();
    for (path, keys) in &keys {
        let branches = schemas_at(&schema, path);
        // The mapping is one branch of the schema there, so that branch has all its keys.
        let missing = branches
            .iter()
            .map(|branch| {
                let names: BTreeSet<&str> = property_names(branch).map(String::as_str).collect();
                (
                    &branch.0,
                    keys.difference(&names).copied().collect::<Vec<_>>(),
                )
            })
            .min_by_key(|(_, missing)| missing.len());
        match missing {
            None => problems.push(format!("{path:?}: no object of the schema is there")),
            Some((pointer, missing)) if !missing.is_empty() => {
                problems.push(format!(
                    "{path:?} ({pointer}): {missing:?} are not in the schema"
                ));
            }
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "the decoder asks for keys the schema lacks:\n{}",
        problems.join("\n")
    );
}

/// Unknown keys deep in the tree are as located as those at the top (see the CLI tests):
/// file, line and column of the key, the mapping's field path, and the keys it does take.
#[test]
fn unknown_keys_are_rejected_where_they_stand() {
    let text = "\
version: 1
baselines:
  office:
    setup_keys:
      - {name: k, type: reusable, expires: 30d}
tenants:
  - name: acme
    domian: acme.example
    users:
      - {email: ann@acme.example, token: {name: t, expires_in_days: 1}}
      - {service: backup, token: {name: t, expires_in_days: 1, scope: all}}
    policies:
      - name: p
        rules:
          - protocol: all
            sources: [a]
            destination_resource: {network: n, resource: r, port: 22}
";
    let loaded = load("unknown.yaml", text);
    let diagnostics = loaded.state.expect_err("unknown keys are rejected");
    let unknown: Vec<String> = diagnostics
        .sorted()
        .iter()
        .filter(|d| d.message.starts_with("unknown field"))
        .map(|d| d.display(&loaded.sources).to_string())
        .collect();
    assert_eq!(
        unknown,
        [
            "unknown.yaml:5:35: baselines.office.setup_keys[0]: unknown field \"expires\"; did you mean \"expires_in\"? (expected one of allow_extra_dns_labels, auto_groups, ephemeral, expires_in, name, revoked, type, usage_limit)",
            "unknown.yaml:8:5: tenants[0]: unknown field \"domian\"; did you mean \"domain\"? (expected one of baselines, create, dns, domain, groups, id, msp_access, name, networks, peers, policies, posture_checks, prune, routes, self, settings, setup_keys, users)",
            "unknown.yaml:10:35: tenants[0].users[0]: unknown field \"token\" (expected one of auto_groups, blocked, email, name, role)",
            "unknown.yaml:11:64: tenants[0].users[1].token: unknown field \"scope\" (expected one of expires_in, expires_in_days, name, rotate_before)",
            "unknown.yaml:17:61: tenants[0].policies[0].rules[0].destination_resource: unknown field \"port\" (expected one of network, peer, resource)",
        ]
    );
}
