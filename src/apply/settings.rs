//! The account settings: only ever updated, as a whole (NetBird's PUT replaces every setting),
//! from the settings object as read with the managed fields changed; and an existing peer's
//! settings, which are only ever updated too.

use crate::apply::{ApplyError, Executor};
use crate::kinds::AccountSettings;
use crate::plan::Object;

impl Executor<'_> {
    pub(super) async fn update_account_settings(
        &mut self,
        before: Option<&Object>,
        after: &AccountSettings,
    ) -> Result<(), ApplyError> {
        let Some(account) = self.state.wire.account.clone() else {
            return Err(ApplyError::Unsupported {
                action: crate::plan::Action::Update,
                kind: crate::kinds::Kind::AccountSettings,
                name: crate::kinds::ACCOUNT_SETTINGS.to_owned(),
            });
        };
        let before = match before {
            Some(Object::AccountSettings(before)) => before.clone(),
            _ => AccountSettings::default(),
        };
        let body = crate::kinds::account_settings::request::account_settings(
            &account.settings,
            &before,
            after,
            &self.state,
        )?;
        self.client
            .update_account_settings(&account.id, &body)
            .await?;
        // The answer is not the settings as a read shows them (the effective network ranges
        // are left out), so what was sent is what is kept.
        if let Some(stored) = self.state.wire.account.as_mut() {
            stored.settings = body;
        }
        Ok(())
    }
}

impl Executor<'_> {
    /// An existing peer's settings, by one PUT that sends its name unchanged.
    pub(super) async fn update_peer(
        &mut self,
        before: Option<&Object>,
        after: &crate::kinds::Peer,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(crate::kinds::Kind::Peer, &after.name)?;
        let live = match before {
            Some(Object::Peer(before)) => before.clone(),
            _ => crate::kinds::Peer::default(),
        };
        let body = crate::kinds::peer::request::peer(after, &live);
        self.client.update_peer(&id, &body).await?;
        if let Some(peer) = self
            .state
            .wire
            .peers
            .iter_mut()
            .flatten()
            .find(|p| p.id == id)
        {
            peer.ssh_enabled = body.ssh_enabled;
            peer.login_expiration_enabled = body.login_expiration_enabled;
            peer.inactivity_expiration_enabled = body.inactivity_expiration_enabled;
            if let Some(approval) = body.approval_required {
                peer.approval_required = approval;
            }
        }
        Ok(())
    }
}
