//! The settings as read, from the account answer's `settings` object: group ids become names.

use serde_json::{Map, Value};

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{AccountSettings, Seconds};

pub(crate) fn account_settings(
    settings: &Map<String, Value>,
    names: &GroupNames<'_>,
) -> AccountSettings {
    let extra = settings.get("extra").and_then(Value::as_object);
    let flag = |map: Option<&Map<String, Value>>, key: &str| {
        Some(
            map.and_then(|m| m.get(key))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        )
    };
    let top = Some(settings);
    let seconds = |key: &str| {
        Some(Seconds(
            settings.get(key).and_then(Value::as_u64).unwrap_or(0),
        ))
    };
    let groups: Vec<String> = extra
        .and_then(|e| e.get("network_traffic_logs_groups"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.as_str().map(str::to_owned))
        .collect();
    AccountSettings {
        peer_login_expiration_enabled: flag(top, "peer_login_expiration_enabled"),
        peer_login_expiration: seconds("peer_login_expiration"),
        peer_inactivity_expiration_enabled: flag(top, "peer_inactivity_expiration_enabled"),
        peer_inactivity_expiration: seconds("peer_inactivity_expiration"),
        groups_propagation_enabled: flag(top, "groups_propagation_enabled"),
        regular_users_view_blocked: flag(top, "regular_users_view_blocked"),
        routing_peer_dns_resolution_enabled: flag(top, "routing_peer_dns_resolution_enabled"),
        dns_domain: Some(
            settings
                .get("dns_domain")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        lazy_connection_enabled: flag(top, "lazy_connection_enabled"),
        peer_approval_enabled: flag(extra, "peer_approval_enabled"),
        user_approval_required: flag(extra, "user_approval_required"),
        network_traffic_logs_enabled: flag(extra, "network_traffic_logs_enabled"),
        network_traffic_logs_groups: Some(names.names(&groups)),
        network_traffic_packet_counter_enabled: flag(
            extra,
            "network_traffic_packet_counter_enabled",
        ),
    }
}
