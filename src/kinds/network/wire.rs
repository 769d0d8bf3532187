//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]).

use serde::{Deserialize, Serialize};

use crate::api::wire::nullable;
use crate::kinds::group::wire::GroupMinimum;

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
