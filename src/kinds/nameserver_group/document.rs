//! The file format of this kind: the document type the JSON Schema is generated from and,
//! beside it, the decoder, which refuses with file, line and field what NetBird's nameserver
//! handler and `validateNameServerGroup` (v0.77.1) would refuse at apply: no nameserver or
//! more than three, an address that is not IP, a type other than `udp`, a name over 40
//! characters, no distribution group, a wildcard or malformed match domain, and the three
//! rules that tie `primary` to the match domains.

use schemars::JsonSchema;
use serde::Serialize;

use super::{MAX_NAME_CHARS, MAX_NAMESERVERS, Nameserver};
use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{
    boolean, bounded_string, optional, plain_string, required, required_groups,
};
use crate::kinds::route::parse_domain;

/// A nameserver group: the DNS servers the peers of `groups` use, for every domain
/// (`primary: true`) or for the match `domains` only.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NameserverGroupDoc {
    /// The group's name, 1 to 40 characters.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The nameservers, 1 to 3, in the order peers try them.
    pub nameservers: Vec<Nameserver>,
    /// The groups whose peers use these nameservers (at least one).
    #[serde(serialize_with = "crate::kinds::kit::flow::list")]
    pub groups: Vec<Located<String>>,
    /// Resolve every domain; exactly when no match `domains` are listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Match domains (no wildcards; a trailing dot is allowed), exactly as NetBird stores them.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub domains: Option<Vec<Located<String>>>,
    /// Make the match domains search domains too (not for a primary group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_domains_enabled: Option<bool>,
    /// Whether the group is active (on when a group is created without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// Decodes one entry of the list; `None` when its name or groups are not usable.
pub(crate) fn decode(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<NameserverGroupDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", |reader, node, path| {
        bounded_string(reader, node, path, "name", MAX_NAME_CHARS)
    });
    let description = optional(reader, &mut fields, "description", plain_string);
    let nameservers = required(reader, &mut fields, "nameservers", nameservers);
    let groups = required(reader, &mut fields, "groups", required_groups);
    let primary = optional(reader, &mut fields, "primary", boolean);
    let domains = optional(reader, &mut fields, "domains", domains);
    let search_domains_enabled = optional(reader, &mut fields, "search_domains_enabled", boolean);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let span = fields.span();
    fields.finish(reader);
    let has_domains = domains.as_ref().is_some_and(|d| !d.is_empty());
    let problem = match (primary, has_domains) {
        (Some(true), true) => Some((
            "a primary group has match domains",
            "either `primary: true` (every domain) or `domains`, not both",
        )),
        (Some(false) | None, false) => Some((
            "a group that is not primary has no match domains",
            "`domains`, or `primary: true` to resolve every domain",
        )),
        _ => None,
    };
    if let Some((message, expected)) = problem {
        reader.report(Diagnostic::at(span, path, message).expected(expected));
    }
    if !has_domains && search_domains_enabled == Some(true) {
        reader.report(
            Diagnostic::at(
                span,
                format!("{path}.search_domains_enabled"),
                "a primary group cannot make search domains",
            )
            .expected("search_domains_enabled only with match domains"),
        );
    }
    Some(NameserverGroupDoc {
        name: name?,
        description,
        nameservers: nameservers.unwrap_or_default(),
        groups: groups?,
        primary,
        domains,
        search_domains_enabled,
        enabled,
        path: path.to_owned(),
    })
}

fn nameservers(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Vec<Nameserver>> {
    let list = reader.list(node, path, nameserver)?;
    let Node::Seq(items) = &node.value else {
        return None;
    };
    if items.is_empty() || items.len() > MAX_NAMESERVERS {
        reader.report(
            Diagnostic::at(node.span, path, format!("{} nameservers", items.len()))
                .expected(format!("1 to {MAX_NAMESERVERS} nameservers")),
        );
    }
    Some(list)
}

fn nameserver(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Nameserver> {
    let mut fields = reader.mapping(node, path)?;
    let ip = required(reader, &mut fields, "ip", |reader, node, path| {
        let text = reader.string(node, path)?;
        let parsed = text
            .value
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>();
        if parsed.is_err() {
            reader.report(
                Diagnostic::at(
                    text.span,
                    path,
                    format!("{:?} is not an IP address", text.value),
                )
                .expected("an IPv4 or IPv6 address, such as 10.20.0.53"),
            );
        }
        parsed.ok()
    });
    let ns_type = optional(reader, &mut fields, "ns_type", |reader, node, path| {
        let text = reader.string(node, path)?;
        if text.value.eq_ignore_ascii_case("udp") {
            return Some("udp".to_owned());
        }
        reader.report(
            Diagnostic::at(
                text.span,
                path,
                format!("unknown nameserver type {:?}", text.value),
            )
            .expected("udp, the only type NetBird accepts"),
        );
        None
    });
    let port = optional(reader, &mut fields, "port", |reader, node, path| {
        reader.integer(node, path, 1, 65535)
    });
    fields.finish(reader);
    Some(Nameserver {
        ip: ip?,
        ns_type: ns_type.unwrap_or_else(|| "udp".to_owned()),
        port: port.unwrap_or(super::DEFAULT_DNS_PORT),
    })
}

/// Match domains as NetBird's `validateDomain` accepts them: no wildcard, one trailing dot
/// allowed, otherwise NetBird's domain pattern. They are kept exactly as written.
fn domains(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Vec<Located<String>>> {
    let items = reader.strings(node, path)?;
    for (index, item) in items.iter().enumerate() {
        let text = item.value.as_str();
        let problem = if text.starts_with("*.") {
            Some(format!(
                "{text:?} is a wildcard, which match domains cannot be"
            ))
        } else {
            parse_domain(text.strip_suffix('.').unwrap_or(text))
                .err()
                .map(|_| format!("{text:?} is not a domain name"))
        };
        if let Some(problem) = problem {
            reader.report(
                Diagnostic::at(item.span, format!("{path}[{index}]"), problem)
                    .expected("a domain name such as clinic.internal"),
            );
        }
    }
    Some(items)
}
