//! The shared front half of `plan` and `apply`: load and select tenants, resolve their
//! accounts, read them concurrently under one budget, and plan each one.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::api::{Client, wire};
use crate::cli::changed;
use crate::cli::connection;
use crate::cli::settings::Settings;
use crate::desired::{DesiredState, DesiredTenant, Loaded};
use crate::live::tenants::{Resolved, TenantLookup, needs_tenant_list, resolve};
use crate::live::{LiveTenant, Reads, Snapshot, fetch_tenant};
use crate::model::Kind;
use crate::plan::{
    Budget, GuardSettings, PLAN_FORMAT_VERSION, Plan, PlanOptions, TenantPlan, plan_tenant,
};

/// A planned run: the plan, and for every tenant what was read (for `apply`).
pub(crate) struct Planned {
    pub(crate) plan: Plan,
    /// Per tenant, in plan order: its desired state and what was read (`None` when the read
    /// failed or the tenant is still to be created).
    pub(crate) tenants: Vec<(DesiredTenant, Option<LiveTenant>)>,
    /// The client, with its call counters, for the summary and for apply.
    pub(crate) client: Client,
}

/// Options of the planning half.
pub(crate) struct PlanRequest<'a> {
    pub(crate) path: &'a Path,
    pub(crate) changed_since: Option<&'a str>,
    pub(crate) allow_mass_delete: bool,
    /// Keep what was read for `apply`; `plan` drops each tenant's live state as soon as it is
    /// planned, so memory does not grow with the number of tenants.
    pub(crate) keep_live: bool,
}

/// Loads the files; prints every diagnostic and returns `None` when any exists.
pub(crate) fn load_or_report(path: &Path) -> anyhow::Result<Option<DesiredState>> {
    let loaded: Loaded = crate::desired::load(path);
    let mut stderr = std::io::stderr().lock();
    crate::cli::cmd::validate::print_skipped(&loaded, &mut stderr)?;
    if loaded.state.is_err() {
        crate::cli::cmd::validate::print_diagnostics(&loaded, &mut stderr)?;
    }
    Ok(loaded.state.ok())
}

/// The tenants the run works on: `--tenant` globs, then `--changed-since`.
fn select(
    settings: &Settings,
    state: DesiredState,
    path: &Path,
    changed_since: Option<&str>,
) -> anyhow::Result<Vec<DesiredTenant>> {
    let mut tenants: Vec<DesiredTenant> = state
        .tenants
        .into_iter()
        .filter(|t| settings.tenant_filter.selects(&t.name))
        .collect();
    if !settings.tenant_filter.patterns().is_empty() && tenants.is_empty() {
        anyhow::bail!(
            "no tenant in the files matches --tenant {}",
            settings.tenant_filter.patterns().join(", ")
        );
    }
    if let Some(reference) = changed_since {
        let changed = changed::changed_tenants(path, reference, &tenants)?;
        tenants.retain(|t| changed.contains(&t.name));
        tracing::info!(
            tenants = tenants.len(),
            reference,
            "tenants changed since the reference"
        );
    }
    Ok(tenants)
}

/// Runs the planning half for `request`. Returns `None` when the files are invalid (the
/// diagnostics are already printed).
pub(crate) fn plan(
    settings: &Settings,
    request: &PlanRequest<'_>,
) -> anyhow::Result<Option<Planned>> {
    let Some(state) = load_or_report(request.path)? else {
        return Ok(None);
    };
    let tenants = select(settings, state, request.path, request.changed_since)?;
    let client = Client::new(connection::client_config(settings)?)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let guard = GuardSettings {
        allow_mass_delete: request.allow_mass_delete,
        ..GuardSettings::default()
    };
    let budget = Budget {
        requests_per_minute: settings.budget.requests_per_minute.get(),
        burst: settings.budget.burst.get(),
    };
    let options = PlanOptions { guard };
    let planned = runtime.block_on(read_and_plan(
        &client,
        tenants,
        settings.parallel.get(),
        options,
        request.keep_live,
    ))?;
    let (plans, tenants): (Vec<TenantPlan>, Vec<_>) = planned
        .into_iter()
        .map(|(plan, desired, live)| (plan, (desired, live)))
        .unzip();
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget,
        tenants: plans,
    };
    Ok(Some(Planned {
        plan,
        tenants,
        client,
    }))
}

/// Names, on stderr, every tenant the plan cannot apply (errors or refusals); true when
/// there is one. `plan` and `apply` both stop on it.
pub(crate) fn name_blocked_tenants(plan: &Plan) -> std::io::Result<bool> {
    let mut stderr = std::io::stderr().lock();
    let blocked = plan
        .tenants
        .iter()
        .filter(|t| !t.errors.is_empty() || !t.refusals.is_empty());
    let mut any = false;
    for tenant in blocked {
        any = true;
        writeln!(
            stderr,
            "error: tenant {:?} cannot be applied: see the plan above",
            tenant.name
        )?;
    }
    Ok(any)
}

