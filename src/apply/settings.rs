//! The account settings: only ever updated, as a whole (NetBird's PUT replaces every setting),
//! from the settings object as read with the managed fields changed.

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
