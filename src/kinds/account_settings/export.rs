//! The account settings as a file would hold them: every field birdhouse manages, except
//! traffic logging while it is off (what every account has, and what the open-source server
//! always reports). Traffic-log groups the file cannot list leave that field out, with a
//! warning.

use super::document::{ExtraDoc, SettingsDoc};
use crate::kinds::kit::export::Exporter;

impl Exporter<'_> {
    pub(crate) fn account_settings(&mut self) -> Option<SettingsDoc> {
        let s = self
            .source
            .objects
            .account_settings
            .values()
            .next()?
            .clone();
        let logs_groups = self.optional_group_refs(
            s.network_traffic_logs_groups.as_ref(),
            true,
            "account settings: extra.network_traffic_logs_groups",
        );
        Some(SettingsDoc {
            peer_login_expiration_enabled: s.peer_login_expiration_enabled,
            peer_login_expiration: s.peer_login_expiration,
            peer_inactivity_expiration_enabled: s.peer_inactivity_expiration_enabled,
            peer_inactivity_expiration: s.peer_inactivity_expiration.filter(|d| d.0 > 0),
            groups_propagation_enabled: s.groups_propagation_enabled,
            regular_users_view_blocked: s.regular_users_view_blocked,
            routing_peer_dns_resolution_enabled: s.routing_peer_dns_resolution_enabled,
            dns_domain: s.dns_domain.filter(|d| !d.is_empty()),
            lazy_connection_enabled: s.lazy_connection_enabled,
            extra: Some(ExtraDoc {
                peer_approval_enabled: s.peer_approval_enabled,
                user_approval_required: s.user_approval_required,
                network_traffic_logs_enabled: s.network_traffic_logs_enabled.filter(|on| *on),
                network_traffic_logs_groups: logs_groups,
                network_traffic_packet_counter_enabled: s
                    .network_traffic_packet_counter_enabled
                    .filter(|on| *on),
            }),
            path: String::new(),
        })
    }
}
