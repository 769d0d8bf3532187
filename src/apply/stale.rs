//! The stale check of a saved plan: re-read the tenant and compare the fingerprint of what is
//! there now with the one the plan recorded. A tenant changed behind the plan's back is
//! refused whole (nothing written), because the plan's changes were computed against a state
//! that no longer exists.
//!
//! The fingerprint covers the snapshot *and* the kinds the planner read, which depend on every
//! tenant selected for that plan (kinds no tenant manages are not read) and are not recorded in
//! the plan. So the tenant is read in full (every list) and the fingerprint is recomputed for
//! each of the 16 combinations of optional lists, from the same answers and without more calls:
//! the plan is fresh when one of them matches. sha256 makes a match by accident impossible, and
//! the combination that matches is exactly the one the plan read.

use crate::api::{Client, TenantClient};
use crate::apply::TenantStatus;
use crate::live::{LiveTenant, Reads, WireTenant, convert, fetch_tenant};
use crate::model::Kind;
use crate::plan::{TenantPlan, fingerprint};

/// Re-reads a saved plan's tenant; the client and live state to apply with, or why not.
pub(super) async fn reread(
    client: &Client,
    plan: &TenantPlan,
) -> Result<(TenantClient, LiveTenant), TenantStatus> {
    let scope = if plan.self_account {
        None
    } else {
        plan.account_id.as_deref()
    };
    let tenant_client = client.tenant(scope);
    let live = fetch_tenant(&tenant_client, scope, Reads::ALL)
        .await
        .map_err(|e| TenantStatus::Failed(e.into()))?;
    if plan.self_account && plan.account_id.as_deref() != Some(live.account_id.as_str()) {
        return Err(TenantStatus::Stale(format!(
            "the token's own account is now {:?}, the plan was made for {:?}",
            live.account_id,
            plan.account_id.as_deref().unwrap_or("")
        )));
    }
    if matches_any_read(&live.wire, &plan.fingerprint) {
        Ok((tenant_client, live))
    } else {
        Err(TenantStatus::Stale(
            "its live state changed since the plan was made".to_owned(),
        ))
    }
}

/// Whether the fingerprint of `wire`, read with some subset of the optional lists, is
/// `expected`.
fn matches_any_read(wire: &WireTenant, expected: &str) -> bool {
    (0u8..16).any(|bits| {
        let reads = Reads {
            setup_keys: bits & 1 != 0,
            users: bits & 2 != 0,
            policies: bits & 4 != 0,
            networks: bits & 8 != 0,
        };
        let (subset, kinds) = restrict(wire, reads);
        fingerprint(&convert(&subset, kinds)) == expected
    })
}

/// The lists `reads` would have fetched, and the kinds that makes read, as `live::fetch` does.
fn restrict(wire: &WireTenant, reads: Reads) -> (WireTenant, std::collections::BTreeSet<Kind>) {
    let mut kinds = std::collections::BTreeSet::from([Kind::Group]);
    let mut subset = WireTenant {
        groups: wire.groups.clone(),
        ..WireTenant::default()
    };
    if reads.setup_keys {
        kinds.insert(Kind::SetupKey);
        subset.setup_keys.clone_from(&wire.setup_keys);
    }
    if reads.users {
        kinds.extend([Kind::User, Kind::ServiceUser]);
        subset.users.clone_from(&wire.users);
    }
    if reads.policies {
        kinds.insert(Kind::Policy);
        subset.policies.clone_from(&wire.policies);
    }
    if reads.networks {
        kinds.extend([Kind::Network, Kind::NetworkResource, Kind::NetworkRouter]);
        subset.networks.clone_from(&wire.networks);
        subset.routers.clone_from(&wire.routers);
        // The resource list is read only when the tenant has networks.
        if !wire.networks.is_empty() {
            subset.resources.clone_from(&wire.resources);
        }
    }
    (subset, kinds)
}

#[cfg(test)]
mod tests {
    use super::{matches_any_read, restrict};
    use crate::api::wire;
    use crate::live::{Reads, WireTenant, convert};
    use crate::plan::fingerprint;

    fn group(id: &str, name: &str) -> wire::Group {
        serde_json::from_value(serde_json::json!({"id": id, "name": name, "issued": "api"}))
            .unwrap()
    }

    fn key(id: &str, name: &str) -> wire::SetupKey {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "type": "reusable", "auto_groups": ["g1"]
        }))
        .unwrap()
    }

    #[test]
    fn a_plan_that_read_fewer_lists_is_recognised() {
        let full = WireTenant {
            groups: vec![group("g1", "devs")],
            setup_keys: vec![key("k1", "office")],
            ..WireTenant::default()
        };
        // The plan read groups and setup keys only.
        let reads = Reads {
            setup_keys: true,
            users: false,
            policies: false,
            networks: false,
        };
        let (subset, kinds) = restrict(&full, reads);
        let planned = fingerprint(&convert(&subset, kinds));
        assert!(matches_any_read(&full, &planned));

        let mut changed = full.clone();
        changed.setup_keys[0].revoked = true;
        assert!(!matches_any_read(&changed, &planned));
    }
}
