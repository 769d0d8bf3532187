//! This kind as a write: model objects → request bodies, names sent as ids (through
//! `kit::ids::Ids`); what a full-replace PUT would otherwise reset is echoed from the live
//! object. Defaults for fields the files leave out (unmanaged) apply only at creation and follow
//! what the dashboard does, except where a safer value exists.

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::wire;
use crate::kinds::{ExpiresIn, SetupKey};

pub(crate) fn setup_key_create(
    key: &SetupKey,
    ids: &impl Ids,
) -> Result<wire::CreateSetupKeyRequest, MissingId> {
    Ok(wire::CreateSetupKeyRequest {
        name: key.name.clone(),
        kind: key.key_type.as_str().to_owned(),
        // Left out, the key never expires (the API's own meaning of 0).
        expires_in: key.expires_in.map_or(0, ExpiresIn::as_api_seconds),
        auto_groups: ids.group_ids(key.auto_groups.iter().flatten())?,
        usage_limit: u64::from(key.usage_limit.unwrap_or(0)),
        ephemeral: key.ephemeral,
        allow_extra_dns_labels: key.allow_extra_dns_labels,
    })
}

pub(crate) fn setup_key_update(
    key: &SetupKey,
    ids: &impl Ids,
) -> Result<wire::SetupKeyRequest, MissingId> {
    Ok(wire::SetupKeyRequest {
        revoked: key.revoked.unwrap_or(false),
        auto_groups: ids.group_ids(key.auto_groups.iter().flatten())?,
    })
}
