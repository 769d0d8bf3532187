//! NetBird's request and response bodies, as `openapi.yml` and the server have them.
//!
//! Read shapes and write shapes differ (policies take group ids and return group objects;
//! setup keys are created with `expires_in` and read back with `expires`), so each kind has
//! both. Read shapes are lenient on purpose: unknown fields are ignored (the server adds fields
//! between releases), and arrays the server sends as `null` read as empty. Write shapes send
//! every field whose absence would change something on a full-replace PUT.
//!
//! No conversion to the domain model happens here: that is `live`'s job.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secret::Secret;

/// Reads `null` as the type's default: NetBird sends empty slices as `null` on some endpoints
/// and as `[]` on others.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a one-time secret straight into a [`Secret`], so it is never held as a plain string.
fn secret<'de, D>(deserializer: D) -> Result<Secret<String>, D::Error>
where
    D: Deserializer<'de>,
{
    String::deserialize(deserializer).map(Secret::new)
}

/// Like [`secret`], for a secret the server sends only sometimes.
fn optional_secret<'de, D>(deserializer: D) -> Result<Option<Secret<String>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?
        .filter(|value| !value.is_empty())
        .map(Secret::new))
}

/// Writes the secret's value: only for request bodies that must carry it (a setup password).
fn expose<S: Serializer>(value: &Secret<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.expose())
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A group as other objects reference it on read (`GroupMinimum`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMinimum {
    /// Group id.
    pub id: String,
    /// Group name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Peers in the group.
    #[serde(default, deserialize_with = "nullable")]
    pub peers_count: u64,
    /// Network resources in the group.
    #[serde(default, deserialize_with = "nullable")]
    pub resources_count: u64,
    /// `api`, `jwt` or `integration`.
    #[serde(default)]
    pub issued: Option<String>,
}

/// A peer as `GET /api/peers` lists it (only what birdhouse needs: its id and name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Peer id.
    pub id: String,
    /// Peer name (the host name unless renamed).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// A peer as a group lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerMinimum {
    /// Peer id.
    pub id: String,
    /// Peer host name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// A reference to a peer or network resource (`Resource`): groups hold them, policy rules
/// target them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    /// Id of the peer or network resource.
    pub id: String,
    /// `peer`, `host`, `subnet` or `domain`.
    #[serde(rename = "type")]
    pub kind: String,
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// The account a request ran in (`GET /api/accounts` returns exactly one): the proof that
/// `?account=` reached the intended tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Account id; equals the tenant id when `?account=` took effect.
    pub id: String,
    /// Account domain.
    #[serde(default, deserialize_with = "nullable")]
    pub domain: String,
    /// `private`, `public` or `other`.
    #[serde(default, deserialize_with = "nullable")]
    pub domain_category: String,
    /// Creation time (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// Id of the creating user.
    #[serde(default, deserialize_with = "nullable")]
    pub created_by: String,
    /// Account settings, kept whole: `PUT /api/accounts/{id}` replaces them all, so an update
    /// must send back every field it does not mean to change.
    #[serde(default, deserialize_with = "nullable")]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

// ---------------------------------------------------------------------------------------------
// MSP tenants

/// An MSP user group allowed into a tenant, and the role it assumes there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantGroup {
    /// MSP group id.
    pub id: String,
    /// Role name in the tenant.
    pub role: String,
}

/// A tenant of the MSP (`TenantResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's account id: the value of `?account=`.
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Tenant domain.
    #[serde(default, deserialize_with = "nullable")]
    pub domain: String,
    /// `existing`, `invited`, `pending` or `active`.
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    /// MSP groups with access.
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Vec<TenantGroup>,
    /// TXT record value for domain verification.
    #[serde(default, deserialize_with = "nullable")]
    pub dns_challenge: String,
    /// Creation time (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// Last update (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub updated_at: String,
    /// Activation time, once active.
    #[serde(default)]
    pub activated_at: Option<String>,
    /// Invitation time, for invited existing accounts.
    #[serde(default)]
    pub invited_at: Option<String>,
}

