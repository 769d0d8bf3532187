//! Groups: named sets of peers and network resources. birdhouse manages their existence, and
//! their peers when a file lists them; otherwise membership is written through setup keys,
//! users and resources.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
pub(crate) mod request;
pub mod wire;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's name, unique in a tenant.
    pub name: String,
    /// The member peers, by name; unmanaged when `None` (membership then comes from setup
    /// keys' and users' `auto_groups`, and NetBird keeps whatever is there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<BTreeSet<String>>,
}

pub use crate::api::wire::ALL_GROUP;

/// Names of the groups `birdhouse apply` creates as its per-tenant write lock (see
/// `apply::lock`) begin with this. Such groups are never part of a tenant's state: reads set
/// them aside, so plans, export and prune never see them, and files may not declare them.
pub const LOCK_GROUP_PREFIX: &str = "birdhouse-lock ";

/// Whether a live group is an apply lock rather than a group of the tenant.
pub fn is_lock_group(name: &str) -> bool {
    name.starts_with(LOCK_GROUP_PREFIX)
}
