//! A setup key as read. The server keeps no `expires_in`, only the absolute expiry, so the
//! model's `expires_in` stays unknown and the expiry is read as a [`KeyExpiry`] and a lifetime.

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{KeyExpiry, SetupKey, SetupKeyType, wire};

/// The zero time NetBird stores for "never" (expiry, last use).
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The key in the model.
pub(crate) fn setup_key(key: &wire::SetupKey, names: &GroupNames<'_>) -> SetupKey {
    let key_type = if key.kind == "one-off" {
        SetupKeyType::OneOff
    } else {
        SetupKeyType::Reusable
    };
    SetupKey {
        name: key.name.clone(),
        key_type,
        expires_in: None,
        usage_limit: Some(u32::try_from(key.usage_limit).unwrap_or(u32::MAX)),
        ephemeral: Some(key.ephemeral),
        allow_extra_dns_labels: Some(key.allow_extra_dns_labels),
        auto_groups: Some(names.names(&key.auto_groups)),
        revoked: Some(key.revoked),
    }
}

/// Whether the key never expires, expires later, or has expired.
pub(crate) fn expiry(key: &wire::SetupKey) -> KeyExpiry {
    if key.state == "expired" {
        KeyExpiry::Expired
    } else if key.expires.is_empty() || key.expires == ZERO_TIME {
        KeyExpiry::Never
    } else {
        KeyExpiry::Later
    }
}

/// Milliseconds from the key's last update to its expiry (see
/// [`super::equality::expiry_verdict`]), when both times parse and the expiry is later.
pub(crate) fn lifetime_ms(key: &wire::SetupKey) -> Option<u64> {
    let from = humantime::parse_rfc3339(&key.updated_at).ok()?;
    let to = humantime::parse_rfc3339(&key.expires).ok()?;
    let lifetime = to.duration_since(from).ok()?;
    u64::try_from(lifetime.as_millis()).ok()
}
