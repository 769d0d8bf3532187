//! The file format of this kind: the document types the JSON Schema is generated from and,
//! beside them, the decoder, which refuses with file, line and field what NetBird's zone and
//! record validation (v0.77.1) would refuse at apply: a domain that is not a plain ASCII
//! domain name (no wildcard, no trailing dot), no name or one over 255 bytes, no distribution
//! group; a record outside its zone, of a type other than `A`, `AAAA` or `CNAME`, whose
//! content does not fit its type, the same record twice, or a CNAME beside another record of
//! the same name.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use schemars::JsonSchema;
use serde::Serialize;

use super::{MAX_ZONE_NAME_BYTES, RecordType};
use crate::diag::{Diagnostic, Located, Span};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{boolean, optional, required, required_groups, string};
use crate::kinds::route::{is_plain_domain, parse_domain};

/// A DNS zone NetBird answers for, identified by its domain.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ZoneDoc {
    /// The zone's domain, such as `clinic.internal` (it cannot change once created).
    pub domain: Located<String>,
    /// Its display name.
    pub name: Located<String>,
    /// Whether NetBird serves the zone (on when created without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Make the domain a search domain too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_search_domain: Option<bool>,
    /// The groups whose peers resolve the zone (at least one).
    #[serde(serialize_with = "crate::kinds::kit::flow::list")]
    pub distribution_groups: Vec<Located<String>>,
    /// The zone's records, each identified by name, type and content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<RecordDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A record of a zone.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordDoc {
    /// The record's full name: the zone's domain or a name under it (`*.` allowed).
    pub name: Located<String>,
    /// `A`, `AAAA` or `CNAME`.
    #[serde(rename = "type")]
    pub record_type: Located<RecordType>,
    /// An IPv4 address (A), an IPv6 address (AAAA) or a domain name (CNAME).
    pub content: Located<String>,
    /// Time to live in seconds (300 when a record is created without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2_147_483_647))]
    pub ttl: Option<u32>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// Decodes one zone; `None` when its domain, name or groups are not usable.
