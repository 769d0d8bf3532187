//! The file format of this kind: the document type the JSON Schema is generated from (the
//! checks are the model's own [`Checks`], whose field names are the API's) and, beside it, the
//! decoder, which refuses with file, line and field what NetBird's `Validate` would refuse at
//! apply: an empty check, a version `go-version` cannot parse, a country code that is not two
//! letters, a range that is not CIDR, a process without a path.

use schemars::JsonSchema;
use serde::Serialize;

use super::{
    CheckAction, Checks, GeoLocationCheck, Location, MinKernelVersion, MinVersion,
    NetworkRangeCheck, OsVersionCheck, Process, ProcessCheck,
};
use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Fields, Node, Reader};
use crate::kinds::kit::read::{optional, plain_string, required, string};

/// A posture check: conditions a peer must meet before policies that name the check let its
/// traffic through.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostureCheckDoc {
    /// The check's name.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The conditions, at least one; all of them are managed.
    pub checks: Checks,
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
) -> Option<PostureCheckDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let checks = required(reader, &mut fields, "checks", checks);
    fields.finish(reader);
    Some(PostureCheckDoc {
        name: name?,
        description,
        checks: checks?,
        path: path.to_owned(),
    })
}

fn checks(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Checks> {
    let mut fields = reader.mapping(node, path)?;
    let checks = Checks {
        nb_version_check: optional(reader, &mut fields, "nb_version_check", |r, n, p| {
            min_version(r, n, p)
        }),
        os_version_check: optional(reader, &mut fields, "os_version_check", os_version),
        geo_location_check: optional(reader, &mut fields, "geo_location_check", geo_location),
        peer_network_range_check: optional(
            reader,
            &mut fields,
            "peer_network_range_check",
            network_range,
        ),
        process_check: optional(reader, &mut fields, "process_check", process_check),
    };
    let span = fields.span();
    let empty = fields.path().to_owned();
    let known = [
        "nb_version_check",
        "os_version_check",
        "geo_location_check",
        "peer_network_range_check",
        "process_check",
    ];
    let any = known.iter().any(|key| fields.has(key));
    fields.finish(reader);
    if !any {
        reader.report(
            Diagnostic::at(span, empty, "no check is set")
                .expected(format!("at least one of {}", known.join(", "))),
        );
        return None;
    }
    Some(checks.normalised())
}

fn min_version(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<MinVersion> {
    let mut fields = reader.mapping(node, path)?;
    let version = required(reader, &mut fields, "min_version", version);
    fields.finish(reader);
    Some(MinVersion {
        min_version: version?,
    })
}

fn min_kernel_version(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<MinKernelVersion> {
    let mut fields = reader.mapping(node, path)?;
    let version = required(reader, &mut fields, "min_kernel_version", version);
    fields.finish(reader);
    Some(MinKernelVersion {
        min_kernel_version: version?,
    })
}

/// A version as NetBird's `go-version` parses it; a number is taken as its text (`14`).
fn version(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<String> {
    let text =
        match &node.value {
            Node::Int(i) => i.to_string(),
            Node::Float(_) => {
                reader.report(Diagnostic::at(node.span, path, "found a number").expected(
                    "a version in quotes, such as \"14.2\" (YAML reads 14.2 as a number)",
                ));
                return None;
            }
            _ => reader.string(node, path)?.value,
        };
    if !is_version(&text) {
        reader.report(
            Diagnostic::at(node.span, path, format!("{text:?} is not a version"))
                .expected("a version such as 0.28.0, 14.2.1 or 10.0.19045"),
        );
        return None;
    }
    Some(text)
}

/// Whether `go-version` (`NewVersion`, what NetBird validates with) accepts the text:
/// an optional `v`, numbers separated by dots, then an optional pre-release (`-rc1`, or
/// letters directly: `1.2beta`) and build metadata (`+build.5`).
pub(crate) fn is_version(text: &str) -> bool {
    let text = text.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    let (core, rest) = text.split_at(
        text.find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len()),
    );
    let segments_ok =
        !core.is_empty() && !core.ends_with('.') && core.split('.').all(|s| !s.is_empty());
    let (pre, build) = rest.split_once('+').unwrap_or((rest, ""));
    let label = |s: &str| {
        s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '~')
        })
    };
    let pre_ok = pre.is_empty() || {
        let pre = pre.strip_prefix('-').unwrap_or(pre);
        label(pre)
    };
    let build_ok = !rest.contains('+') || label(build);
    segments_ok && pre_ok && build_ok
}

