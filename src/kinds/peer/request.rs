//! This kind as a write. NetBird's PUT replaces the name and the three switches (an omitted
//! `ssh_enabled` turns SSH off, an omitted name is a rename to nothing), so each is sent: the
//! name as it is, the switches as the planner merged them over the live peer.
//! `approval_required` is sent only when it changes.

use crate::kinds::{Peer, wire};

pub(crate) fn peer(after: &Peer, live: &Peer) -> wire::PeerRequest {
    wire::PeerRequest {
        name: after.name.clone(),
        ssh_enabled: after.ssh_enabled.unwrap_or(false),
        login_expiration_enabled: after.login_expiration_enabled.unwrap_or(false),
        inactivity_expiration_enabled: after.inactivity_expiration_enabled.unwrap_or(false),
        approval_required: after
            .approval_required
            .filter(|wanted| Some(*wanted) != live.approval_required),
    }
}
