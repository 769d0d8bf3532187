//! The JSON plan, a contract (docs/plan-format.md): `plan --format json` prints it, `plan --out`
//! saves it, `apply PLANFILE` reads it back. Like Terraform's jsonplan it has wire types of its
//! own, private to this file, so renaming a field of the planner's types cannot change the
//! format silently: every name below is the format's, and a change here is a format change
//! (bump [`PLAN_FORMAT_VERSION`] when it is incompatible).
//!
//! Scalar values shared with the file format keep the spelling they have in files (`"30d"`,
//! `"one-off"`, `"10.0.0.0/24"`, `"8000-8100"`, roles, protocols): those types' serde is the
//! file format's value syntax. Pure: no I/O but the writer it is given.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use serde::{Deserialize, Serialize};

use crate::kinds::{
    self, Address, ExpiresIn, PortRange, Protocol, Role, ServiceUserToken, SetupKeyType,
};
use crate::plan::{
    self, Budget, Change, FieldChange, NetworkChild, NetworkHeader, Object, PLAN_FORMAT_VERSION,
    Plan, Reason, Refusal, TenantPlan, ZoneRecord,
};

/// Writes the pretty JSON plan and a newline.
pub(super) fn render(plan: &Plan, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &JsonPlan::from(plan))?;
    out.write_all(b"\n")
}

/// Why a JSON plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadPlanError {
    /// Not JSON at all.
    #[error("not a JSON plan: {0}")]
    NotJson(serde_json::Error),
    /// A plan of another format version (or none).
    #[error(
        "{found}; this birdhouse applies plans of format version {PLAN_FORMAT_VERSION}: make \
         the plan again with this version"
    )]
    Version {
        /// What the file says, described.
        found: String,
    },
    /// JSON, of this version, but not a plan.
    #[error("not a birdhouse plan: {0}")]
    Shape(serde_json::Error),
}

/// Reads a JSON plan, checking its format version before anything else.
pub fn read(bytes: &[u8]) -> Result<Plan, ReadPlanError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(ReadPlanError::NotJson)?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(PLAN_FORMAT_VERSION)) {
        let found = version.map_or_else(
            || "it has no format_version".to_owned(),
            |v| format!("it has format version {v}"),
        );
        return Err(ReadPlanError::Version { found });
    }
    let plan: JsonPlan = serde_json::from_value(value).map_err(ReadPlanError::Shape)?;
    Ok(plan.into())
}

// ---------------------------------------------------------------------------------------------
// The format's types

#[derive(Serialize, Deserialize)]
struct JsonPlan {
    format_version: u32,
    budget: JsonBudget,
    #[serde(default)]
    reads_own_all_group: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    drift_since: Option<String>,
    tenants: Vec<JsonTenant>,
}

#[derive(Serialize, Deserialize)]
struct JsonBudget {
    requests_per_minute: u32,
    burst: u32,
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "the saved plan's mirror of `TenantPlan`"
)]
#[derive(Serialize, Deserialize)]
struct JsonTenant {
    name: String,
    account_id: Option<String>,
    self_account: bool,
    create_tenant: bool,
    domain: Option<String>,
    kinds_read: BTreeSet<JsonKind>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    tokens_read: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    peers_read: bool,
    fingerprint: String,
    changes: Vec<JsonChange>,
    unmanaged: BTreeMap<JsonKind, usize>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    left_alone: BTreeMap<JsonKind, Vec<String>>,
    refusals: Vec<JsonRefusal>,
    errors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    api_calls: u64,
    #[serde(default)]
    rereads_account: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    msp_record: Option<crate::plan::msp::MspRecordChange>,
    #[serde(default, skip_serializing_if = "is_read")]
    live_source: crate::live::LiveSource,
}

/// A tenant read from the API, the way every tenant is without `--snapshots`, says nothing.
fn is_read(source: &crate::live::LiveSource) -> bool {
    *source == crate::live::LiveSource::Read
}

