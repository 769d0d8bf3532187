//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]).

use serde::{Deserialize, Serialize};

use crate::api::wire::{nullable, optional_secret, secret};
use crate::secret::Secret;

/// A user or service user (`User`).
#[expect(clippy::struct_excessive_bools, reason = "mirrors the wire shape")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: String,
    /// Email (empty for service users).
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    /// Display name; the identity of a service user.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// `owner`, `admin`, `user`, `network_admin`, `billing_admin` or `auditor`.
    pub role: String,
    /// `active`, `invited` or `blocked`.
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    /// Group ids given to the user's peers.
    #[serde(default, deserialize_with = "nullable")]
    pub auto_groups: Vec<String>,
    /// The user the token belongs to.
    #[serde(default)]
    pub is_current: bool,
    /// A service user (no login, token access only).
    #[serde(default)]
    pub is_service_user: bool,
    /// Blocked from the system.
    #[serde(default)]
    pub is_blocked: bool,
    /// Waiting for an admin's approval.
    #[serde(default)]
    pub pending_approval: bool,
    /// `api` or `integration`.
    #[serde(default)]
    pub issued: Option<String>,
    /// Last dashboard login.
    #[serde(default)]
    pub last_login: Option<String>,
    /// Identity-provider id.
    #[serde(default)]
    pub idp_id: Option<String>,
    /// Generated password, only in the answer to creating a local user (embedded IdP).
    #[serde(default, deserialize_with = "optional_secret", skip_serializing)]
    pub password: Option<Secret<String>>,
}

/// Body of `POST /api/users`: a service user (`is_service_user`) or an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserCreateRequest {
    /// Email to invite (regular users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name, or the service user's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role (never `owner`).
    pub role: String,
    /// Group ids given to the user's peers.
    pub auto_groups: Vec<String>,
    /// Create a service user instead of inviting someone.
    pub is_service_user: bool,
}

/// Body of `PUT /api/users/{id}`: the only mutable fields, all required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRequest {
    /// Role; setting another user to `owner` demotes the caller, so never do it by accident.
    pub role: String,
    /// Group ids given to the user's peers.
    pub auto_groups: Vec<String>,
    /// Block the user.
    pub is_blocked: bool,
}

/// A personal access token's metadata (`PersonalAccessToken`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalAccessToken {
    /// Token id.
    pub id: String,
    /// Token name.
    pub name: String,
    /// Expiry (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub expiration_date: String,
    /// Id of the creating user.
    #[serde(default, deserialize_with = "nullable")]
    pub created_by: String,
    /// Creation time (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// Last use; changes on every call, never diff it.
    #[serde(default)]
    pub last_used: Option<String>,
}

/// Body of `POST /api/users/{id}/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalAccessTokenRequest {
    /// Token name.
    pub name: String,
    /// Lifetime in days (1 to 365).
    pub expires_in: u32,
}

/// The answer to `POST /api/users/{id}/tokens`: the only time the token is visible.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PersonalAccessTokenGenerated {
    /// The token itself, for the secrets sink only.
    #[serde(deserialize_with = "secret")]
    pub plain_token: Secret<String>,
    /// Its metadata.
    pub personal_access_token: PersonalAccessToken,
}
