//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{boolean, optional, required, string, strings};
use crate::kinds::{ExpiresIn, SetupKeyType};

/// A setup key. Everything but `auto_groups` and `revoked` is fixed when the key is created:
/// changing it replaces the key (a new secret).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupKeyDoc {
    /// The key's name.
    pub name: Located<String>,
    /// `one-off` or `reusable`.
    #[serde(rename = "type")]
    pub key_type: Located<SetupKeyType>,
    /// Validity from creation, e.g. `30d`, or `never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<Located<ExpiresIn>>,
    /// Enrolments allowed; 0 means unlimited (one-off keys allow 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<u32>,
    /// Peers enrolled with this key are removed when they go offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Peers enrolled with this key may add extra DNS labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_extra_dns_labels: Option<bool>,
    /// Groups a peer joins when it enrols with this key.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub auto_groups: Option<Vec<Located<String>>>,
    /// Revoke the key (a revoked key cannot be un-revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
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
) -> Option<SetupKeyDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let key_type = required(reader, &mut fields, "type", |reader, node, path| {
        reader.choice::<SetupKeyType>(node, path, "setup key type", &SetupKeyType::NAMES)
    });
    let expires_in = optional(reader, &mut fields, "expires_in", |reader, node, path| {
        reader.parsed(
            node,
            path,
            "a duration such as 30d or 12h, at most 365d, or never",
            false,
        )
    });
    let usage_limit = optional(reader, &mut fields, "usage_limit", |reader, node, path| {
        reader.integer(node, path, 0, i128::from(u32::MAX))
    });
    let ephemeral = optional(reader, &mut fields, "ephemeral", boolean);
    let allow_extra_dns_labels = optional(reader, &mut fields, "allow_extra_dns_labels", boolean);
    let auto_groups = optional(reader, &mut fields, "auto_groups", strings);
    let revoked = optional(reader, &mut fields, "revoked", boolean);
    let span = fields.span();
    let path = fields.path().to_owned();
    fields.finish(reader);
    let key_type = key_type?;
    if key_type.value == SetupKeyType::OneOff && usage_limit.is_some_and(|limit| limit > 1) {
        reader.report(
            Diagnostic::at(
                span,
                format!("{path}.usage_limit"),
                "a one-off key can be used once",
            )
            .expected("usage_limit 0 or 1, or type reusable"),
        );
    }
    Some(SetupKeyDoc {
        name: name?,
        key_type,
        expires_in,
        usage_limit,
        ephemeral,
        allow_extra_dns_labels,
        auto_groups,
        revoked,
        path,
    })
}