/// Body of `POST /api/integrations/msp/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateTenantRequest {
    /// Display name.
    pub name: String,
    /// Tenant domain.
    pub domain: String,
    /// MSP groups with access (required by the server, may be empty).
    pub groups: Vec<TenantGroup>,
}

/// Body of `PUT /api/integrations/msp/tenants/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateTenantRequest {
    /// Display name.
    pub name: String,
    /// MSP groups with access (replaces the list).
    pub groups: Vec<TenantGroup>,
}

// ---------------------------------------------------------------------------------------------
// Groups

/// A group (`Group`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Group id.
    pub id: String,
    /// Group name; `All` is the built-in group of every peer.
    pub name: String,
    /// `api`, `jwt` or `integration`; only `api` groups are birdhouse's to manage.
    #[serde(default)]
    pub issued: Option<String>,
    /// Member peers.
    #[serde(default, deserialize_with = "nullable")]
    pub peers: Vec<PeerMinimum>,
    /// Number of member peers.
    #[serde(default, deserialize_with = "nullable")]
    pub peers_count: u64,
    /// Member network resources.
    #[serde(default, deserialize_with = "nullable")]
    pub resources: Vec<Resource>,
    /// Number of member resources.
    #[serde(default, deserialize_with = "nullable")]
    pub resources_count: u64,
}

/// Body of `POST /api/groups` and `PUT /api/groups/{id}`.
///
/// A PUT replaces membership: `peers` and `resources` are always sent, so an update that does
/// not mean to change membership must echo the live members back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRequest {
    /// Group name.
    pub name: String,
    /// Member peer ids.
    pub peers: Vec<String>,
    /// Member network resources.
    pub resources: Vec<Resource>,
}

// ---------------------------------------------------------------------------------------------
// Setup keys

/// A setup key as listed (`SetupKey`); `key` is masked (first characters and `****`).
#[expect(clippy::struct_excessive_bools, reason = "mirrors the wire shape")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupKey {
    /// Setup key id.
    pub id: String,
    /// The masked key; empty inside a [`SetupKeyCreated`], which holds the real one.
    #[serde(default, deserialize_with = "nullable")]
    pub key: String,
    /// Name (not unique).
    pub name: String,
    /// `one-off` or `reusable`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Expiry (RFC 3339; `0001-01-01T00:00:00Z` = never).
    #[serde(default, deserialize_with = "nullable")]
    pub expires: String,
    /// Usable right now.
    #[serde(default)]
    pub valid: bool,
    /// Revoked (cannot be undone).
    #[serde(default)]
    pub revoked: bool,
    /// Times used.
    #[serde(default, deserialize_with = "nullable")]
    pub used_times: u64,
    /// Last use (zero time when never used).
    #[serde(default, deserialize_with = "nullable")]
    pub last_used: String,
    /// `valid`, `overused`, `expired` or `revoked`.
    #[serde(default, deserialize_with = "nullable")]
    pub state: String,
    /// Group ids given to peers enrolled with the key.
    #[serde(default, deserialize_with = "nullable")]
    pub auto_groups: Vec<String>,
    /// Last update (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub updated_at: String,
    /// Uses allowed; 0 = unlimited (one-off keys read back as 1).
    #[serde(default, deserialize_with = "nullable")]
    pub usage_limit: u64,
    /// Peers enrolled with it are ephemeral.
    #[serde(default)]
    pub ephemeral: bool,
    /// Peers may add extra DNS labels.
    #[serde(default)]
    pub allow_extra_dns_labels: bool,
}

/// The answer to `POST /api/setup-keys`: the only time the plain key is visible.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetupKeyCreated {
    /// The plain key (an uppercase UUID), for the secrets sink only.
    #[serde(deserialize_with = "secret")]
    pub key: Secret<String>,
    /// Everything else about the new key (its `key` field is empty).
    #[serde(flatten)]
    pub setup_key: SetupKey,
}

