//! The types that *are* the file format. The JSON Schema is generated from them (their doc
//! comments become its descriptions), `decode` fills them from YAML with a span on every value
//! that later checks may point at, and `export` serialises them back to YAML.

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::diag::{Located, Span};
use crate::kinds::Kind;

pub(crate) use crate::kinds::account_settings::document::SettingsDoc;
pub(crate) use crate::kinds::dns_settings::document::DnsSettingsDoc;
pub(crate) use crate::kinds::dns_zone::document::ZoneDoc;
pub(crate) use crate::kinds::group::document::GroupDoc;
pub(crate) use crate::kinds::kit::named::NamedList;
pub(crate) use crate::kinds::nameserver_group::document::NameserverGroupDoc;
pub(crate) use crate::kinds::network::document::NetworkDoc;
pub(crate) use crate::kinds::peer::document::PeerDoc;
pub(crate) use crate::kinds::policy::document::PolicyDoc;
pub(crate) use crate::kinds::posture_check::document::PostureCheckDoc;
pub(crate) use crate::kinds::route::document::RouteDoc;
pub(crate) use crate::kinds::setup_key::document::SetupKeyDoc;
pub(crate) use crate::kinds::user::document::{RegularUserDoc, ServiceUserDoc, UserDoc};

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
    /// Posture checks, by name: conditions peers must meet for the policies that name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub posture_checks: Vec<PostureCheckDoc>,
    /// Access-control policies, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyDoc>,
    /// Network routes, by network identifier: a range or domains some peers route for others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteDoc>,
    /// DNS: nameserver groups, the account's DNS settings, and zones with their records.
    #[serde(default, skip_serializing_if = "DnsDoc::is_empty")]
    pub dns: DnsDoc,
    /// The account settings; only the fields listed are managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsDoc>,
    /// Settings of existing peers, by name (peers are never created or deleted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<PeerDoc>,
}

/// The DNS of a tenant or a baseline.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsDoc {
    /// Nameserver groups, by name: the DNS servers the peers of some groups use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<NameserverGroupDoc>,
    /// The account's DNS settings (a tenant's replace a baseline's as a whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<DnsSettingsDoc>,
    /// Zones NetBird answers for, by domain, with their records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneDoc>,
}

impl DnsDoc {
    /// Whether nothing of DNS is written.
    pub(crate) fn is_empty(&self) -> bool {
        self.nameservers.is_empty() && self.settings.is_none() && self.zones.is_empty()
    }
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
    /// Which of the MSP's own groups may enter the tenant, and as which role (left out:
    /// unmanaged). Managed, the MSP's record of the tenant is exactly this list and the
    /// tenant's `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_access: Option<Vec<MspAccessDoc>>,
    /// The tenant's own objects.
    #[serde(flatten)]
    pub objects: Objects,
    /// Where the tenant entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
}

/// One of the MSP's own groups and the role its users take in the tenant.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MspAccessDoc {
    /// A group of the MSP's own account, by name.
    pub group: Located<String>,
    /// The role its users have in the tenant.
    pub role: Located<crate::kinds::Role>,
}

/// A kind named in `prune`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PruneKind(pub Kind);

/// The kinds `prune` accepts, in file spelling.
pub(crate) const PRUNE_KINDS: [&str; 13] = [
    "groups",
    "setup_keys",
    "networks",
    "network_resources",
    "network_routers",
    "users",
    "service_users",
    "posture_checks",
    "policies",
    "routes",
    "nameserver_groups",
    "dns_zones",
    "dns_records",
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
