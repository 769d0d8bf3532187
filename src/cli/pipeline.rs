//! The shared front half of `plan` and `apply`: load and select tenants, resolve their
//! accounts, read them concurrently under one budget, and plan each one.

use std::collections::{BTreeMap, BTreeSet};
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
use crate::live::check_identity;
use crate::live::tenants::{
    Resolved, TenantLookup, Unresolved, check_own_pin, needs_tenant_list, own_account_refusal,
    resolve,
};
use crate::live::{LiveTenant, Reads, Snapshot, fetch_tenant_with_tokens};
use crate::model::Kind;
use crate::plan::{
    Budget, GuardSettings, LostSecrets, PLAN_FORMAT_VERSION, Plan, PlanOptions, TenantPlan,
    plan_tenant, plan_tenant_with_lost_secrets,
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
    /// The secrets file whose journal names creates that lost their secret (`--secrets-out`).
    pub(crate) secrets_file: Option<&'a Path>,
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
pub(crate) fn select(
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
    let lost = match request.secrets_file {
        Some(file) => crate::apply::lost_secrets(file).context("reading the secrets file")?,
        None => BTreeMap::new(),
    };
    let planned = runtime.block_on(read_and_plan(
        &client,
        tenants,
        settings.parallel.get(),
        options,
        request.keep_live,
        &lost,
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
    lost: &BTreeMap<String, LostSecrets>,
) -> anyhow::Result<Vec<TenantOutcome>> {
    let reads = reads_for(&tenants);
    let jobs = resolve_all(client, tenants).await?;
    concurrently(jobs, parallel, |(tenant, resolved)| {
        let client = client.clone();
        let lost = lost.get(&tenant.name).cloned().unwrap_or_default();
        async move {
            let (plan, tenant, live) =
                plan_one(&client, tenant, resolved, reads, options, &lost).await;
            (plan, tenant, live.filter(|_| keep_live))
        }
    })
    .await
}

/// Each tenant with the account it names, or why it names none it may be written into. Reads
/// the MSP tenant list once, when any tenant is not `self: true`.
pub(crate) async fn resolve_all(
    client: &Client,
    tenants: Vec<DesiredTenant>,
) -> anyhow::Result<Vec<(DesiredTenant, Result<Resolved, Unresolved>)>> {
    let lookups: Vec<TenantLookup<'_>> = tenants.iter().map(lookup).collect();
    let msp_tenants: Vec<wire::Tenant> = if needs_tenant_list(&lookups) {
        client
            .list_tenants()
            .await
            .context("listing the MSP's tenants to find tenants by domain and check pinned ids")?
    } else {
        Vec::new()
    };
    Ok(tenants
        .into_iter()
        .map(|tenant| {
            let resolved = resolve(&lookup(&tenant), &msp_tenants);
            (tenant, resolved)
        })
        .collect())
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
/// still get planned. A tenant whose entry does not match the account it names is never read.
async fn plan_one(
    client: &Client,
    tenant: DesiredTenant,
    resolved: Result<Resolved, Unresolved>,
    reads: Reads,
    options: PlanOptions,
    lost: &LostSecrets,
) -> TenantOutcome {
    let failed = |tenant: &DesiredTenant, account_id: Option<String>, error: String| TenantPlan {
        name: tenant.name.clone(),
        account_id,
        self_account: tenant.target.self_account,
        create_tenant: false,
        domain: tenant.target.domain.clone(),
        kinds_read: std::collections::BTreeSet::new(),
        tokens_read: std::collections::BTreeSet::new(),
        fingerprint: String::new(),
        changes: Vec::new(),
        unmanaged: std::collections::BTreeMap::new(),
        refusals: Vec::new(),
        errors: vec![error],
        warnings: Vec::new(),
        api_calls: 0,
    };
    let (account, expected, pinned_self, domain) = match resolved {
        Err(Unresolved::Refused(error)) => {
            let id = tenant.target.id.clone();
            return (failed(&tenant, id, error), tenant, None);
        }
        Err(Unresolved::IdNotListed { id }) => {
            // Only now is the token's own account worth a call: to say why the id is refused.
            let own = check_identity(&client.tenant(None), None).await.ok();
            let error = own_account_refusal(&id, own.as_deref());
            return (failed(&tenant, Some(id), error), tenant, None);
        }
        Ok(Resolved::ToCreate) => {
            let mut plan = plan_tenant(&tenant, &Snapshot::default(), None, options);
            plan.create_tenant = true;
            // The create instead of the lock: a tenant this run creates has no other writer.
            plan.api_calls = plan.api_calls + 1 - crate::plan::LOCK_CALLS;
            return (plan, tenant, None);
        }
        Ok(Resolved::OwnAccount { pinned }) => (None, None, pinned, None),
        Ok(Resolved::Tenant { id, domain }) => (Some(id.clone()), Some(id), None, Some(domain)),
    };
    let tenant_client = client.tenant(account.as_deref());
    let token_owners: std::collections::BTreeSet<String> = tenant
        .objects
        .service_users
        .values()
        .filter(|user| user.token.is_some())
        .map(|user| user.name.clone())
        .collect();
    let live = fetch_tenant_with_tokens(&tenant_client, expected.as_deref(), reads, &token_owners)
        .await
        .map_err(|error| format!("{:#}", anyhow::Error::from(error)))
        .and_then(|live| {
            check_own_pin(pinned_self.as_deref(), &live.account_id)?;
            Ok(live)
        });
    match live {
        Ok(live) => {
            let mut plan = plan_tenant_with_lost_secrets(
                &tenant,
                &live.snapshot,
                Some(live.account_id.clone()),
                options,
                lost,
            );
            if domain.is_some() {
                plan.domain = domain;
            }
            (plan, tenant, Some(live))
        }
        Err(message) => (
            failed(&tenant, account.or(pinned_self), message),
            tenant,
            None,
        ),
    }
}
