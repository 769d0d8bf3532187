//! Users: regular users (identified by email, invited when missing) and service users
//! (identified by name, for automation).

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// A regular user, identified by email (compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The email as written; the model key is its lower-case form.
    pub email: String,
    /// Display name used when inviting (immutable through the API afterwards).
    pub name: Option<String>,
    /// The user's role.
    pub role: Option<Role>,
    /// Groups the user's peers join.
    pub auto_groups: Option<BTreeSet<String>>,
    /// Whether the user is blocked.
    pub blocked: Option<bool>,
}

/// A service user, identified by name (NetBird does not enforce it; birdhouse does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUser {
    /// The service user's name.
    pub name: String,
    /// The service user's role.
    pub role: Option<Role>,
    /// Groups the service user's peers join.
    pub auto_groups: Option<BTreeSet<String>>,
    /// A token to create with the service user; its secret is shown once and goes only to the
    /// secrets file.
    pub token: Option<ServiceUserToken>,
}

/// A personal access token a service user has, made when missing and, with a rotation window,
/// made anew when the live one is about to expire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUserToken {
    /// The token's name.
    pub name: String,
    /// Days until it expires, 1 to 365.
    pub expires_in_days: u16,
    /// Days before its expiry from which a new token replaces it (`None`: never replaced
    /// while it exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_before_days: Option<u16>,
}

/// One of the MSP's own groups allowed into a tenant, and the role its users have there (what
/// the MSP records about the tenant, beside its name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MspAccess {
    /// The group of the MSP's own account, by name (its id when the name is unknown).
    pub group: String,
    /// The role its users have in the tenant.
    pub role: Role,
}

/// A user's role in a tenant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The single owner of the account; never created, changed or deleted by birdhouse.
    Owner,
    /// Full administration.
    Admin,
    /// A regular user.
    User,
    /// Network administration.
    NetworkAdmin,
    /// Billing administration.
    BillingAdmin,
    /// Read-only auditor.
    Auditor,
}

impl Role {
    /// Every accepted spelling, for messages.
    pub const NAMES: [&'static str; 6] = [
        "owner",
        "admin",
        "user",
        "network_admin",
        "billing_admin",
        "auditor",
    ];

    /// The spelling in files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::User => "user",
            Role::NetworkAdmin => "network_admin",
            Role::BillingAdmin => "billing_admin",
            Role::Auditor => "auditor",
        }
    }
}

impl FromStr for Role {
    type Err = ();

    /// Case-insensitive, as the server accepts roles.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Role::NAMES
            .iter()
            .position(|name| *name == lower)
            .map(|index| {
                [
                    Role::Owner,
                    Role::Admin,
                    Role::User,
                    Role::NetworkAdmin,
                    Role::BillingAdmin,
                    Role::Auditor,
                ][index]
            })
            .ok_or(())
    }
}

/// Seconds in a day: the unit of a token's lifetime and of its rotation window.
pub(crate) const DAY: u64 = 86_400;

/// Whole days from `now` to `then`, rounded down; negative when `then` is past (a token's days
/// left, for the expiry warning and for rotation).
pub(crate) fn days_between(now: SystemTime, then: SystemTime) -> i64 {
    match then.duration_since(now) {
        Ok(ahead) => i64::try_from(ahead.as_secs() / DAY).unwrap_or(i64::MAX),
        Err(past) => -i64::try_from(past.duration().as_secs().div_ceil(DAY)).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::days_between;

    #[test]
    fn days_left_round_down_and_go_negative_once_expired() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_hours(100 * 24);
        let later = |secs: u64| now + Duration::from_secs(secs);
        assert_eq!(days_between(now, later(13 * 86_400 + 3_600)), 13);
        assert_eq!(days_between(now, later(3_600)), 0);
        assert_eq!(days_between(now, now - Duration::from_hours(1)), -1);
    }
}
