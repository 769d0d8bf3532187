//! Planning a run: select the tenants, find the account of each (the MSP tenant list read once),
//! read them concurrently under the run's budget, and plan every one: a tenant that cannot be
//! found or read gets a plan that says why, a tenant to create a plan that creates it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;

use crate::api::Client;
use crate::desired::{DesiredState, DesiredTenant, TenantTarget};
use crate::engine::changed::Reference;
use crate::engine::{EarlyReads, Engine, changed, tasks};
use crate::kinds::Kind;
use crate::kinds::wire;
use crate::live::tenants::{
    Resolved, TenantLookup, Unresolved, check_own_pin, needs_tenant_list, own_account_refusal,
    resolve,
};
use crate::live::{
    EarlyLog, KeptSettings, LiveSource, LiveTenant, Reads, SnapshotStore, check_identity,
    fetch_kept, fetch_tenant_with_tokens,
};
use crate::plan::{
    Budget, GuardSettings, LostSecrets, PLAN_FORMAT_VERSION, Plan, PlanOptions, TenantPlan,
    apply_calls_after_fresh_plan, failed_tenant, mark_drift, new_tenant,
    plan_tenant_with_lost_secrets, touched_reads,
};

/// What a plan is made with, besides the tenants.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    /// Let plans delete more than the guard allows (`--allow-mass-delete`).
    pub allow_mass_delete: bool,
    /// Keep what was read for `apply`; `plan` drops each tenant's live state as soon as it is
    /// planned, so memory does not grow with the number of tenants.
    pub keep_live: bool,
    /// The secrets file whose journal names creates that lost their secret (`--secrets-out`).
    pub secrets_file: Option<&'a Path>,
    /// The token's budget, recorded in the plan.
    pub budget: Budget,
    /// With `--changed-since`: the files at the reference, planned against the same snapshots
    /// to mark each change as drift or the pull request's.
    pub reference: Option<&'a Reference>,
    /// With `--snapshots`: the snapshots kept between runs, and how long they may stand.
    pub snapshots: Option<KeptSettings<'a>>,
    /// What was read while the files loaded ([`Engine::load_while_reading`]).
    pub early: Option<&'a EarlyReads>,
    /// Whether the plan is saved or printed as JSON, so each tenant carries the fingerprint
    /// `apply PLAN` checks ([`PlanOptions::fingerprint`]).
    pub fingerprints: bool,
}

/// The tenants a run works on, and with `--changed-since` the files at the reference.
pub struct Selected {
    /// The tenants, in file order.
    pub tenants: Vec<DesiredTenant>,
    /// The files' tenants at the `--changed-since` reference.
    pub reference: Option<Reference>,
}

/// A planned run: the plan, and for every tenant what was read (for `apply`).
pub struct Planned {
    /// The plan, one tenant plan per selected tenant in file order.
    pub plan: Plan,
    /// Per tenant, in plan order: its desired state and what was read (`None` when the read
    /// failed, the tenant is still to be created, or `keep_live` was off).
    pub tenants: Vec<(DesiredTenant, Option<LiveTenant>)>,
}

/// The tenants the run works on: those `selects` keeps (an error naming `patterns` when none
/// is left), then with `changed_since` those whose definition changed since that git ref.
pub fn select(
    state: DesiredState,
    selects: &dyn Fn(&str) -> bool,
    patterns: &[String],
    path: &Path,
    changed_since: Option<&str>,
) -> anyhow::Result<Selected> {
    let mut tenants: Vec<DesiredTenant> = state
        .tenants
        .into_iter()
        .filter(|t| selects(&t.name))
        .collect();
    if !patterns.is_empty() && tenants.is_empty() {
        anyhow::bail!(
            "no tenant in the files matches --tenant {}",
            patterns.join(", ")
        );
    }
    let Some(reference) = changed_since else {
        return Ok(Selected {
            tenants,
            reference: None,
        });
    };
    let (changed, mut before) = changed::changed_tenants(path, reference, &tenants)?;
    tenants.retain(|t| changed.contains(&t.name));
    // Each tenant plans (and reads) only the kinds its change touches, and what they name.
    tenants = tenants
        .into_iter()
        .map(|tenant| {
            let Some(old) = before.tenants.get_mut(&tenant.name) else {
                return tenant;
            };
            let Some(kinds) = changed::changed_kinds(old, &tenant) else {
                return tenant;
            };
            *old = changed::scoped(old.clone(), &kinds);
            changed::scoped(tenant, &kinds)
        })
        .collect();
    tracing::info!(
        tenants = tenants.len(),
        reference,
        "tenants changed since the reference"
    );
    Ok(Selected {
        tenants,
        reference: Some(before),
    })
}

