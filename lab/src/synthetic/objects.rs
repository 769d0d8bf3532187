//! The objects of a synthetic account, as stored: ids on every reference, as NetBird writes
//! them. Read shapes (group objects instead of ids, masked keys) are built on the way out.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `api`, `jwt` or `integration`.
    pub issued: String,
}

/// A setup key.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "the wire shape's flags")]
pub struct SetupKey {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `one-off` or `reusable`.
    pub kind: String,
    /// Absolute expiry (RFC 3339), or the zero time.
    pub expires: String,
    /// Revoked.
    pub revoked: bool,
    /// Group ids.
    pub auto_groups: Vec<String>,
    /// 0 = unlimited.
    pub usage_limit: u64,
    /// Ephemeral peers.
    pub ephemeral: bool,
    /// Extra DNS labels allowed.
    pub allow_extra_dns_labels: bool,
}

/// A user or service user.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "the wire shape's flags")]
pub struct User {
    /// Id.
    pub id: String,
    /// Email (empty for service users).
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Group ids.
    pub auto_groups: Vec<String>,
    /// The token's own user.
    pub is_current: bool,
    /// A service user.
    pub is_service_user: bool,
    /// Blocked.
    pub is_blocked: bool,
}

/// A personal access token's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Expiry (RFC 3339).
    pub expiration_date: String,
    /// Creator's user id.
    pub created_by: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// A policy rule as written (group ids).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    /// Id (the policy's id for a rule created without one).
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Enabled.
    #[serde(default)]
    pub enabled: bool,
    /// `accept` or `drop`.
    #[serde(default)]
    pub action: String,
    /// Both ways.
    #[serde(default)]
    pub bidirectional: bool,
    /// Protocol.
    #[serde(default)]
    pub protocol: String,
    /// Ports.
    #[serde(default)]
    pub ports: Option<Vec<String>>,
    /// Port ranges.
    #[serde(default)]
    pub port_ranges: Option<Vec<Value>>,
    /// Source group ids.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    /// Destination group ids.
    #[serde(default)]
    pub destinations: Option<Vec<String>>,
    /// Source resource.
    #[serde(default, rename = "sourceResource")]
    pub source_resource: Option<Value>,
    /// Destination resource.
    #[serde(default, rename = "destinationResource")]
    pub destination_resource: Option<Value>,
}

/// A policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Enabled.
    pub enabled: bool,
    /// Rules, group ids as written.
    pub rules: Vec<Rule>,
}

/// A network.
#[derive(Debug, Clone)]
pub struct Network {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// A network resource.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Id.
    pub id: String,
    /// Its network's id (not in the read shape, as in NetBird).
    pub network_id: String,
    /// Name, unique per account.
    pub name: String,
    /// Description.
    pub description: String,
    /// Address as stored (bare IPs get /32).
    pub address: String,
    /// Enabled.
    pub enabled: bool,
    /// Group ids.
    pub groups: Vec<String>,
}

/// A network router.
#[derive(Debug, Clone)]
pub struct Router {
    /// Id.
    pub id: String,
    /// Its network's id (not in the read shape).
    pub network_id: String,
    /// A peer id, or empty.
    pub peer: String,
    /// Peer group ids.
    pub peer_groups: Vec<String>,
    /// Masquerade.
    pub masquerade: bool,
    /// Metric.
    pub metric: u32,
    /// Enabled.
    pub enabled: bool,
}
