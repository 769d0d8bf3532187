//! The file format of this kind: `settings:` of a tenant or a baseline, the account settings
//! by NetBird's own field names, durations written like `24h`. The decoder refuses with file,
//! line and field what NetBird's `validateSettingsUpdate` would refuse: a login expiration
//! under one hour or over 180 days, a DNS domain that is not a plain domain name.

use schemars::JsonSchema;
use serde::Serialize;

use super::{MAX_LOGIN_EXPIRATION, MIN_LOGIN_EXPIRATION, Seconds};
use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Node, Reader};
use crate::kinds::kit::read::{boolean, optional, strings};
use crate::kinds::route::is_plain_domain;

/// The account settings; only the fields listed are managed (a tenant's fields win over a
/// baseline's, field by field).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsDoc {
    /// Peers added by a user must log in again after `peer_login_expiration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_login_expiration_enabled: Option<bool>,
    /// How long a user's peer stays logged in: 1h to 180d.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_login_expiration: Option<Seconds>,
    /// Peers added by a user are logged out after `peer_inactivity_expiration` offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_inactivity_expiration_enabled: Option<bool>,
    /// How long a peer may be offline before it is logged out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_inactivity_expiration: Option<Seconds>,
    /// Users' groups are given to the peers they add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_propagation_enabled: Option<bool>,
    /// Users with the `user` role see only their own peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regular_users_view_blocked: Option<bool>,
    /// Routing peers resolve DNS for the domains they route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_peer_dns_resolution_enabled: Option<bool>,
    /// The peers' DNS domain (`""`: NetBird's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_domain: Option<String>,
    /// Peers connect to each other only when traffic needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lazy_connection_enabled: Option<bool>,
    /// Approvals and traffic logging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<ExtraDoc>,
    /// The entry's field path in its file, for messages.
    #[serde(skip)]
    #[schemars(skip)]
    pub path: String,
}

/// The account's `extra` settings.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtraDoc {
    /// New peers wait for an administrator's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_approval_enabled: Option<bool>,
    /// New users wait for an administrator's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_approval_required: Option<bool>,
    /// Log traffic events (NetBird Cloud keeps this; the open-source server does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_traffic_logs_enabled: Option<bool>,
    /// The groups whose traffic is logged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::kinds::kit::flow::optional_list"
    )]
    pub network_traffic_logs_groups: Option<Vec<Located<String>>>,
    /// Count packets in traffic events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_traffic_packet_counter_enabled: Option<bool>,
}

pub(crate) fn decode(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<SettingsDoc> {
    let mut fields = reader.mapping(node, path)?;
    let doc = SettingsDoc {
        peer_login_expiration_enabled: optional(
            reader,
            &mut fields,
            "peer_login_expiration_enabled",
            boolean,
        ),
        peer_login_expiration: optional(
            reader,
            &mut fields,
            "peer_login_expiration",
            |reader, node, path| {
                duration(
                    reader,
                    node,
                    path,
                    (MIN_LOGIN_EXPIRATION, MAX_LOGIN_EXPIRATION),
                )
            },
        ),
        peer_inactivity_expiration_enabled: optional(
            reader,
            &mut fields,
            "peer_inactivity_expiration_enabled",
            boolean,
        ),
        peer_inactivity_expiration: optional(
            reader,
            &mut fields,
            "peer_inactivity_expiration",
            |reader, node, path| duration(reader, node, path, (60, MAX_LOGIN_EXPIRATION)),
        ),
        groups_propagation_enabled: optional(
            reader,
            &mut fields,
            "groups_propagation_enabled",
            boolean,
        ),
        regular_users_view_blocked: optional(
            reader,
            &mut fields,
            "regular_users_view_blocked",
            boolean,
        ),
        routing_peer_dns_resolution_enabled: optional(
            reader,
            &mut fields,
            "routing_peer_dns_resolution_enabled",
            boolean,
        ),
        dns_domain: optional(reader, &mut fields, "dns_domain", dns_domain),
        lazy_connection_enabled: optional(reader, &mut fields, "lazy_connection_enabled", boolean),
        extra: optional(reader, &mut fields, "extra", extra),
        path: path.to_owned(),
    };
    fields.finish(reader);
    Some(doc)
}

fn extra(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<ExtraDoc> {
    let mut fields = reader.mapping(node, path)?;
    let doc = ExtraDoc {
        peer_approval_enabled: optional(reader, &mut fields, "peer_approval_enabled", boolean),
        user_approval_required: optional(reader, &mut fields, "user_approval_required", boolean),
        network_traffic_logs_enabled: optional(
            reader,
            &mut fields,
            "network_traffic_logs_enabled",
            boolean,
        ),
        network_traffic_logs_groups: optional(
            reader,
            &mut fields,
            "network_traffic_logs_groups",
            strings,
        ),
        network_traffic_packet_counter_enabled: optional(
            reader,
            &mut fields,
            "network_traffic_packet_counter_enabled",
            boolean,
        ),
    };
    fields.finish(reader);
    Some(doc)
}

/// A duration within `min..=max` seconds.
fn duration(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
    (min, max): (u64, u64),
) -> Option<Seconds> {
    let parsed: Located<Seconds> =
        reader.parsed(node, path, "a duration such as 24h or 30d", false)?;
    let seconds = parsed.value.0;
    if !(min..=max).contains(&seconds) {
        reader.report(
            Diagnostic::at(
                parsed.span,
                path,
                format!("{} is out of range", parsed.value),
            )
            .expected(format!("from {} to {}", Seconds(min), Seconds(max))),
        );
        return None;
    }
    Some(parsed.value)
}

/// A DNS domain as NetBird's `IsValidDomainNoWildcard` accepts it, or `""` for the default.
fn dns_domain(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<String> {
    if matches!(&node.value, Node::Str(text) if text.is_empty()) {
        return Some(String::new());
    }
    let text = reader.string(node, path)?;
    let value = text.value.as_str();
    if !value.is_empty() && !is_plain_domain(value) {
        reader.report(
            Diagnostic::at(text.span, path, format!("{value:?} is not a DNS domain"))
                .expected("an ASCII domain name without a wildcard or a trailing dot, or \"\""),
        );
        return None;
    }
    Some(text.value)
}