impl Engine {
    /// Plans every tenant of `tenants`.
    pub fn plan(
        &self,
        tenants: Vec<DesiredTenant>,
        request: &PlanRequest<'_>,
    ) -> anyhow::Result<Planned> {
        let options = PlanOptions {
            guard: GuardSettings {
                allow_mass_delete: request.allow_mass_delete,
                ..GuardSettings::default()
            },
            now: std::time::SystemTime::now(),
            fingerprint: request.fingerprints,
        };
        let lost = match request.secrets_file {
            Some(file) => crate::apply::lost_secrets(file).context("reading the secrets file")?,
            None => BTreeMap::new(),
        };
        let store = request
            .snapshots
            .map(|kept| SnapshotStore::open(kept, self.client().base_url()));
        let run = Run {
            options,
            keep_live: request.keep_live,
            lost: &lost,
            reference: request.reference,
            store: store.as_ref(),
            early: request.early,
        };
        let planned = self.block_on(read_and_plan(
            self.client(),
            tenants,
            self.parallel.get(),
            run,
        ))?;
        let (plans, tenants): (Vec<TenantPlan>, Vec<_>) = planned
            .into_iter()
            .map(|(plan, desired, live)| (plan, (desired, live)))
            .unzip();
        Ok(Planned {
            plan: Plan {
                format_version: PLAN_FORMAT_VERSION,
                budget: request.budget,
                // `apply -f` (which keeps what it read) has read it while planning, unless it read
                // no MSP tenant (all of them still to be created).
                reads_own_all_group: !request.keep_live || !self.client().own_all_group_known(),
                tenants: plans,
                drift_since: request.reference.map(|r| r.name.clone()),
                token_expiry: None,
            },
            tenants,
        })
    }

    /// Each tenant with the account it names, or why it names none it may be written into.
    pub(super) fn resolve(
        &self,
        tenants: Vec<DesiredTenant>,
    ) -> anyhow::Result<Vec<(DesiredTenant, Result<Resolved, Unresolved>)>> {
        self.block_on(resolve_all(self.client(), tenants, None))
    }
}

/// Each tenant with the account it names, or why it names none it may be written into. Reads
/// the MSP tenant list once, when any tenant is not `self: true` and it was not `listed`
/// already in this run.
async fn resolve_all(
    client: &Client,
    tenants: Vec<DesiredTenant>,
    listed: Option<&[wire::Tenant]>,
) -> anyhow::Result<Vec<(DesiredTenant, Result<Resolved, Unresolved>)>> {
    let lookups: Vec<TenantLookup<'_>> = tenants.iter().map(lookup).collect();
    let read;
    let msp_tenants: &[wire::Tenant] = match listed {
        _ if !needs_tenant_list(&lookups) => &[],
        Some(listed) => listed,
        None => {
            read = client.list_tenants().await.context(
                "listing the MSP's tenants to find tenants by domain and check pinned ids",
            )?;
            &read
        }
    };
    Ok(tenants
        .into_iter()
        .map(|tenant| {
            let resolved = resolve(&lookup(&tenant), msp_tenants);
            (tenant, resolved)
        })
        .collect())
}

/// The lists to read for a set of tenants: kinds they manage or prune.
fn reads_for(tenants: &[DesiredTenant]) -> Reads {
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
        if tenant.objects.policies_name_posture_checks() {
            kinds.insert(Kind::PostureCheck);
        }
    }
    let names_a_peer = tenants.iter().any(|t| t.objects.names_a_peer());
    Reads::for_kinds(&kinds, groups_pruned).with_peers(names_a_peer)
}

