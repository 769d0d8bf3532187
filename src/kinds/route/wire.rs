//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]). Read quirks of v0.77.1 (`toRouteResponse`):
//! `network` is always present (a domain route shows the placeholder `192.0.2.0/32`),
//! `domains` is `null` on a network route, `peer` is `""` when groups route, and
//! `peer_groups` and `access_control_groups` are left out when empty.

use serde::{Deserialize, Serialize};

use crate::api::wire::nullable;

/// A route (`Route`).
#[allow(
    clippy::struct_excessive_bools,
    reason = "the API's own shape: one flag per route setting"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Route id.
    pub id: String,
    /// The network identifier (not unique: routes sharing one are one highly available route).
    pub network_id: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Enabled.
    #[serde(default)]
    pub enabled: bool,
    /// The routing peer's id, `""` when groups route.
    #[serde(default, deserialize_with = "nullable")]
    pub peer: String,
    /// Ids of the groups whose peers route.
    #[serde(default, deserialize_with = "nullable")]
    pub peer_groups: Vec<String>,
    /// The range (masked); a placeholder on a domain route.
    #[serde(default, deserialize_with = "nullable")]
    pub network: String,
    /// `IPv4`, `IPv6` or `Domain`.
    #[serde(default, deserialize_with = "nullable")]
    pub network_type: String,
    /// Domains in Unicode form, `null` on a network route.
    #[serde(default, deserialize_with = "nullable")]
    pub domains: Vec<String>,
    /// Metric.
    #[serde(default)]
    pub metric: i64,
    /// Masquerade.
    #[serde(default)]
    pub masquerade: bool,
    /// Ids of the distribution groups.
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Vec<String>,
    /// Keep a domain route's resolved addresses.
    #[serde(default)]
    pub keep_route: bool,
    /// Ids of the access-control groups.
    #[serde(default, deserialize_with = "nullable")]
    pub access_control_groups: Vec<String>,
    /// Left off on clients until their user turns it on.
    #[serde(default)]
    pub skip_auto_apply: bool,
}

impl Route {
    /// Whether the route carries domains rather than a range.
    pub fn is_domain_route(&self) -> bool {
        self.network_type == "Domain" || !self.domains.is_empty()
    }
}

/// Body of `POST /api/routes` and `PUT /api/routes/{id}` (`RouteRequest`). A PUT replaces
/// every field, so each is sent. The server tells a network route from a domain route, and a
/// peer from peer groups, by which key is present: exactly one of each pair is.
#[allow(
    clippy::struct_excessive_bools,
    reason = "the API's own shape: one flag per route setting"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteRequest {
    /// The network identifier.
    pub network_id: String,
    /// Description.
    pub description: String,
    /// Enabled.
    pub enabled: bool,
    /// The routing peer's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Ids of the groups whose peers route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_groups: Option<Vec<String>>,
    /// The range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Metric, 1 to 9999.
    pub metric: u16,
    /// Masquerade.
    pub masquerade: bool,
    /// Ids of the distribution groups.
    pub groups: Vec<String>,
    /// Keep a domain route's resolved addresses.
    pub keep_route: bool,
    /// Ids of the access-control groups.
    pub access_control_groups: Vec<String>,
    /// Left off on clients until their user turns it on.
    pub skip_auto_apply: bool,
}
