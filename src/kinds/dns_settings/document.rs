//! The file format of this kind: `dns: settings:`, its one field, groups by name.

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::Located;
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{optional, strings};

/// The account's DNS settings; a field left out is unmanaged.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsSettingsDoc {
    /// The groups whose peers keep their own DNS configuration.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub disabled_management_groups: Option<Vec<Located<String>>>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

pub(crate) fn decode(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<DnsSettingsDoc> {
    let mut fields = reader.mapping(node, path)?;
    let disabled_management_groups =
        optional(reader, &mut fields, "disabled_management_groups", strings);
    fields.finish(reader);
    Some(DnsSettingsDoc {
        disabled_management_groups,
        path: path.to_owned(),
    })
}
