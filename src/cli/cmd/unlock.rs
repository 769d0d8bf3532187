//! `birdhouse unlock`: removes the apply locks left on tenants by an apply that can no longer
//! release them (killed with SIGKILL, a lost CI runner). See `apply::lock`.
//!
//! It asks for `--tenant`: a lock names the apply holding it, and removing the lock of one that
//! is still running would let a second writer in. Each tenant is found and checked exactly as
//! `plan` does (the pinned id against the MSP tenant list, then the identity check); then its
//! groups are listed and every lock group is deleted. stdout says what was removed.

use std::io::Write;

use crate::cli::UsageError;
use crate::cli::args::InputArgs;
use crate::cli::common;
use crate::cli::exit::Exit;
use crate::cli::settings::Settings;

/// Runs `birdhouse unlock`.
pub(in crate::cli) fn run(settings: &Settings, args: &InputArgs) -> anyhow::Result<Exit> {
    if settings.tenant_filter.patterns().is_empty() {
        return Err(UsageError(
            "unlock needs --tenant NAME: a lock belongs to an apply that may still be running, \
             so locks are removed only where you name the tenant"
                .into(),
        )
        .into());
    }
    let Some(selected) = common::load_selected(settings, &args.path, None)? else {
        return Ok(Exit::Error);
    };
    let engine = common::connect(settings)?;
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    for (tenant, removed) in engine.unlock(selected.tenants)? {
        match removed {
            Ok(removed) if removed.is_empty() => {
                writeln!(stdout, "{}: no apply lock", tenant.name)?;
            }
            Ok(removed) => {
                for lock in removed {
                    writeln!(stdout, "{}: removed the lock held by {lock}", tenant.name)?;
                }
            }
            Err(error) => {
                failed = true;
                eprintln!("error: {}: {error:#}", tenant.name);
            }
        }
    }
    Ok(if failed { Exit::Error } else { Exit::Success })
}
