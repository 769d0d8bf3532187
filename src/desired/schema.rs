//! The JSON Schema of the file format, generated from [`Document`].

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde_json::Value;

use crate::desired::document::Document;

/// The schema as pretty-printed JSON with a trailing newline, exactly as checked in at
/// `schema/birdhouse.schema.json`.
pub(crate) fn schema_json() -> String {
    let schema = SchemaSettings::draft2020_12()
        .with_transform(RecursiveTransform(forbid_null))
        .into_generator()
        .into_root_schema_for::<Document>();
    let mut text =
        serde_json::to_string_pretty(&schema).expect("invariant: a schema serialises to JSON");
    text.push('\n');
    text
}

/// Takes `null` out of one schema (the recursion into its subschemas is the caller's).
///
/// schemars describes an `Option<T>` as "`T` or null", but an optional key of the file format
/// is one that may be left out, never one that may be null: the decoder rejects a null value
/// wherever it stands. Without this an editor using the schema would accept `description: null`
/// that `birdhouse validate` refuses. So `"type": ["string", "null"]` becomes `"type": "string"`,
/// and an `anyOf: [{"$ref": …}, {"type": "null"}]` becomes the `$ref` itself.
fn forbid_null(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_mut_slice() {
            let only = only.take();
            object.insert("type".to_owned(), only);
        }
    }
    for union in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = object.get_mut(union) {
            branches.retain(|branch| !is_null_schema(branch));
        }
        // A union of one branch is that branch. Merged into its parent, an optional key reads
        // as a required one does (`{"description": …, "$ref": …}`). When the two share a
        // keyword, the union stays, as merging would lose one of them.
        let lone = match object.get(union) {
            Some(Value::Array(branches)) => match branches.as_slice() {
                [Value::Object(only)] if only.keys().all(|key| !object.contains_key(key)) => {
                    only.clone()
                }
                _ => continue,
            },
            _ => continue,
        };
        object.remove(union);
        object.extend(lone);
    }
}

/// Whether a schema accepts `null` and nothing else: the second half of schemars' "`T` or null".
fn is_null_schema(schema: &Value) -> bool {
    schema.as_object().is_some_and(|object| {
        object.get("type").is_some_and(|t| t == "null")
            && object
                .keys()
                .all(|key| key == "type" || key == "description")
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::schema_json;

    /// Where the schema says null anywhere: a `null` type or a null value (`const`, `enum`).
    fn nulls(pointer: &str, value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Null => found.push(pointer.to_owned()),
            Value::String(text) if text == "null" => found.push(pointer.to_owned()),
            Value::Object(object) => {
                for (key, value) in object {
                    nulls(&format!("{pointer}/{key}"), value, found);
                }
            }
            Value::Array(list) => {
                for (index, value) in list.iter().enumerate() {
                    nulls(&format!("{pointer}/{index}"), value, found);
                }
            }
            _ => {}
        }
    }

    /// Not only the fields the contract tests try: any new optional value, whatever its type,
    /// must not bring null back.
    #[test]
    fn nothing_in_the_schema_allows_null() {
        let schema: Value = serde_json::from_str(&schema_json()).unwrap();
        let mut found = Vec::new();
        nulls("#", &schema, &mut found);
        assert!(found.is_empty(), "the schema allows null at {found:#?}");
    }
}
