//! The types that *are* the file format. The JSON Schema is generated from them (their doc
//! comments become its descriptions), `decode` fills them from YAML with a span on every value
//! that later checks may point at, and `export` serialises them back to YAML.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::diag::{Located, Span};
use crate::kinds::{Action, Address, ExpiresIn, Kind, PortRange, Protocol, Role, SetupKeyType};

/// The only format version this birdhouse reads.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// One desired-state file: shared baselines and the tenants they apply to.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "birdhouse desired state")]
pub(crate) struct Document {
    /// Format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: Located<u32>,
    /// Reusable sets of objects, merged into every tenant that lists them under `baselines`.
    #[serde(default, skip_serializing_if = "NamedList::is_empty")]
    pub baselines: NamedList<Objects>,
    /// The tenants this file manages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<TenantDoc>,
}

/// A mapping from names to values that keeps document order and the span of every name.
#[derive(Debug, Clone)]
pub(crate) struct NamedList<T>(pub Vec<(Located<String>, T)>);

impl<T> Default for NamedList<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> NamedList<T> {
    /// True when there are no entries.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for NamedList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (&name.value, value)))
    }
}

impl<T: JsonSchema> JsonSchema for NamedList<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("NamedList_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        BTreeMap::<String, T>::json_schema(generator)
    }
}

/// A located value is written, and described in the schema, as the value itself.
impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// The objects of a tenant or a baseline.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Objects {
    /// Groups, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupDoc>,
    /// Setup keys, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup_keys: Vec<SetupKeyDoc>,
    /// Networks with their resources and routers, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<NetworkDoc>,
    /// Users (by `email`, invited when missing) and service users (by `service` name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserDoc>,
    /// Access-control policies, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyDoc>,
}

/// One tenant: which NetBird account it is, and what it should contain.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TenantDoc {
    /// Display name; the MSP tenant's name, and how `--tenant` selects it.
    pub name: Located<String>,
    /// The MSP tenant's domain; used to find the tenant when no `id` is pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Located<String>>,
    /// Pins the tenant (NetBird account) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Located<String>>,
    /// Create the tenant through the MSP API when it does not exist (needs `domain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<bool>,
    /// Manage the token's own account instead of an MSP tenant (no `id` or `domain`).
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_account: Option<bool>,
    /// Baselines merged into this tenant, in order; the tenant's own entries win.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "crate::kinds::kit::flow::list"
    )]
    pub baselines: Vec<Located<String>>,
    /// Kinds whose live objects that are not listed here get deleted (default: none).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "crate::kinds::kit::flow::list"
    )]
    pub prune: Vec<Located<PruneKind>>,
    /// The tenant's own objects.
    #[serde(flatten)]
    pub objects: Objects,
    /// Where the tenant entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
}

/// A kind named in `prune`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PruneKind(pub Kind);

/// The kinds `prune` accepts, in file spelling.
pub(crate) const PRUNE_KINDS: [&str; 8] = [
    "groups",
    "setup_keys",
    "networks",
    "network_resources",
    "network_routers",
    "users",
    "service_users",
    "policies",
];

impl std::str::FromStr for PruneKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::from_plural(s).map(PruneKind).ok_or(())
    }
}

impl Serialize for PruneKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.plural())
    }
}

impl JsonSchema for PruneKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PruneKind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A kind whose unlisted live objects are deleted",
            "type": "string",
            "enum": PRUNE_KINDS
        })
    }
}

/// A group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupDoc {
    /// The group's name.
    pub name: Located<String>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A setup key. Everything but `auto_groups` and `revoked` is fixed when the key is created:
