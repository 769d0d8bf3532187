//! The request and response body of this kind (`DNSSettings`), the same for GET and PUT.

use serde::{Deserialize, Serialize};

use crate::api::wire::nullable;

/// The account's DNS settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSettings {
    /// Ids of the groups whose peers keep their own DNS configuration. A PUT must send `[]`
    /// to clear it: NetBird stores the settings with gorm's `Updates`, which skips a `null`.
    #[serde(default, deserialize_with = "nullable")]
    pub disabled_management_groups: Vec<String>,
}
