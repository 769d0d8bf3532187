//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{
    Network, NetworkRequest, NetworkResource, NetworkResourceRequest, NetworkRouter,
    NetworkRouterRequest,
};

impl TenantClient {
    /// `GET /api/networks`: also the map from resources and routers to their network.
    pub async fn list_networks(&self) -> Result<Vec<Network>, ApiError> {
        self.list(&["api", "networks"]).await
    }

    /// `POST /api/networks`.
    pub async fn create_network(&self, body: &NetworkRequest) -> Result<Network, ApiError> {
        self.send(Method::Post, &["api", "networks"], body).await
    }

    /// `PUT /api/networks/{id}`.
    pub async fn update_network(
        &self,
        id: &str,
        body: &NetworkRequest,
    ) -> Result<Network, ApiError> {
        self.send(Method::Put, &["api", "networks", id], body).await
    }

    /// `DELETE /api/networks/{id}`: cascades to its resources and routers.
    pub async fn delete_network(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "networks", id]).await
    }

    /// `GET /api/networks/resources`: every resource of the account, in one call. Some servers
    /// lack this route (a plain-text 404, [`ApiError::NoSuchEndpoint`]); see
    /// [`TenantClient::note_no_account_wide_resources`].
    pub async fn list_network_resources(&self) -> Result<Vec<NetworkResource>, ApiError> {
        self.list(&["api", "networks", "resources"]).await
    }

    /// `GET /api/networks/{id}/resources` (`null` when empty reads as empty).
    pub async fn list_resources_of_network(
        &self,
        network_id: &str,
    ) -> Result<Vec<NetworkResource>, ApiError> {
        self.list(&["api", "networks", network_id, "resources"])
            .await
    }

    /// `POST /api/networks/{id}/resources`.
    pub async fn create_network_resource(
        &self,
        network_id: &str,
        body: &NetworkResourceRequest,
    ) -> Result<NetworkResource, ApiError> {
        self.send(
            Method::Post,
            &["api", "networks", network_id, "resources"],
            body,
        )
        .await
    }

    /// `PUT /api/networks/{id}/resources/{resource_id}`.
    pub async fn update_network_resource(
        &self,
        network_id: &str,
        resource_id: &str,
        body: &NetworkResourceRequest,
    ) -> Result<NetworkResource, ApiError> {
        self.send(
            Method::Put,
            &["api", "networks", network_id, "resources", resource_id],
            body,
        )
        .await
    }

    /// `DELETE /api/networks/{id}/resources/{resource_id}`.
    pub async fn delete_network_resource(
        &self,
        network_id: &str,
        resource_id: &str,
    ) -> Result<(), ApiError> {
        self.delete(&["api", "networks", network_id, "resources", resource_id])
            .await
    }

    /// `GET /api/networks/routers`: every router of the account, in random order.
    pub async fn list_network_routers(&self) -> Result<Vec<NetworkRouter>, ApiError> {
        self.list(&["api", "networks", "routers"]).await
    }

    /// `GET /api/networks/{id}/routers`.
    pub async fn list_routers_of_network(
        &self,
        network_id: &str,
    ) -> Result<Vec<NetworkRouter>, ApiError> {
        self.list(&["api", "networks", network_id, "routers"]).await
    }

    /// `POST /api/networks/{id}/routers` (always created enabled; PUT to disable).
    pub async fn create_network_router(
        &self,
        network_id: &str,
        body: &NetworkRouterRequest,
    ) -> Result<NetworkRouter, ApiError> {
        self.send(
            Method::Post,
            &["api", "networks", network_id, "routers"],
            body,
        )
        .await
    }

    /// `PUT /api/networks/{id}/routers/{router_id}`.
    pub async fn update_network_router(
        &self,
        network_id: &str,
        router_id: &str,
        body: &NetworkRouterRequest,
    ) -> Result<NetworkRouter, ApiError> {
        self.send(
            Method::Put,
            &["api", "networks", network_id, "routers", router_id],
            body,
        )
        .await
    }

    /// `DELETE /api/networks/{id}/routers/{router_id}`.
    pub async fn delete_network_router(
        &self,
        network_id: &str,
        router_id: &str,
    ) -> Result<(), ApiError> {
        self.delete(&["api", "networks", network_id, "routers", router_id])
            .await
    }
}
