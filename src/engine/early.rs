//! Reads that start while the files load. Loading 1,000 files takes about half a second of
//! every core, and a plan that proves stored snapshots current spends most of its calls on one
//! audit-log read a tenant: each of those starts as soon as the tenant's file is decoded, so
//! the load does not push the run's calls (and the floor the budget sets) back.
//!
//! Only reads the plan would make a moment later are made early, the same way: the MSP tenant
//! list (to find each tenant's account, as the plan then does with the same list) and each
//! found tenant's audit log. Nothing is written; a tenant the files end up refusing costs the
//! one read made for it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::api::Client;
use crate::desired::EarlyTenant;
use crate::engine::Engine;
use crate::engine::plan::lookup_of;
use crate::kinds::wire;
use crate::live::EarlyLog;
use crate::live::tenants::{Resolved, resolve};

/// What was asked for while the files loaded.
#[derive(Default)]
pub struct EarlyReads {
    /// The MSP tenant list, when it was read (the plan reads it itself otherwise).
    msp_tenants: Option<Vec<wire::Tenant>>,
    /// Each found tenant's audit log, by account id, until its read takes it.
    logs: Mutex<HashMap<String, EarlyLog>>,
}

impl std::fmt::Debug for EarlyReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let logs = self.logs.lock().map_or(0, |logs| logs.len());
        f.debug_struct("EarlyReads")
            .field("msp_tenants", &self.msp_tenants.as_ref().map(Vec::len))
            .field("logs", &logs)
            .finish()
    }
}

impl EarlyReads {
    /// The MSP tenant list read early.
    pub(super) fn msp_tenants(&self) -> Option<&[wire::Tenant]> {
        self.msp_tenants.as_deref()
    }

    /// The audit log asked for `account_id`, once.
    pub(super) fn take_log(&self, account_id: &str) -> Option<EarlyLog> {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(account_id)
    }
}

impl Engine {
    /// Runs `load` on its own thread, and meanwhile reads early for every tenant entry it
    /// tells of that `selects` keeps: the MSP tenant list once, then each found tenant's audit
    /// log (at most `parallel` in flight). Returns what `load` returned, and the early reads,
    /// some perhaps still in flight.
    pub fn load_while_reading<T: Send>(
        &self,
        load: impl FnOnce(&(dyn Fn(EarlyTenant) + Sync)) -> T + Send,
        selects: &dyn Fn(&str) -> bool,
    ) -> (T, EarlyReads) {
        std::thread::scope(|scope| {
            let (sender, mut told) = tokio::sync::mpsc::unbounded_channel();
            let loading = scope.spawn(move || {
                // Dropped with the closure when the load ends: that closes the channel.
                let watch = move |tenant: EarlyTenant| {
                    // The receiver outlives the load; a send cannot fail but at shutdown.
                    let _ = sender.send(tenant);
                };
                load(&watch)
            });
            let early = self.block_on(read_early(
                self.client(),
                &mut told,
                selects,
                self.parallel.get(),
            ));
            let loaded = loading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (loaded, early)
        })
    }
}

/// Reads early for each tenant told of, until the load ends.
async fn read_early(
    client: &Client,
    told: &mut UnboundedReceiver<EarlyTenant>,
    selects: &dyn Fn(&str) -> bool,
    parallel: usize,
) -> EarlyReads {
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    // `None` until asked; `Some(None)` when the list could not be read (the plan reads it
    // again, and says why it cannot).
    let mut msp_tenants: Option<Option<Vec<wire::Tenant>>> = None;
    let mut logs: HashMap<String, EarlyLog> = HashMap::new();
    while let Some(tenant) = told.recv().await {
        if tenant.target.self_account || !selects(&tenant.name) {
            continue;
        }
        if msp_tenants.is_none() {
            msp_tenants = Some(client.list_tenants().await.ok());
        }
        let Some(Some(listed)) = &msp_tenants else {
            continue;
        };
        let lookup = lookup_of(&tenant.name, &tenant.target, tenant.create);
        let Ok(Resolved::Tenant { id, .. }) = resolve(&lookup, listed) else {
            continue;
        };
        if let Entry::Vacant(slot) = logs.entry(id) {
            let (log, asking) = EarlyLog::ask(client.tenant(Some(slot.key())));
            let permits = Arc::clone(&permits);
            drop(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                asking.await;
            }));
            slot.insert(log);
        }
    }
    EarlyReads {
        msp_tenants: msp_tenants.flatten(),
        logs: Mutex::new(logs),
    }
}
