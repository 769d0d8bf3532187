//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]).

use serde::{Deserialize, Serialize};

use crate::api::wire::{nullable, secret};
use crate::secret::Secret;

/// A setup key as listed (`SetupKey`); `key` is masked (first characters and `****`).
#[expect(clippy::struct_excessive_bools, reason = "mirrors the wire shape")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupKey {
    /// Setup key id.
    pub id: String,
    /// The masked key; empty inside a [`SetupKeyCreated`], which holds the real one.
    #[serde(default, deserialize_with = "nullable")]
    pub key: String,
    /// Name (not unique).
    pub name: String,
    /// `one-off` or `reusable`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Expiry (RFC 3339; `0001-01-01T00:00:00Z` = never).
    #[serde(default, deserialize_with = "nullable")]
    pub expires: String,
    /// Usable right now.
    #[serde(default)]
    pub valid: bool,
    /// Revoked (cannot be undone).
    #[serde(default)]
    pub revoked: bool,
    /// Times used.
    #[serde(default, deserialize_with = "nullable")]
    pub used_times: u64,
    /// Last use (zero time when never used).
    #[serde(default, deserialize_with = "nullable")]
    pub last_used: String,
    /// `valid`, `overused`, `expired` or `revoked`.
    #[serde(default, deserialize_with = "nullable")]
    pub state: String,
    /// Group ids given to peers enrolled with the key.
    #[serde(default, deserialize_with = "nullable")]
    pub auto_groups: Vec<String>,
    /// Last update (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub updated_at: String,
    /// Uses allowed; 0 = unlimited (one-off keys read back as 1).
    #[serde(default, deserialize_with = "nullable")]
    pub usage_limit: u64,
    /// Peers enrolled with it are ephemeral.
    #[serde(default)]
    pub ephemeral: bool,
    /// Peers may add extra DNS labels.
    #[serde(default)]
    pub allow_extra_dns_labels: bool,
}

/// The answer to `POST /api/setup-keys`: the only time the plain key is visible.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetupKeyCreated {
    /// The plain key (an uppercase UUID), for the secrets sink only.
    #[serde(deserialize_with = "secret")]
    pub key: Secret<String>,
    /// Everything else about the new key (its `key` field is empty).
    #[serde(flatten)]
    pub setup_key: SetupKey,
}

/// Body of `POST /api/setup-keys`. Every field but `auto_groups` is fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateSetupKeyRequest {
    /// Name.
    pub name: String,
    /// `one-off` or `reusable`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Lifetime in seconds; 0 = never expires.
    pub expires_in: u64,
    /// Group ids given to enrolled peers (must exist; never `All`).
    pub auto_groups: Vec<String>,
    /// Uses allowed; 0 = unlimited.
    pub usage_limit: u64,
    /// Enrolled peers are ephemeral.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Enrolled peers may add extra DNS labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_extra_dns_labels: Option<bool>,
}

/// Body of `PUT /api/setup-keys/{id}`: the only mutable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupKeyRequest {
    /// Revoke the key (a revoked key cannot be un-revoked).
    pub revoked: bool,
    /// Group ids given to enrolled peers (required by the server).
    pub auto_groups: Vec<String>,
}