/// Body of `POST /api/setup-keys`. Every field but `auto_groups` is fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateSetupKeyRequest {
    /// Name.
    pub name: String,
    /// `one-off` or `reusable`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Lifetime in seconds; 0 = never expires.
    pub expires_in: u64,
    /// Group ids given to enrolled peers (must exist; never `All`).
    pub auto_groups: Vec<String>,
    /// Uses allowed; 0 = unlimited.
    pub usage_limit: u64,
    /// Enrolled peers are ephemeral.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Enrolled peers may add extra DNS labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_extra_dns_labels: Option<bool>,
}

/// Body of `PUT /api/setup-keys/{id}`: the only mutable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupKeyRequest {
    /// Revoke the key (a revoked key cannot be un-revoked).
    pub revoked: bool,
    /// Group ids given to enrolled peers (required by the server).
    pub auto_groups: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Users and their tokens

/// A user or service user (`User`).
#[expect(clippy::struct_excessive_bools, reason = "mirrors the wire shape")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: String,
    /// Email (empty for service users).
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    /// Display name; the identity of a service user.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// `owner`, `admin`, `user`, `network_admin`, `billing_admin` or `auditor`.
    pub role: String,
    /// `active`, `invited` or `blocked`.
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    /// Group ids given to the user's peers.
    #[serde(default, deserialize_with = "nullable")]
    pub auto_groups: Vec<String>,
    /// The user the token belongs to.
    #[serde(default)]
    pub is_current: bool,
    /// A service user (no login, token access only).
    #[serde(default)]
    pub is_service_user: bool,
    /// Blocked from the system.
    #[serde(default)]
    pub is_blocked: bool,
    /// Waiting for an admin's approval.
    #[serde(default)]
    pub pending_approval: bool,
    /// `api` or `integration`.
    #[serde(default)]
    pub issued: Option<String>,
    /// Last dashboard login.
    #[serde(default)]
    pub last_login: Option<String>,
    /// Identity-provider id.
    #[serde(default)]
    pub idp_id: Option<String>,
    /// Generated password, only in the answer to creating a local user (embedded IdP).
    #[serde(default, deserialize_with = "optional_secret", skip_serializing)]
    pub password: Option<Secret<String>>,
}

/// Body of `POST /api/users`: a service user (`is_service_user`) or an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserCreateRequest {
    /// Email to invite (regular users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name, or the service user's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role (never `owner`).
    pub role: String,
    /// Group ids given to the user's peers.
    pub auto_groups: Vec<String>,
    /// Create a service user instead of inviting someone.
    pub is_service_user: bool,
}

/// Body of `PUT /api/users/{id}`: the only mutable fields, all required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRequest {
    /// Role; setting another user to `owner` demotes the caller, so never do it by accident.
    pub role: String,
    /// Group ids given to the user's peers.
    pub auto_groups: Vec<String>,
    /// Block the user.
    pub is_blocked: bool,
}

/// A personal access token's metadata (`PersonalAccessToken`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalAccessToken {
    /// Token id.
    pub id: String,
    /// Token name.
    pub name: String,
    /// Expiry (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub expiration_date: String,
    /// Id of the creating user.
    #[serde(default, deserialize_with = "nullable")]
    pub created_by: String,
    /// Creation time (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// Last use; changes on every call, never diff it.
    #[serde(default)]
    pub last_used: Option<String>,
}

/// Body of `POST /api/users/{id}/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalAccessTokenRequest {
    /// Token name.
    pub name: String,
    /// Lifetime in days (1 to 365).
    pub expires_in: u32,
}

