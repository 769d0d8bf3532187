//! What a lab holds beyond freshly bootstrapped servers, made before it reports ready: peers
//! enrolled in their tenants (the way agents enrol them, see [`peers`]) and groups in the MSP's
//! own account (the groups a tenant's `msp_access` names). The demo and the example tests
//! need both, and neither can be made through the MSP front.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde_json::json;
use tokio::task::JoinSet;

use crate::lab::{PeerSpec, TenantSpec};
use crate::peers;
use crate::state::ServerRecord;

/// Enrols `wanted_peers` in their tenants and makes `msp_groups` in the MSP's account, each
/// server's share concurrently (enrolment runs the server binary once per peer).
pub async fn seed(
    msp: &ServerRecord,
    tenants: &[(TenantSpec, ServerRecord)],
    wanted_peers: Vec<PeerSpec>,
    msp_groups: Vec<String>,
) -> Result<()> {
    let mut hostnames_by_tenant: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for peer in wanted_peers {
        if !tenants.iter().any(|(spec, _)| spec.name == peer.tenant) {
            bail!(
                "peer {:?} is for tenant {:?}, which is not one of the lab's tenants",
                peer.hostname,
                peer.tenant
            );
        }
        hostnames_by_tenant
            .entry(peer.tenant)
            .or_default()
            .push(peer.hostname);
    }
    let mut jobs = JoinSet::new();
    for (spec, server) in tenants {
        let Some(hostnames) = hostnames_by_tenant.remove(&spec.name) else {
            continue;
        };
        let (server, tenant) = (server.clone(), spec.name.clone());
        jobs.spawn_blocking(move || {
            let names: Vec<&str> = hostnames.iter().map(String::as_str).collect();
            peers::enrol(&server, &names)
                .map(drop)
                .with_context(|| format!("enrolling peers in {tenant}"))
        });
    }
    if !msp_groups.is_empty() {
        let msp = msp.clone();
        jobs.spawn_blocking(move || {
            for name in &msp_groups {
                peers::api(&msp, "POST", "/api/groups", Some(&json!({"name": name})))
                    .with_context(|| format!("making group {name:?} in the MSP's account"))?;
            }
            Ok(())
        });
    }
    while let Some(joined) = jobs.join_next().await {
        joined.context("a lab seeding task panicked")??;
    }
    Ok(())
}
