//! The JSON Schema of the file format, generated from [`Document`].

use crate::desired::document::Document;

/// The schema as pretty-printed JSON with a trailing newline, exactly as checked in at
/// `schema/birdhouse.schema.json`.
pub(crate) fn schema_json() -> String {
    let schema = schemars::schema_for!(Document);
    let mut text =
        serde_json::to_string_pretty(&schema).expect("invariant: a schema serialises to JSON");
    text.push('\n');
    text
}
