//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{CreateSetupKeyRequest, SetupKey, SetupKeyCreated, SetupKeyRequest};

impl TenantClient {
    /// `GET /api/setup-keys` (keys masked).
    pub async fn list_setup_keys(&self) -> Result<Vec<SetupKey>, ApiError> {
        self.list(&["api", "setup-keys"]).await
    }

    /// `POST /api/setup-keys`; the answer holds the plain key, once.
    pub async fn create_setup_key(
        &self,
        body: &CreateSetupKeyRequest,
    ) -> Result<SetupKeyCreated, ApiError> {
        self.send(Method::Post, &["api", "setup-keys"], body).await
    }

    /// `PUT /api/setup-keys/{id}`: revocation and auto groups only.
    pub async fn update_setup_key(
        &self,
        id: &str,
        body: &SetupKeyRequest,
    ) -> Result<SetupKey, ApiError> {
        self.send(Method::Put, &["api", "setup-keys", id], body)
            .await
    }

    /// `DELETE /api/setup-keys/{id}`.
    pub async fn delete_setup_key(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "setup-keys", id]).await
    }
}
