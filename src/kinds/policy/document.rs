//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{boolean, optional, plain_string, required, string, strings};
use crate::kinds::{Action, PortRange, Protocol};

/// An access-control policy with exactly one rule (as NetBird's dashboard keeps them).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyDoc {
    /// The policy's name.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the policy is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Posture checks, by name, that source peers must pass (left out: unmanaged; `[]`: none).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub source_posture_checks: Option<Vec<Located<String>>>,
    /// The policy's rule (exactly one).
    #[schemars(length(min = 1, max = 1))]
    pub rules: Vec<RuleDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A policy rule: sources may reach destinations (groups, or one network resource).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// As for routers: the decoder wants exactly one kind of destination, and so does the schema.
#[schemars(extend("oneOf" = [
    {"required": ["destinations"]},
    {"required": ["destination_resource"]}
]))]
pub(crate) struct RuleDoc {
    /// The rule's name (default: the policy's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the rule is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `accept` (default) or `drop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Located<Action>>,
    /// `all`, `tcp`, `udp` or `icmp`.
    pub protocol: Located<Protocol>,
    /// Allow traffic both ways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bidirectional: Option<bool>,
    /// Ports and ranges such as `22`, `"8000-8100"` (tcp and udp only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::ports"
    )]
    pub ports: Option<Vec<Located<PortRange>>>,
    /// Source groups.
    #[serde(serialize_with = "crate::kinds::kit::flow::list")]
    pub sources: Vec<Located<String>>,
    /// Destination groups (or use `destination_resource`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub destinations: Option<Vec<Located<String>>>,
    /// One network resource as the destination (instead of `destinations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_resource: Option<ResourceRefDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network resource named by its network and its own name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceRefDoc {
    /// The network's name.
    pub network: Located<String>,
    /// The resource's name in that network.
    pub resource: Located<String>,
}

/// Decodes one entry of the list; `None` when it is not usable.
pub(crate) fn decode(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<PolicyDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let source_posture_checks = optional(reader, &mut fields, "source_posture_checks", strings);
    let rules_node = fields.require(reader, "rules");
    let rules_path = fields.child("rules");
    let rules = rules_node.and_then(|node| reader.list(node, &rules_path, rule));
    if let Some(node) = rules_node
        && let Node::Seq(items) = &node.value
        && items.len() != 1
    {
        reader.report(
            Diagnostic::at(node.span, &rules_path, format!("{} rules", items.len())).expected(
                "exactly one rule per policy (NetBird keeps one; split into several policies)",
            ),
        );
    }
    fields.finish(reader);
    Some(PolicyDoc {
        name: name?,
        description,
        enabled,
        source_posture_checks,
        rules: rules?,
        path: path.to_owned(),
    })
}

fn rule(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<RuleDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = optional(reader, &mut fields, "name", plain_string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let action = optional(reader, &mut fields, "action", |reader, node, path| {
        reader.choice::<Action>(node, path, "action", &Action::NAMES)
    });
    let protocol = required(reader, &mut fields, "protocol", |reader, node, path| {
        reader.choice::<Protocol>(node, path, "protocol", &Protocol::NAMES)
    });
    let bidirectional = optional(reader, &mut fields, "bidirectional", boolean);
    let ports = optional(reader, &mut fields, "ports", |reader, node, path| {
        reader.list(node, path, |reader, node, path| {
            reader.parsed(
                node,
                path,
                "a port from 1 to 65535 or a range such as 8000-8100",
                true,
            )
        })
    });
    let sources = required(reader, &mut fields, "sources", strings);
    let destinations = optional(reader, &mut fields, "destinations", strings);
    let destination_resource = optional(
        reader,
        &mut fields,
        "destination_resource",
        |reader, node, path| {
            let mut fields = reader.mapping(node, path)?;
            let network = required(reader, &mut fields, "network", string);
            let resource = required(reader, &mut fields, "resource", string);
            fields.finish(reader);
            Some(ResourceRefDoc {
                network: network?,
                resource: resource?,
            })
        },
    );
    let span = fields.span();
    let has_destinations = fields.has("destinations");
    let has_resource = fields.has("destination_resource");
    fields.finish(reader);
    match (has_destinations, has_resource) {
        (true, true) => reader.report(
            Diagnostic::at(
                span,
                path,
                "a rule has both `destinations` and `destination_resource`",
            )
            .expected("exactly one of them"),
        ),
        (false, false) => reader.report(
            Diagnostic::at(
                span,
                path,
                "a rule needs `destinations` or `destination_resource`",
            )
            .expected("exactly one of them"),
        ),
        _ => {}
    }
    if let (Some(protocol), Some(ports)) = (&protocol, &ports)
        && !protocol.value.has_ports()
        && !ports.is_empty()
    {
        {
            reader.report(
                Diagnostic::at(
                    span,
                    format!("{path}.ports"),
                    "ports are only allowed for tcp and udp",
                )
                .expected("no ports with protocol all or icmp"),
            );
        }
    }
    if sources.as_ref().is_some_and(Vec::is_empty) {
        reader.report(
            Diagnostic::at(span, format!("{path}.sources"), "empty list")
                .expected("at least one group"),
        );
    }
    if destinations.as_ref().is_some_and(Vec::is_empty) {
        reader.report(
            Diagnostic::at(span, format!("{path}.destinations"), "empty list")
                .expected("at least one group"),
        );
    }
    Some(RuleDoc {
        name,
        description,
        enabled,
        action,
        protocol: protocol?,
        bidirectional,
        ports,
        sources: sources?,
        destinations,
        destination_resource,
        path: path.to_owned(),
    })
}
