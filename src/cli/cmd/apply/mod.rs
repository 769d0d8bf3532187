//! `birdhouse apply`: plan from the files (or load a saved plan), show the plan, confirm, apply
//! tenant by tenant under the shared budget, and report.
//!
//! stdout carries the plan (the artefact); everything that happens while applying goes to
//! stderr: one line per change as it completes, a progress bar on a terminal, the summary.
//! One-time secrets go only to `--secrets-out` (see `apply::secrets`), never to a stream.
//!
//! Exit codes: 0 applied everything (or nothing to do); 1 the plan is blocked or cannot be
//! made, or the user declined (nothing applied); 3 some tenant of a saved plan was stale and
//! refused (the others were applied); 4 some tenant failed part-way (the others finished).
//! When tenants both failed and were stale, 4 wins: something was left to finish. A tenant
//! locked by another apply counts as stale (3): refused whole, nothing written.
//!
//! Ctrl-C or SIGTERM asks every tenant to stop before its next change; each then releases its
//! lock and the summary says what is left. A second Ctrl-C ends the process at once (the locks
//! stay, naming this process, for `birdhouse unlock`).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use crate::apply::{Observer, SecretsSink, Start, TenantStatus};
use crate::cli::UsageError;
use crate::cli::args::ApplyArgs;
use crate::cli::common;
use crate::cli::exit::Exit;
use crate::cli::settings::{ApplySettings, ApplySource, Settings, Verbosity};
use crate::engine::{Engine, PlanRequest, jobs_for, read_plan};
use crate::kinds::Kind;
use crate::plan::{Action, Object, Plan, TenantPlan};
use crate::render::{Format, RenderOptions, plural, render};

mod console;
mod report;

use console::{Console, stop_on_signal};

pub(crate) fn run(settings: &Settings, args: &ApplyArgs) -> anyhow::Result<Exit> {
    let apply = ApplySettings::from_args(args)?;
    let (engine, plan, jobs) = match &apply.source {
        ApplySource::Files {
            path,
            changed_since,
            allow_mass_delete,
        } => {
            let Some(started) = common::load_and_connect(
                settings,
                path,
                changed_since.as_deref(),
                apply.kept.store().is_some(),
            )?
            else {
                return Ok(Exit::Error);
            };
            let (selected, engine) = (started.selected, started.engine);
            let token_expiry = common::check_token(&engine, settings);
            let request = PlanRequest {
                allow_mass_delete: *allow_mass_delete,
                keep_live: true,
                secrets_file: apply.secrets_out.as_deref(),
                budget: common::budget(settings),
                reference: selected.reference.as_ref(),
                snapshots: apply.kept.store(),
                early: started.early.as_ref(),
                // Applied in the same run: the live state is checked by re-reading, not hashed.
                fingerprints: false,
            };
            let mut planned = engine.plan(selected.tenants, &request)?;
            planned.plan.token_expiry = token_expiry;
            let jobs = jobs_for(&planned.plan, Some(planned.tenants));
            (Some(engine), planned.plan, jobs)
        }
        ApplySource::Saved(file) => {
            let mut plan = read_plan(file)?;
            settings.tenant_filter.check_against(
                plan.tenants.iter().map(|t| t.name.as_str()),
                "in the saved plan",
            )?;
            plan.tenants
                .retain(|t| settings.tenant_filter.selects(&t.name));
            let jobs = jobs_for(&plan, None);
            (None, plan, jobs)
        }
    };
    show(settings, &plan)?;
    // Tenants are independent: a blocked one is named and skipped, the others are applied.
    let blocked = common::name_blocked_tenants(&plan)?;
    let blocked_exit = if blocked {
        Exit::TenantsFailed
    } else {
        Exit::Success
    };
    if jobs.is_empty() {
        return Ok(blocked_exit);
    }
    refuse_unkept_secrets(&jobs, &apply)?;
    if !apply.yes && !confirm(jobs.len())? {
        eprintln!("apply cancelled; nothing was changed");
        return Ok(Exit::Error);
    }
    let engine = if let Some(engine) = engine {
        engine
    } else {
        // A saved plan runs with this run's token (the apply token in CI): warn when it
        // expires soon, as the plan that made it warned about its own.
        let engine = common::connect(settings)?;
        common::check_token(&engine, settings);
        engine
    };
    if let Some(dir) = &apply.kept.snapshots {
        forget_snapshots(dir, &jobs);
    }
    let exit = execute(settings, &engine, &plan, jobs, apply.secrets_out.as_deref())?;
    Ok(if blocked { Exit::TenantsFailed } else { exit })
}

/// Drops the stored snapshot of every tenant about to be written, before the first write, so
/// the next run reads them whole whatever becomes of this one (a kill included).
fn forget_snapshots(dir: &std::path::Path, jobs: &[(TenantPlan, Start)]) {
    let store = crate::live::SnapshotStore::new(dir.to_path_buf(), "");
    for account in jobs
        .iter()
        .filter_map(|(tenant, _)| tenant.account_id.as_deref())
    {
        if let Err(error) = store.forget(account) {
            tracing::warn!(dir = %dir.display(), account, %error, "cannot drop a stored snapshot");
        }
    }
}

