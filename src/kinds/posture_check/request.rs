//! This kind as a write: model objects → request bodies. A PUT replaces every field, so a
//! description the files leave out (unmanaged) is echoed from the live object.

use crate::kinds::{PostureCheck, wire};

/// The body that creates `check`, or on update (`live`) replaces it.
pub(crate) fn posture_check(
    check: &PostureCheck,
    live: Option<&wire::PostureCheck>,
) -> wire::PostureCheckRequest {
    wire::PostureCheckRequest {
        name: check.name.clone(),
        description: check
            .description
            .clone()
            .or_else(|| live.map(|l| l.description.clone()))
            .unwrap_or_default(),
        checks: check.checks.clone(),
    }
}
