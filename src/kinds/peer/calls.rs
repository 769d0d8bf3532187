//! The API call of this kind, on the shared [`TenantClient`]; the list is
//! `TenantClient::list_peers`.

use serde_json::Value;

use crate::api::wire::PeerRequest;
use crate::api::{ApiError, Method, TenantClient};

impl TenantClient {
    /// `PUT /api/peers/{id}`: name and the three switches are replaced, `approval_required`
    /// only when sent.
    pub async fn update_peer(&self, id: &str, body: &PeerRequest) -> Result<Value, ApiError> {
        self.send(Method::Put, &["api", "peers", id], body).await
    }
}
