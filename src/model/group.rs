//! Groups: named sets of peers and network resources. birdhouse manages their existence;
//! membership is written through setup keys, users and resources.

use serde::{Deserialize, Serialize};

/// A group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's name, unique in a tenant.
    pub name: String,
}

/// The group every account has, holding every peer; never managed or deleted.
pub const ALL_GROUP: &str = "All";
