//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::Located;
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{required, string};

/// A group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupDoc {
    /// The group's name.
    pub name: Located<String>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// Decodes one entry of the list; `None` when it is not usable.
pub(crate) fn decode(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<GroupDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    fields.finish(reader);
    Some(GroupDoc {
        name: name?,
        path: path.to_owned(),
    })
}