pub(crate) fn decode(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<ZoneDoc> {
    let mut fields = reader.mapping(node, path)?;
    let domain = required(reader, &mut fields, "domain", zone_domain);
    let name = required(reader, &mut fields, "name", zone_name);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let enable_search_domain = optional(reader, &mut fields, "enable_search_domain", boolean);
    let distribution_groups = required(reader, &mut fields, "distribution_groups", required_groups);
    let records = optional(reader, &mut fields, "records", |reader, node, path| {
        reader.list(node, path, record)
    })
    .unwrap_or_default();
    fields.finish(reader);
    let domain = domain?;
    check_records(reader, &domain.value, &records, path);
    Some(ZoneDoc {
        domain,
        name: name?,
        enabled,
        enable_search_domain,
        distribution_groups: distribution_groups?,
        records,
        path: path.to_owned(),
    })
}

fn zone_domain(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Located<String>> {
    let domain = reader.string(node, path)?;
    if !is_plain_domain(&domain.value) {
        reader.report(
            Diagnostic::at(
                domain.span,
                path,
                format!("{:?} is not a zone domain", domain.value),
            )
            .expected("an ASCII domain name without a wildcard or a trailing dot, such as clinic.internal"),
        );
        return None;
    }
    Some(domain)
}

fn zone_name(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Located<String>> {
    let name = reader.string(node, path)?;
    let bytes = name.value.len();
    if bytes == 0 || bytes > MAX_ZONE_NAME_BYTES {
        reader.report(
            Diagnostic::at(name.span, path, format!("the name has {bytes} bytes"))
                .expected(format!("1 to {MAX_ZONE_NAME_BYTES} bytes")),
        );
        return None;
    }
    Some(name)
}

fn record(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<RecordDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let record_type = required(reader, &mut fields, "type", record_type);
    let content = required(reader, &mut fields, "content", string);
    let ttl = optional(reader, &mut fields, "ttl", |reader, node, path| {
        reader.integer(node, path, 0, 2_147_483_647)
    });
    fields.finish(reader);
    let record_type = record_type?;
    let content = content?;
    let article = if record_type.value == RecordType::CNAME {
        "a"
    } else {
        "an"
    };
    let problem = match record_type.value {
        RecordType::A => content
            .value
            .parse::<Ipv4Addr>()
            .is_err()
            .then_some("an IPv4 address"),
        RecordType::AAAA => content
            .value
            .parse::<Ipv6Addr>()
            .map_or(true, |ip| ip.to_ipv4_mapped().is_some())
            .then_some("an IPv6 address (not an IPv4-mapped one)"),
        RecordType::CNAME => (!is_plain_domain(&content.value))
            .then_some("a domain name without a wildcard or a trailing dot"),
    };
    if let Some(expected) = problem {
        reader.report(
            Diagnostic::at(
                content.span,
                format!("{path}.content"),
                format!(
                    "{:?} is not the content of {article} {} record",
                    content.value, record_type.value
                ),
            )
            .expected(expected),
        );
    }
    Some(RecordDoc {
        name: name?,
        record_type,
        content,
        ttl,
        path: path.to_owned(),
    })
}

/// A record type; NetBird's are upper case, and a lower-case one is refused with the fix.
fn record_type(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Located<RecordType>> {
    if let Node::Str(text) = &node.value
        && text.to_ascii_uppercase().parse::<RecordType>().is_ok()
        && text.parse::<RecordType>().is_err()
    {
        reader.report(
            Diagnostic::at(
                node.span,
                path,
                format!("record type {text:?} is not upper case"),
            )
            .expected(format!(
                "{:?}, as NetBird spells it",
                text.to_ascii_uppercase()
            )),
        );
        return None;
    }
    reader.choice(node, path, "record type", &RecordType::NAMES)
}

/// The checks that need the zone's domain and all its records: every name in the zone, no
/// record twice, no CNAME beside another record of its name.
fn check_records(reader: &mut Reader<'_>, domain: &str, records: &[RecordDoc], path: &str) {
    let mut seen: BTreeMap<(String, RecordType, String), Span> = BTreeMap::new();
    let mut types_by_name: BTreeMap<&str, Vec<(RecordType, Span)>> = BTreeMap::new();
    for record in records {
        let at = &record.path;
        let name = record.name.value.as_str();
        let label = name.strip_prefix("*.").unwrap_or(name);
        let in_zone = name == domain || name.ends_with(&format!(".{domain}"));
        if !in_zone || !label.is_ascii() || parse_domain(label).is_err() {
            reader.report(
                Diagnostic::at(
                    record.name.span,
                    format!("{at}.name"),
                    format!("{name:?} is not a name in the zone {domain:?}"),
                )
                .expected(format!(
                    "the full name: {domain} itself or a name ending in .{domain} (case matters)"
                )),
            );
        }
        let key = (
            name.to_owned(),
            record.record_type.value,
            record.content.value.clone(),
        );
        if let Some(first) = seen.get(&key) {
            reader.report(
                Diagnostic::at(record.name.span, at, "the same record twice")
                    .expected("each name, type and content listed once")
                    .related(*first, "first defined here"),
            );
        } else {
            seen.insert(key, record.name.span);
        }
        types_by_name
            .entry(name)
            .or_default()
            .push((record.record_type.value, record.name.span));
    }
    for (name, types) in types_by_name {
        let cname = types.iter().find(|(t, _)| *t == RecordType::CNAME);
        if let Some((_, span)) = cname.filter(|_| types.len() > 1) {
            reader.report(
                Diagnostic::at(
                    *span,
                    format!("{path}.records"),
                    format!("{name:?} has a CNAME record beside other records"),
                )
                .expected("a CNAME as the only record of its name"),
            );
        }
    }
}
