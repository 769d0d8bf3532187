//! The stale check, made under the tenant's lock before the first write. A saved plan's tenant
//! is re-read the way it was planned (the same lists, recorded in the plan as `kinds_read`) and
//! the fingerprint of what is there now compared with the one the plan recorded. A tenant
//! planned in this same run (`apply -f`) is re-read only in the lists its changes touch, and
//! those compared with what the plan read moments ago: a change elsewhere cannot make these
//! writes wrong, and it saves most of a second read. Either way a tenant changed behind the
//! plan's back is refused whole (nothing written), because the plan's changes were computed
//! against a state that no longer exists.

use crate::api::{Client, TenantClient};
use crate::apply::TenantStatus;
use std::collections::BTreeSet;

use crate::kinds::wire;
use crate::live::{LiveTenant, Reads, fetch_tenant_with_tokens};
use crate::plan::{TenantPlan, fingerprint, touched_reads};

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

/// Re-reads the lists a tenant planned in this run touches and compares them with the plan's
/// read; the live state to apply with (the plan's, which those lists still match) and the locks
/// the re-read saw, or why not.
pub(super) async fn reread_touched(
    client: &Client,
    plan: &TenantPlan,
    planned: LiveTenant,
) -> Result<(LiveTenant, Vec<wire::Group>), TenantStatus> {
    let reads = touched_reads(&plan.changes).with_peers(plan.peers_read);
    let scope = (!plan.self_account).then_some(planned.account_id.as_str());
    let tokens = if reads.users {
        plan.tokens_read.clone()
    } else {
        BTreeSet::new()
    };
    let fresh = fetch_tenant_with_tokens(&client.tenant(scope), scope, reads, &tokens)
        .await
        .map_err(|e| TenantStatus::Failed(e.into()))?;
    if fresh.account_id != planned.account_id {
        return Err(TenantStatus::Stale(format!(
            "the API now answers for account {:?}, the plan was made for {:?}",
            fresh.account_id, planned.account_id
        )));
    }
    let kinds = reads.kinds();
    if fresh.snapshot.projection(&kinds) == planned.snapshot.projection(&kinds) {
        Ok((planned, fresh.locks))
    } else {
        Err(TenantStatus::Stale(
            "its live state changed since the plan was made".to_owned(),
        ))
    }
}