/// The lists to read for a set of tenants: kinds they manage or prune.
pub(crate) fn reads_for(tenants: &[DesiredTenant]) -> Reads {
    let mut kinds: BTreeSet<Kind> = BTreeSet::new();
    let mut groups_pruned = false;
    for tenant in tenants {
        kinds.extend(tenant.prune.iter().copied());
        groups_pruned |= tenant.prune.contains(&Kind::Group);
        kinds.extend(
            Kind::ALL
                .into_iter()
                .filter(|kind| tenant.objects.count(*kind) > 0),
        );
    }
    Reads::for_kinds(&kinds, groups_pruned)
}

type TenantOutcome = (TenantPlan, DesiredTenant, Option<LiveTenant>);

async fn read_and_plan(
    client: &Client,
    tenants: Vec<DesiredTenant>,
    parallel: usize,
    options: PlanOptions,
    keep_live: bool,
) -> anyhow::Result<Vec<TenantOutcome>> {
    let lookups: Vec<TenantLookup<'_>> = tenants.iter().map(lookup).collect();
    let msp_tenants: Vec<wire::Tenant> = if needs_tenant_list(&lookups) {
        client
            .list_tenants()
            .await
            .context("listing the MSP's tenants to find tenants by domain")?
    } else {
        Vec::new()
    };
    let reads = reads_for(&tenants);
    let jobs: Vec<(DesiredTenant, Result<Resolved, String>)> = tenants
        .into_iter()
        .map(|tenant| {
            let resolved = resolve(&lookup(&tenant), &msp_tenants);
            (tenant, resolved)
        })
        .collect();
    concurrently(jobs, parallel, |(tenant, resolved)| {
        let client = client.clone();
        async move {
            let (plan, tenant, live) = plan_one(&client, tenant, resolved, reads, options).await;
            (plan, tenant, live.filter(|_| keep_live))
        }
    })
    .await
}

/// Runs `work` on every item with at most `parallel` items in flight, and returns the results
/// in the items' order (output must not depend on which tenant answered first). Every request
/// draws from the client's one budget whatever `parallel` is, so it bounds open connections
/// and memory, not the request rate. Used by `plan` (so `apply`) and `export`.
pub(crate) async fn concurrently<T, R, F, Fut>(
    items: Vec<T>,
    parallel: usize,
    work: F,
) -> anyhow::Result<Vec<R>>
where
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let job = work(item);
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("invariant: the semaphore is never closed");
            (index, job.await)
        });
    }
    let mut results: Vec<(usize, R)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.context("a tenant task panicked")?);
    }
    results.sort_by_key(|(index, _)| *index);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}

fn lookup(tenant: &DesiredTenant) -> TenantLookup<'_> {
    TenantLookup {
        name: &tenant.name,
        id: tenant.target.id.as_deref(),
        domain: tenant.target.domain.as_deref(),
        self_account: tenant.target.self_account,
        create: tenant.create,
    }
}

/// Reads and plans one tenant; a failure becomes an error in its plan, so the other tenants
/// still get planned.
async fn plan_one(
    client: &Client,
    tenant: DesiredTenant,
    resolved: Result<Resolved, String>,
    reads: Reads,
    options: PlanOptions,
) -> TenantOutcome {
    let failed = |tenant: &DesiredTenant, account_id: Option<String>, error: String| TenantPlan {
        name: tenant.name.clone(),
        account_id,
        self_account: tenant.target.self_account,
        create_tenant: false,
        domain: tenant.target.domain.clone(),
        kinds_read: std::collections::BTreeSet::new(),
        fingerprint: String::new(),
        changes: Vec::new(),
        unmanaged: std::collections::BTreeMap::new(),
        refusals: Vec::new(),
        errors: vec![error],
        api_calls: 0,
    };
    let (account, expected) = match resolved {
        Err(error) => return (failed(&tenant, None, error), tenant, None),
        Ok(Resolved::ToCreate) => {
            let mut plan = plan_tenant(&tenant, &Snapshot::default(), None, options);
            plan.create_tenant = true;
            plan.api_calls += 1;
            return (plan, tenant, None);
        }
        Ok(Resolved::OwnAccount) => (None, None),
        Ok(Resolved::Tenant(id)) => (Some(id.clone()), Some(id)),
    };
    let tenant_client = client.tenant(account.as_deref());
    match fetch_tenant(&tenant_client, expected.as_deref(), reads).await {
        Ok(live) => {
            let plan = plan_tenant(
                &tenant,
                &live.snapshot,
                Some(live.account_id.clone()),
                options,
            );
            (plan, tenant, Some(live))
        }
        Err(error) => {
            let message = format!("{:#}", anyhow::Error::from(error));
            (failed(&tenant, account, message), tenant, None)
        }
    }
}
