//! This kind as a write: the whole settings object, group names sent as ids (always a list,
//! `[]` when empty: a `null` would leave the stored list as it is).

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::{DnsSettings, wire};

pub(crate) fn dns_settings(
    settings: &DnsSettings,
    ids: &impl Ids,
) -> Result<wire::DnsSettings, MissingId> {
    Ok(wire::DnsSettings {
        disabled_management_groups: ids
            .group_ids(settings.disabled_management_groups.iter().flatten())?,
    })
}
