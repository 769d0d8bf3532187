//! This kind as a write: model objects → request bodies, names sent as ids (through
//! `kit::ids::Ids`); what a full-replace PUT would otherwise reset is echoed from the live
//! object. Defaults for fields the files leave out (unmanaged) apply only at creation and follow
//! what the dashboard does, except where a safer value exists.

use crate::kinds::kit::ids::Ids;
use crate::kinds::{Group, wire};

/// A group with no members (the tenant lock).
pub(crate) fn empty(name: &str) -> wire::GroupRequest {
    wire::GroupRequest {
        name: name.to_owned(),
        peers: Vec::new(),
        resources: Vec::new(),
    }
}

/// A new group: with the peers the files list, and no resources (they join it from their own
/// side, `groups` of a network resource).
pub(crate) fn create(group: &Group, ids: &impl Ids) -> wire::GroupRequest {
    wire::GroupRequest {
        name: group.name.clone(),
        peers: group
            .peers
            .iter()
            .flatten()
            .map(|p| ids.peer_id(p))
            .collect(),
        resources: Vec::new(),
    }
}

/// A group's new members: NetBird's PUT replaces peers and resources, so the live resources
/// are sent back as they are.
pub(crate) fn update(group: &Group, live: &wire::Group, ids: &impl Ids) -> wire::GroupRequest {
    let peers = match &group.peers {
        Some(peers) => peers.iter().map(|p| ids.peer_id(p)).collect(),
        None => live.peers.iter().map(|p| p.id.clone()).collect(),
    };
    wire::GroupRequest {
        name: group.name.clone(),
        peers,
        resources: live.resources.clone(),
    }
}
