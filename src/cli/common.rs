//! What several commands share at the edge: connecting the engine, loading the files with
//! their diagnostics printed, selecting tenants, naming blocked tenants.

use std::io::Write;
use std::path::Path;

use crate::cli::connection;
use crate::cli::settings::{Settings, Verbosity};
use crate::desired::Loaded;
use crate::engine::{self, Engine, Selected};
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

/// Loads the files and selects the run's tenants (`--tenant`, then `changed_since`); prints
/// every diagnostic and returns `None` when the files are invalid.
pub(crate) fn load_selected(
    settings: &Settings,
    path: &Path,
    changed_since: Option<&str>,
) -> anyhow::Result<Option<Selected>> {
    let loaded: Loaded = crate::desired::load(path);
    let mut stderr = std::io::stderr().lock();
    if settings.verbosity > Verbosity::Quiet {
        crate::cli::cmd::validate::print_skipped(&loaded, &mut stderr)?;
    }
    let Ok(state) = loaded.state else {
        crate::cli::cmd::validate::print_diagnostics(&loaded, &mut stderr)?;
        return Ok(None);
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
    Ok(Some(selected))
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
