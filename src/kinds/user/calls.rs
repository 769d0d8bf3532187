//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{
    PersonalAccessToken, PersonalAccessTokenGenerated, PersonalAccessTokenRequest, User,
    UserCreateRequest, UserRequest,
};

impl TenantClient {
    /// `GET /api/users`: regular and service users, in random order.
    pub async fn list_users(&self) -> Result<Vec<User>, ApiError> {
        self.list(&["api", "users"]).await
    }

    /// `POST /api/users`: a service user or an invitation.
    pub async fn create_user(&self, body: &UserCreateRequest) -> Result<User, ApiError> {
        self.send(Method::Post, &["api", "users"], body).await
    }

    /// `PUT /api/users/{id}`.
    pub async fn update_user(&self, id: &str, body: &UserRequest) -> Result<User, ApiError> {
        self.send(Method::Put, &["api", "users", id], body).await
    }

    /// `DELETE /api/users/{id}` (a regular user's peers go with it).
    pub async fn delete_user(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "users", id]).await
    }

    /// `GET /api/users/{id}/tokens`.
    pub async fn list_tokens(&self, user_id: &str) -> Result<Vec<PersonalAccessToken>, ApiError> {
        self.list(&["api", "users", user_id, "tokens"]).await
    }

    /// `GET /api/users/current`: the token's own user (in the token's own account).
    pub async fn current_user(&self) -> Result<User, ApiError> {
        self.get(&["api", "users", "current"]).await
    }

    /// `POST /api/users/{id}/tokens`; the answer holds the token, once.
    pub async fn create_token(
        &self,
        user_id: &str,
        body: &PersonalAccessTokenRequest,
    ) -> Result<PersonalAccessTokenGenerated, ApiError> {
        self.send(Method::Post, &["api", "users", user_id, "tokens"], body)
            .await
    }

    /// `DELETE /api/users/{id}/tokens/{token_id}`.
    pub async fn delete_token(&self, user_id: &str, token_id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "users", user_id, "tokens", token_id])
            .await
    }
}
