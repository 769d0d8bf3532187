//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{NameserverGroup, NameserverGroupRequest};

impl TenantClient {
    /// `GET /api/dns/nameservers`.
    pub async fn list_nameserver_groups(&self) -> Result<Vec<NameserverGroup>, ApiError> {
        self.list(&["api", "dns", "nameservers"]).await
    }

    /// `POST /api/dns/nameservers`; a name already taken is refused (422).
    pub async fn create_nameserver_group(
        &self,
        body: &NameserverGroupRequest,
    ) -> Result<NameserverGroup, ApiError> {
        self.send(Method::Post, &["api", "dns", "nameservers"], body)
            .await
    }

    /// `PUT /api/dns/nameservers/{id}`: replaces every field.
    pub async fn update_nameserver_group(
        &self,
        id: &str,
        body: &NameserverGroupRequest,
    ) -> Result<NameserverGroup, ApiError> {
        self.send(Method::Put, &["api", "dns", "nameservers", id], body)
            .await
    }

    /// `DELETE /api/dns/nameservers/{id}`.
    pub async fn delete_nameserver_group(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "dns", "nameservers", id]).await
    }
}
