//! Networks with their resources (what can be reached) and routers (which peers route to it).

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::kinds::string_schema;

/// The metric of a router the files give none (NetBird's dashboard default).
pub const DEFAULT_ROUTER_METRIC: u16 = 9999;

/// Whether a router the files say nothing about masquerades (NetBird's dashboard default).
pub const DEFAULT_ROUTER_MASQUERADE: bool = true;

/// A network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// The network's name, unique in a tenant.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Resources by name (NetBird keeps resource names unique across the whole tenant).
    pub resources: BTreeMap<String, Resource>,
    /// Routers by what routes (a peer, or a set of peer groups).
    #[serde(with = "crate::kinds::pairs")]
    pub routers: BTreeMap<RouterTarget, Router>,
}

/// A network resource: a host, a subnet or a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource's name, unique in a tenant.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// What the resource covers.
    pub address: Address,
    /// Whether the resource is active.
    pub enabled: Option<bool>,
    /// Groups the resource belongs to (policies reach it through them).
    pub groups: Option<BTreeSet<String>>,
}

/// Which peers route traffic into a network; a router's identity within its network.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouterTarget {
    /// One peer, by its name (or its id when the name does not pick out one peer).
    Peer(String),
    /// Every peer of these groups.
    PeerGroups(BTreeSet<String>),
}

impl fmt::Display for RouterTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouterTarget::Peer(peer) => write!(f, "peer {peer}"),
            RouterTarget::PeerGroups(groups) => {
                f.write_str("peer groups ")?;
                let names: Vec<&str> = groups.iter().map(String::as_str).collect();
                f.write_str(&names.join(","))
            }
        }
    }
}

/// A router's name in plans and snapshots: `network/target`.
pub fn router_key(network: &str, target: &RouterTarget) -> String {
    format!("{network}/{target}")
}

/// A network router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Router {
    /// What routes.
    pub target: RouterTarget,
    /// Whether traffic is masqueraded.
    pub masquerade: Option<bool>,
    /// Route metric, lower wins (1 to 9999).
    pub metric: Option<u16>,
    /// Whether the router is active.
    pub enabled: Option<bool>,
}

/// What a resource address denotes; NetBird derives it from the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// One IP address.
    Host,
    /// A prefix.
    Subnet,
    /// A domain name (wildcards allowed as the first label).
    Domain,
}

/// A resource address in the server's canonical form: a bare IP reads back as `/32` (`/128`),
/// prefixes are kept as written, domains are lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Address(String);

impl Address {
    /// An address as the server reports it, taken as canonical without checking: the server
    /// already validated it, and refusing it here would make the tenant unreadable.
    pub fn from_server(text: &str) -> Self {
        text.parse().unwrap_or_else(|_| Address(text.to_owned()))
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Host, subnet or domain, as the server will classify it.
    pub fn kind(&self) -> AddressKind {
        match self.0.split_once('/') {
            Some((_, "32" | "128")) => AddressKind::Host,
            Some(_) => AddressKind::Subnet,
            None => AddressKind::Domain,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address, a CIDR prefix or a domain name")]
pub struct AddressError(String);

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if let Ok(ip) = text.parse::<IpAddr>() {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            return Ok(Address(format!("{ip}/{bits}")));
        }
        if let Some((ip, bits)) = text.split_once('/') {
            let ip: IpAddr = ip.parse().map_err(|_| AddressError(s.to_owned()))?;
            let bits: u8 = bits.parse().map_err(|_| AddressError(s.to_owned()))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(AddressError(s.to_owned()));
            }
            return Ok(Address(format!("{ip}/{bits}")));
        }
        if is_domain(text) {
            return Ok(Address(text.to_ascii_lowercase()));
        }
        Err(AddressError(s.to_owned()))
    }
}

/// A DNS name of at least two labels, letters, digits and hyphens, with an optional leading
/// `*.` wildcard, as NetBird accepts for domain resources.
fn is_domain(text: &str) -> bool {
    is_dns_name(text.strip_prefix("*.").unwrap_or(text))
}

/// A DNS name of at least two labels of letters, digits and hyphens (no wildcard), at most 253
/// characters, its last label not all digits.
pub fn is_dns_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
}

impl From<Address> for String {
    fn from(value: Address) -> Self {
        value.0
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

string_schema!(
    Address,
    "Address",
    "An IP address (a host), a CIDR prefix (a subnet) or a domain name such as `*.corp.example`"
);

#[cfg(test)]
mod tests {
    use super::{Address, AddressKind, is_dns_name};

    fn parse(text: &str) -> Result<(String, AddressKind), ()> {
        let address: Address = text.parse().map_err(|_| ())?;
        Ok((address.to_string(), address.kind()))
    }

    #[test]
    fn hosts_read_back_with_full_prefix() {
        assert_eq!(
            parse("10.0.0.5"),
            Ok(("10.0.0.5/32".into(), AddressKind::Host))
        );
        assert_eq!(
            parse("10.0.0.5/32"),
            Ok(("10.0.0.5/32".into(), AddressKind::Host))
        );
        assert_eq!(
            parse("fd00::1"),
            Ok(("fd00::1/128".into(), AddressKind::Host))
        );
    }

    #[test]
    fn subnets_are_kept_as_written() {
        assert_eq!(
            parse("10.0.0.1/24"),
            Ok(("10.0.0.1/24".into(), AddressKind::Subnet))
        );
    }

    #[test]
    fn domains_are_lower_cased_and_may_be_wildcards() {
        assert_eq!(
            parse("Intranet.ACME.example"),
            Ok(("intranet.acme.example".into(), AddressKind::Domain))
        );
        assert_eq!(
            parse("*.acme.example"),
            Ok(("*.acme.example".into(), AddressKind::Domain))
        );
    }

    #[test]
    fn dns_names_take_no_wildcard() {
        assert!(is_dns_name("acme-dental.example"));
        assert!(is_dns_name("eu.Acme.example"));
        for bad in [
            "*.acme.example",
            "acme",
            "acme corp.example",
            "acme_corp.example",
            "acme.example.",
            "acme.123",
        ] {
            assert!(!is_dns_name(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn refuses_bad_prefixes_and_names() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0/24",
            "localhost",
            "bad_name.example",
            "-a.example",
            "",
            "1.2.3.4.5",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad} should be refused");
        }
    }
}
