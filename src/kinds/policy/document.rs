//! The file format of this kind: the document types the JSON Schema is generated from (their
//! doc comments become its descriptions) and, beside them, the decoder that fills them from YAML
//! with every problem located. A key the decoder reads is a property of the schema, and the
//! other way round (`desired::schema_agreement` proves it).

use schemars::JsonSchema;
use serde::Serialize;

use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::named::{NamedList, named_list};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{
    boolean, exactly_one_of, optional, plain_string, required, required_groups, string, strings,
};
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

/// A policy rule: sources (groups, or one network resource or peer) may reach destinations
/// (groups, or one network resource or peer).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// As for routers: the decoder wants exactly one kind of source and of destination, and so does
// the schema.
#[schemars(extend("allOf" = [
    {"oneOf": [{"required": ["sources"]}, {"required": ["source_resource"]}]},
    {"oneOf": [{"required": ["destinations"]}, {"required": ["destination_resource"]}]}
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
    /// `all`, `tcp`, `udp`, `icmp` or `netbird-ssh`.
    pub protocol: Located<Protocol>,
    /// Allow traffic both ways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bidirectional: Option<bool>,
    /// Ports such as `22` (and ranges such as `"8000-8100"`); not with protocol all or icmp.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::ports"
    )]
    pub ports: Option<Vec<Located<PortRange>>>,
    /// Port ranges, `{start, end}` inclusive, as the API writes them; one set with `ports`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_ranges: Option<Vec<PortRangeDoc>>,
    /// Source groups (or use `source_resource`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub sources: Option<Vec<Located<String>>>,
    /// One network resource or peer as the source (instead of `sources`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_resource: Option<ResourceRefDoc>,
    /// Destination groups (or use `destination_resource`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub destinations: Option<Vec<Located<String>>>,
    /// One network resource or peer as the destination (instead of `destinations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_resource: Option<ResourceRefDoc>,
    /// NetBird SSH (protocol `netbird-ssh`): the groups whose users may log in, each with the
    /// local users they may log in as (`[]`: any). When given, every source group needs an
    /// entry. Left out: any NetBird user allowed by the rule, as any local user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_groups: Option<NamedList<Vec<Located<String>>>>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// An inclusive port range as the API writes it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PortRangeDoc {
    /// First port.
    #[schemars(range(min = 1, max = 65535))]
    pub start: u16,
    /// Last port, at least `start`.
    #[schemars(range(min = 1, max = 65535))]
    pub end: u16,
}

impl PortRangeDoc {
    /// The range as the model holds it.
    pub(crate) fn range(&self) -> PortRange {
        PortRange {
            start: self.start,
            end: self.end,
        }
    }
}

/// A network resource named by its network and its own name, or a peer by its name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    {"required": ["network", "resource"], "not": {"required": ["peer"]}},
    {"required": ["peer"], "not": {"anyOf": [{"required": ["network"]}, {"required": ["resource"]}]}}
]))]
pub(crate) struct ResourceRefDoc {
    /// The network's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Located<String>>,
    /// The resource's name in that network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Located<String>>,
    /// A peer, by name (instead of `network` and `resource`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Located<String>>,
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
    let port_ranges = optional(reader, &mut fields, "port_ranges", |reader, node, path| {
        reader.list(node, path, port_range)
    });
    let sources = optional(reader, &mut fields, "sources", required_groups);
    let source_resource = optional(reader, &mut fields, "source_resource", resource_ref);
    let destinations = optional(reader, &mut fields, "destinations", required_groups);
    let destination_resource = optional(reader, &mut fields, "destination_resource", resource_ref);
    let authorized_groups = optional(
        reader,
        &mut fields,
        "authorized_groups",
        |reader, node, path| named_list(reader, node, path, strings),
    );
    let span = fields.span();
    exactly_one_of(reader, &fields, "rule", "sources", "source_resource");
    exactly_one_of(
        reader,
        &fields,
        "rule",
        "destinations",
        "destination_resource",
    );
    fields.finish(reader);
    if let Some(protocol) = &protocol {
        let any_ports = ports.as_ref().is_some_and(|p| !p.is_empty())
            || port_ranges.as_ref().is_some_and(|p| !p.is_empty());
        if !protocol.value.has_ports() && any_ports {
            reader.report(
                Diagnostic::at(
                    span,
                    format!("{path}.ports"),
                    "ports are not allowed with protocol all or icmp",
                )
                .expected("no ports and no port_ranges with protocol all or icmp"),
            );
        }
        if protocol.value != Protocol::NetbirdSsh
            && let Some(groups) = &authorized_groups
        {
            reader.report(
                Diagnostic::at(
                    groups.0.first().map_or(span, |(name, _)| name.span),
                    format!("{path}.authorized_groups"),
                    format!(
                        "authorized groups with protocol {}",
                        protocol.value.as_str()
                    ),
                )
                .expected("authorized_groups only with protocol netbird-ssh"),
            );
        }
    }
    if let (Some(groups), Some(sources)) = (&authorized_groups, &sources)
        && !groups.is_empty()
    {
        for (index, source) in sources.iter().enumerate() {
            if !groups.0.iter().any(|(name, _)| name.value == source.value) {
                reader.report(
                    Diagnostic::at(
                        source.span,
                        format!("{path}.sources[{index}]"),
                        format!(
                            "source group {:?} has no entry in authorized_groups",
                            source.value
                        ),
                    )
                    .expected(
                        "an authorized_groups entry for every source group (NetBird refuses \
                         the rule otherwise; `[]` allows any local user)",
                    ),
                );
            }
        }
    }
    Some(RuleDoc {
        name,
        description,
        enabled,
        action,
        protocol: protocol?,
        bidirectional,
        ports,
        port_ranges,
        sources,
        source_resource,
        destinations,
        destination_resource,
        authorized_groups,
        path: path.to_owned(),
    })
}

/// `{start, end}`, both ports, `end` at least `start`.
fn port_range(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<PortRangeDoc> {
    let mut fields = reader.mapping(node, path)?;
    let port = |reader: &mut Reader<'_>, node: &Located<Node>, path: &str| {
        reader.integer::<u16>(node, path, 1, 65535)
    };
    let start = required(reader, &mut fields, "start", port);
    let end = required(reader, &mut fields, "end", port);
    fields.finish(reader);
    let (start, end) = (start?, end?);
    if end < start {
        reader.report(
            Diagnostic::at(
                node.span,
                path,
                format!("the range {start}-{end} ends before it starts"),
            )
            .expected("end at least start"),
        );
        return None;
    }
    Some(PortRangeDoc { start, end })
}

/// `{network, resource}` or `{peer}`.
fn resource_ref(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<ResourceRefDoc> {
    let mut fields = reader.mapping(node, path)?;
    let network = optional(reader, &mut fields, "network", string);
    let resource = optional(reader, &mut fields, "resource", string);
    let peer = optional(reader, &mut fields, "peer", string);
    exactly_one_of(reader, &fields, "resource reference", "network", "peer");
    if fields.has("network") != fields.has("resource") {
        let missing = if fields.has("network") {
            "resource"
        } else {
            "network"
        };
        reader.report(
            Diagnostic::at(fields.span(), path, format!("`{missing}` is missing"))
                .expected("a network resource as `network` and `resource` together"),
        );
    }
    fields.finish(reader);
    Some(ResourceRefDoc {
        network,
        resource,
        peer,
    })
}
