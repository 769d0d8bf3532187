//! Nameserver groups (`/api/dns/nameservers`): the DNS servers the peers of some groups use,
//! for every domain (a primary group) or for match domains only.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The port of a nameserver the files give none (the dashboard's default).
pub const DEFAULT_DNS_PORT: u16 = 53;
/// The most nameservers one group may hold (NetBird's `validateNSList`).
pub const MAX_NAMESERVERS: usize = 3;
/// The most characters a group name may have (NetBird's `nbdns.MaxGroupNameChar`).
pub const MAX_NAME_CHARS: usize = 40;

/// A nameserver group. Whether it is primary follows from its domains (NetBird refuses a
/// primary group with match domains, and a non-primary one without): no domains, primary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameserverGroup {
    /// The group's name, unique in a tenant.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// The nameservers, in the order peers try them (1 to 3).
    pub nameservers: Vec<Nameserver>,
    /// The groups whose peers use these nameservers (at least one).
    pub groups: BTreeSet<String>,
    /// The match domains, exactly as written (NetBird stores them as sent); none makes the
    /// group primary: it resolves every domain.
    pub domains: BTreeSet<String>,
    /// Whether the match domains are also search domains.
    pub search_domains_enabled: Option<bool>,
    /// Whether the group is active.
    pub enabled: Option<bool>,
}

impl NameserverGroup {
    /// Whether the group resolves every domain.
    pub fn primary(&self) -> bool {
        self.domains.is_empty()
    }

    /// The group as a PUT leaves it: the fields `self` manages, the others as `live` has them;
    /// a group that becomes primary stops making search domains (NetBird refuses both).
    #[must_use]
    pub fn over(&self, live: &NameserverGroup) -> NameserverGroup {
        let search_domains = if self.primary() {
            self.search_domains_enabled.or(Some(false))
        } else {
            self.search_domains_enabled.or(live.search_domains_enabled)
        };
        NameserverGroup {
            description: self
                .description
                .clone()
                .or_else(|| live.description.clone()),
            search_domains_enabled: search_domains,
            enabled: self.enabled.or(live.enabled),
            ..self.clone()
        }
    }
}

/// One nameserver: an address and a port, over UDP (the only protocol NetBird accepts).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[schemars(deny_unknown_fields)]
pub struct Nameserver {
    /// The server's IPv4 or IPv6 address.
    #[schemars(with = "String")]
    pub ip: IpAddr,
    /// `udp`, the only type NetBird accepts.
    #[serde(default = "udp", skip_serializing_if = "is_udp")]
    pub ns_type: String,
    /// The port (53 when left out).
    #[serde(default = "default_port", skip_serializing_if = "is_default_port")]
    pub port: u16,
}

fn udp() -> String {
    "udp".to_owned()
}

fn default_port() -> u16 {
    DEFAULT_DNS_PORT
}

fn is_udp(ns_type: &str) -> bool {
    ns_type == "udp"
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_default_port(port: &u16) -> bool {
    *port == DEFAULT_DNS_PORT
}

impl fmt::Display for Nameserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}
