//! A group as read.

use crate::kinds::{ALL_GROUP, Group, wire};

/// The group in the model: its name and its member peers by name.
pub(crate) fn group(group: &wire::Group) -> Group {
    Group {
        name: group.name.clone(),
        peers: Some(group.peers.iter().map(|p| p.name.clone()).collect()),
    }
}

/// Whether the group is never birdhouse's to change: `All`, and groups another issuer owns
/// (synced from an identity provider, made by an integration).
pub(crate) fn protected(group: &wire::Group) -> bool {
    group.name == ALL_GROUP || group.issued.as_deref().is_some_and(|i| i != "api")
}