#[derive(Serialize, Deserialize)]
struct JsonChange {
    kind: JsonKind,
    name: String,
    action: JsonAction,
    reason: JsonReason,
    before: Option<JsonObject>,
    after: Option<JsonObject>,
    fields: Vec<JsonField>,
    #[serde(default)]
    drift: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonKind {
    Group,
    Network,
    NetworkResource,
    NetworkRouter,
    SetupKey,
    User,
    ServiceUser,
    PostureCheck,
    Policy,
    Route,
    NameserverGroup,
    DnsSettings,
    DnsZone,
    DnsRecord,
    AccountSettings,
    Peer,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonAction {
    Create,
    Update,
    Delete,
    Replace,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
enum JsonReason {
    Missing,
    NotDesired,
    FieldsDiffer { fields: Vec<String> },
    CreateOnly { field: String },
    Expired,
    Revoked,
    SecretLost,
    TokenExpiring { days_left: i64 },
    Detach { groups: Vec<String> },
    Repoint { resource: String },
    RevokeFirst,
    SetAfterCreate { field: String },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
enum JsonRefusal {
    MassDelete {
        deletes: usize,
        managed: usize,
        max_percent: usize,
    },
    EmptiesTenant {
        deletes: usize,
    },
}

#[derive(Serialize, Deserialize)]
struct JsonField {
    field: String,
    before: serde_json::Value,
    after: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonObject {
    Group {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peers: Option<BTreeSet<String>>,
    },
    SetupKey(JsonSetupKey),
    Network {
        name: String,
        description: Option<String>,
    },
    NetworkResource(JsonResource),
    NetworkRouter(JsonRouter),
    User(JsonUser),
    ServiceUser(JsonServiceUser),
    PostureCheck(JsonPostureCheck),
    Policy(JsonPolicy),
    Route(JsonRoute),
    NameserverGroup(JsonNameserverGroup),
    DnsSettings(JsonDnsSettings),
    DnsZone(JsonDnsZone),
    DnsRecord(JsonDnsRecord),
    AccountSettings(kinds::AccountSettings),
    Peer(kinds::Peer),
}

/// A DNS zone, without its records.
#[derive(Serialize, Deserialize)]
struct JsonDnsZone {
    domain: String,
    name: String,
    enabled: Option<bool>,
    enable_search_domain: Option<bool>,
    distribution_groups: BTreeSet<String>,
}

/// A DNS record with its zone.
#[derive(Serialize, Deserialize)]
struct JsonDnsRecord {
    zone: String,
    name: String,
    #[serde(rename = "type")]
    record_type: kinds::RecordType,
    content: String,
    ttl: Option<u32>,
}

/// A nameserver group.
#[derive(Serialize, Deserialize)]
struct JsonNameserverGroup {
    name: String,
    description: Option<String>,
    nameservers: Vec<JsonNameserver>,
    groups: BTreeSet<String>,
    domains: BTreeSet<String>,
    search_domains_enabled: Option<bool>,
    enabled: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct JsonNameserver {
    ip: std::net::IpAddr,
    ns_type: String,
    port: u16,
}

/// The DNS settings.
#[derive(Serialize, Deserialize)]
struct JsonDnsSettings {
    disabled_management_groups: Option<BTreeSet<String>>,
}

/// A network route.
#[derive(Serialize, Deserialize)]
struct JsonRoute {
    network_id: String,
    description: Option<String>,
    destination: JsonRouteDestination,
    via: JsonRouterTarget,
    groups: BTreeSet<String>,
    access_control_groups: Option<BTreeSet<String>>,
    metric: Option<u16>,
    masquerade: Option<bool>,
    enabled: Option<bool>,
    keep_route: Option<bool>,
    skip_auto_apply: Option<bool>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonRouteDestination {
    Network(String),
    Domains(BTreeSet<String>),
}

/// A posture check; its checks in the API's own shape.
#[derive(Serialize, Deserialize)]
struct JsonPostureCheck {
    name: String,
    description: Option<String>,
    checks: kinds::Checks,
}

#[derive(Serialize, Deserialize)]
struct JsonSetupKey {
    name: String,
    key_type: SetupKeyType,
    expires_in: Option<ExpiresIn>,
    usage_limit: Option<u32>,
    ephemeral: Option<bool>,
    allow_extra_dns_labels: Option<bool>,
    auto_groups: Option<BTreeSet<String>>,
    revoked: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct JsonResource {
    network: String,
    name: String,
    description: Option<String>,
    address: Address,
    enabled: Option<bool>,
    groups: Option<BTreeSet<String>>,
}

#[derive(Serialize, Deserialize)]
struct JsonRouter {
    network: String,
    target: JsonRouterTarget,
    masquerade: Option<bool>,
    metric: Option<u16>,
    enabled: Option<bool>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonRouterTarget {
    Peer(String),
    PeerGroups(BTreeSet<String>),
}

#[derive(Serialize, Deserialize)]
struct JsonUser {
    email: String,
    name: Option<String>,
    role: Option<Role>,
    auto_groups: Option<BTreeSet<String>>,
    blocked: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct JsonServiceUser {
    name: String,
    role: Option<Role>,
    auto_groups: Option<BTreeSet<String>>,
    token: Option<JsonToken>,
}

#[derive(Serialize, Deserialize)]
struct JsonToken {
    name: String,
    expires_in_days: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotate_before_days: Option<u16>,
}

#[derive(Serialize, Deserialize)]
struct JsonPolicy {
    name: String,
    description: Option<String>,
    enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_posture_checks: Option<BTreeSet<String>>,
    rules: Vec<JsonRule>,
}

#[derive(Serialize, Deserialize)]
struct JsonRule {
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    action: kinds::Action,
    protocol: Protocol,
    bidirectional: Option<bool>,
    ports: BTreeSet<PortRange>,
    sources: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_resource: Option<JsonRuleResource>,
    destination: JsonDestination,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    authorized_groups: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonDestination {
    Groups(BTreeSet<String>),
    Resource { network: String, resource: String },
    Peer(String),
}

/// A rule's source resource: a network resource or a peer.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JsonRuleResource {
    Resource { network: String, resource: String },
    Peer(String),
}

impl From<kinds::RuleResource> for JsonRuleResource {
    fn from(target: kinds::RuleResource) -> Self {
        match target {
            kinds::RuleResource::Network(t) => JsonRuleResource::Resource {
                network: t.network,
                resource: t.resource,
            },
            kinds::RuleResource::Peer(peer) => JsonRuleResource::Peer(peer),
        }
    }
}

impl From<JsonRuleResource> for kinds::RuleResource {
    fn from(target: JsonRuleResource) -> Self {
        match target {
            JsonRuleResource::Resource { network, resource } => {
                kinds::RuleResource::Network(kinds::ResourceRef { network, resource })
            }
            JsonRuleResource::Peer(peer) => kinds::RuleResource::Peer(peer),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The planner's types → the format

impl From<&Plan> for JsonPlan {
    fn from(plan: &Plan) -> Self {
        JsonPlan {
            format_version: plan.format_version,
            budget: JsonBudget {
                requests_per_minute: plan.budget.requests_per_minute,
                burst: plan.budget.burst,
            },
            reads_own_all_group: plan.reads_own_all_group,
            drift_since: plan.drift_since.clone(),
            tenants: plan.tenants.iter().map(JsonTenant::from).collect(),
        }
    }
}

impl From<&TenantPlan> for JsonTenant {
    fn from(t: &TenantPlan) -> Self {
        JsonTenant {
            name: t.name.clone(),
            account_id: t.account_id.clone(),
            self_account: t.self_account,
            create_tenant: t.create_tenant,
            domain: t.domain.clone(),
            kinds_read: t.kinds_read.iter().map(|k| JsonKind::from(*k)).collect(),
            tokens_read: t.tokens_read.clone(),
            peers_read: t.peers_read,
            fingerprint: t.fingerprint.clone(),
            changes: t.changes.iter().map(JsonChange::from).collect(),
            unmanaged: t
                .unmanaged
                .iter()
                .map(|(k, n)| (JsonKind::from(*k), *n))
                .collect(),
            left_alone: t
                .left_alone
                .iter()
                .map(|(k, names)| (JsonKind::from(*k), names.clone()))
                .collect(),
            refusals: t.refusals.iter().map(JsonRefusal::from).collect(),
            errors: t.errors.clone(),
            warnings: t.warnings.clone(),
            api_calls: t.api_calls,
            rereads_account: t.rereads_account,
            msp_record: t.msp_record.clone(),
            live_source: t.live_source.clone(),
        }
    }
}

impl From<&Change> for JsonChange {
    fn from(c: &Change) -> Self {
        JsonChange {
            kind: c.kind.into(),
            name: c.name.clone(),
            action: match c.action {
                plan::Action::Create => JsonAction::Create,
                plan::Action::Update => JsonAction::Update,
                plan::Action::Delete => JsonAction::Delete,
                plan::Action::Replace => JsonAction::Replace,
            },
            reason: (&c.reason).into(),
            before: c.before.as_ref().map(JsonObject::from),
            after: c.after.as_ref().map(JsonObject::from),
            fields: c
                .fields
                .iter()
                .map(|f| JsonField {
                    field: f.field.clone(),
                    before: f.before.clone(),
                    after: f.after.clone(),
                })
                .collect(),
            drift: c.drift,
        }
    }
}

impl From<kinds::Kind> for JsonKind {
    fn from(kind: kinds::Kind) -> Self {
        use kinds::Kind as K;
        match kind {
            K::Group => JsonKind::Group,
            K::Network => JsonKind::Network,
            K::NetworkResource => JsonKind::NetworkResource,
            K::NetworkRouter => JsonKind::NetworkRouter,
            K::SetupKey => JsonKind::SetupKey,
            K::User => JsonKind::User,
            K::ServiceUser => JsonKind::ServiceUser,
            K::PostureCheck => JsonKind::PostureCheck,
            K::Policy => JsonKind::Policy,
            K::Route => JsonKind::Route,
            K::NameserverGroup => JsonKind::NameserverGroup,
            K::DnsSettings => JsonKind::DnsSettings,
            K::DnsZone => JsonKind::DnsZone,
            K::DnsRecord => JsonKind::DnsRecord,
            K::AccountSettings => JsonKind::AccountSettings,
            K::Peer => JsonKind::Peer,
        }
    }
}

impl From<&Reason> for JsonReason {
    fn from(reason: &Reason) -> Self {
        match reason.clone() {
            Reason::Missing => JsonReason::Missing,
            Reason::NotDesired => JsonReason::NotDesired,
            Reason::FieldsDiffer { fields } => JsonReason::FieldsDiffer { fields },
            Reason::CreateOnly { field } => JsonReason::CreateOnly { field },
            Reason::Expired => JsonReason::Expired,
            Reason::Revoked => JsonReason::Revoked,
            Reason::SecretLost => JsonReason::SecretLost,
            Reason::TokenExpiring { days_left } => JsonReason::TokenExpiring { days_left },
            Reason::Detach { groups } => JsonReason::Detach { groups },
            Reason::Repoint { resource } => JsonReason::Repoint { resource },
            Reason::RevokeFirst => JsonReason::RevokeFirst,
            Reason::SetAfterCreate { field } => JsonReason::SetAfterCreate { field },
        }
    }
}

impl From<&Refusal> for JsonRefusal {
    fn from(refusal: &Refusal) -> Self {
        match *refusal {
            Refusal::MassDelete {
                deletes,
                managed,
                max_percent,
            } => JsonRefusal::MassDelete {
                deletes,
                managed,
                max_percent,
            },
            Refusal::EmptiesTenant { deletes } => JsonRefusal::EmptiesTenant { deletes },
        }
    }
}

impl From<&Object> for JsonObject {
    fn from(object: &Object) -> Self {
        match object.clone() {
            Object::Group(g) => JsonObject::Group {
                name: g.name,
                peers: g.peers,
            },
            Object::SetupKey(k) => JsonObject::SetupKey(JsonSetupKey {
                name: k.name,
                key_type: k.key_type,
                expires_in: k.expires_in,
                usage_limit: k.usage_limit,
                ephemeral: k.ephemeral,
                allow_extra_dns_labels: k.allow_extra_dns_labels,
                auto_groups: k.auto_groups,
                revoked: k.revoked,
            }),
            Object::Network(n) => JsonObject::Network {
                name: n.name,
                description: n.description,
            },
            Object::NetworkResource(NetworkChild { network, object: r }) => {
                JsonObject::NetworkResource(JsonResource {
                    network,
                    name: r.name,
                    description: r.description,
                    address: r.address,
                    enabled: r.enabled,
                    groups: r.groups,
                })
            }
            Object::NetworkRouter(NetworkChild { network, object: r }) => {
                JsonObject::NetworkRouter(JsonRouter {
                    network,
                    target: match r.target {
                        kinds::RouterTarget::Peer(peer) => JsonRouterTarget::Peer(peer),
                        kinds::RouterTarget::PeerGroups(g) => JsonRouterTarget::PeerGroups(g),
                    },
                    masquerade: r.masquerade,
                    metric: r.metric,
                    enabled: r.enabled,
                })
            }
            Object::User(u) => JsonObject::User(JsonUser {
                email: u.email,
                name: u.name,
                role: u.role,
                auto_groups: u.auto_groups,
                blocked: u.blocked,
            }),
            Object::ServiceUser(u) => JsonObject::ServiceUser(JsonServiceUser {
                name: u.name,
                role: u.role,
                auto_groups: u.auto_groups,
                token: u.token.map(|t| JsonToken {
                    name: t.name,
                    expires_in_days: t.expires_in_days,
                    rotate_before_days: t.rotate_before_days,
                }),
            }),
            Object::PostureCheck(c) => JsonObject::PostureCheck(JsonPostureCheck {
                name: c.name,
                description: c.description,
                checks: c.checks,
            }),
            Object::Policy(p) => JsonObject::Policy(JsonPolicy {
                name: p.name,
                description: p.description,
                enabled: p.enabled,
                source_posture_checks: p.source_posture_checks,
                rules: p.rules.into_iter().map(JsonRule::from).collect(),
            }),
            Object::Route(r) => JsonObject::Route(JsonRoute {
                network_id: r.network_id,
                description: r.description,
                destination: match r.destination {
                    kinds::RouteDestination::Network(n) => JsonRouteDestination::Network(n),
                    kinds::RouteDestination::Domains(d) => JsonRouteDestination::Domains(d),
                },
                via: match r.via {
                    kinds::RouterTarget::Peer(peer) => JsonRouterTarget::Peer(peer),
                    kinds::RouterTarget::PeerGroups(g) => JsonRouterTarget::PeerGroups(g),
                },
                groups: r.groups,
                access_control_groups: r.access_control_groups,
                metric: r.metric,
                masquerade: r.masquerade,
                enabled: r.enabled,
                keep_route: r.keep_route,
                skip_auto_apply: r.skip_auto_apply,
            }),
            Object::NameserverGroup(g) => JsonObject::NameserverGroup(JsonNameserverGroup {
                name: g.name,
                description: g.description,
                nameservers: g
                    .nameservers
                    .into_iter()
                    .map(|ns| JsonNameserver {
                        ip: ns.ip,
                        ns_type: ns.ns_type,
                        port: ns.port,
                    })
                    .collect(),
                groups: g.groups,
                domains: g.domains,
                search_domains_enabled: g.search_domains_enabled,
                enabled: g.enabled,
            }),
            Object::DnsSettings(d) => JsonObject::DnsSettings(JsonDnsSettings {
                disabled_management_groups: d.disabled_management_groups,
            }),
            Object::AccountSettings(s) => JsonObject::AccountSettings(s),
            Object::Peer(p) => JsonObject::Peer(p),
            Object::DnsZone(z) => JsonObject::DnsZone(JsonDnsZone {
                domain: z.domain,
                name: z.name,
                enabled: z.enabled,
                enable_search_domain: z.enable_search_domain,
                distribution_groups: z.distribution_groups,
            }),
            Object::DnsRecord(ZoneRecord { zone, record: r }) => {
                JsonObject::DnsRecord(JsonDnsRecord {
                    zone,
                    name: r.name,
                    record_type: r.record_type,
                    content: r.content,
                    ttl: r.ttl,
                })
            }
        }
    }
}

impl From<kinds::Rule> for JsonRule {
    fn from(r: kinds::Rule) -> Self {
        JsonRule {
            name: r.name,
            description: r.description,
            enabled: r.enabled,
            action: r.action,
            protocol: r.protocol,
            bidirectional: r.bidirectional,
            ports: r.ports,
            sources: r.sources,
            source_resource: r.source_resource.map(JsonRuleResource::from),
            destination: match r.destination {
                kinds::Destination::Groups(g) => JsonDestination::Groups(g),
                kinds::Destination::Resource(t) => match JsonRuleResource::from(t) {
                    JsonRuleResource::Resource { network, resource } => {
                        JsonDestination::Resource { network, resource }
                    }
                    JsonRuleResource::Peer(peer) => JsonDestination::Peer(peer),
                },
            },
            authorized_groups: r.authorized_groups,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The format → the planner's types

impl From<JsonPlan> for Plan {
    fn from(plan: JsonPlan) -> Self {
        Plan {
            format_version: plan.format_version,
            budget: Budget {
                requests_per_minute: plan.budget.requests_per_minute,
                burst: plan.budget.burst,
            },
            reads_own_all_group: plan.reads_own_all_group,
            tenants: plan.tenants.into_iter().map(TenantPlan::from).collect(),
            drift_since: plan.drift_since,
            token_expiry: None,
        }
    }
}

impl From<JsonTenant> for TenantPlan {
    fn from(t: JsonTenant) -> Self {
        TenantPlan {
            name: t.name,
            account_id: t.account_id,
            self_account: t.self_account,
            create_tenant: t.create_tenant,
            domain: t.domain,
            kinds_read: t.kinds_read.into_iter().map(kinds::Kind::from).collect(),
            tokens_read: t.tokens_read,
            peers_read: t.peers_read,
            fingerprint: t.fingerprint,
            changes: t.changes.into_iter().map(Change::from).collect(),
            unmanaged: t
                .unmanaged
                .into_iter()
                .map(|(k, n)| (k.into(), n))
                .collect(),
            left_alone: t
                .left_alone
                .into_iter()
                .map(|(k, names)| (k.into(), names))
                .collect(),
            refusals: t.refusals.into_iter().map(Refusal::from).collect(),
            errors: t.errors,
            warnings: t.warnings,
            api_calls: t.api_calls,
            rereads_account: t.rereads_account,
            msp_record: t.msp_record,
            live_source: t.live_source,
        }
    }
}

impl From<JsonChange> for Change {
    fn from(c: JsonChange) -> Self {
        Change {
            kind: c.kind.into(),
            name: c.name,
            action: match c.action {
                JsonAction::Create => plan::Action::Create,
                JsonAction::Update => plan::Action::Update,
                JsonAction::Delete => plan::Action::Delete,
                JsonAction::Replace => plan::Action::Replace,
            },
            reason: c.reason.into(),
            before: c.before.map(Object::from),
            after: c.after.map(Object::from),
            fields: c
                .fields
                .into_iter()
                .map(|f| FieldChange {
                    field: f.field,
                    before: f.before,
                    after: f.after,
                })
                .collect(),
            drift: c.drift,
        }
    }
}

impl From<JsonKind> for kinds::Kind {
    fn from(kind: JsonKind) -> Self {
        use kinds::Kind as K;
        match kind {
            JsonKind::Group => K::Group,
            JsonKind::Network => K::Network,
            JsonKind::NetworkResource => K::NetworkResource,
            JsonKind::NetworkRouter => K::NetworkRouter,
            JsonKind::SetupKey => K::SetupKey,
            JsonKind::User => K::User,
            JsonKind::ServiceUser => K::ServiceUser,
            JsonKind::PostureCheck => K::PostureCheck,
            JsonKind::Policy => K::Policy,
            JsonKind::Route => K::Route,
            JsonKind::NameserverGroup => K::NameserverGroup,
            JsonKind::DnsSettings => K::DnsSettings,
            JsonKind::DnsZone => K::DnsZone,
            JsonKind::DnsRecord => K::DnsRecord,
            JsonKind::AccountSettings => K::AccountSettings,
            JsonKind::Peer => K::Peer,
        }
    }
}

impl From<JsonReason> for Reason {
    fn from(reason: JsonReason) -> Self {
        match reason {
            JsonReason::Missing => Reason::Missing,
            JsonReason::NotDesired => Reason::NotDesired,
            JsonReason::FieldsDiffer { fields } => Reason::FieldsDiffer { fields },
            JsonReason::CreateOnly { field } => Reason::CreateOnly { field },
            JsonReason::Expired => Reason::Expired,
            JsonReason::Revoked => Reason::Revoked,
            JsonReason::SecretLost => Reason::SecretLost,
            JsonReason::TokenExpiring { days_left } => Reason::TokenExpiring { days_left },
            JsonReason::Detach { groups } => Reason::Detach { groups },
            JsonReason::Repoint { resource } => Reason::Repoint { resource },
            JsonReason::RevokeFirst => Reason::RevokeFirst,
            JsonReason::SetAfterCreate { field } => Reason::SetAfterCreate { field },
        }
    }
}

impl From<JsonRefusal> for Refusal {
    fn from(refusal: JsonRefusal) -> Self {
        match refusal {
            JsonRefusal::MassDelete {
                deletes,
                managed,
                max_percent,
            } => Refusal::MassDelete {
                deletes,
                managed,
                max_percent,
            },
            JsonRefusal::EmptiesTenant { deletes } => Refusal::EmptiesTenant { deletes },
        }
    }
}

impl From<JsonObject> for Object {
    fn from(object: JsonObject) -> Self {
        match object {
            JsonObject::Group { name, peers } => Object::Group(kinds::Group { name, peers }),
            JsonObject::SetupKey(k) => Object::SetupKey(kinds::SetupKey {
                name: k.name,
                key_type: k.key_type,
                expires_in: k.expires_in,
                usage_limit: k.usage_limit,
                ephemeral: k.ephemeral,
                allow_extra_dns_labels: k.allow_extra_dns_labels,
                auto_groups: k.auto_groups,
                revoked: k.revoked,
            }),
            JsonObject::Network { name, description } => {
                Object::Network(NetworkHeader { name, description })
            }
            JsonObject::NetworkResource(r) => Object::NetworkResource(NetworkChild {
                network: r.network,
                object: kinds::Resource {
                    name: r.name,
                    description: r.description,
                    address: r.address,
                    enabled: r.enabled,
                    groups: r.groups,
                },
            }),
            JsonObject::NetworkRouter(r) => Object::NetworkRouter(NetworkChild {
                network: r.network,
                object: kinds::Router {
                    target: match r.target {
                        JsonRouterTarget::Peer(peer) => kinds::RouterTarget::Peer(peer),
                        JsonRouterTarget::PeerGroups(g) => kinds::RouterTarget::PeerGroups(g),
                    },
                    masquerade: r.masquerade,
                    metric: r.metric,
                    enabled: r.enabled,
                },
            }),
            JsonObject::User(u) => Object::User(kinds::User {
                email: u.email,
                name: u.name,
                role: u.role,
                auto_groups: u.auto_groups,
                blocked: u.blocked,
            }),
            JsonObject::ServiceUser(u) => Object::ServiceUser(kinds::ServiceUser {
                name: u.name,
                role: u.role,
                auto_groups: u.auto_groups,
                token: u.token.map(|t| ServiceUserToken {
                    name: t.name,
                    expires_in_days: t.expires_in_days,
                    rotate_before_days: t.rotate_before_days,
                }),
            }),
            JsonObject::PostureCheck(c) => Object::PostureCheck(kinds::PostureCheck {
                name: c.name,
                description: c.description,
                checks: c.checks,
            }),
            JsonObject::Policy(p) => Object::Policy(kinds::Policy {
                name: p.name,
                description: p.description,
                enabled: p.enabled,
                source_posture_checks: p.source_posture_checks,
                rules: p.rules.into_iter().map(kinds::Rule::from).collect(),
            }),
            JsonObject::Route(r) => Object::Route(kinds::Route {
                network_id: r.network_id,
                description: r.description,
                destination: match r.destination {
                    JsonRouteDestination::Network(n) => kinds::RouteDestination::Network(n),
                    JsonRouteDestination::Domains(d) => kinds::RouteDestination::Domains(d),
                },
                via: match r.via {
                    JsonRouterTarget::Peer(peer) => kinds::RouterTarget::Peer(peer),
                    JsonRouterTarget::PeerGroups(g) => kinds::RouterTarget::PeerGroups(g),
                },
                groups: r.groups,
                access_control_groups: r.access_control_groups,
                metric: r.metric,
                masquerade: r.masquerade,
                enabled: r.enabled,
                keep_route: r.keep_route,
                skip_auto_apply: r.skip_auto_apply,
            }),
            JsonObject::NameserverGroup(g) => Object::NameserverGroup(kinds::NameserverGroup {
                name: g.name,
                description: g.description,
                nameservers: g
                    .nameservers
                    .into_iter()
                    .map(|ns| kinds::Nameserver {
                        ip: ns.ip,
                        ns_type: ns.ns_type,
                        port: ns.port,
                    })
                    .collect(),
                groups: g.groups,
                domains: g.domains,
                search_domains_enabled: g.search_domains_enabled,
                enabled: g.enabled,
            }),
            JsonObject::DnsSettings(d) => Object::DnsSettings(kinds::DnsSettings {
                disabled_management_groups: d.disabled_management_groups,
            }),
            JsonObject::AccountSettings(s) => Object::AccountSettings(s),
            JsonObject::Peer(p) => Object::Peer(p),
            JsonObject::DnsZone(z) => Object::DnsZone(kinds::DnsZone {
                domain: z.domain,
                name: z.name,
                enabled: z.enabled,
                enable_search_domain: z.enable_search_domain,
                distribution_groups: z.distribution_groups,
                records: BTreeMap::new(),
            }),
            JsonObject::DnsRecord(r) => Object::DnsRecord(ZoneRecord {
                zone: r.zone,
                record: kinds::DnsRecord {
                    name: r.name,
                    record_type: r.record_type,
                    content: r.content,
                    ttl: r.ttl,
                },
            }),
        }
    }
}

impl From<JsonRule> for kinds::Rule {
    fn from(r: JsonRule) -> Self {
        kinds::Rule {
            name: r.name,
            description: r.description,
            enabled: r.enabled,
            action: r.action,
            protocol: r.protocol,
            bidirectional: r.bidirectional,
            ports: r.ports,
            sources: r.sources,
            source_resource: r.source_resource.map(kinds::RuleResource::from),
            destination: match r.destination {
                JsonDestination::Groups(g) => kinds::Destination::Groups(g),
                JsonDestination::Resource { network, resource } => {
                    kinds::Destination::Resource(kinds::RuleResource::Network(kinds::ResourceRef {
                        network,
                        resource,
                    }))
                }
                JsonDestination::Peer(peer) => {
                    kinds::Destination::Resource(kinds::RuleResource::Peer(peer))
                }
            },
            authorized_groups: r.authorized_groups,
        }
    }
}
