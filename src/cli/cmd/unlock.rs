//! `birdhouse unlock`: removes the apply locks left on tenants by an apply that can no longer
//! release them (killed with SIGKILL, a lost CI runner). See `apply::lock`.
//!
//! It asks for `--tenant`: a lock names the apply holding it, and removing the lock of one that
//! is still running would let a second writer in. Each tenant is found and checked exactly as
//! `plan` does (the pinned id against the MSP tenant list, then the identity check); then its
//! groups are listed and every lock group is deleted. stdout says what was removed.

use std::io::Write;

use anyhow::Context;

use crate::api::Client;
use crate::apply::lock::locks_in;
use crate::cli::UsageError;
use crate::cli::args::InputArgs;
use crate::cli::connection;
use crate::cli::exit::Exit;
use crate::cli::pipeline::{self, resolve_all};
use crate::cli::settings::Settings;
use crate::live::check_identity;
use crate::live::tenants::{Resolved, Unresolved};

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
    let Some(state) = pipeline::load_or_report(&args.path)? else {
        return Ok(Exit::Error);
    };
    let tenants = pipeline::select(settings, state, &args.path, None)?;
    let client = Client::new(connection::client_config(settings)?)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let mut failed = false;
        let mut stdout = std::io::stdout().lock();
        for (tenant, resolved) in resolve_all(&client, tenants).await? {
            match unlock_one(&client, resolved).await {
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
    })
}

/// Removes every lock group of one tenant; the locks removed.
async fn unlock_one(
    client: &Client,
    resolved: Result<Resolved, Unresolved>,
) -> anyhow::Result<Vec<crate::apply::lock::OtherLock>> {
    let (scope, expected, pinned_self) = match resolved {
        Ok(Resolved::Tenant { id, .. }) => (Some(id.clone()), Some(id), None),
        Ok(Resolved::OwnAccount { pinned }) => (None, None, pinned),
        Ok(Resolved::ToCreate) => return Ok(Vec::new()),
        Err(Unresolved::Refused(reason)) => anyhow::bail!(reason),
        Err(Unresolved::IdNotListed { id }) => {
            anyhow::bail!(crate::live::tenants::own_account_refusal(&id, None))
        }
    };
    let tenant = client.tenant(scope.as_deref());
    let answered = check_identity(&tenant, expected.as_deref()).await?;
    crate::live::tenants::check_own_pin(pinned_self.as_deref(), &answered)
        .map_err(anyhow::Error::msg)?;
    let locks = locks_in(&tenant.list_groups().await?);
    for lock in &locks {
        match tenant.delete_group(&lock.id).await {
            Ok(()) | Err(crate::api::ApiError::NotFound { .. }) => {}
            Err(error) => return Err(error).context(format!("removing the lock {lock}")),
        }
    }
    Ok(locks)
}
