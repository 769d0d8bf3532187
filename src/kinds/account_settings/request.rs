//! This kind as a write. NetBird's PUT builds the settings from the request alone and stores
//! every field (`SaveAccountSettings` with `Select("*")`): a field left out is reset (an
//! omitted `ipv6_enabled_groups` turns IPv6 off for the whole account). So the body is the
//! settings object exactly as the account answer had it, with only the managed fields
//! changed, and without the fields the server computes (`embedded_idp_enabled`,
//! `local_auth_disabled`). `extra` is sent only when one of its fields changes: NetBird
//! replaces all of it then, and keeps the stored one when it is absent.

use serde_json::{Map, Value, json};

use crate::kinds::AccountSettings;
use crate::kinds::kit::ids::{Ids, MissingId};

/// Settings only the server sets.
const READ_ONLY: [&str; 2] = ["embedded_idp_enabled", "local_auth_disabled"];

/// The settings object to PUT: `live` (as read) with `after`'s managed fields, where `before`
/// is the model of `live` (to tell whether `extra` changes).
pub(crate) fn account_settings(
    live: &Map<String, Value>,
    before: &AccountSettings,
    after: &AccountSettings,
    ids: &impl Ids,
) -> Result<Map<String, Value>, MissingId> {
    let mut body = live.clone();
    for key in READ_ONLY {
        body.remove(key);
    }
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(key.to_owned(), value);
        }
    };
    set(
        "peer_login_expiration_enabled",
        after.peer_login_expiration_enabled.map(Value::from),
    );
    set(
        "peer_login_expiration",
        after.peer_login_expiration.map(|s| json!(s.0)),
    );
    set(
        "peer_inactivity_expiration_enabled",
        after.peer_inactivity_expiration_enabled.map(Value::from),
    );
    set(
        "peer_inactivity_expiration",
        after.peer_inactivity_expiration.map(|s| json!(s.0)),
    );
    set(
        "groups_propagation_enabled",
        after.groups_propagation_enabled.map(Value::from),
    );
    set(
        "regular_users_view_blocked",
        after.regular_users_view_blocked.map(Value::from),
    );
    set(
        "routing_peer_dns_resolution_enabled",
        after.routing_peer_dns_resolution_enabled.map(Value::from),
    );
    set("dns_domain", after.dns_domain.clone().map(Value::from));
    set(
        "lazy_connection_enabled",
        after.lazy_connection_enabled.map(Value::from),
    );
    let extra_changes = extra(before) != extra(after);
    if extra_changes {
        let mut extra = live
            .get("extra")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut put = |key: &str, value: Option<bool>| {
            extra.insert(key.to_owned(), json!(value.unwrap_or(false)));
        };
        put("peer_approval_enabled", after.peer_approval_enabled);
        put("user_approval_required", after.user_approval_required);
        put(
            "network_traffic_logs_enabled",
            after.network_traffic_logs_enabled,
        );
        put(
            "network_traffic_packet_counter_enabled",
            after.network_traffic_packet_counter_enabled,
        );
        let groups = ids.group_ids(after.network_traffic_logs_groups.iter().flatten())?;
        extra.insert("network_traffic_logs_groups".to_owned(), json!(groups));
        body.insert("extra".to_owned(), Value::Object(extra));
    } else {
        body.remove("extra");
    }
    Ok(body)
}

/// The `extra` fields of a model, for telling whether a write changes them.
fn extra(settings: &AccountSettings) -> impl PartialEq + use<> {
    (
        settings.peer_approval_enabled,
        settings.user_approval_required,
        settings.network_traffic_logs_enabled,
        settings.network_traffic_logs_groups.clone(),
        settings.network_traffic_packet_counter_enabled,
    )
}
