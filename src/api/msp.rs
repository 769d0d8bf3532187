//! The MSP tenant endpoints (`/api/integrations/msp/tenants`, NetBird Cloud only).
//!
//! They always run in the token's own (MSP) account: a tenant cannot list its siblings. A
//! self-hosted server has no such routes and answers a plain-text 404, which becomes
//! [`ApiError::MspUnavailable`] rather than a confusing "not found".

use crate::api::wire::{CreateTenantRequest, Tenant, UpdateTenantRequest};
use crate::api::{ApiError, Client, Method, Path, Scope, to_body};

impl Client {
    /// `GET /api/integrations/msp/tenants`: every tenant of the MSP, in no defined order.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, ApiError> {
        let path = Path::new(&["api", "integrations", "msp", "tenants"]);
        let tenants: Option<Vec<Tenant>> = self
            .call(&Scope::OwnAccount, Method::Get, &path, None)
            .await?;
        Ok(tenants.unwrap_or_default())
    }

    /// `POST /api/integrations/msp/tenants`: creates a tenant (a new account).
    pub async fn create_tenant(&self, body: &CreateTenantRequest) -> Result<Tenant, ApiError> {
        let path = Path::new(&["api", "integrations", "msp", "tenants"]);
        self.call(&Scope::OwnAccount, Method::Post, &path, Some(to_body(body)))
            .await
    }

    /// `PUT /api/integrations/msp/tenants/{id}`: renames a tenant or changes who may enter it.
    pub async fn update_tenant(
        &self,
        id: &str,
        body: &UpdateTenantRequest,
    ) -> Result<Tenant, ApiError> {
        let path = Path::new(&["api", "integrations", "msp", "tenants", id]);
        self.call(&Scope::OwnAccount, Method::Put, &path, Some(to_body(body)))
            .await
    }
}