/// The answer to `POST /api/users/{id}/tokens`: the only time the token is visible.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PersonalAccessTokenGenerated {
    /// The token itself, for the secrets sink only.
    #[serde(deserialize_with = "secret")]
    pub plain_token: Secret<String>,
    /// Its metadata.
    pub personal_access_token: PersonalAccessToken,
}

// ---------------------------------------------------------------------------------------------
// Policies

/// A port range of a policy rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RulePortRange {
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
}

/// A policy (`Policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Policy id.
    pub id: String,
    /// Name (not unique).
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Enabled.
    pub enabled: bool,
    /// Posture-check ids applied to the sources.
    #[serde(default, deserialize_with = "nullable")]
    pub source_posture_checks: Vec<String>,
    /// The rules (birdhouse keeps exactly one per policy).
    #[serde(default, deserialize_with = "nullable")]
    pub rules: Vec<PolicyRule>,
}

/// A policy rule as read (`PolicyRule`): groups come back as objects, and `sources` can be
/// incomplete in multi-rule policies (the server dedupes groups across rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRule {
    /// Rule id (equals the policy id for a policy's first rule).
    #[serde(default)]
    pub id: Option<String>,
    /// Rule name.
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Enabled.
    pub enabled: bool,
    /// `accept` or `drop`.
    pub action: String,
    /// Applies in both directions.
    pub bidirectional: bool,
    /// `all`, `tcp`, `udp`, `icmp` or `netbird-ssh`.
    pub protocol: String,
    /// Ports, as strings.
    #[serde(default, deserialize_with = "nullable")]
    pub ports: Vec<String>,
    /// Port ranges.
    #[serde(default, deserialize_with = "nullable")]
    pub port_ranges: Vec<RulePortRange>,
    /// Source groups.
    #[serde(default, deserialize_with = "nullable")]
    pub sources: Vec<GroupMinimum>,
    /// Destination groups.
    #[serde(default, deserialize_with = "nullable")]
    pub destinations: Vec<GroupMinimum>,
    /// Source resource, instead of source groups.
    #[serde(default, rename = "sourceResource")]
    pub source_resource: Option<Resource>,
    /// Destination resource, instead of destination groups.
    #[serde(default, rename = "destinationResource")]
    pub destination_resource: Option<Resource>,
    /// For `netbird-ssh`: group id → local user names.
    #[serde(default, deserialize_with = "nullable")]
    pub authorized_groups: BTreeMap<String, Vec<String>>,
}

/// Body of `POST /api/policies` and `PUT /api/policies/{id}` (`PolicyCreate` and
/// `PolicyUpdate` have the same shape).
///
/// Unknown group and posture-check ids are dropped by the server without an error: compare the
/// answer with what was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRequest {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// Posture-check ids applied to the sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_posture_checks: Option<Vec<String>>,
    /// The rules; send exactly one (id-less rules get the policy id, so two would clash).
    pub rules: Vec<PolicyRuleRequest>,
}

/// Body of `POST /api/policies`.
pub type PolicyCreate = PolicyRequest;
/// Body of `PUT /api/policies/{id}`.
pub type PolicyUpdate = PolicyRequest;

/// A rule as written (`PolicyRuleUpdate`): groups by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRuleRequest {
    /// On update, the existing rule id (echo it back, or the rule is replaced); ignored on
    /// create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Rule name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// `accept` or `drop`.
    pub action: String,
    /// Applies in both directions.
    pub bidirectional: bool,
    /// `all`, `tcp`, `udp`, `icmp` or `netbird-ssh`.
    pub protocol: String,
    /// Ports (exclusive with `port_ranges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<String>>,
    /// Port ranges (exclusive with `ports`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_ranges: Option<Vec<RulePortRange>>,
    /// Source group ids (exclusive with `source_resource`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
    /// Destination group ids (exclusive with `destination_resource`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<String>>,
    /// Source resource.
    #[serde(rename = "sourceResource", skip_serializing_if = "Option::is_none")]
    pub source_resource: Option<Resource>,
    /// Destination resource.
    #[serde(
        rename = "destinationResource",
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_resource: Option<Resource>,
    /// For `netbird-ssh`: group id → local user names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_groups: Option<BTreeMap<String, Vec<String>>>,
}

