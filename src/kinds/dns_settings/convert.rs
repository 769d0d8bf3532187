//! The DNS settings as read: group ids become names.

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{DnsSettings, wire};

pub(crate) fn dns_settings(settings: &wire::DnsSettings, names: &GroupNames<'_>) -> DnsSettings {
    DnsSettings {
        disabled_management_groups: Some(names.names(&settings.disabled_management_groups)),
    }
}