/// The one-time secrets the plan creates, as `setup key "office" (Acme)`: new and replaced
/// setup keys, service-user tokens. (A user's generated password exists only on servers with
/// NetBird's embedded identity provider, so it cannot be known in advance.)
fn secrets_created<'a>(tenants: impl Iterator<Item = &'a TenantPlan>) -> Vec<String> {
    let mut secrets = Vec::new();
    for tenant in tenants {
        for change in &tenant.changes {
            let creates_secret = match (change.kind, change.action, change.after.as_ref()) {
                (Kind::SetupKey, Action::Create | Action::Replace, _) => true,
                (Kind::ServiceUser, Action::Create, Some(Object::ServiceUser(user))) => {
                    user.token.is_some()
                }
                (Kind::ServiceUser, Action::Update, _) => {
                    change.fields.iter().any(|f| f.field == "token")
                }
                _ => false,
            };
            if creates_secret {
                let what = if change.kind == Kind::SetupKey {
                    "setup key"
                } else {
                    "token of service user"
                };
                secrets.push(format!("{what} {:?} ({})", change.name, tenant.name));
            }
        }
    }
    secrets
}

/// Refuses, before asking or writing anything, a plan that creates one-time secrets apply has
/// nowhere to keep: the server shows each once, and an apply cannot take it back.
fn refuse_unkept_secrets(
    jobs: &[(TenantPlan, Start)],
    args: &ApplySettings,
) -> Result<(), UsageError> {
    if args.secrets_out.is_some() || args.discard_secrets {
        return Ok(());
    }
    let secrets = secrets_created(jobs.iter().map(|(tenant, _)| tenant));
    if secrets.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = secrets.iter().take(5).map(String::as_str).collect();
    let more = secrets.len() - shown.len();
    Err(UsageError(format!(
        "this plan creates {} ({}{}) and the server shows each only once: \
         pass --secrets-out FILE to keep them (mode 0600), or --discard-secrets to create them \
         without keeping them; nothing was applied",
        plural(secrets.len(), "one-time secret", "one-time secrets"),
        shown.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    )))
}

/// The plan as text on stdout.
fn show(settings: &Settings, plan: &Plan) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    render(
        plan,
        Format::Text,
        &RenderOptions {
            color: settings.color,
        },
        &mut stdout,
    )?;
    stdout.flush()?;
    Ok(())
}

/// Asks on the terminal; only "y" or "yes" goes on.
fn confirm(tenants: usize) -> anyhow::Result<bool> {
    let mut stderr = std::io::stderr().lock();
    write!(
        stderr,
        "Apply these changes to {}? [y/N] ",
        plural(tenants, "tenant", "tenants")
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}

/// Applies every job, `--parallel` tenants at a time, then prints the summary.
fn execute(
    settings: &Settings,
    engine: &Engine,
    plan: &Plan,
    jobs: Vec<(TenantPlan, Start)>,
    secrets_out: Option<&Path>,
) -> anyhow::Result<Exit> {
    let sink = Arc::new(match secrets_out {
        Some(path) => SecretsSink::open(path).context("--secrets-out")?,
        None => SecretsSink::none(),
    });
    let steps: usize = jobs
        .iter()
        .map(|(t, _)| t.changes.len() + usize::from(t.create_tenant))
        .sum();
    let console = Arc::new(Console::new(
        settings.verbosity,
        settings.color_stderr,
        steps,
    ));
    let started = Instant::now();
    engine.spawn(stop_on_signal(Arc::clone(&console)));
    let observer: Arc<dyn Observer> = console.clone();
    let reports = engine.apply(jobs, &sink, &observer);
    // Cleared on every path, so no bar is left behind an error.
    console.finish();
    let reports = reports?;
    report::summary(
        settings,
        engine.stats(),
        plan.budget,
        &reports,
        started.elapsed(),
    )?;
    if report::refused_a_write(&reports) {
        // One call, only now: which role the token's user has, so the fix is plain.
        if let Ok(role) = engine.token_role() {
            eprintln!("{}", report::role_note(&role));
        }
    }
    if let Some(path) = sink.path()
        && settings.verbosity > Verbosity::Quiet
    {
        let written = sink.written();
        eprintln!(
            "One-time secrets: {written} written to {} (mode 0600).",
            path.display()
        );
    }
    let failed = reports
        .iter()
        .any(|(_, r)| matches!(r.status, TenantStatus::Failed(_)));
    let stale = reports
        .iter()
        .any(|(_, r)| matches!(r.status, TenantStatus::Stale(_) | TenantStatus::Locked(_)));
    Ok(if failed {
        Exit::TenantsFailed
    } else if stale {
        Exit::StalePlan
    } else {
        Exit::Success
    })
}
