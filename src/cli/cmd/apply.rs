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

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;

use crate::api::Client;
use crate::apply::{
    ApplyError, Note, Observer, SecretsSink, Start, TenantReport, TenantStatus, apply_tenant,
};
use crate::cli::UsageError;
use crate::cli::args::ApplyArgs;
use crate::cli::connection;
use crate::cli::exit::Exit;
use crate::cli::pipeline::{self, PlanRequest};
use crate::cli::settings::{Settings, Verbosity};
use crate::model::Kind;
use crate::plan::{Action, Budget, Change, Object, PLAN_FORMAT_VERSION, Plan, TenantPlan};
use crate::render::{Format, RenderOptions, render};

pub(crate) fn run(settings: &Settings, args: &ApplyArgs) -> anyhow::Result<Exit> {
    if let Some(path) = &args.secrets_out {
        SecretsSink::check(path).context("--secrets-out")?;
    }
    match (&args.plan_file, &args.path) {
        (Some(file), _) => saved(settings, args, file),
        (None, Some(path)) => from_files(settings, args, path),
        (None, None) => Err(UsageError(
            "apply needs the desired state (`-f PATH`) or a saved plan (`birdhouse apply PLANFILE`)"
                .into(),
        )
        .into()),
    }
}

/// `apply -f PATH`: plan, show, confirm, apply.
fn from_files(settings: &Settings, args: &ApplyArgs, path: &Path) -> anyhow::Result<Exit> {
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(UsageError(
            "stdin is not a terminal, so apply cannot ask for confirmation; pass --yes to apply \
             without asking (or save a plan with `birdhouse plan --out FILE` and run \
             `birdhouse apply FILE`)"
                .into(),
        )
        .into());
    }
    let request = PlanRequest {
        path,
        changed_since: args.changed_since.as_deref(),
        allow_mass_delete: args.allow_mass_delete,
        keep_live: true,
        secrets_file: args.secrets_out.as_deref(),
    };
    let Some(planned) = pipeline::plan(settings, &request)? else {
        return Ok(Exit::Error);
    };
    let plan = &planned.plan;
    show(settings, plan)?;
    if refuse_blocked(plan)? {
        return Ok(Exit::Error);
    }
    if !plan.has_changes() {
        return Ok(Exit::Success);
    }
    refuse_unkept_secrets(plan, args)?;
    if !args.yes && !confirm(plan)? {
        eprintln!("apply cancelled; nothing was changed");
        return Ok(Exit::Error);
    }
    let mut jobs = Vec::new();
    for (tenant, (desired, live)) in plan.tenants.iter().zip(planned.tenants) {
        if !tenant.has_changes() {
            continue;
        }
        let start = if tenant.create_tenant {
            Start::Create {
                domain: desired.target.domain.clone().unwrap_or_default(),
            }
        } else {
            Start::Live(Box::new(
                live.expect("invariant: a tenant without errors was read"),
            ))
        };
        jobs.push((tenant.clone(), start));
    }
    execute(
        settings,
        &planned.client,
        plan.budget,
        jobs,
        args.secrets_out.as_deref(),
    )
}

/// `apply PLANFILE`: load, show, re-read and compare each tenant, apply the fresh ones.
fn saved(settings: &Settings, args: &ApplyArgs, file: &Path) -> anyhow::Result<Exit> {
    if args.changed_since.is_some() {
        return Err(UsageError(
            "--changed-since selects tenants while planning; a saved plan already holds its \
             tenants"
                .into(),
        )
        .into());
    }
    if args.allow_mass_delete {
        return Err(UsageError(
            "--allow-mass-delete is decided while planning: make the plan with \
             `birdhouse plan --allow-mass-delete --out FILE`"
                .into(),
        )
        .into());
    }
    let mut plan = read_plan(file)?;
    plan.tenants
        .retain(|t| settings.tenant_filter.selects(&t.name));
    show(settings, &plan)?;
    if refuse_blocked(&plan)? {
        return Ok(Exit::Error);
    }
    if !plan.has_changes() {
        return Ok(Exit::Success);
    }
    refuse_unkept_secrets(&plan, args)?;
    let client = Client::new(connection::client_config(settings)?)?;
    let jobs = plan
        .tenants
        .iter()
        .filter(|t| t.has_changes())
        .map(|t| {
            let start = match (&t.domain, t.create_tenant) {
                (Some(domain), true) => Start::Create {
                    domain: domain.clone(),
                },
                _ => Start::Reread,
            };
            (t.clone(), start)
        })
        .collect();
    execute(
        settings,
        &client,
        plan.budget,
        jobs,
        args.secrets_out.as_deref(),
    )
}

