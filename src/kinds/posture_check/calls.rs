//! The API calls of this kind, one method per endpoint, on the shared [`TenantClient`] (its
//! single request loop gives every call the same budget, retries and error mapping).

use crate::api::{ApiError, Method, TenantClient};

use super::wire::{PostureCheck, PostureCheckRequest};

impl TenantClient {
    /// `GET /api/posture-checks`.
    pub async fn list_posture_checks(&self) -> Result<Vec<PostureCheck>, ApiError> {
        self.list(&["api", "posture-checks"]).await
    }

    /// `POST /api/posture-checks`; a name already taken is refused (422).
    pub async fn create_posture_check(
        &self,
        body: &PostureCheckRequest,
    ) -> Result<PostureCheck, ApiError> {
        self.send(Method::Post, &["api", "posture-checks"], body)
            .await
    }

    /// `PUT /api/posture-checks/{id}`: replaces description and checks.
    pub async fn update_posture_check(
        &self,
        id: &str,
        body: &PostureCheckRequest,
    ) -> Result<PostureCheck, ApiError> {
        self.send(Method::Put, &["api", "posture-checks", id], body)
            .await
    }

    /// `DELETE /api/posture-checks/{id}`; refused (412) while a policy names the check.
    pub async fn delete_posture_check(&self, id: &str) -> Result<(), ApiError> {
        self.delete(&["api", "posture-checks", id]).await
    }
}
