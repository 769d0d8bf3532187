//! The account settings: one object, only ever updated; each field the files list is compared
//! with the account answer, under its API name.
//!
//! None of the managed fields can lock the token's own user out: a token that may write the
//! settings belongs to an admin or the owner, whom `regular_users_view_blocked` does not
//! restrict, and the fields that can shut people out (`jwt_groups_enabled` with
//! `jwt_allow_groups`, which PATs are exempt from anyway) are not managed, only echoed.

use crate::kinds::{AccountSettings, Kind};
use crate::plan::Object;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn account_settings(&mut self) {
        let live = &self.live.objects.account_settings;
        for (name, want) in &self.desired.objects.account_settings {
            // Read with the kind, so always there.
            let Some(have) = live.get(name) else {
                continue;
            };
            self.out.managed += 1;
            let fields = settings_fields(want, have);
            self.update_or_nothing(
                Kind::AccountSettings,
                name,
                fields,
                || Object::AccountSettings(have.clone()),
                || Object::AccountSettings(want.over(have)),
            );
        }
    }
}

/// The managed fields that differ, by their API names.
fn settings_fields(want: &AccountSettings, have: &AccountSettings) -> Fields {
    let mut fields = Fields::default();
    fields.managed(
        "peer_login_expiration_enabled",
        want.peer_login_expiration_enabled.as_ref(),
        have.peer_login_expiration_enabled.as_ref(),
    );
    fields.managed(
        "peer_login_expiration",
        want.peer_login_expiration.as_ref(),
        have.peer_login_expiration.as_ref(),
    );
    fields.managed(
        "peer_inactivity_expiration_enabled",
        want.peer_inactivity_expiration_enabled.as_ref(),
        have.peer_inactivity_expiration_enabled.as_ref(),
    );
    fields.managed(
        "peer_inactivity_expiration",
        want.peer_inactivity_expiration.as_ref(),
        have.peer_inactivity_expiration.as_ref(),
    );
    fields.managed(
        "groups_propagation_enabled",
        want.groups_propagation_enabled.as_ref(),
        have.groups_propagation_enabled.as_ref(),
    );
    fields.managed(
        "regular_users_view_blocked",
        want.regular_users_view_blocked.as_ref(),
        have.regular_users_view_blocked.as_ref(),
    );
    fields.managed(
        "routing_peer_dns_resolution_enabled",
        want.routing_peer_dns_resolution_enabled.as_ref(),
        have.routing_peer_dns_resolution_enabled.as_ref(),
    );
    fields.managed(
        "dns_domain",
        want.dns_domain.as_ref(),
        have.dns_domain.as_ref(),
    );
    fields.managed(
        "lazy_connection_enabled",
        want.lazy_connection_enabled.as_ref(),
        have.lazy_connection_enabled.as_ref(),
    );
    fields.managed(
        "extra.peer_approval_enabled",
        want.peer_approval_enabled.as_ref(),
        have.peer_approval_enabled.as_ref(),
    );
    fields.managed(
        "extra.user_approval_required",
        want.user_approval_required.as_ref(),
        have.user_approval_required.as_ref(),
    );
    fields.managed(
        "extra.network_traffic_logs_enabled",
        want.network_traffic_logs_enabled.as_ref(),
        have.network_traffic_logs_enabled.as_ref(),
    );
    fields.managed(
        "extra.network_traffic_logs_groups",
        want.network_traffic_logs_groups.as_ref(),
        have.network_traffic_logs_groups.as_ref(),
    );
    fields.managed(
        "extra.network_traffic_packet_counter_enabled",
        want.network_traffic_packet_counter_enabled.as_ref(),
        have.network_traffic_packet_counter_enabled.as_ref(),
    );
    fields
}
