//! The file format of this kind: the document type the JSON Schema is generated from and,
//! beside it, the decoder, which refuses with file, line and field what NetBird's route
//! handler and `validateRoute` (v0.77.1) would refuse at apply: both or neither of `network`
//! and `domains`, of `peer` and `peer_groups`; an identifier over 40 characters; a range that
//! is not CIDR; a domain NetBird's pattern refuses, or more than 32; a metric outside 1 to
//! 9999; no distribution group. A range with host bits set is refused too: the server would
//! clear them silently.

use schemars::JsonSchema;
use serde::Serialize;

use super::{MAX_NETWORK_ID_CHARS, MAX_ROUTE_DOMAINS, parse_domain, parse_network};
use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{
    boolean, bounded_string, exactly_one_of, optional, plain_string, required, required_groups,
    string, strings,
};

/// A network route: exactly one of `network` and `domains`, and one of `peer` and
/// `peer_groups`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"oneOf": [{"required": ["network"]}, {"required": ["domains"]}]},
    {"oneOf": [{"required": ["peer"]}, {"required": ["peer_groups"]}]}
]))]
pub(crate) struct RouteDoc {
    /// The network identifier, 1 to 40 characters; the route's name.
    pub network_id: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The range routed, in CIDR notation such as `10.1.0.0/16` (no host bits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Located<String>>,
    /// The domains routed (1 to 32), such as `*.corp.example`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub domains: Option<Vec<Located<String>>>,
    /// The one routing peer, by its name; birdhouse does not manage peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Located<String>>,
    /// Every peer of these groups routes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub peer_groups: Option<Vec<Located<String>>>,
    /// The groups whose peers receive the route (at least one).
    #[serde(serialize_with = "crate::kinds::kit::flow::list")]
    pub groups: Vec<Located<String>>,
    /// With access control: the groups whose peers may use the route.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub access_control_groups: Option<Vec<Located<String>>>,
    /// Route metric, 1 to 9999; lower wins (9999 when a route is created without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9999))]
    pub metric: Option<u16>,
    /// Masquerade traffic (on when a route is created without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masquerade: Option<bool>,
    /// Whether the route is active (on when a route is created without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Keep a domain route's resolved addresses routed after the domain stops resolving to
    /// them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_route: Option<bool>,
    /// Leave the route off on clients until their user turns it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_auto_apply: Option<bool>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// Decodes one entry of the list; `None` when its identifier or groups are not usable.
pub(crate) fn decode(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<RouteDoc> {
    let mut fields = reader.mapping(node, path)?;
    let network_id = required(reader, &mut fields, "network_id", |reader, node, path| {
        bounded_string(reader, node, path, "identifier", MAX_NETWORK_ID_CHARS)
    });
    let description = optional(reader, &mut fields, "description", plain_string);
    let network = optional(reader, &mut fields, "network", network);
    let domains = optional(reader, &mut fields, "domains", domains);
    let peer = optional(reader, &mut fields, "peer", string);
    let peer_groups = optional(reader, &mut fields, "peer_groups", required_groups);
    let groups = required(reader, &mut fields, "groups", required_groups);
    let access_control_groups = optional(reader, &mut fields, "access_control_groups", strings);
    let metric = optional(reader, &mut fields, "metric", |reader, node, path| {
        reader.integer(node, path, 1, 9999)
    });
    let masquerade = optional(reader, &mut fields, "masquerade", boolean);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let keep_route = optional(reader, &mut fields, "keep_route", boolean);
    let skip_auto_apply = optional(reader, &mut fields, "skip_auto_apply", boolean);
    exactly_one_of(reader, &fields, "route", "network", "domains");
    exactly_one_of(reader, &fields, "route", "peer", "peer_groups");
    fields.finish(reader);
    // A route with a bad destination or routing peers is still returned, so that its group
    // references are checked too; the problems above already fail the run.
    Some(RouteDoc {
        network_id: network_id?,
        description,
        network,
        domains,
        peer,
        peer_groups,
        groups: groups?,
        access_control_groups,
        metric,
        masquerade,
        enabled,
        keep_route,
        skip_auto_apply,
        path: path.to_owned(),
    })
}

fn network(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Located<String>> {
    let text = reader.string(node, path)?;
    match parse_network(text.value.trim()) {
        Ok(network) => Some(Located::new(network, text.span)),
        Err(problem) => {
            reader.report(
                Diagnostic::at(text.span, path, problem)
                    .expected("a range in CIDR notation, such as 10.1.0.0/16"),
            );
            None
        }
    }
}

fn domains(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Vec<Located<String>>> {
    let items = reader.strings(node, path)?;
    if items.is_empty() || items.len() > MAX_ROUTE_DOMAINS {
        reader.report(
            Diagnostic::at(node.span, path, format!("{} domains", items.len()))
                .expected(format!("1 to {MAX_ROUTE_DOMAINS} domains")),
        );
        return None;
    }
    let mut parsed = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match parse_domain(&item.value) {
            Ok(domain) => parsed.push(Located::new(domain, item.span)),
            Err(problem) => {
                reader.report(
                    Diagnostic::at(item.span, format!("{path}[{index}]"), problem)
                        .expected("a domain name such as corp.example or *.corp.example"),
                );
            }
        }
    }
    // The valid ones are kept so the entry's other fields are still checked; the problems
    // reported fail the run.
    Some(parsed)
}