// ---------------------------------------------------------------------------------------------
// Networks, resources, routers

/// A network (`Network`); the only place that says which resources and routers belong to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Network id.
    pub id: String,
    /// Name (not unique).
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Router ids of the network.
    #[serde(default, deserialize_with = "nullable")]
    pub routers: Vec<String>,
    /// Resource ids of the network.
    #[serde(default, deserialize_with = "nullable")]
    pub resources: Vec<String>,
    /// Peers routing for it.
    #[serde(default, deserialize_with = "nullable")]
    pub routing_peers_count: u64,
    /// Ids of policies pointing at its resources.
    #[serde(default, deserialize_with = "nullable")]
    pub policies: Vec<String>,
}

/// Body of `POST /api/networks` and `PUT /api/networks/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkRequest {
    /// Name.
    pub name: String,
    /// Description; omitted on a PUT it becomes empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A network resource (`NetworkResource`); it does not say its network (see [`Network`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkResource {
    /// Resource id.
    pub id: String,
    /// Name (unique in the account, across networks).
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// `host`, `subnet` or `domain`, derived from the address by the server.
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    /// Address as normalised by the server (a bare IP reads back as `/32`).
    pub address: String,
    /// Enabled.
    pub enabled: bool,
    /// Groups the resource is in.
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Vec<GroupMinimum>,
}

/// Body of `POST /api/networks/{id}/resources` and `PUT .../resources/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkResourceRequest {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// IP, prefix or domain (validate locally: a bad one is a bare 500).
    pub address: String,
    /// Enabled.
    pub enabled: bool,
    /// Group ids the resource is in.
    pub groups: Vec<String>,
}

/// A network router (`NetworkRouter`); it does not say its network (see [`Network`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkRouter {
    /// Router id.
    pub id: String,
    /// Routing peer id (empty or absent when groups route).
    #[serde(default)]
    pub peer: Option<String>,
    /// Routing peer group ids.
    #[serde(default, deserialize_with = "nullable")]
    pub peer_groups: Vec<String>,
    /// Masquerade traffic.
    pub masquerade: bool,
    /// Metric; lower wins.
    pub metric: u32,
    /// Enabled.
    pub enabled: bool,
}

/// Body of `POST /api/networks/{id}/routers` and `PUT .../routers/{id}`: exactly one of `peer`
/// and `peer_groups`. A POST always creates the router enabled; a PUT honours `enabled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkRouterRequest {
    /// Routing peer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Routing peer group ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_groups: Option<Vec<String>>,
    /// Masquerade traffic.
    pub masquerade: bool,
    /// Metric (1 to 9999).
    pub metric: u32,
    /// Enabled.
    pub enabled: bool,
}

// ---------------------------------------------------------------------------------------------
// Self-hosted bootstrap

/// `GET /api/instance`: whether a fresh self-hosted server still needs its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStatus {
    /// True until the first owner exists (embedded IdP only).
    pub setup_required: bool,
}

/// Body of `POST /api/setup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupRequest {
    /// Owner email.
    pub email: String,
    /// Owner display name.
    pub name: String,
    /// Owner password (8 to 72 bytes); sent, never logged.
    #[serde(serialize_with = "expose")]
    pub password: Secret<String>,
    /// Ask for a PAT (honoured only with `NB_SETUP_PAT_ENABLED=true` on the server).
    pub create_pat: bool,
    /// PAT lifetime in days (1 to 365).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pat_expire_in: Option<u32>,
}

/// The answer to `POST /api/setup`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetupResponse {
    /// The new owner's user id.
    pub user_id: String,
    /// The owner's email.
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    /// The PAT, present only when asked for and enabled on the server.
    #[serde(default, deserialize_with = "optional_secret")]
    pub personal_access_token: Option<Secret<String>>,
}

