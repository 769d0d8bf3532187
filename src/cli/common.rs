//! What several commands share at the edge: connecting the engine, loading the files with
//! their diagnostics printed, selecting tenants, naming blocked tenants.

use std::io::Write;
use std::path::Path;

use crate::cli::connection;
use crate::cli::settings::{Settings, Verbosity};
use crate::desired::{EarlyTenant, Loaded};
use crate::engine::{self, EarlyReads, Engine, Selected};
use crate::plan::{Budget, Plan, TokenExpiry};

/// The run's engine, connected with the settings' API, token and budget.
pub(crate) fn connect(settings: &Settings) -> anyhow::Result<Engine> {
    Engine::connect(connection::client_config(settings)?, settings.parallel)
}

/// The budget the plan records.
pub(crate) fn budget(settings: &Settings) -> Budget {
    Budget {
        requests_per_minute: settings.budget.requests_per_minute.get(),
        burst: settings.budget.burst.get(),
    }
}

/// A run that planned from files: its tenants, its engine, and what it read while loading.
pub(crate) struct Started {
    /// The selected tenants.
    pub selected: Selected,
    /// The connected engine.
    pub engine: Engine,
    /// Reads made while the files loaded, with `--snapshots`.
    pub early: Option<EarlyReads>,
}

/// Loads the files, selects the run's tenants and connects the engine; `None` when the files
/// are invalid (every diagnostic printed). With `snapshots` the engine connects first and
/// proves snapshots while the files load (see `engine::early`), unless `changed_since` is set,
/// whose selection needs every file first.
pub(crate) fn load_and_connect(
    settings: &Settings,
    path: &Path,
    changed_since: Option<&str>,
    snapshots: bool,
) -> anyhow::Result<Option<Started>> {
    if !snapshots || changed_since.is_some() {
        let Some(selected) = load_selected(settings, path, changed_since)? else {
            return Ok(None);
        };
        let engine = connect(settings)?;
        return Ok(Some(Started {
            selected,
            engine,
            early: None,
        }));
    }
    let engine = connect(settings)?;
    let filter = &settings.tenant_filter;
    let (selected, early) = engine
        .load_while_reading(|watch| load_watched(settings, path, None, watch), &|name| {
            filter.selects(name)
        });
    match selected? {
        Ok(selected) => Ok(Some(Started {
            selected,
            engine,
            early: Some(early),
        })),
        Err(invalid) => {
            // Printed only now, so the count of reads made meanwhile is whole.
            let reads = engine.stats().requests;
            let mut stderr = std::io::stderr().lock();
            crate::cli::cmd::validate::print_diagnostics(&invalid, reads, &mut stderr)?;
            Ok(None)
        }
    }
}

/// Loads the files and selects the run's tenants (`--tenant`, then `changed_since`); prints
/// every diagnostic and returns `None` when the files are invalid.
pub(crate) fn load_selected(
    settings: &Settings,
    path: &Path,
    changed_since: Option<&str>,
) -> anyhow::Result<Option<Selected>> {
    match load_watched(settings, path, changed_since, &|_| {})? {
        Ok(selected) => Ok(Some(selected)),
        Err(invalid) => {
            let mut stderr = std::io::stderr().lock();
            crate::cli::cmd::validate::print_diagnostics(&invalid, 0, &mut stderr)?;
            Ok(None)
        }
    }
}

/// [`load_selected`], telling `watch` of each tenant entry as its file is decoded; invalid
/// files come back unprinted.
fn load_watched(
    settings: &Settings,
    path: &Path,
    changed_since: Option<&str>,
    watch: &(dyn Fn(EarlyTenant) + Sync),
) -> anyhow::Result<Result<Selected, Loaded>> {
    let loaded: Loaded = crate::desired::load_watching(path, watch);
    if settings.verbosity > Verbosity::Quiet {
        crate::cli::cmd::validate::print_skipped(&loaded, &mut std::io::stderr().lock())?;
    }
    let state = match loaded.state {
        Ok(state) => state,
        Err(diagnostics) => {
            return Ok(Err(Loaded {
                state: Err(diagnostics),
                ..loaded
            }));
        }
    };
    let filter = &settings.tenant_filter;
    filter.check_against(
        state.tenants.iter().map(|t| t.name.as_str()),
        "in the files",
    )?;
    let selected = engine::select(
        state,
        &|name| filter.selects(name),
        filter.patterns(),
        path,
        changed_since,
    )?;
    Ok(Ok(selected))
}

/// Warns on stderr when the run's token expires within two weeks, and returns it for the
/// Markdown plan's note. Two calls, under the run's budget; best effort: a server that cannot
/// say which token the run carries is not an error.
pub(crate) fn check_token(engine: &Engine, settings: &Settings) -> Option<TokenExpiry> {
    let token = match engine.token_in_use() {
        Ok(Some(token)) => token,
        Ok(None) => return None,
        Err(error) => {
            tracing::debug!("cannot tell when the token expires: {error:#}");
            return None;
        }
    };
    if !token.expires_soon() {
        return None;
    }
    let expiry = TokenExpiry {
        name: token.name,
        expires: token.expires,
        days_left: token.days_left,
    };
    if settings.verbosity > Verbosity::Quiet {
        eprintln!(
            "warning: the API token {:?} of user {} {} ({}); rotate it: birdhouse token rotate \
             --user current --expires-in 90d --out FILE",
            expiry.name,
            token.user_id,
            expiry.when(),
            expiry.expires
        );
    }
    Some(expiry)
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