/// changing it replaces the key (a new secret).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetupKeyDoc {
    /// The key's name.
    pub name: Located<String>,
    /// `one-off` or `reusable`.
    #[serde(rename = "type")]
    pub key_type: Located<SetupKeyType>,
    /// Validity from creation, e.g. `30d`, or `never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<Located<ExpiresIn>>,
    /// Enrolments allowed; 0 means unlimited (one-off keys allow 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<u32>,
    /// Peers enrolled with this key are removed when they go offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Peers enrolled with this key may add extra DNS labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_extra_dns_labels: Option<bool>,
    /// Groups a peer joins when it enrols with this key.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub auto_groups: Option<Vec<Located<String>>>,
    /// Revoke the key (a revoked key cannot be un-revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkDoc {
    /// The network's name.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the network makes reachable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceDoc>,
    /// Which peers route into the network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routers: Vec<RouterDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network resource. Resource names are unique across the whole tenant.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceDoc {
    /// The resource's name.
    pub name: Located<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An IP address, a CIDR prefix or a domain name.
    pub address: Located<Address>,
    /// Whether the resource is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Groups the resource belongs to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub groups: Option<Vec<Located<String>>>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network router: exactly one of `peer` or `peer_groups`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// Both keys are optional on their own, but the decoder wants exactly one of them: the `oneOf`
// holds an editor to that too (both match two branches, neither matches none).
#[schemars(extend("oneOf" = [{"required": ["peer"]}, {"required": ["peer_groups"]}]))]
pub(crate) struct RouterDoc {
    /// One routing peer, by its name (a peer's id also works); birdhouse does not manage peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Located<String>>,
    /// Every peer of these groups routes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub peer_groups: Option<Vec<Located<String>>>,
    /// Masquerade traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masquerade: Option<bool>,
    /// Route metric, 1 to 9999; lower wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9999))]
    pub metric: Option<u16>,
    /// Whether the router is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Where the router entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A user entry: a regular user by `email`, or a service user by `service` name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum UserDoc {
    /// A regular user.
    Regular(RegularUserDoc),
    /// A service user.
    Service(ServiceUserDoc),
}

/// A regular user, invited when missing.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegularUserDoc {
    /// The user's email (compared case-insensitively).
    pub email: Located<String>,
    /// Display name for the invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role: admin, user, network_admin, billing_admin or auditor (owner is never assigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Located<Role>>,
    /// Groups the user's peers join.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub auto_groups: Option<Vec<Located<String>>>,
    /// Block the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A service user, for automation.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceUserDoc {
    /// The service user's name.
    pub service: Located<String>,
    /// Role: admin, user, network_admin, billing_admin or auditor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Located<Role>>,
    /// Groups the service user's peers join.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub auto_groups: Option<Vec<Located<String>>>,
    /// A token to create with the service user; its secret goes only to `--secrets-out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A personal access token for a new service user.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenDoc {
    /// The token's name.
    pub name: String,
    /// Days until it expires, 1 to 365.
    #[schemars(range(min = 1, max = 365))]
    pub expires_in_days: u16,
}

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
    /// The policy's rule (exactly one).
    #[schemars(length(min = 1, max = 1))]
    pub rules: Vec<RuleDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A policy rule: sources may reach destinations (groups, or one network resource).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// As for routers: the decoder wants exactly one kind of destination, and so does the schema.
#[schemars(extend("oneOf" = [
    {"required": ["destinations"]},
    {"required": ["destination_resource"]}
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
    /// `all`, `tcp`, `udp` or `icmp`.
    pub protocol: Located<Protocol>,
    /// Allow traffic both ways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bidirectional: Option<bool>,
    /// Ports and ranges such as `22`, `"8000-8100"` (tcp and udp only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::ports"
    )]
    pub ports: Option<Vec<Located<PortRange>>>,
    /// Source groups.
    #[serde(serialize_with = "crate::kinds::kit::flow::list")]
    pub sources: Vec<Located<String>>,
    /// Destination groups (or use `destination_resource`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub destinations: Option<Vec<Located<String>>>,
    /// One network resource as the destination (instead of `destinations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_resource: Option<ResourceRefDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// A network resource named by its network and its own name.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceRefDoc {
    /// The network's name.
    pub network: Located<String>,
    /// The resource's name in that network.
    pub resource: Located<String>,
}
