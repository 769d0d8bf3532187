//! Setup keys. Only `auto_groups` and `revoked` can change in place; anything else means a new
//! key. The plain key comes once, in the answer to the POST, and goes to the secrets sink.
//!
//! A replacement retires the old key first (the plan revokes it in a change of its own, so its
//! secret is dead even if the delete fails; the replace then deletes it) and creates the new
//! one after: NetBird allows two keys of one name, but birdhouse keys on names, so creating
//! first would leave a tenant it cannot plan if the run stopped in between. A key the files
//! want revoked is created valid and revoked by the plan's next change. Every intermediate
//! state here is one the next plan describes.

use crate::api::ApiError;
use crate::apply::{ApplyError, Executor, Note, SecretKind, Settled, to_wire};
use crate::kinds::wire;
use crate::kinds::{Kind, SetupKey};

impl Executor<'_> {
    pub(super) async fn create_setup_key(&mut self, key: &SetupKey) -> Result<(), ApplyError> {
        let body = to_wire::setup_key_create(key, &self.state)?;
        self.intend_secret(SecretKind::SetupKey, &key.name)?;
        let created = match self.client.create_setup_key(&body).await {
            Ok(created) => created,
            Err(ApiError::OutcomeUnknown { .. } | ApiError::MalformedBody { .. }) => {
                // The key may exist (a lost answer), or does (an answer that could not be
                // read), but its plain key is gone with the answer; a key nobody can use is
                // worth nothing, so delete it and create it again.
                let keys = self.client.list_setup_keys().await?;
                let found = keys.into_iter().find(|k| k.name == key.name);
                self.note(&Note::Recovered {
                    what: format!("setup key {:?}", key.name),
                    found: found.is_some(),
                });
                if let Some(found) = found {
                    self.client.delete_setup_key(&found.id).await?;
                }
                self.client.create_setup_key(&body).await?
            }
            Err(error) => {
                if error
                    .status()
                    .is_some_and(|status| (400..500).contains(&status))
                {
                    self.settle_secret(SecretKind::SetupKey, &key.name, Settled::NotCreated);
                }
                return Err(error.into());
            }
        };
        self.state.put_setup_key(created.setup_key);
        self.keep_secret(SecretKind::SetupKey, &key.name, &created.key)
    }

    /// Revokes a live key, echoing its groups as they are (the step before its replace).
    pub(super) async fn revoke_setup_key(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::SetupKey, name)?;
        let auto_groups = self
            .state
            .wire
            .setup_keys
            .iter()
            .find(|k| k.id == id)
            .map(|k| k.auto_groups.clone())
            .unwrap_or_default();
        let revoke = wire::SetupKeyRequest {
            revoked: true,
            auto_groups,
        };
        let answer = self.client.update_setup_key(&id, &revoke).await?;
        self.state.put_setup_key(answer);
        Ok(())
    }

    pub(super) async fn update_setup_key(&mut self, key: &SetupKey) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::SetupKey, &key.name)?;
        let body = to_wire::setup_key_update(key, &self.state)?;
        let answer = self.client.update_setup_key(&id, &body).await?;
        self.state.put_setup_key(answer);
        Ok(())
    }

    pub(super) async fn replace_setup_key(&mut self, key: &SetupKey) -> Result<(), ApplyError> {
        self.delete_setup_key(&key.name).await?;
        self.create_setup_key(key).await
    }

    pub(super) async fn delete_setup_key(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::SetupKey, name)?;
        self.client.delete_setup_key(&id).await?;
        self.state.remove_setup_key(name, &id);
        Ok(())
    }
}
