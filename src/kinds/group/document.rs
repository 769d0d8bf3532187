//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::Located;
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{optional, required, string, strings};

/// A group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupDoc {
    /// The group's name.
    pub name: Located<String>,
    /// Its member peers, by name: listed, the membership is exactly these peers (peers that
    /// setup keys or users add later are taken out again); left out, it is unmanaged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub peers: Option<Vec<Located<String>>>,
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
    let peers = optional(reader, &mut fields, "peers", strings);
    fields.finish(reader);
    Some(GroupDoc {
        name: name?,
        peers,
        path: path.to_owned(),
    })
}
