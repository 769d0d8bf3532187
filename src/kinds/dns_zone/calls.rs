//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{Record, RecordRequest, Zone, ZoneRequest};

impl TenantClient {
    /// `GET /api/dns/zones`: every zone with its records.
    pub async fn list_dns_zones(&self) -> Result<Vec<Zone>, ApiError> {
        self.list(&["api", "dns", "zones"]).await
    }

    /// `POST /api/dns/zones`; a domain already served is refused (409).
    pub async fn create_dns_zone(&self, body: &ZoneRequest) -> Result<Zone, ApiError> {
        self.send(Method::Post, &["api", "dns", "zones"], body)
            .await
    }

    /// `PUT /api/dns/zones/{id}`: replaces name, flags and groups (the domain cannot change).
    pub async fn update_dns_zone(&self, id: &str, body: &ZoneRequest) -> Result<Zone, ApiError> {
        self.send(Method::Put, &["api", "dns", "zones", id], body)
            .await
    }

    /// `DELETE /api/dns/zones/{id}`: the zone and every record in it.
    pub async fn delete_dns_zone(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "dns", "zones", id]).await
    }

    /// `GET /api/dns/zones/{id}/records`.
    pub async fn list_dns_records(&self, zone: &str) -> Result<Vec<Record>, ApiError> {
        self.list(&["api", "dns", "zones", zone, "records"]).await
    }

    /// `POST /api/dns/zones/{id}/records`; an identical record is refused (409).
    pub async fn create_dns_record(
        &self,
        zone: &str,
        body: &RecordRequest,
    ) -> Result<Record, ApiError> {
        self.send(
            Method::Post,
            &["api", "dns", "zones", zone, "records"],
            body,
        )
        .await
    }

    /// `PUT /api/dns/zones/{id}/records/{id}`.
    pub async fn update_dns_record(
        &self,
        zone: &str,
        id: &str,
        body: &RecordRequest,
    ) -> Result<Record, ApiError> {
        self.send(
            Method::Put,
            &["api", "dns", "zones", zone, "records", id],
            body,
        )
        .await
    }

    /// `DELETE /api/dns/zones/{id}/records/{id}`.
    pub async fn delete_dns_record(&self, zone: &str, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "dns", "zones", zone, "records", id])
            .await
    }
}
