//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]). The checks travel in the model's own
//! [`Checks`], whose field names are the API's.

use serde::{Deserialize, Serialize};

use crate::api::wire::nullable;

pub use super::Checks;

/// A posture check (`PostureCheck`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostureCheck {
    /// Posture check id.
    pub id: String,
    /// Name, unique in an account (checked on create only).
    pub name: String,
    /// Free text.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// The conditions.
    #[serde(default, deserialize_with = "nullable")]
    pub checks: Checks,
}

/// Body of `POST /api/posture-checks` and `PUT /api/posture-checks/{id}`
/// (`PostureCheckUpdate`). A PUT replaces every field; `checks` is always sent (the handler
/// reads it without a nil check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostureCheckRequest {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The conditions.
    pub checks: Checks,
}
