//! A group as read.

use crate::kinds::{ALL_GROUP, Group, wire};

/// The group in the model: its name is all birdhouse manages.
pub(crate) fn group(group: &wire::Group) -> Group {
    Group {
        name: group.name.clone(),
    }
}

/// Whether the group is never birdhouse's to change: `All`, and groups another issuer owns
/// (synced from an identity provider, made by an integration).
pub(crate) fn protected(group: &wire::Group) -> bool {
    group.name == ALL_GROUP || group.issued.as_deref().is_some_and(|i| i != "api")
}
