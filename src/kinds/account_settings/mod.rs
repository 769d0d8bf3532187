//! The account's settings (`GET /api/accounts`, `PUT /api/accounts/{id}`): one object per
//! tenant, never created or deleted. Only the fields a file lists are managed; NetBird's PUT
//! replaces every setting, so a write starts from the settings as read and changes only
//! those (see `request`).

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::kinds::string_schema;

/// The key of a tenant's one settings object; plans read `~ account settings`.
pub const ACCOUNT_SETTINGS: &str = "settings";
/// The shortest peer login expiration NetBird accepts (one hour).
pub const MIN_LOGIN_EXPIRATION: u64 = 3600;
/// The longest peer login expiration NetBird accepts (180 days).
pub const MAX_LOGIN_EXPIRATION: u64 = 180 * 86_400;

/// The settings birdhouse manages; `None` is a field the files leave out (unmanaged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    /// Peers added by a user must log in again after `peer_login_expiration`.
    pub peer_login_expiration_enabled: Option<bool>,
    /// How long a user's peer stays logged in.
    pub peer_login_expiration: Option<Seconds>,
    /// Peers added by a user are logged out after `peer_inactivity_expiration` offline.
    pub peer_inactivity_expiration_enabled: Option<bool>,
    /// How long a peer may be offline before it is logged out.
    pub peer_inactivity_expiration: Option<Seconds>,
    /// Users' groups are given to the peers they add.
    pub groups_propagation_enabled: Option<bool>,
    /// Users with the `user` role see only their own peers.
    pub regular_users_view_blocked: Option<bool>,
    /// Routing peers resolve DNS for the domains they route.
    pub routing_peer_dns_resolution_enabled: Option<bool>,
    /// The peers' DNS domain (`""` is NetBird's default domain).
    pub dns_domain: Option<String>,
    /// Peers connect to each other only when traffic needs it.
    pub lazy_connection_enabled: Option<bool>,
    /// New peers wait for an administrator's approval (`extra`).
    pub peer_approval_enabled: Option<bool>,
    /// New users wait for an administrator's approval (`extra`).
    pub user_approval_required: Option<bool>,
    /// Traffic events are logged (`extra`; kept by NetBird Cloud, not by the open-source
    /// server).
    pub network_traffic_logs_enabled: Option<bool>,
    /// The groups whose traffic is logged (`extra`).
    pub network_traffic_logs_groups: Option<BTreeSet<String>>,
    /// Traffic events carry packet counts (`extra`).
    pub network_traffic_packet_counter_enabled: Option<bool>,
}

impl AccountSettings {
    /// The settings as a PUT leaves them: the fields `self` manages, the others as `live`.
    #[must_use]
    pub fn over(&self, live: &AccountSettings) -> AccountSettings {
        AccountSettings {
            peer_login_expiration_enabled: self
                .peer_login_expiration_enabled
                .or(live.peer_login_expiration_enabled),
            peer_login_expiration: self.peer_login_expiration.or(live.peer_login_expiration),
            peer_inactivity_expiration_enabled: self
                .peer_inactivity_expiration_enabled
                .or(live.peer_inactivity_expiration_enabled),
            peer_inactivity_expiration: self
                .peer_inactivity_expiration
                .or(live.peer_inactivity_expiration),
            groups_propagation_enabled: self
                .groups_propagation_enabled
                .or(live.groups_propagation_enabled),
            regular_users_view_blocked: self
                .regular_users_view_blocked
                .or(live.regular_users_view_blocked),
            routing_peer_dns_resolution_enabled: self
                .routing_peer_dns_resolution_enabled
                .or(live.routing_peer_dns_resolution_enabled),
            dns_domain: self.dns_domain.clone().or_else(|| live.dns_domain.clone()),
            lazy_connection_enabled: self
                .lazy_connection_enabled
                .or(live.lazy_connection_enabled),
            peer_approval_enabled: self.peer_approval_enabled.or(live.peer_approval_enabled),
            user_approval_required: self.user_approval_required.or(live.user_approval_required),
            network_traffic_logs_enabled: self
                .network_traffic_logs_enabled
                .or(live.network_traffic_logs_enabled),
            network_traffic_logs_groups: self
                .network_traffic_logs_groups
                .clone()
                .or_else(|| live.network_traffic_logs_groups.clone()),
            network_traffic_packet_counter_enabled: self
                .network_traffic_packet_counter_enabled
                .or(live.network_traffic_packet_counter_enabled),
        }
    }

    /// Whether a field of `extra` is set (a PUT with `extra` replaces all of it, and on the
    /// open-source server also drops the integrated-validator groups, so it is sent only
    /// when one of its fields changes).
    pub fn manages_extra(&self) -> bool {
        self.peer_approval_enabled.is_some()
            || self.user_approval_required.is_some()
            || self.network_traffic_logs_enabled.is_some()
            || self.network_traffic_logs_groups.is_some()
            || self.network_traffic_packet_counter_enabled.is_some()
    }
}

/// A duration in whole seconds, written like `24h` or `30d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Seconds(pub u64);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0;
        if seconds == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
            if seconds.is_multiple_of(size) {
                return write!(f, "{}{unit}", seconds / size);
            }
        }
        write!(f, "{seconds}s")
    }
}

impl FromStr for Seconds {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let duration =
            humantime::parse_duration(s.trim()).map_err(|_| format!("{s:?} is not a duration"))?;
        if duration.subsec_nanos() != 0 {
            return Err(format!("{s:?} is not a whole number of seconds"));
        }
        Ok(Seconds(duration.as_secs()))
    }
}

impl From<Seconds> for String {
    fn from(value: Seconds) -> Self {
        value.to_string()
    }
}

impl TryFrom<String> for Seconds {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

string_schema!(
    Seconds,
    "Seconds",
    "A duration such as `24h`, `30d` or `90m`",
    pattern = "^\\s*[0-9]+\\s*[a-zA-Z]+(\\s*[0-9]+\\s*[a-zA-Z]+)*\\s*$"
);

#[cfg(test)]
mod tests {
    use super::Seconds;

    #[test]
    fn durations_read_back_in_the_largest_whole_unit() {
        assert_eq!("24h".parse::<Seconds>().unwrap().to_string(), "1d");
        assert_eq!("90m".parse::<Seconds>().unwrap().to_string(), "90m");
        assert_eq!(Seconds(3600).to_string(), "1h");
        assert_eq!(Seconds(61).to_string(), "61s");
        assert!("soon".parse::<Seconds>().is_err());
    }
}
