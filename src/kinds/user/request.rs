//! This kind as a write: model objects → request bodies, names sent as ids (through
//! `kit::ids::Ids`); what a full-replace PUT would otherwise reset is echoed from the live
//! object. Defaults for fields the files leave out (unmanaged) apply only at creation and follow
//! what the dashboard does, except where a safer value exists.

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::wire;
use crate::kinds::{Role, ServiceUser, User};

/// An invitation (a local user with a generated password on the embedded IdP).
pub(crate) fn user_create(
    user: &User,
    ids: &impl Ids,
) -> Result<wire::UserCreateRequest, MissingId> {
    Ok(wire::UserCreateRequest {
        email: Some(user.email.clone()),
        name: Some(user.name.clone().unwrap_or_else(|| user.email.clone())),
        role: user.role.unwrap_or(Role::User).as_str().to_owned(),
        auto_groups: ids.group_ids(user.auto_groups.iter().flatten())?,
        is_service_user: false,
    })
}

/// A user's PUT; every field is required, so what the model lacks comes from `live`.
pub(crate) fn user_update(
    user: &User,
    live: Option<&wire::User>,
    ids: &impl Ids,
) -> Result<wire::UserRequest, MissingId> {
    Ok(wire::UserRequest {
        role: role(user.role, live),
        auto_groups: ids.group_ids(user.auto_groups.iter().flatten())?,
        is_blocked: user
            .blocked
            .unwrap_or_else(|| live.is_some_and(|u| u.is_blocked)),
    })
}

/// The role to send: the model's, else the live one as the server spells it.
fn role(role: Option<Role>, live: Option<&wire::User>) -> String {
    match (role, live) {
        (Some(role), _) => role.as_str().to_owned(),
        (None, Some(live)) => live.role.clone(),
        (None, None) => Role::User.as_str().to_owned(),
    }
}

pub(crate) fn service_user_create(
    user: &ServiceUser,
    ids: &impl Ids,
) -> Result<wire::UserCreateRequest, MissingId> {
    Ok(wire::UserCreateRequest {
        email: None,
        name: Some(user.name.clone()),
        role: user.role.unwrap_or(Role::User).as_str().to_owned(),
        auto_groups: ids.group_ids(user.auto_groups.iter().flatten())?,
        is_service_user: true,
    })
}

/// A service user's PUT: `is_blocked` is not in the model, so the live value is echoed.
pub(crate) fn service_user_update(
    user: &ServiceUser,
    live: Option<&wire::User>,
    ids: &impl Ids,
) -> Result<wire::UserRequest, MissingId> {
    Ok(wire::UserRequest {
        role: role(user.role, live),
        auto_groups: ids.group_ids(user.auto_groups.iter().flatten())?,
        is_blocked: live.is_some_and(|u| u.is_blocked),
    })
}
