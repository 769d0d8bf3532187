//! Peers (`/api/peers`): the machines agents enrol. birdhouse never creates or deletes one;
//! a file's `peers:` entry manages a few settings of a peer that exists, by its name, and a
//! named peer that does not exist is an error, not a create.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
pub(crate) mod request;

use serde::{Deserialize, Serialize};

/// The settings birdhouse manages of an existing peer; `None` is a field the files leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// The peer's name, as the dashboard lists it.
    pub name: String,
    /// NetBird SSH server on the peer.
    pub ssh_enabled: Option<bool>,
    /// The peer must log in again when the account's login expiration runs out (only for
    /// peers a user added by logging in).
    pub login_expiration_enabled: Option<bool>,
    /// The peer is logged out after the account's inactivity expiration (likewise).
    pub inactivity_expiration_enabled: Option<bool>,
    /// The peer waits for approval (NetBird Cloud's peer approval; the open-source server
    /// ignores it).
    pub approval_required: Option<bool>,
}

impl Peer {
    /// The peer as a PUT leaves it: the fields `self` manages, the others as `live`.
    #[must_use]
    pub fn over(&self, live: &Peer) -> Peer {
        Peer {
            name: self.name.clone(),
            ssh_enabled: self.ssh_enabled.or(live.ssh_enabled),
            login_expiration_enabled: self
                .login_expiration_enabled
                .or(live.login_expiration_enabled),
            inactivity_expiration_enabled: self
                .inactivity_expiration_enabled
                .or(live.inactivity_expiration_enabled),
            approval_required: self.approval_required.or(live.approval_required),
        }
    }
}
