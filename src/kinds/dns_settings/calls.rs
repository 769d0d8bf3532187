//! The API calls of this kind, on the shared [`TenantClient`].

use crate::api::{ApiError, Method, TenantClient};

use super::wire::DnsSettings;

impl TenantClient {
    /// `GET /api/dns/settings`.
    pub async fn get_dns_settings(&self) -> Result<DnsSettings, ApiError> {
        self.get(&["api", "dns", "settings"]).await
    }

    /// `PUT /api/dns/settings`.
    pub async fn update_dns_settings(&self, body: &DnsSettings) -> Result<DnsSettings, ApiError> {
        self.send(Method::Put, &["api", "dns", "settings"], body)
            .await
    }
}
