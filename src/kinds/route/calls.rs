//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{Route, RouteRequest};

impl TenantClient {
    /// `GET /api/routes`.
    pub async fn list_routes(&self) -> Result<Vec<Route>, ApiError> {
        self.list(&["api", "routes"]).await
    }

    /// `POST /api/routes`; a range a peer already routes is refused (409).
    pub async fn create_route(&self, body: &RouteRequest) -> Result<Route, ApiError> {
        self.send(Method::Post, &["api", "routes"], body).await
    }

    /// `PUT /api/routes/{id}`: replaces every field.
    pub async fn update_route(&self, id: &str, body: &RouteRequest) -> Result<Route, ApiError> {
        self.send(Method::Put, &["api", "routes", id], body).await
    }

    /// `DELETE /api/routes/{id}`.
    pub async fn delete_route(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "routes", id]).await
    }
}