/// The one-time secrets the plan creates, as `setup key "office" (Acme)`: new and replaced
/// setup keys, service-user tokens. (A user's generated password exists only on servers with
/// NetBird's embedded identity provider, so it cannot be known in advance.)
fn secrets_created(plan: &Plan) -> Vec<String> {
    let mut secrets = Vec::new();
    for tenant in &plan.tenants {
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
fn refuse_unkept_secrets(plan: &Plan, args: &ApplyArgs) -> Result<(), UsageError> {
    if args.secrets_out.is_some() || args.discard_secrets {
        return Ok(());
    }
    let secrets = secrets_created(plan);
    if secrets.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = secrets.iter().take(5).map(String::as_str).collect();
    let more = secrets.len() - shown.len();
    Err(UsageError(format!(
        "this plan creates {} one-time secret{} ({}{}) and the server shows each only once: \
         pass --secrets-out FILE to keep them (mode 0600), or --discard-secrets to create them \
         without keeping them; nothing was applied",
        secrets.len(),
        plural(secrets.len()),
        shown.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    )))
}

/// Reads a saved plan, checking its format version before anything else.
fn read_plan(file: &Path) -> anyhow::Result<Plan> {
    let bytes =
        std::fs::read(file).with_context(|| format!("reading the plan {}", file.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a JSON plan", file.display()))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(PLAN_FORMAT_VERSION)) {
        let found = version.map_or_else(
            || "no format_version".to_owned(),
            |v| format!("format version {v}"),
        );
        anyhow::bail!(
            "{} has {found}; this birdhouse applies plans of format version \
             {PLAN_FORMAT_VERSION}: make the plan again with this version",
            file.display()
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{} is not a birdhouse plan", file.display()))
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

/// Names every tenant that cannot be applied; true when there is one (nothing is applied).
fn refuse_blocked(plan: &Plan) -> anyhow::Result<bool> {
    if !pipeline::name_blocked_tenants(plan)? {
        return Ok(false);
    }
    writeln!(std::io::stderr().lock(), "error: nothing was applied")?;
    Ok(true)
}

/// Asks on the terminal; only "y" or "yes" goes on.
fn confirm(plan: &Plan) -> anyhow::Result<bool> {
    let tenants = plan.tenants.iter().filter(|t| t.has_changes()).count();
    let mut stderr = std::io::stderr().lock();
    write!(
        stderr,
        "Apply these changes to {tenants} tenant{}? [y/N] ",
        if tenants == 1 { "" } else { "s" }
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
    client: &Client,
    budget: Budget,
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
    let console = Arc::new(Console::new(settings.verbosity, steps));
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let permits = Arc::new(Semaphore::new(settings.parallel.get()));
    let reports = runtime.block_on(async {
        tokio::spawn(stop_on_signal(Arc::clone(&console)));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, (plan, start)) in jobs.into_iter().enumerate() {
            let (client, sink, console, permits) = (
                client.clone(),
                Arc::clone(&sink),
                Arc::clone(&console),
                Arc::clone(&permits),
            );
            tasks.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("invariant: the semaphore is never closed");
                // Boxed: a tenant's apply is a large future (every change kind inlined).
                let report =
                    Box::pin(apply_tenant(&client, &plan, start, &sink, console.as_ref())).await;
                (index, plan, report)
            });
        }
        let mut reports = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            reports.push(joined.context("a tenant task panicked")?);
        }
        reports.sort_by_key(|(index, _, _)| *index);
        anyhow::Ok(reports)
    })?;
    console.finish();
    let wall = started.elapsed();
    let reports: Vec<(TenantPlan, TenantReport)> =
        reports.into_iter().map(|(_, p, r)| (p, r)).collect();
    summary(settings, client, budget, &reports, wall)?;
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

/// The per-tenant report and the run's numbers, on stderr.
fn summary(
    settings: &Settings,
    client: &Client,
    budget: Budget,
    reports: &[(TenantPlan, TenantReport)],
    wall: Duration,
) -> anyhow::Result<()> {
    let mut out = std::io::stderr().lock();
    let quiet = settings.verbosity == Verbosity::Quiet;
    if !quiet {
        writeln!(out, "\nApply finished in {:.1} s.", wall.as_secs_f64())?;
    }
    for (plan, report) in reports {
        let made = report.applied();
        let created = if report.created_tenant {
            "tenant created, "
        } else {
            ""
        };
        match &report.status {
            TenantStatus::Done if !quiet => writeln!(
                out,
                "  {}: {created}{made} change{} made",
                plan.name,
                plural(made)
            )?,
            TenantStatus::Done => {}
            TenantStatus::Stale(reason) => writeln!(
                out,
                "  {}: refused as stale: {reason}; nothing was written to it; make a new plan",
                plan.name
            )?,
            TenantStatus::Locked(others) => writeln!(
                out,
                "  {name}: refused: another apply holds the tenant's lock: {holders}; nothing was \
                 written to it. Apply again once it has finished; if it is no longer running (killed, \
                 a lost runner), remove its lock with `birdhouse unlock -f FILES --tenant {name:?}`",
                name = plan.name,
                holders = others
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )?,
            TenantStatus::Failed(error) => {
                let at = report
                    .failed_change()
                    .map(|i| format!(" at \"{}\"", change_label(&plan.changes[i])))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {}: FAILED{at}: {}; {created}{made} change{} made, {} skipped; run apply \
                     again to finish",
                    plan.name,
                    chain(error),
                    plural(made),
                    report.skipped()
                )?;
            }
        }
    }
    if !quiet {
        let stats = client.stats();
        writeln!(
            out,
            "API calls: {} ({} answered 429); the budget ({}/min, burst {}) needs at least {:.1} s \
             for that many.",
            stats.requests,
            stats.rate_limited,
            budget.requests_per_minute,
            budget.burst,
            budget.floor_seconds(stats.requests)
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `+ group developers`, as the plan writes it.
fn change_label(change: &Change) -> String {
    let symbol = match change.action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Delete => "-",
        Action::Replace => "-/+",
    };
    format!("{symbol} {} {}", change.kind.singular(), change.name)
}

/// An error and its causes, `: `-separated (as `main` prints errors).
fn chain(error: &ApplyError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Waits for Ctrl-C or SIGTERM: the first asks every tenant to stop before its next change
/// (so each releases its lock), the second ends the process at once.
async fn stop_on_signal(console: Arc<Console>) {
    #[cfg(unix)]
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    for press in 0.. {
        #[cfg(unix)]
        let terminated = async {
            match terminate.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            result = tokio::signal::ctrl_c() => if result.is_err() { return },
            _ = terminated => {}
        }
        if press > 0 {
            console.line(
                "interrupted again: stopping now; the tenants' locks stay",
                true,
            );
            std::process::exit(130);
        }
        console
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        console.line(
            "interrupted: finishing the changes in flight, then releasing the tenants' locks \
             (interrupt again to stop at once)",
            true,
        );
    }
}

/// Prints each change as it completes, through the progress bar when there is one.
struct Console {
    bar: Option<ProgressBar>,
    verbosity: Verbosity,
    /// Keeps lines of concurrent tenants whole.
    lock: Mutex<()>,
    /// Set by the first Ctrl-C or SIGTERM.
    stop: std::sync::atomic::AtomicBool,
}

impl Console {
    fn new(verbosity: Verbosity, steps: usize) -> Self {
        let bar = (verbosity > Verbosity::Quiet && std::io::stderr().is_terminal()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} changes {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            verbosity,
            lock: Mutex::new(()),
            stop: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn line(&self, text: &str, always: bool) {
        if !always && self.verbosity == Verbosity::Quiet {
            return;
        }
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }

    fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Console {
    fn interrupted(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn tenant_created(&self, tenant: &str, account_id: &str) {
        self.line(
            &format!("{tenant}: + tenant {tenant} (id {account_id})"),
            false,
        );
        self.step();
    }

    fn change(&self, tenant: &str, change: &Change, result: Result<(), &ApplyError>) {
        match result {
            Ok(()) => self.line(&format!("{tenant}: {}", change_label(change)), false),
            Err(error) => self.line(
                &format!(
                    "error: {tenant}: {}: {}",
                    change_label(change),
                    chain(error)
                ),
                true,
            ),
        }
        self.step();
    }

    fn note(&self, tenant: &str, note: &Note) {
        let warning = matches!(
            note,
            Note::SecretDropped { .. }
                | Note::SecretLost { .. }
                | Note::Recovered { .. }
                | Note::LockLeft { .. }
                | Note::AbandonedLockRemoved { .. }
        );
        if warning {
            self.line(&format!("warning: {tenant}: {note}"), true);
        } else {
            self.line(&format!("{tenant}:   {note}"), false);
        }
    }
}
