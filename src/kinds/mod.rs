//! The kinds birdhouse manages, each declared once in a folder of its own (its model, file
//! format and decoder, wire shapes, API calls, conversions, equality rules, group references
//! and export; see `docs/adding-a-kind.md`), and what they share: [`Kind`] and [`Tenant`].
//!
//! The model is normalised, the same types for desired and live state, so the planner compares
//! like with like. Objects are keyed by name (users by lower-case email); ids exist only in
//! live snapshots' side tables. Optional fields are `None` when the desired state leaves them
//! out (unmanaged); live snapshots fill every field.

pub mod account_settings;
pub mod dns_settings;
pub mod dns_zone;
pub mod group;
pub(crate) mod kit;
pub mod nameserver_group;
pub mod network;
pub mod peer;
pub mod policy;
pub mod posture_check;
pub mod route;
pub mod setup_key;
pub mod user;
#[cfg(test)]
mod wire_tests;

/// Every wire shape: the shared ones of [`crate::api::wire`] and each kind's own.
pub mod wire {
    pub use super::dns_settings::wire::*;
    pub use super::dns_zone::wire::*;
    pub use super::group::wire::*;
    pub use super::nameserver_group::wire::*;
    pub use super::network::wire::*;
    pub use super::policy::wire::*;
    pub use super::posture_check::wire::*;
    pub use super::route::wire::*;
    pub use super::setup_key::wire::*;
    pub use super::user::wire::*;
    pub use crate::api::wire::*;
}

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use account_settings::{ACCOUNT_SETTINGS, AccountSettings, Seconds};
pub use dns_settings::{DNS_SETTINGS, DnsSettings};
pub use dns_zone::{DnsRecord, DnsZone, RecordType, record_key};
pub use group::{ALL_GROUP, Group, LOCK_GROUP_PREFIX, is_lock_group};
pub use nameserver_group::{Nameserver, NameserverGroup};
pub use network::{
    Address, AddressKind, DEFAULT_ROUTER_MASQUERADE, DEFAULT_ROUTER_METRIC, Network, Resource,
    Router, RouterTarget, is_dns_name, router_key,
};
pub use peer::Peer;
pub use policy::{
    Action, Destination, Policy, PortRange, Protocol, ResourceRef, Rule, RuleResource,
};
pub use posture_check::{CheckAction, Checks, PostureCheck};
pub use route::{Route, RouteDestination};
pub use setup_key::equality::KeyExpiry;
pub use setup_key::{ExpiresIn, SetupKey, SetupKeyType};
pub use user::{MspAccess, Role, ServiceUser, ServiceUserToken, User};

/// The kinds of object birdhouse manages, in dependency order: an object may reference only
/// kinds of a lower rank, so creates go up the ranks and deletes come down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Groups.
    Group,
    /// Networks.
    Network,
    /// Resources of a network.
    NetworkResource,
    /// Routers of a network.
    NetworkRouter,
    /// Setup keys.
    SetupKey,
    /// Regular users (by email).
    User,
    /// Service users (by name).
    ServiceUser,
    /// Posture checks (policies name them).
    PostureCheck,
    /// Access-control policies.
    Policy,
    /// Network routes (by network identifier).
    Route,
    /// Nameserver groups.
    NameserverGroup,
    /// The account's DNS settings (one object, never created or deleted).
    DnsSettings,
    /// DNS zones (by domain).
    DnsZone,
    /// Records of a DNS zone (by name, type and content).
    DnsRecord,
    /// The account's settings (one object, never created or deleted).
    AccountSettings,
    /// Existing peers' settings (never created or deleted).
    Peer,
}

impl Kind {
    /// Every kind, in dependency order.
    pub const ALL: [Kind; 16] = [
        Kind::Group,
        Kind::Network,
        Kind::NetworkResource,
        Kind::NetworkRouter,
        Kind::SetupKey,
        Kind::User,
        Kind::ServiceUser,
        Kind::PostureCheck,
        Kind::Policy,
        Kind::Route,
        Kind::NameserverGroup,
        Kind::DnsSettings,
        Kind::DnsZone,
        Kind::DnsRecord,
        Kind::AccountSettings,
        Kind::Peer,
    ];

