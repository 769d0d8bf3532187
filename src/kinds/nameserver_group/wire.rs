//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]). `domains` and `groups` read back `null`
//! from a list when they were stored empty, `[]` from a create's answer: both mean none.

use serde::{Deserialize, Serialize};

use crate::api::wire::nullable;

/// A nameserver as the API writes it (`Nameserver`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameserverWire {
    /// The address, read back in canonical form.
    pub ip: String,
    /// `udp`.
    #[serde(default, deserialize_with = "nullable")]
    pub ns_type: String,
    /// The port (NetBird has no default and no range check: 0 is stored as 0).
    #[serde(default)]
    pub port: i64,
}

/// A nameserver group (`NameserverGroup`).
#[allow(
    clippy::struct_excessive_bools,
    reason = "the API's own shape: one flag per setting"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameserverGroup {
    /// Nameserver group id.
    pub id: String,
    /// Name, unique in an account.
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// The nameservers.
    #[serde(default, deserialize_with = "nullable")]
    pub nameservers: Vec<NameserverWire>,
    /// Distribution group ids.
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Vec<String>,
    /// Resolves every domain.
    #[serde(default)]
    pub primary: bool,
    /// Match domains.
    #[serde(default, deserialize_with = "nullable")]
    pub domains: Vec<String>,
    /// Match domains are search domains.
    #[serde(default)]
    pub search_domains_enabled: bool,
    /// Enabled.
    #[serde(default)]
    pub enabled: bool,
}

/// Body of `POST /api/dns/nameservers` and `PUT /api/dns/nameservers/{id}`
/// (`NameserverGroupRequest`): a full replace, every field sent.
#[allow(
    clippy::struct_excessive_bools,
    reason = "the API's own shape: one flag per setting"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameserverGroupRequest {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The nameservers.
    pub nameservers: Vec<NameserverWire>,
    /// Distribution group ids.
    pub groups: Vec<String>,
    /// Resolves every domain.
    pub primary: bool,
    /// Match domains.
    pub domains: Vec<String>,
    /// Match domains are search domains.
    pub search_domains_enabled: bool,
    /// Enabled.
    pub enabled: bool,
}
