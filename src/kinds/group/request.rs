//! This kind as a write: model objects → request bodies, names sent as ids (through
//! `kit::ids::Ids`); what a full-replace PUT would otherwise reset is echoed from the live
//! object. Defaults for fields the files leave out (unmanaged) apply only at creation and follow
//! what the dashboard does, except where a safer value exists.

use crate::kinds::wire;

/// A group with no members: birdhouse manages a group's existence, and membership is written
/// through setup keys, users and resources.
pub(crate) fn create(name: &str) -> wire::GroupRequest {
    wire::GroupRequest {
        name: name.to_owned(),
        peers: Vec::new(),
        resources: Vec::new(),
    }
}
