//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::{Diagnostic, Located, Span};
use crate::kinds::Address;
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{
    boolean, exactly_one_of, optional, plain_string, required, string, strings,
};

/// A network.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkDoc {
    /// The network's name.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the network makes reachable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceDoc>,
    /// Which peers route into the network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routers: Vec<RouterDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network resource. Resource names are unique across the whole tenant.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceDoc {
    /// The resource's name.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An IP address, a CIDR prefix or a domain name.
    pub address: Located<Address>,
    /// Whether the resource is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Groups the resource belongs to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub groups: Option<Vec<Located<String>>>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network router: exactly one of `peer` or `peer_groups`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// Both keys are optional on their own, but the decoder wants exactly one of them: the `oneOf`
// holds an editor to that too (both match two branches, neither matches none).
#[schemars(extend("oneOf" = [{"required": ["peer"]}, {"required": ["peer_groups"]}]))]
pub(crate) struct RouterDoc {
    /// One routing peer, by its name (a peer's id also works); birdhouse does not manage peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Located<String>>,
    /// Every peer of these groups routes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub peer_groups: Option<Vec<Located<String>>>,
    /// Masquerade traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masquerade: Option<bool>,
    /// Route metric, 1 to 9999; lower wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9999))]
    pub metric: Option<u16>,
    /// Whether the router is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Where the router entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
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
) -> Option<NetworkDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let resources = optional(reader, &mut fields, "resources", |reader, node, path| {
        reader.list(node, path, resource)
    })
    .unwrap_or_default();
    let routers = optional(reader, &mut fields, "routers", |reader, node, path| {
        reader.list(node, path, router)
    })
    .unwrap_or_default();
    fields.finish(reader);
    Some(NetworkDoc {
        name: name?,
        description,
        resources,
        routers,
        path: path.to_owned(),
    })
}

fn resource(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<ResourceDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let address = required(reader, &mut fields, "address", |reader, node, path| {
        reader.parsed(
            node,
            path,
            "an IP address, a CIDR prefix or a domain name",
            false,
        )
    });
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let groups = optional(reader, &mut fields, "groups", strings);
    fields.finish(reader);
    Some(ResourceDoc {
        name: name?,
        description,
        address: address?,
        enabled,
        groups,
        path: path.to_owned(),
    })
}

fn router(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<RouterDoc> {
    let mut fields = reader.mapping(node, path)?;
    let peer = optional(reader, &mut fields, "peer", string);
    let peer_groups = optional(reader, &mut fields, "peer_groups", strings);
    let masquerade = optional(reader, &mut fields, "masquerade", boolean);
    let metric = optional(reader, &mut fields, "metric", |reader, node, path| {
        reader.integer(node, path, 1, 9999)
    });
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let span = fields.span();
    exactly_one_of(reader, &fields, "router", "peer", "peer_groups");
    fields.finish(reader);
    if peer_groups.as_ref().is_some_and(Vec::is_empty) {
        reader.report(
            Diagnostic::at(span, format!("{path}.peer_groups"), "empty list")
                .expected("at least one group"),
        );
    }
    Some(RouterDoc {
        peer,
        peer_groups,
        masquerade,
        metric,
        enabled,
        span,
        path: path.to_owned(),
    })
}
