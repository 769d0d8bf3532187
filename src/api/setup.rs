//! Self-hosted bootstrap: `GET /api/instance` and `POST /api/setup`, the two calls that need
//! no token (they exist before any user does).
//!
//! They go through the same request loop as everything else (same URL rules, error mapping
//! and retry policy) with a client that sends no `Authorization` header. The setup answer can
//! hold the first PAT, which is read straight into a [`crate::secret::Secret`].

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use crate::api::wire::{InstanceStatus, SetupRequest, SetupResponse};
use crate::api::{
    ApiError, Client, MAX_RESPONSE_BYTES, Method, Path, RateBudget, RetryPolicy, Scope,
    SystemClock, Transport, TrustedRoots, to_body,
};

/// Unauthenticated calls are not charged to a token, but stay polite all the same.
fn anonymous_client(base_url: &str, trusted_roots: &TrustedRoots) -> Result<Client, ApiError> {
    const PER_MINUTE: NonZeroU32 = NonZeroU32::new(60).unwrap();
    const BURST: NonZeroU32 = NonZeroU32::new(10).unwrap();
    Client::build(
        base_url,
        None,
        RateBudget::new(PER_MINUTE, BURST, Arc::new(SystemClock)),
        RetryPolicy::default(),
        &Transport {
            timeout: Duration::from_secs(30),
            max_response_bytes: MAX_RESPONSE_BYTES,
            trusted_roots: trusted_roots.clone(),
        },
    )
}

/// `GET /api/instance`: whether the server still needs its first owner. `trusted_roots` are
/// trusted besides the system's (a self-hosted server's private CA).
pub async fn instance_status(
    base_url: &str,
    trusted_roots: &TrustedRoots,
) -> Result<InstanceStatus, ApiError> {
    let client = anonymous_client(base_url, trusted_roots)?;
    client
        .call(
            &Scope::OwnAccount,
            Method::Get,
            &Path::new(&["api", "instance"]),
            None,
        )
        .await
}

/// `POST /api/setup`: creates the owner (and a PAT when asked and enabled). One-shot: a second
/// call is refused with 412.
pub async fn setup(
    base_url: &str,
    request: &SetupRequest,
    trusted_roots: &TrustedRoots,
) -> Result<SetupResponse, ApiError> {
    let client = anonymous_client(base_url, trusted_roots)?;
    client
        .call(
            &Scope::OwnAccount,
            Method::Post,
            &Path::new(&["api", "setup"]),
            Some(to_body(request)),
        )
        .await
}
