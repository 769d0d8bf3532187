//! Applying a plan: each tenant with changes becomes a job (from where its apply starts), and
//! the jobs run under the run's budget, `parallel` tenants at a time, in plan order.

use std::sync::Arc;

use crate::apply::lock::{OtherLock, locks_in};
use crate::apply::{Observer, SecretsSink, Start, TenantReport, apply_tenant};
use crate::desired::DesiredTenant;
use crate::engine::{Engine, tasks};
use crate::live::tenants::{Resolved, Unresolved, check_own_pin, own_account_refusal};
use crate::live::{LiveTenant, proven_identity};
use crate::plan::{Plan, TenantPlan};

/// One applied tenant: its plan and what became of it.
pub type Applied = (TenantPlan, TenantReport);

/// The jobs of a plan: every tenant with changes and nothing blocking it, with where its apply
/// starts. With what a
/// fresh plan read (`live`, in plan order) a tenant starts from it; a saved plan's tenants are
/// re-read; a tenant to create is created from its domain.
pub fn jobs_for(
    plan: &Plan,
    live: Option<Vec<(DesiredTenant, Option<LiveTenant>)>>,
) -> Vec<(TenantPlan, Start)> {
    let mut live = live.map(Vec::into_iter);
    let mut jobs = Vec::new();
    for tenant in &plan.tenants {
        let read = live.as_mut().and_then(Iterator::next).and_then(|(_, l)| l);
        // A blocked tenant (an error or a refusal) is skipped; the others are independent.
        if !tenant.has_changes() || !tenant.errors.is_empty() || !tenant.refusals.is_empty() {
            continue;
        }
        let start = match (&tenant.domain, tenant.create_tenant, read) {
            (Some(domain), true, _) => Start::Create {
                domain: domain.clone(),
            },
            (_, _, Some(read)) => Start::Live(Box::new(read)),
            _ => Start::Reread,
        };
        jobs.push((tenant.clone(), start));
    }
    jobs
}

impl Engine {
    /// Applies every job, `parallel` tenants at once, and returns the reports in job order.
    pub fn apply(
        &self,
        jobs: Vec<(TenantPlan, Start)>,
        secrets: &Arc<SecretsSink>,
        observer: &Arc<dyn Observer>,
    ) -> anyhow::Result<Vec<Applied>> {
        let client = self.client().clone();
        self.block_on(tasks::concurrently(
            jobs,
            self.parallel.get(),
            |(plan, start): (TenantPlan, Start)| {
                let (client, secrets, observer) =
                    (client.clone(), Arc::clone(secrets), Arc::clone(observer));
                async move {
                    // Boxed: a tenant's apply is a large future (every change kind inlined).
                    let report = Box::pin(apply_tenant(
                        &client,
                        &plan,
                        start,
                        &secrets,
                        observer.as_ref(),
                    ))
                    .await;
                    (plan, report)
                }
            },
        ))
    }

    /// Removes every apply lock of each tenant, found and checked as `plan` finds it; the locks
    /// removed, or why the tenant could not be unlocked.
    pub fn unlock(
        &self,
        tenants: Vec<DesiredTenant>,
    ) -> anyhow::Result<Vec<(DesiredTenant, anyhow::Result<Vec<OtherLock>>)>> {
        let resolved = self.resolve(tenants)?;
        let client = self.client();
        Ok(resolved
            .into_iter()
            .map(|(tenant, resolved)| {
                let removed = self.block_on(unlock_one(client, resolved));
                (tenant, removed)
            })
            .collect())
    }
}

async fn unlock_one(
    client: &crate::api::Client,
    resolved: Result<Resolved, Unresolved>,
) -> anyhow::Result<Vec<OtherLock>> {
    let (scope, expected, pinned_self) = match resolved {
        Ok(Resolved::Tenant { id, .. }) => (Some(id.clone()), Some(id), None),
        Ok(Resolved::OwnAccount { pinned }) => (None, None, pinned),
        Ok(Resolved::ToCreate) => return Ok(Vec::new()),
        Err(Unresolved::Refused(reason)) => anyhow::bail!(reason),
        Err(Unresolved::IdNotListed { id }) => anyhow::bail!(own_account_refusal(&id, None)),
    };
    let tenant = client.tenant(scope.as_deref());
    // The groups list proves whose account answered, and holds the locks.
    let (answered, groups, _) = proven_identity(&tenant, expected.as_deref(), false).await?;
    check_own_pin(pinned_self.as_deref(), &answered).map_err(anyhow::Error::msg)?;
    let locks = locks_in(&groups);
    for lock in &locks {
        match tenant.delete_group(&lock.id).await {
            Ok(()) | Err(crate::api::ApiError::NotFound { .. }) => {}
            Err(error) => {
                return Err(anyhow::Error::new(error).context(format!("removing the lock {lock}")));
            }
        }
    }
    Ok(locks)
}