type TenantOutcome = (TenantPlan, DesiredTenant, Option<LiveTenant>);

/// What every tenant of a plan run is planned with.
#[derive(Clone, Copy)]
struct Run<'a> {
    options: PlanOptions,
    keep_live: bool,
    lost: &'a BTreeMap<String, LostSecrets>,
    reference: Option<&'a Reference>,
    store: Option<&'a SnapshotStore>,
    early: Option<&'a EarlyReads>,
}

async fn read_and_plan(
    client: &Client,
    tenants: Vec<DesiredTenant>,
    parallel: usize,
    run: Run<'_>,
) -> anyhow::Result<Vec<TenantOutcome>> {
    let Run {
        options,
        keep_live,
        lost,
        reference,
        store,
        early,
    } = run;
    let listed = early.and_then(EarlyReads::msp_tenants);
    let jobs = resolve_all(client, tenants, listed).await?;
    tasks::concurrently(jobs, parallel, |(tenant, resolved)| {
        // Each tenant reads the lists of the kinds it manages (with `--changed-since`, of the
        // kinds its change touches).
        let reads = reads_for(std::slice::from_ref(&tenant));
        let client = client.clone();
        let lost = lost.get(&tenant.name).cloned().unwrap_or_default();
        let before = reference.and_then(|r| r.tenants.get(&tenant.name)).cloned();
        let store = store.cloned();
        let log = match (&resolved, early) {
            (Ok(Resolved::Tenant { id, .. }), Some(early)) => early.take_log(id),
            _ => None,
        };
        async move {
            // Boxed: a tenant's read and plan is a large future.
            let with = With {
                options,
                lost: &lost,
                keep_live,
                store: store.as_ref(),
            };
            let (mut plan, tenant, live) =
                Box::pin(plan_one(&client, tenant, resolved, reads, with, log)).await;
            if let (Some(before), Some(live)) = (before, &live) {
                // The files at the reference, against the same snapshot: no call.
                let merged = plan_tenant_with_lost_secrets(
                    &before,
                    &live.snapshot,
                    Some(live.account_id.clone()),
                    options,
                    &lost,
                );
                mark_drift(&mut plan.changes, &merged.changes);
            }
            (plan, tenant, live.filter(|_| keep_live))
        }
    })
    .await
}

fn lookup(tenant: &DesiredTenant) -> TenantLookup<'_> {
    lookup_of(&tenant.name, &tenant.target, tenant.create)
}

/// How an entry named `name` finds its account (also before the files are checked together,
/// see `engine::early`).
pub(super) fn lookup_of<'a>(
    name: &'a str,
    target: &'a TenantTarget,
    create: bool,
) -> TenantLookup<'a> {
    TenantLookup {
        name,
        id: target.id.as_deref(),
        domain: target.domain.as_deref(),
        self_account: target.self_account,
        create,
    }
}

/// The service users whose files declare a token: their token lists are read.
fn token_owners(tenant: &DesiredTenant) -> BTreeSet<String> {
    tenant
        .objects
        .service_users
        .values()
        .filter(|user| user.token.is_some())
        .map(|user| user.name.clone())
        .collect()
}

/// The change of the MSP's record of `tenant` (`live`: its name and groups as the tenant list
/// has them; `None` for a tenant to create), when the files manage it: one more call for an
/// update, none for a create (the groups go with it). The MSP's own group names are read once
/// per run, shared with the identity proof when that reads them.
async fn plan_msp_record(
    client: &Client,
    tenant: &DesiredTenant,
    live: Option<(&str, &[wire::TenantGroup])>,
    keep_live: bool,
    plan: &mut TenantPlan,
) {
    let Some(access) = &tenant.msp_access else {
        return;
    };
    let own = match client.own_groups().await {
        Ok(own) => own,
        Err(error) => {
            plan.errors.push(format!(
                "reading the MSP's own groups for msp_access: {:#}",
                anyhow::Error::from(error)
            ));
            return;
        }
    };
    match crate::plan::msp::record_change(&tenant.name, access, live, own) {
        Ok(change) => {
            if change.as_ref().is_some_and(|c| c.before.is_some()) {
                // The PUT; a saved plan's apply reads the MSP's tenant list first to see that
                // the record has not moved (its own groups come with the identity proof).
                plan.api_calls += if keep_live { 1 } else { 2 };
            }
            plan.msp_record = change;
        }
        Err(problems) => plan.errors.extend(problems),
    }
}