/// NetBird's error body: `{"message": "...", "code": 404}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorBody {
    /// The server's message (lower-cased by the server for most errors).
    #[serde(default, deserialize_with = "nullable")]
    pub(crate) message: String,
}

#[cfg(test)]
mod tests {
    use super::{Group, NetworkRouter, Policy, SetupKeyCreated, Tenant, User};

    #[test]
    fn null_arrays_read_as_empty_and_unknown_fields_are_ignored() {
        let group: Group = serde_json::from_str(
            r#"{"id":"g1","name":"devs","issued":"api","peers":null,"peers_count":0,
                "resources":null,"resources_count":0,"added_in_a_later_release":{"x":1}}"#,
        )
        .unwrap();
        assert!(group.peers.is_empty() && group.resources.is_empty());

        let router: NetworkRouter = serde_json::from_str(
            r#"{"id":"r1","peer":"p1","peer_groups":null,"masquerade":true,"metric":9999,
                "enabled":true}"#,
        )
        .unwrap();
        assert!(router.peer_groups.is_empty());
    }

    #[test]
    fn policy_rules_read_group_objects_and_camel_case_resources() {
        let policy: Policy = serde_json::from_str(
            r#"{"id":"p1","name":"web","description":"","enabled":true,
                "source_posture_checks":null,
                "rules":[{"id":"p1","name":"web","enabled":true,"action":"accept",
                  "bidirectional":false,"protocol":"tcp","ports":["443"],
                  "sources":[{"id":"g1","name":"devs","peers_count":2,"resources_count":0}],
                  "destinations":null,
                  "destinationResource":{"id":"res1","type":"subnet"}}]}"#,
        )
        .unwrap();
        let rule = &policy.rules[0];
        assert_eq!(rule.sources[0].id, "g1");
        assert!(rule.destinations.is_empty());
        assert_eq!(rule.destination_resource.as_ref().unwrap().kind, "subnet");
    }

    #[test]
    fn one_time_secrets_never_print() {
        let created: SetupKeyCreated = serde_json::from_str(
            r#"{"id":"k1","key":"A616097E-FCF0-48FA-9354-CA4A61142761","name":"office",
                "type":"reusable","expires":"0001-01-01T00:00:00Z","valid":true,
                "revoked":false,"used_times":0,"last_used":"0001-01-01T00:00:00Z",
                "state":"valid","auto_groups":["g1"],"updated_at":"","usage_limit":0,
                "ephemeral":false,"allow_extra_dns_labels":false}"#,
        )
        .unwrap();
        assert_eq!(created.key.expose(), "A616097E-FCF0-48FA-9354-CA4A61142761");
        assert_eq!(created.setup_key.name, "office");
        assert!(!format!("{created:?}").contains("A616097E"));

        let user: User = serde_json::from_str(
            r#"{"id":"u1","email":"a@b.c","name":"A","role":"user","status":"active",
                "auto_groups":[],"is_blocked":false,"pending_approval":false,
                "password":"hunter2hunter2"}"#,
        )
        .unwrap();
        assert_eq!(user.password.as_ref().unwrap().expose(), "hunter2hunter2");
        assert!(!format!("{user:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&user).unwrap().contains("hunter2"));
    }

    #[test]
    fn tenant_reads_the_spec_example() {
        let tenant: Tenant = serde_json::from_str(
            r#"{"id":"ch8i4ug6lnn4g9hqv7m0","name":"My new tenant","domain":"tenant.com",
                "groups":[{"id":"g","role":"admin"}],"created_at":"2021-08-01T12:00:00Z",
                "updated_at":"2021-08-01T12:00:00Z","status":"active","dns_challenge":"YXNk"}"#,
        )
        .unwrap();
        assert_eq!(tenant.status, "active");
        assert_eq!(tenant.groups.len(), 1);
    }
}
