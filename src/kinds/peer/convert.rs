//! A peer as read: its name and the settings birdhouse manages.

use crate::kinds::{Peer, wire};

pub(crate) fn peer(peer: &wire::Peer) -> Peer {
    Peer {
        name: peer.name.clone(),
        ssh_enabled: Some(peer.ssh_enabled),
        login_expiration_enabled: Some(peer.login_expiration_enabled),
        inactivity_expiration_enabled: Some(peer.inactivity_expiration_enabled),
        approval_required: Some(peer.approval_required),
    }
}
