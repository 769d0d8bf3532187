//! The application layer: everything a command does between its validated settings and what
//! it prints. The command line (`cli`) parses arguments, validates them into settings, calls the
//! engine and renders; the engine owns the run's one async runtime and its one API client, and
//! drives the library's parts: it selects and resolves tenants, reads and plans every one of
//! them (found, failed or to be created: each gets its plan here), applies plans, reads the
//! tenants export writes, and removes stale locks.
//!
//! ```text
//! cli ─→ engine ─→ desired · live · plan · apply · render ─→ kinds ─→ api
//! ```

mod apply;
mod changed;
mod early;
mod plan;
mod saved;
mod tasks;
mod token;

use std::num::NonZeroUsize;

use anyhow::Context;

use crate::api::{CallStats, Client, ClientConfig};
use crate::kinds::wire;
use crate::live::{LiveError, LiveTenant, Reads, fetch_tenant};

pub use apply::{Applied, jobs_for};
pub use changed::Reference;
pub use early::EarlyReads;
pub use plan::{PlanRequest, Planned, Selected, select};
pub use saved::{read_plan, write_plan};
pub use token::{RotateRequest, Rotated, TokenInUse, TokenOwner, TokenRole, WARN_WITHIN_DAYS};

/// One run: its async runtime (the only one the process builds) and, for commands that talk to
/// a management server with a token, its client, whose rate budget every request of the run
/// draws from.
pub struct Engine {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    parallel: NonZeroUsize,
}

impl Engine {
    /// An engine whose requests go through one client built from `config`, with at most
    /// `parallel` tenants in flight.
    pub fn connect(config: ClientConfig, parallel: NonZeroUsize) -> anyhow::Result<Self> {
        let client = Client::new(config)?;
        Ok(Self {
            runtime: runtime()?,
            client: Some(client),
            parallel,
        })
    }

    /// An engine without a client, for work that needs no token (`bootstrap`).
    pub fn offline() -> anyhow::Result<Self> {
        Ok(Self {
            runtime: runtime()?,
            client: None,
            parallel: NonZeroUsize::MIN,
        })
    }

    /// Runs `future` on the run's runtime until it completes.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Runs `future` in the background on the run's runtime (a signal listener, say).
    pub fn spawn<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.runtime.spawn(future));
    }

    /// The run's client.
    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("invariant: commands that talk to the API build a connected engine")
    }

    /// Calls and waits of the run so far.
    pub fn stats(&self) -> CallStats {
        self.client().stats()
    }

    /// The groups of the MSP's own account (one call, once per run).
    pub fn own_groups(&self) -> anyhow::Result<Vec<wire::Named>> {
        self.block_on(async { self.client().own_groups().await.map(<[_]>::to_vec) })
            .context("listing the MSP's own groups")
    }

    /// Every tenant of the MSP (one call).
    pub fn list_tenants(&self) -> anyhow::Result<Vec<wire::Tenant>> {
        self.block_on(self.client().list_tenants())
            .context("listing the MSP's tenants")
    }

    /// The token's own account (its first `GET /api/accounts` entry) and every list of it, for
    /// `export --self`.
    pub fn read_own_account(&self) -> anyhow::Result<(wire::Account, LiveTenant)> {
        let own = self.client().tenant(None);
        self.block_on(async {
            let account = own
                .list_accounts()
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow::anyhow!("the API names no account for this token"))?;
            let live = fetch_tenant(&own, None, Reads::EXPORT).await?;
            Ok((account, live))
        })
    }

    /// Reads every list of each tenant, concurrently under the run's budget, in the given
    /// order (for `export`).
    pub fn read_tenants(
        &self,
        tenants: Vec<wire::Tenant>,
    ) -> anyhow::Result<Vec<(wire::Tenant, Result<LiveTenant, LiveError>)>> {
        let client = self.client().clone();
        self.block_on(tasks::concurrently(
            tenants,
            self.parallel.get(),
            move |tenant: wire::Tenant| {
                let client = client.clone();
                async move {
                    let scoped = client.tenant(Some(&tenant.id));
                    let read = fetch_tenant(&scoped, Some(&tenant.id), Reads::EXPORT).await;
                    (tenant, read)
                }
            },
        ))
    }
}

/// The run's runtime: one thread. Requests spend their time waiting on the server and the
/// budget, and a tenant plans in milliseconds, so one thread keeps every request in flight;
/// worker threads only added wake-ups between them (measured: about a tenth of a plan's CPU,
/// most of it system time). Loading the files runs on its own pool beside it.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
