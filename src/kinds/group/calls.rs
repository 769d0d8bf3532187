//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{Group, GroupRequest};

impl TenantClient {
    /// `GET /api/groups`.
    pub async fn list_groups(&self) -> Result<Vec<Group>, ApiError> {
        self.list(&["api", "groups"]).await
    }

    /// `POST /api/groups`.
    pub async fn create_group(&self, body: &GroupRequest) -> Result<Group, ApiError> {
        self.send(Method::Post, &["api", "groups"], body).await
    }

    /// `PUT /api/groups/{id}`: replaces name and membership.
    pub async fn update_group(&self, id: &str, body: &GroupRequest) -> Result<Group, ApiError> {
        self.send(Method::Put, &["api", "groups", id], body).await
    }

    /// `DELETE /api/groups/{id}`; refused (400) while anything references the group.
    pub async fn delete_group(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "groups", id]).await
    }
}
