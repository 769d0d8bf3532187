//! [`TenantClient`]: the endpoints of one account, one method per call birdhouse makes. Every
//! request goes through the client's single request loop, so budget, retries and error
//! mapping are the same for all of them.

use std::sync::atomic::Ordering;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::wire::{
    Account, CreateSetupKeyRequest, Group, GroupRequest, Network, NetworkRequest, NetworkResource,
    NetworkResourceRequest, NetworkRouter, NetworkRouterRequest, Peer, PersonalAccessToken,
    PersonalAccessTokenGenerated, PersonalAccessTokenRequest, Policy, PolicyCreate, PolicyUpdate,
    SetupKey, SetupKeyCreated, SetupKeyRequest, User, UserCreateRequest, UserRequest,
};
use crate::api::{ApiError, Client, Method, Path, Scope, to_body};

/// A [`Client`] scoped to one account: every request carries `?account=<id>` (or nothing, for
/// the token's own account). Cheap to clone; shares the client's budget.
#[derive(Debug, Clone)]
pub struct TenantClient {
    pub(super) client: Client,
    pub(super) scope: Scope,
}

impl TenantClient {
    /// [`Client::own_all_group_id`]: the token's own account's `All` group, read once per run.
    pub async fn own_all_group_id(&self) -> Result<Option<String>, ApiError> {
        self.client.own_all_group_id().await
    }

    /// The account this handle works in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The client this handle came from.
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn get<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T, ApiError> {
        self.client
            .call(&self.scope, Method::Get, &Path::new(path), None)
            .await
    }

    /// A list endpoint: a bare array, or `null` when empty (per-network resources).
    async fn list<T: DeserializeOwned>(&self, path: &[&str]) -> Result<Vec<T>, ApiError> {
        Ok(self.get::<Option<Vec<T>>>(path).await?.unwrap_or_default())
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: &B,
    ) -> Result<T, ApiError> {
        self.client
            .call(&self.scope, method, &Path::new(path), Some(to_body(body)))
            .await
    }

    async fn delete(&self, path: &[&str]) -> Result<(), ApiError> {
        self.client
            .call_unit(&self.scope, Method::Delete, &Path::new(path))
            .await
    }

    /// `GET /api/accounts`: the account the scope really reached (one element). Before any
    /// write, its id must equal the tenant id: NetBird silently falls back to the caller's own
    /// account for an `?account=` it does not accept.
    pub async fn list_accounts(&self) -> Result<Vec<Account>, ApiError> {
        self.list(&["api", "accounts"]).await
    }

    /// `GET /api/peers`: read only when some managed router names a peer.
    pub async fn list_peers(&self) -> Result<Vec<Peer>, ApiError> {
        self.list(&["api", "peers"]).await
    }

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

    /// Whether an earlier read of this run found that the server has no account-wide resource
    /// list, so resources are to be read per network.
    pub fn lacks_account_wide_resources(&self) -> bool {
        self.client
            .inner
            .no_account_wide_resources
            .load(Ordering::Relaxed)
    }

    /// Records, for every tenant of the run, that the server has no account-wide resource
    /// list. True the first time only, so the caller says so once.
    pub fn note_no_account_wide_resources(&self) -> bool {
        !self
            .client
            .inner
            .no_account_wide_resources
            .swap(true, Ordering::Relaxed)
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
