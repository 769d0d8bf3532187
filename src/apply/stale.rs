//! The stale check of a saved plan: re-read the tenant the way it was planned (the same
//! lists, recorded in the plan as `kinds_read`) and compare the fingerprint of what is there
//! now with the one the plan recorded. A tenant changed behind the plan's back is refused whole
//! (nothing written), because the plan's changes were computed against a state that no longer
//! exists.

use crate::api::{Client, TenantClient};
use crate::apply::TenantStatus;
use crate::live::{LiveTenant, Reads, fetch_tenant_with_tokens};
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
    let live = fetch_tenant_with_tokens(
        &tenant_client,
        scope,
        Reads::from_kinds_read(&plan.kinds_read).with_peers(plan.peers_read),
        &plan.tokens_read,
    )
    .await
    .map_err(|e| TenantStatus::Failed(e.into()))?;
    if plan.self_account && plan.account_id.as_deref() != Some(live.account_id.as_str()) {
        return Err(TenantStatus::Stale(format!(
            "the token's own account is now {:?}, the plan was made for {:?}",
            live.account_id,
            plan.account_id.as_deref().unwrap_or("")
        )));
    }
    if fingerprint(&live.snapshot) == plan.fingerprint {
        Ok((tenant_client, live))
    } else {
        Err(TenantStatus::Stale(
            "its live state changed since the plan was made".to_owned(),
        ))
    }
}