    /// Position in dependency order; lower ranks are created first and deleted last.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// The plural used in files (`prune: [groups]`) and summaries.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Group => "groups",
            Kind::Network => "networks",
            Kind::NetworkResource => "network_resources",
            Kind::NetworkRouter => "network_routers",
            Kind::SetupKey => "setup_keys",
            Kind::User => "users",
            Kind::ServiceUser => "service_users",
            Kind::PostureCheck => "posture_checks",
            Kind::Policy => "policies",
            Kind::Route => "routes",
            Kind::NameserverGroup => "nameserver_groups",
            Kind::DnsSettings => "dns_settings",
            Kind::DnsZone => "dns_zones",
            Kind::DnsRecord => "dns_records",
            Kind::AccountSettings => "account_settings",
            Kind::Peer => "peers",
        }
    }

    /// The singular used in plan lines (`+ group developers`).
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Group => "group",
            Kind::Network => "network",
            Kind::NetworkResource => "network resource",
            Kind::NetworkRouter => "network router",
            Kind::SetupKey => "setup key",
            Kind::User => "user",
            Kind::ServiceUser => "service user",
            Kind::PostureCheck => "posture check",
            Kind::Policy => "policy",
            Kind::Route => "route",
            Kind::NameserverGroup => "nameserver group",
            // Its one object is named `settings`, so plans read `~ DNS settings`.
            Kind::DnsSettings => "DNS",
            Kind::DnsZone => "DNS zone",
            Kind::DnsRecord => "DNS record",
            // Its one object is named `settings`, so plans read `~ account settings`.
            Kind::AccountSettings => "account",
            Kind::Peer => "peer",
        }
    }

    /// Parses the plural form used in files.
    pub fn from_plural(plural: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.plural() == plural)
    }
}

/// Everything birdhouse manages in one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Groups by name.
    pub groups: BTreeMap<String, Group>,
    /// Setup keys by name.
    pub setup_keys: BTreeMap<String, SetupKey>,
    /// Networks by name, with their resources and routers.
    pub networks: BTreeMap<String, Network>,
    /// Regular users by lower-case email.
    pub users: BTreeMap<String, User>,
    /// Service users by name.
    pub service_users: BTreeMap<String, ServiceUser>,
    /// Posture checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub posture_checks: BTreeMap<String, PostureCheck>,
    /// Policies by name.
    pub policies: BTreeMap<String, Policy>,
    /// Routes by network identifier.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, Route>,
    /// Nameserver groups by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nameserver_groups: BTreeMap<String, NameserverGroup>,
    /// The DNS settings, under [`DNS_SETTINGS`] (none when the files leave them out).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dns_settings: BTreeMap<String, DnsSettings>,
    /// DNS zones by domain, with their records.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dns_zones: BTreeMap<String, DnsZone>,
    /// The account settings, under [`ACCOUNT_SETTINGS`] (none when the files leave them out).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub account_settings: BTreeMap<String, AccountSettings>,
    /// Existing peers' settings, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub peers: BTreeMap<String, Peer>,
}

impl Tenant {
    /// Whether some router, route or policy rule names a peer, or the files manage peers (so
    /// the peer list must be read to resolve them).
    pub fn names_a_peer(&self) -> bool {
        self.networks
            .values()
            .flat_map(|n| n.routers.keys())
            .any(|target| matches!(target, RouterTarget::Peer(_)))
            || self.routes.values().any(|route| route.peer().is_some())
            || !self.peers.is_empty()
            || self.groups.values().any(|g| g.peers.is_some())
            || self.policies.values().any(Policy::names_a_peer)
    }

    /// Whether some policy manages its posture checks (so the posture-check list must be read
    /// to send them as ids).
    pub fn policies_name_posture_checks(&self) -> bool {
        self.policies
            .values()
            .any(|p| p.source_posture_checks.is_some())
    }

    /// The number of objects of each kind, resources and routers included.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Group => self.groups.len(),
            Kind::Network => self.networks.len(),
            Kind::NetworkResource => self.networks.values().map(|n| n.resources.len()).sum(),
            Kind::NetworkRouter => self.networks.values().map(|n| n.routers.len()).sum(),
            Kind::SetupKey => self.setup_keys.len(),
            Kind::User => self.users.len(),
            Kind::ServiceUser => self.service_users.len(),
            Kind::PostureCheck => self.posture_checks.len(),
            Kind::Policy => self.policies.len(),
            Kind::Route => self.routes.len(),
            Kind::NameserverGroup => self.nameserver_groups.len(),
            Kind::DnsSettings => self.dns_settings.len(),
            Kind::DnsZone => self.dns_zones.len(),
            Kind::DnsRecord => self.dns_zones.values().map(|z| z.records.len()).sum(),
            Kind::AccountSettings => self.account_settings.len(),
            Kind::Peer => self.peers.len(),
        }
    }

    /// The number of objects of every kind.
    pub fn total(&self) -> usize {
        Kind::ALL.into_iter().map(|kind| self.count(kind)).sum()
    }
}

/// Implements `JsonSchema` for a type written in files as a string, with a description and an
/// optional pattern, so the schema matches what the loader accepts.
macro_rules! string_schema {
    ($type:ty, $name:literal, $description:literal $(, pattern = $pattern:literal)?) => {
        impl schemars::JsonSchema for $type {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": $description
                    $(, "pattern": $pattern)?
                })
            }
        }
    };
}
pub(crate) use string_schema;

/// Serialises a map whose keys are not strings as a list of `[key, value]` pairs, so it can
/// go into JSON (saved plans, fingerprints).
pub(crate) mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the map as pairs.
    pub(crate) fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    /// Reads the map from pairs.
    pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Vec::<(K, V)>::deserialize(deserializer).map(|pairs| pairs.into_iter().collect())
    }
}
