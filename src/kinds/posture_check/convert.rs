//! A posture check as read.

use crate::kinds::{PostureCheck, wire};

/// The check in the model, its lists in a stable order.
pub(crate) fn posture_check(check: &wire::PostureCheck) -> PostureCheck {
    PostureCheck {
        name: check.name.clone(),
        description: Some(check.description.clone()),
        checks: check.checks.clone().normalised(),
    }
}
