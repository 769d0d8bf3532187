//! The API call of this kind, on the shared [`TenantClient`]; the read is the identity
//! check's `GET /api/accounts` (`TenantClient::list_accounts`).

use serde_json::{Map, Value, json};

use crate::api::{ApiError, Method, TenantClient, wire::Account};

impl TenantClient {
    /// `PUT /api/accounts/{id}`: replaces every setting with `settings`.
    pub async fn update_account_settings(
        &self,
        account_id: &str,
        settings: &Map<String, Value>,
    ) -> Result<Account, ApiError> {
        self.send(
            Method::Put,
            &["api", "accounts", account_id],
            &json!({ "settings": settings }),
        )
        .await
    }
}
