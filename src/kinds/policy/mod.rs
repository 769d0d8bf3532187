//! Access-control policies: who (source groups, or one network resource or peer) may reach
//! what (destination groups, or one network resource or peer), over which protocol and ports,
//! and for NetBird SSH which local users each group may log in as.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A policy. NetBird gives a rule without an id the policy's own id, so birdhouse keeps exactly
/// one rule per policy, as NetBird's dashboard does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The policy's name, unique in a tenant.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Whether the policy is active.
    pub enabled: Option<bool>,
    /// The posture checks a source peer must pass, by name (`None`: unmanaged). A read whose
    /// posture checks were not listed holds their ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_posture_checks: Option<BTreeSet<String>>,
    /// The rules (one).
    pub rules: Vec<Rule>,
}

impl Policy {
    /// Whether a rule of the policy names a network resource, as source or destination (so
    /// planning it needs the networks read).
    pub fn targets_a_resource(&self) -> bool {
        self.rules.iter().any(|rule| {
            rule.resources()
                .any(|target| matches!(target, RuleResource::Network(_)))
        })
    }

    /// Whether a rule of the policy names a peer, as source or destination (so planning it
    /// needs the peer list read).
    pub fn names_a_peer(&self) -> bool {
        self.rules.iter().any(|rule| {
            rule.resources()
                .any(|target| matches!(target, RuleResource::Peer(_)))
        })
    }
}

/// One rule of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's name; defaults to the policy's name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Whether the rule is active.
    pub enabled: Option<bool>,
    /// Accept or drop.
    pub action: Action,
    /// Protocol.
    pub protocol: Protocol,
    /// Whether traffic is allowed both ways.
    pub bidirectional: Option<bool>,
    /// Ports and port ranges (tcp, udp and NetBird SSH only); single ports are ranges of one,
    /// and the file's `ports` and `port_ranges` are one set.
    pub ports: BTreeSet<PortRange>,
    /// Source groups (empty when the source is `source_resource`).
    pub sources: BTreeSet<String>,
    /// One network resource or peer as the source, instead of groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_resource: Option<RuleResource>,
    /// Destination groups or resource.
    pub destination: Destination,
    /// NetBird SSH: the groups whose users may log in, each with the local users they may log
    /// in as (empty: any local user). Empty for other protocols.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub authorized_groups: BTreeMap<String, BTreeSet<String>>,
}

impl Rule {
    /// The resources and peers the rule names, source first.
    pub fn resources(&self) -> impl Iterator<Item = &RuleResource> {
        let destination = match &self.destination {
            Destination::Resource(target) => Some(target),
            Destination::Groups(_) => None,
        };
        self.source_resource.iter().chain(destination)
    }
}

/// Where a rule's traffic goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// Peers and resources of these groups.
    Groups(BTreeSet<String>),
    /// One network resource or peer.
    Resource(RuleResource),
}

/// One network resource or one peer, as a rule's source or destination (NetBird's
/// `sourceResource`/`destinationResource`, whose `type` is the resource's or `peer`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleResource {
    /// A network resource, by its network and its name.
    Network(ResourceRef),
    /// A peer, by name (its id when the peer list was not read or the name is shared).
    Peer(String),
}

impl fmt::Display for RuleResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleResource::Network(target) => {
                write!(f, "resource {}/{}", target.network, target.resource)
            }
            RuleResource::Peer(peer) => write!(f, "peer {peer}"),
        }
    }
}

/// A network resource named by its network and its own name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    /// The network's name.
    pub network: String,
    /// The resource's name.
    pub resource: String,
}

/// What a rule does with matching traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Allow.
    Accept,
    /// Block.
    Drop,
}

impl Action {
    /// Every accepted spelling, for messages.
    pub const NAMES: [&'static str; 2] = ["accept", "drop"];
}

impl FromStr for Action {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accept" => Ok(Action::Accept),
            "drop" => Ok(Action::Drop),
            _ => Err(()),
        }
    }
}

/// A rule's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Every protocol (no ports).
    All,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (no ports).
    Icmp,
    /// NetBird SSH (TCP to the peers' SSH server), with its authorized groups.
    #[serde(rename = "netbird-ssh")]
    NetbirdSsh,
}

impl Protocol {
    /// Every accepted spelling, for messages.
    pub const NAMES: [&'static str; 5] = ["all", "tcp", "udp", "icmp", "netbird-ssh"];

    /// Whether rules of this protocol may name ports (NetBird refuses them for all and icmp
    /// only).
    pub fn has_ports(self) -> bool {
        !matches!(self, Protocol::All | Protocol::Icmp)
    }

    /// The protocol as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::All => "all",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::NetbirdSsh => "netbird-ssh",
        }
    }
}

impl FromStr for Protocol {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Protocol::All),
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            "icmp" => Ok(Protocol::Icmp),
            "netbird-ssh" => Ok(Protocol::NetbirdSsh),
            _ => Err(()),
        }
    }
}

/// An inclusive port range; a single port has `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct PortRange {
    /// First port, 1 to 65535.
    pub start: u16,
    /// Last port, at least `start`.
    pub end: u16,
}

impl PortRange {
    /// A range of one port.
    pub fn single(port: u16) -> Self {
        Self {
            start: port,
            end: port,
        }
    }

    /// Whether the range is a single port.
    pub fn is_single(self) -> bool {
        self.start == self.end
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// Why a port or range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Not a number or `a-b`.
    #[error("{0:?} is not a port or a port range")]
    Syntax(String),
    /// 0, above 65535, or a range that ends before it starts.
    #[error("{0:?} is out of range")]
    Range(String),
}

fn parse_port(text: &str, original: &str) -> Result<u16, PortError> {
    let value: u64 = text
        .trim()
        .parse()
        .map_err(|_| PortError::Syntax(original.to_owned()))?;
    match u16::try_from(value) {
        Ok(port) if port >= 1 => Ok(port),
        _ => Err(PortError::Range(original.to_owned())),
    }
}

impl FromStr for PortRange {
    type Err = PortError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('-') {
            None => parse_port(s, s).map(PortRange::single),
            Some((start, end)) => {
                let range = PortRange {
                    start: parse_port(start, s)?,
                    end: parse_port(end, s)?,
                };
                if range.start > range.end {
                    return Err(PortError::Range(s.to_owned()));
                }
                Ok(range)
            }
        }
    }
}

impl From<PortRange> for String {
    fn from(value: PortRange) -> Self {
        value.to_string()
    }
}

impl TryFrom<String> for PortRange {
    type Error = PortError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl schemars::JsonSchema for PortRange {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PortRange".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A port (1-65535) or an inclusive range such as `8000-8100`",
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "pattern": "^\\s*[0-9]+\\s*(-\\s*[0-9]+\\s*)?$"}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{PortError, PortRange};

    #[test]
    fn parses_ports_and_ranges() {
        assert_eq!("22".parse(), Ok(PortRange::single(22)));
        assert_eq!(
            "8000-8100".parse(),
            Ok(PortRange {
                start: 8000,
                end: 8100
            })
        );
    }

    #[test]
    fn refuses_zero_overflow_reversed_and_garbage() {
        assert_eq!("0".parse::<PortRange>(), Err(PortError::Range("0".into())));
        assert_eq!(
            "70000".parse::<PortRange>(),
            Err(PortError::Range("70000".into()))
        );
        assert_eq!(
            "90-80".parse::<PortRange>(),
            Err(PortError::Range("90-80".into()))
        );
        assert_eq!(
            "ssh".parse::<PortRange>(),
            Err(PortError::Syntax("ssh".into()))
        );
    }
}
