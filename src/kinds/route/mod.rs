//! Routes (NetBird's network routes, `/api/routes`): a network range or a set of domains that
//! a peer, or the peers of some groups, route for the peers of the distribution groups.
//!
//! A route is identified by its `network_id`, the identifier the dashboard calls "network
//! identifier". NetBird lets two routes share one (the older way of making a route highly
//! available); such routes are ambiguous by name and left alone (see `live::convert`).

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::kinds::RouterTarget;

/// The metric of a route the files give none (NetBird's dashboard default).
pub const DEFAULT_ROUTE_METRIC: u16 = 9999;
/// Whether a route the files say nothing about masquerades (NetBird's dashboard default).
pub const DEFAULT_ROUTE_MASQUERADE: bool = true;
/// The most characters a network identifier may have (NetBird's `route.MaxNetIDChar`).
pub const MAX_NETWORK_ID_CHARS: usize = 40;
/// The most domains one route may hold (NetBird's `maxDomains`).
pub const MAX_ROUTE_DOMAINS: usize = 32;

/// A network route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The network identifier, the route's name.
    pub network_id: String,
    /// Free text.
    pub description: Option<String>,
    /// What is routed: a network range or domains.
    pub destination: RouteDestination,
    /// Who routes: one peer, or the peers of some groups.
    pub via: RouterTarget,
    /// The groups whose peers receive the route (at least one).
    pub groups: BTreeSet<String>,
    /// The groups whose peers may use the route when access control applies; unmanaged when
    /// `None`.
    pub access_control_groups: Option<BTreeSet<String>>,
    /// Route metric, 1 to 9999; lower wins.
    pub metric: Option<u16>,
    /// Whether traffic is masqueraded.
    pub masquerade: Option<bool>,
    /// Whether the route is active.
    pub enabled: Option<bool>,
    /// Whether a domain route's resolved addresses stay routed after the domain stops
    /// resolving to them.
    pub keep_route: Option<bool>,
    /// Whether clients leave the route off until their user turns it on.
    pub skip_auto_apply: Option<bool>,
}

impl Route {
    /// The route as a PUT leaves it: the fields `self` manages, the others as `live` has them.
    #[must_use]
    pub fn over(&self, live: &Route) -> Route {
        Route {
            network_id: self.network_id.clone(),
            description: self
                .description
                .clone()
                .or_else(|| live.description.clone()),
            destination: self.destination.clone(),
            via: self.via.clone(),
            groups: self.groups.clone(),
            access_control_groups: self
                .access_control_groups
                .clone()
                .or_else(|| live.access_control_groups.clone()),
            metric: self.metric.or(live.metric),
            masquerade: self.masquerade.or(live.masquerade),
            enabled: self.enabled.or(live.enabled),
            keep_route: self.keep_route.or(live.keep_route),
            skip_auto_apply: self.skip_auto_apply.or(live.skip_auto_apply),
        }
    }

    /// The peer the route names, when one peer routes it.
    pub fn peer(&self) -> Option<&str> {
        match &self.via {
            RouterTarget::Peer(peer) => Some(peer),
            RouterTarget::PeerGroups(_) => None,
        }
    }
}

/// What a route carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteDestination {
    /// A network range as NetBird stores it: masked, such as `10.1.0.0/16`.
    Network(String),
    /// Domains, lower case and in their Unicode form (the way NetBird reads them back);
    /// wildcards such as `*.corp.example` are allowed.
    Domains(BTreeSet<String>),
}

impl fmt::Display for RouteDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDestination::Network(network) => write!(f, "network {network}"),
            RouteDestination::Domains(domains) => {
                let names: Vec<&str> = domains.iter().map(String::as_str).collect();
                write!(f, "domains {}", names.join(","))
            }
        }
    }
}

/// The masked form of a network range (`10.1.0.0/16`), or why the text is none: NetBird's
/// `netip.ParsePrefix` wants an address and a prefix length; host bits are refused here (the
/// server would clear them silently, so the plan would not say what the file means).
pub fn parse_network(text: &str) -> Result<String, String> {
    if !text.contains('/') {
        return Err(format!(
            "{text:?} has no prefix length (a single host is {text}/32, or /128 for IPv6)"
        ));
    }
    let network: ipnet::IpNet = text
        .parse()
        .map_err(|_| format!("{text:?} is not an IP address with a prefix length"))?;
    let masked = network.trunc();
    if masked != network {
        return Err(format!(
            "{text:?} has host bits set; the network is {masked}"
        ));
    }
    Ok(masked.to_string())
}

/// A route domain in the form NetBird reads it back (lower case, Unicode labels), or why it
/// is refused. NetBird converts a domain to punycode and matches it against its domain
/// pattern (`shared/management/domain/validate.go`): labels of letters, digits, `-` and `_`,
/// at most 63 characters, not beginning or ending with `-`, and an optional leading `*.`.
pub fn parse_domain(text: &str) -> Result<String, String> {
    let lower = text.trim().to_lowercase();
    let (wildcard, rest) = match lower.strip_prefix("*.") {
        Some(rest) => ("*.", rest),
        None => ("", lower.as_str()),
    };
    let ascii = idna::domain_to_ascii(rest)
        .map_err(|_| format!("{text:?} cannot be written in punycode"))?;
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if ascii.is_empty() || ascii.len() > 253 || !ascii.split('.').all(label_ok) {
        return Err(format!("{text:?} is not a domain name"));
    }
    let (unicode, errors) = idna::domain_to_unicode(&ascii);
    if errors.is_err() {
        return Err(format!("{text:?} is not a domain name"));
    }
    Ok(format!("{wildcard}{unicode}"))
}

/// Whether NetBird's `IsValidDomainNoWildcard` accepts `text` (a zone's domain, a CNAME's
/// target, the account's DNS domain): ASCII, no `*.`, no trailing dot, otherwise the domain
/// pattern [`parse_domain`] checks.
pub fn is_plain_domain(text: &str) -> bool {
    text.is_ascii() && !text.starts_with("*.") && !text.ends_with('.') && parse_domain(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{parse_domain, parse_network};

    #[test]
    fn networks_must_be_masked_prefixes() {
        assert_eq!(parse_network("10.1.0.0/16"), Ok("10.1.0.0/16".into()));
        assert_eq!(parse_network("fd00::/64"), Ok("fd00::/64".into()));
        assert_eq!(parse_network("0.0.0.0/0"), Ok("0.0.0.0/0".into()));
        let host_bits = parse_network("10.1.2.3/16").unwrap_err();
        assert!(
            host_bits.contains("the network is 10.1.0.0/16"),
            "{host_bits}"
        );
        assert!(parse_network("10.1.2.3").unwrap_err().contains("/32"));
        assert!(parse_network("10.1.0.0/33").is_err());
        assert!(parse_network("corp/8").is_err());
    }

    #[test]
    fn domains_read_back_lower_case_and_in_unicode() {
        assert_eq!(parse_domain("Corp.Example"), Ok("corp.example".into()));
        assert_eq!(parse_domain("*.corp.example"), Ok("*.corp.example".into()));
        assert_eq!(parse_domain("xn--bcher-kva.de"), Ok("bücher.de".into()));
        assert_eq!(parse_domain("BÜCHER.de"), Ok("bücher.de".into()));
        assert_eq!(
            parse_domain("_sip.corp.example"),
            Ok("_sip.corp.example".into())
        );
        assert!(parse_domain("bad domain.example").is_err());
        assert!(parse_domain("-x.example").is_err());
        assert!(parse_domain("a.*.example").is_err());
        assert!(parse_domain("").is_err());
    }
}