/// What one tenant is planned with.
#[derive(Clone, Copy)]
struct With<'a> {
    options: PlanOptions,
    lost: &'a LostSecrets,
    keep_live: bool,
    store: Option<&'a SnapshotStore>,
}

/// Reads and plans one tenant; a failure becomes an error in its plan, so the other tenants
/// still get planned. A tenant whose entry does not match the account it names is never read.
/// `log` is its audit log when it was asked for while the files loaded.
async fn plan_one(
    client: &Client,
    tenant: DesiredTenant,
    resolved: Result<Resolved, Unresolved>,
    reads: Reads,
    with: With<'_>,
    log: Option<EarlyLog>,
) -> TenantOutcome {
    let With {
        options,
        lost,
        keep_live,
        store,
    } = with;
    let (account, expected, pinned_self, domain, record) = match resolved {
        Err(Unresolved::Refused(error)) => {
            let id = tenant.target.id.clone();
            return (failed_tenant(&tenant, id, error), tenant, None);
        }
        Err(Unresolved::IdNotListed { id }) => {
            // Only now is the token's own account worth a call: to say why the id is refused.
            let own = check_identity(&client.tenant(None), None).await.ok();
            let error = own_account_refusal(&id, own.as_deref());
            return (failed_tenant(&tenant, Some(id), error), tenant, None);
        }
        Ok(Resolved::ToCreate) => {
            let mut plan = new_tenant(&tenant, options);
            plan_msp_record(client, &tenant, None, keep_live, &mut plan).await;
            return (plan, tenant, None);
        }
        Ok(Resolved::OwnAccount { pinned }) => (None, None, pinned, None, None),
        Ok(Resolved::Tenant {
            id,
            domain,
            name,
            groups,
        }) => (
            Some(id.clone()),
            Some(id),
            None,
            Some(domain),
            Some((name, groups)),
        ),
    };
    let tenant_client = client.tenant(account.as_deref());
    let owners = token_owners(&tenant);
    // Only an MSP tenant is kept: its id names its file, and its log proves it (the token's
    // own account is read every run).
    let read = match (store, expected.as_deref()) {
        (Some(store), Some(expected)) => {
            fetch_kept(&tenant_client, expected, reads, &owners, store, log).await
        }
        _ => fetch_tenant_with_tokens(&tenant_client, expected.as_deref(), reads, &owners)
            .await
            .map(|live| (live, LiveSource::Read)),
    };
    let live = read
        .map_err(|error| format!("{:#}", anyhow::Error::from(error)))
        .and_then(|read| {
            check_own_pin(pinned_self.as_deref(), &read.0.account_id)?;
            Ok(read)
        });
    match live {
        Ok((live, source)) => {
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
            plan.live_source = source;
            if keep_live {
                // `apply -f` re-reads only what the changes touch (see apply::stale).
                plan.api_calls =
                    apply_calls_after_fresh_plan(&plan.changes, &live.snapshot, plan.self_account);
                plan.rereads_account = touched_reads(&plan.changes).account_settings;
            }
            // After the count above, which it adds its PUT to.
            if let Some((name, groups)) = &record {
                let live = Some((name.as_str(), groups.as_slice()));
                plan_msp_record(client, &tenant, live, keep_live, &mut plan).await;
            }
            (plan, tenant, Some(live))
        }
        Err(message) => (
            failed_tenant(&tenant, account.or(pinned_self), message),
            tenant,
            None,
        ),
    }
}
