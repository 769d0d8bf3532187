//! Existing peers: the switches a file lists are updated in place. A peer is never created or
//! deleted, so a named peer that is not there is an error for the tenant (with the closest
//! name), and peers the files do not name are neither deleted nor listed as left alone. A
//! login or inactivity expiration switched on for a peer added with a setup key is refused
//! here, as NetBird refuses it (412).

use crate::diag::did_you_mean_hint;
use crate::kinds::Kind;
use crate::plan::Object;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn peers(&mut self) {
        let live = &self.live.objects.peers;
        for (name, want) in &self.desired.objects.peers {
            if self.ambiguous(Kind::Peer, name) {
                continue;
            }
            let Some(have) = live.get(name) else {
                let hint = did_you_mean_hint(name, live.keys().map(String::as_str));
                self.out.errors.push(format!(
                    "peer {name:?}: no peer of this tenant has that name{hint}; birdhouse manages \
                     the settings of enrolled peers and never creates one"
                ));
                continue;
            };
            if !self.live.peers_added_by_users.contains(name) {
                for (field, wanted, had) in [
                    (
                        "login_expiration_enabled",
                        want.login_expiration_enabled,
                        have.login_expiration_enabled,
                    ),
                    (
                        "inactivity_expiration_enabled",
                        want.inactivity_expiration_enabled,
                        have.inactivity_expiration_enabled,
                    ),
                ] {
                    if wanted == Some(true) && had != Some(true) {
                        self.out.errors.push(format!(
                            "peer {name:?}: {field} cannot be switched on: the peer was added \
                             with a setup key, and NetBird expires only peers a user added by \
                             logging in"
                        ));
                    }
                }
            }
            self.out.managed += 1;
            let mut fields = Fields::default();
            fields.managed(
                "ssh_enabled",
                want.ssh_enabled.as_ref(),
                have.ssh_enabled.as_ref(),
            );
            fields.managed(
                "login_expiration_enabled",
                want.login_expiration_enabled.as_ref(),
                have.login_expiration_enabled.as_ref(),
            );
            fields.managed(
                "inactivity_expiration_enabled",
                want.inactivity_expiration_enabled.as_ref(),
                have.inactivity_expiration_enabled.as_ref(),
            );
            fields.managed(
                "approval_required",
                want.approval_required.as_ref(),
                have.approval_required.as_ref(),
            );
            self.update_or_nothing(
                Kind::Peer,
                name,
                fields,
                || Object::Peer(have.clone()),
                || Object::Peer(want.over(have)),
            );
        }
    }
}