fn os_version(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<OsVersionCheck> {
    let mut fields = reader.mapping(node, path)?;
    let check = OsVersionCheck {
        android: optional(reader, &mut fields, "android", min_version),
        darwin: optional(reader, &mut fields, "darwin", min_version),
        ios: optional(reader, &mut fields, "ios", min_version),
        linux: optional(reader, &mut fields, "linux", min_kernel_version),
        windows: optional(reader, &mut fields, "windows", min_kernel_version),
    };
    let span = fields.span();
    let any = ["android", "darwin", "ios", "linux", "windows"]
        .iter()
        .any(|os| fields.has(os));
    fields.finish(reader);
    if !any {
        reader.report(
            Diagnostic::at(span, path, "no operating system is listed")
                .expected("at least one of android, darwin, ios, linux, windows"),
        );
        return None;
    }
    Some(check)
}

fn action(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> Option<CheckAction> {
    required(reader, fields, "action", |reader, node, path| {
        reader.choice::<CheckAction>(node, path, "action", &CheckAction::NAMES)
    })
    .map(|a| a.value)
}

/// A list that must not be empty, each item read by `item`.
fn non_empty_list<T>(
    reader: &mut Reader<'_>,
    fields: &mut Fields<'_>,
    key: &'static str,
    what: &str,
    item: impl FnMut(&mut Reader<'_>, &Located<Node>, &str) -> Option<T>,
) -> Option<Vec<T>> {
    let node = fields.require(reader, key)?;
    let path = fields.child(key);
    if matches!(&node.value, Node::Seq(items) if items.is_empty()) {
        reader.report(Diagnostic::at(node.span, &path, "empty list").expected(what));
        return None;
    }
    reader.list(node, &path, item)
}

fn geo_location(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<GeoLocationCheck> {
    let mut fields = reader.mapping(node, path)?;
    let locations = non_empty_list(
        reader,
        &mut fields,
        "locations",
        "at least one location",
        location,
    );
    let action = action(reader, &mut fields);
    fields.finish(reader);
    Some(GeoLocationCheck {
        locations: locations?,
        action: action?,
    })
}

fn location(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Location> {
    let mut fields = reader.mapping(node, path)?;
    let country = required(reader, &mut fields, "country_code", string);
    let city_name = optional(reader, &mut fields, "city_name", plain_string);
    fields.finish(reader);
    let country = country?;
    let code = &country.value;
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        // NetBird accepts lower case too, but compares codes exactly with the upper-case ones
        // of its location database: `de` would never match a peer.
        reader.report(
            Diagnostic::at(
                country.span,
                format!("{path}.country_code"),
                format!("{code:?} is not a country code"),
            )
            .expected("two upper-case letters (ISO 3166-1 alpha-2), such as DE"),
        );
        return None;
    }
    Some(Location {
        country_code: code.clone(),
        city_name,
    })
}

fn network_range(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<NetworkRangeCheck> {
    let mut fields = reader.mapping(node, path)?;
    let ranges = non_empty_list(
        reader,
        &mut fields,
        "ranges",
        "at least one range",
        |reader, node, path| {
            let text = reader.string(node, path)?;
            let range = canonical_prefix(&text.value);
            if range.is_none() {
                reader.report(
                    Diagnostic::at(
                        text.span,
                        path,
                        format!("{:?} is not a network range", text.value),
                    )
                    .expected("a CIDR range such as 10.0.0.0/8 or 2001:db8::/32"),
                );
            }
            range
        },
    );
    let action = action(reader, &mut fields);
    fields.finish(reader);
    Some(NetworkRangeCheck {
        ranges: ranges?,
        action: action?,
    })
}

/// A CIDR range as NetBird writes it back (Go's `netip.Prefix` text: the address as given, in
/// canonical form, and the prefix length); `None` when Go's `ParsePrefix` would refuse it.
pub(crate) fn canonical_prefix(text: &str) -> Option<String> {
    let (address, bits) = text.split_once('/')?;
    let address: std::net::IpAddr = address.parse().ok()?;
    let leading_zero = bits.len() > 1 && bits.starts_with('0');
    if bits.is_empty()
        || bits.len() > 3
        || leading_zero
        || !bits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let bits: u8 = bits.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    (bits <= max).then(|| format!("{address}/{bits}"))
}

fn process_check(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<ProcessCheck> {
    let mut fields = reader.mapping(node, path)?;
    let processes = non_empty_list(
        reader,
        &mut fields,
        "processes",
        "at least one process",
        process,
    );
    fields.finish(reader);
    Some(ProcessCheck {
        processes: processes?,
    })
}

fn process(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Process> {
    let mut fields = reader.mapping(node, path)?;
    let process = Process {
        linux_path: optional(reader, &mut fields, "linux_path", plain_string),
        mac_path: optional(reader, &mut fields, "mac_path", plain_string),
        windows_path: optional(reader, &mut fields, "windows_path", plain_string),
    };
    let span = fields.span();
    fields.finish(reader);
    if process == Process::default() {
        reader.report(
            Diagnostic::at(span, path, "the process has no path")
                .expected("at least one of linux_path, mac_path, windows_path"),
        );
        return None;
    }
    Some(process)
}

#[cfg(test)]
mod tests {
    use super::{canonical_prefix, is_version};

    #[test]
    fn versions_are_what_go_version_parses() {
        for good in [
            "0.28.0",
            "14",
            "v1.2.3",
            "10.0.19045",
            "1.2.3-rc1",
            "1.2beta",
            "1.0+b.5",
        ] {
            assert!(is_version(good), "{good}");
        }
        for bad in ["", "latest", "1..2", "1.", ".1", "1.2-", "1.2+"] {
            assert!(!is_version(bad), "{bad}");
        }
    }

    #[test]
    fn ranges_are_written_back_as_netbird_does() {
        assert_eq!(
            canonical_prefix("10.0.0.0/8").as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(
            canonical_prefix("2001:DB8:0::/32").as_deref(),
            Some("2001:db8::/32")
        );
        assert_eq!(canonical_prefix("10.0.0.0/33"), None);
        assert_eq!(canonical_prefix("10.0.0.0"), None);
        assert_eq!(canonical_prefix("10.0.0.0/+8"), None);
        assert_eq!(canonical_prefix("10.0.0.0/08"), None);
    }
}
