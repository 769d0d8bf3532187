//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{Policy, PolicyCreate, PolicyUpdate};

impl TenantClient {
    /// `GET /api/policies`.
    pub async fn list_policies(&self) -> Result<Vec<Policy>, ApiError> {
        self.list(&["api", "policies"]).await
    }

    /// `POST /api/policies`.
    pub async fn create_policy(&self, body: &PolicyCreate) -> Result<Policy, ApiError> {
        self.send(Method::Post, &["api", "policies"], body).await
    }

    /// `PUT /api/policies/{id}`.
    pub async fn update_policy(&self, id: &str, body: &PolicyUpdate) -> Result<Policy, ApiError> {
        self.send(Method::Put, &["api", "policies", id], body).await
    }

    /// `DELETE /api/policies/{id}`.
    pub async fn delete_policy(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "policies", id]).await
    }
}
