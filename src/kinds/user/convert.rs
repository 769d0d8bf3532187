//! Users and service users as read: one list (`GET /api/users`) holds both.

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{Role, ServiceUser, User, wire};

/// A service user in the model; its token is known only by name (`Snapshot`'s token lists).
pub(crate) fn service_user(user: &wire::User, names: &GroupNames<'_>) -> ServiceUser {
    ServiceUser {
        name: user.name.clone(),
        role: user.role.parse::<Role>().ok(),
        auto_groups: Some(names.names(&user.auto_groups)),
        token: None,
    }
}

/// A regular user in the model.
pub(crate) fn user(user: &wire::User, names: &GroupNames<'_>) -> User {
    User {
        email: user.email.clone(),
        name: Some(user.name.clone()),
        role: user.role.parse::<Role>().ok(),
        auto_groups: Some(names.names(&user.auto_groups)),
        blocked: Some(user.is_blocked),
    }
}

/// A regular user's key: its email in lower case (emails are case-insensitive).
pub(crate) fn key(user: &wire::User) -> String {
    user.email.to_ascii_lowercase()
}

/// Whether the user is never birdhouse's to change: the owner, the token's own user, and users
/// an integration made.
pub(crate) fn protected(user: &wire::User) -> bool {
    user.role.parse::<Role>().ok() == Some(Role::Owner)
        || user.is_current
        || user.issued.as_deref() == Some("integration")
}

/// When a token expires, in seconds since the Unix epoch (`None` when the date does not
/// parse: such a token is never rotated for its age).
pub(crate) fn token_expiry(token: &wire::PersonalAccessToken) -> Option<u64> {
    let at = humantime::parse_rfc3339_weak(&token.expiration_date).ok()?;
    at.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}
