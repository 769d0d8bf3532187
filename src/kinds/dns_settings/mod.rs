//! The account's DNS settings (`/api/dns/settings`): one object per tenant, never created or
//! deleted, only updated. Today it holds one list, the groups whose peers NetBird leaves
//! their DNS configuration alone on.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The key of a tenant's one DNS settings object; plans read `~ DNS settings`.
pub const DNS_SETTINGS: &str = "settings";

/// A tenant's DNS settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSettings {
    /// The groups whose peers keep their own DNS configuration (NetBird does not manage it);
    /// unmanaged when `None`.
    pub disabled_management_groups: Option<BTreeSet<String>>,
}
