//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]).

use serde::{Deserialize, Serialize};

use crate::api::wire::{PeerMinimum, Resource, nullable};

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
