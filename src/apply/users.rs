//! Users and service users.
//!
//! A regular user is invited with `POST /api/users`; on a server with NetBird's embedded
//! identity provider the answer carries the new local user's generated password, once, which
//! goes to the secrets sink. A service user is created the same way with `is_service_user`,
//! then its token, whose plain value also goes to the sink. The planner reads the tokens of the
//! service users whose files declare one, so a service user left without its token (an apply
//! killed between the two calls, a token added to the file later) is planned as an update that
//! creates it. When the token of a new service user cannot be created the service user is still
//! deleted again, so the next plan shows both as to create.

use crate::api::ApiError;
use crate::apply::{ApplyError, Executor, Note, SecretKind, Settled, to_wire};
use crate::kinds::wire;
use crate::kinds::{Kind, ServiceUser, User};

impl Executor<'_> {
    pub(super) async fn create_user(&mut self, key: &str, user: &User) -> Result<(), ApplyError> {
        let body = to_wire::user_create(user, &self.state)?;
        self.intend_secret(SecretKind::UserPassword, key)?;
        let client = &self.client;
        let created = self
            .create_or_find(
                &format!("user {key:?}"),
                || Box::pin(client.create_user(&body)),
                || {
                    Box::pin(async move {
                        let users = client.list_users().await?;
                        Ok(users
                            .into_iter()
                            .find(|u| !u.is_service_user && u.email.eq_ignore_ascii_case(key)))
                    })
                },
            )
            .await?;
        let found = matches!(created, crate::apply::Created::Found(_));
        let live = created.into_inner();
        self.state.put_user(Kind::User, key, live.clone());
        match &live.password {
            Some(password) => self.keep_secret(SecretKind::UserPassword, key, password)?,
            None if found => self.note(&Note::SecretLost {
                kind: SecretKind::UserPassword,
                name: key.to_owned(),
            }),
            None => self.settle_secret(SecretKind::UserPassword, key, Settled::NoSecret),
        }
        // A user the files want blocked is blocked by the plan's next change.
        Ok(())
    }

    pub(super) async fn update_user(&mut self, key: &str, user: &User) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::User, key)?;
        let live = self.state.wire.users.iter().find(|u| u.id == id);
        let body = to_wire::user_update(user, live, &self.state)?;
        let answer = self.client.update_user(&id, &body).await?;
        self.state.put_user(Kind::User, key, answer);
        Ok(())
    }

    pub(super) async fn create_service_user(
        &mut self,
        user: &ServiceUser,
    ) -> Result<(), ApplyError> {
        let body = to_wire::service_user_create(user, &self.state)?;
        let client = &self.client;
        let name = user.name.as_str();
        let live = self
            .create_or_find(
                &format!("service user {name:?}"),
                || Box::pin(client.create_user(&body)),
                || {
                    Box::pin(async move {
                        let users = client.list_users().await?;
                        Ok(users
                            .into_iter()
                            .find(|u| u.is_service_user && u.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        let id = live.id.clone();
        self.state.put_user(Kind::ServiceUser, name, live);
        let Some(token) = &user.token else {
            return Ok(());
        };
        let request = wire::PersonalAccessTokenRequest {
            name: token.name.clone(),
            expires_in: u32::from(token.expires_in_days),
        };
        let Err(error) = self.create_token(name, &id, &request).await else {
            return Ok(());
        };
        let rolled_back = self.client.delete_user(&id).await.is_ok();
        if rolled_back {
            self.state.remove_user(Kind::ServiceUser, name, &id);
        }
        Err(ApplyError::Token {
            user: name.to_owned(),
            rolled_back,
            source: Box::new(error),
        })
    }

    /// Creates a token and keeps its secret. After an unknown outcome, a token that did land
    /// has lost its secret with the answer, so it is deleted and created once more.
    async fn create_token(
        &self,
        user: &str,
        user_id: &str,
        request: &wire::PersonalAccessTokenRequest,
    ) -> Result<(), ApplyError> {
        self.intend_secret(SecretKind::ServiceUserToken, user)?;
        let generated = match self.client.create_token(user_id, request).await {
            Ok(generated) => generated,
            Err(ApiError::OutcomeUnknown { .. } | ApiError::MalformedBody { .. }) => {
                let tokens = self.client.list_tokens(user_id).await?;
                let found = tokens.into_iter().find(|t| t.name == request.name);
                self.note(&Note::Recovered {
                    what: format!("the token of service user {user:?}"),
                    found: found.is_some(),
                });
                if let Some(found) = found {
                    self.client.delete_token(user_id, &found.id).await?;
                }
                self.client.create_token(user_id, request).await?
            }
            Err(error) => {
                if error
                    .status()
                    .is_some_and(|status| (400..500).contains(&status))
                {
                    self.settle_secret(SecretKind::ServiceUserToken, user, Settled::NotCreated);
                }
                return Err(error.into());
            }
        };
        self.keep_secret(SecretKind::ServiceUserToken, user, &generated.plain_token)
    }

    /// Writes the changed fields: role and groups with one PUT, the token (missing, or its
    /// secret lost by an earlier apply) by deleting any token of that name and creating it.
    pub(super) async fn update_service_user(
        &mut self,
        user: &ServiceUser,
        fields: &[crate::plan::FieldChange],
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::ServiceUser, &user.name)?;
        if fields.iter().any(|f| f.field != "token") {
            let live = self.state.wire.users.iter().find(|u| u.id == id);
            let body = to_wire::service_user_update(user, live, &self.state)?;
            let answer = self.client.update_user(&id, &body).await?;
            self.state.put_user(Kind::ServiceUser, &user.name, answer);
        }
        let Some(token) = user
            .token
            .as_ref()
            .filter(|_| fields.iter().any(|f| f.field == "token"))
        else {
            return Ok(());
        };
        let stale: Vec<String> = self
            .state
            .wire
            .tokens
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|t| t.name == token.name)
            .map(|t| t.id.clone())
            .collect();
        for token_id in stale {
            self.client.delete_token(&id, &token_id).await?;
        }
        let request = wire::PersonalAccessTokenRequest {
            name: token.name.clone(),
            expires_in: u32::from(token.expires_in_days),
        };
        self.create_token(&user.name, &id, &request).await
    }

    pub(super) async fn delete_user(&mut self, kind: Kind, key: &str) -> Result<(), ApplyError> {
        let id = self.state.id(kind, key)?;
        self.client.delete_user(&id).await?;
        self.state.remove_user(kind, key, &id);
        Ok(())
    }
}
