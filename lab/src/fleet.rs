//! Every NetBird server of one lab, and the warm spares that make tenant creation quick.
//!
//! Starting and bootstrapping a server takes seconds, while `POST .../tenants` on NetBird Cloud
//! answers at once; so the lab keeps `spares` servers started and bootstrapped in advance, hands
//! one out per created tenant, and starts a replacement in the background. The fleet owns the
//! server processes; who is the MSP and who is which tenant is the front's business
//! ([`crate::msp`]). Whenever the set of spares changes, [`Fleet::changed`] is notified so the
//! state file can be rewritten.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, bail};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::instance::Instance;
use crate::state::ServerRecord;

/// The servers of one lab.
pub struct Fleet {
    binary: PathBuf,
    /// Its servers store no audit event (`NB_EVENT_ACTIVITY_LOG_ENABLED=false`).
    activity_log_off: bool,
    servers_dir: PathBuf,
    http: reqwest::Client,
    spare_target: usize,
    next_server: AtomicUsize,
    running: tokio::sync::Mutex<Vec<Instance>>,
    spares: Mutex<VecDeque<ServerRecord>>,
    pending_spares: AtomicUsize,
    refills: Mutex<Vec<AbortHandle>>,
    closing: AtomicBool,
    changed: Arc<Notify>,
}

impl Fleet {
    /// A fleet running `binary`, with server directories under `servers_dir`, keeping
    /// `spare_target` spares once [`Fleet::refill`] is called; `activity_log_off` switches its
    /// servers' audit log off.
    pub fn new(
        binary: PathBuf,
        servers_dir: PathBuf,
        spare_target: usize,
        activity_log_off: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            binary,
            activity_log_off,
            servers_dir,
            http: reqwest::Client::new(),
            spare_target,
            next_server: AtomicUsize::new(1),
            running: tokio::sync::Mutex::new(Vec::new()),
            spares: Mutex::new(VecDeque::new()),
            pending_spares: AtomicUsize::new(0),
            refills: Mutex::new(Vec::new()),
            closing: AtomicBool::new(false),
            changed: Arc::new(Notify::new()),
        })
    }

    /// Notified whenever the spares change.
    pub fn changed(&self) -> Arc<Notify> {
        Arc::clone(&self.changed)
    }

    /// Starts and bootstraps one server now; the fleet keeps it until [`Fleet::shutdown`].
    pub async fn launch(&self) -> Result<ServerRecord> {
        if self.closing.load(Ordering::SeqCst) {
            bail!("the lab is shutting down");
        }
        let n = self.next_server.fetch_add(1, Ordering::SeqCst);
        let dir = self.servers_dir.join(format!("server-{n}"));
        let instance =
            Instance::launch(&self.binary, dir, &self.http, self.activity_log_off).await?;
        let record = instance.record.clone();
        let mut running = self.running.lock().await;
        if self.closing.load(Ordering::SeqCst) {
            drop(running);
            instance.stop().await?;
            bail!("the lab is shutting down");
        }
        running.push(instance);
        Ok(record)
    }

    /// Adds servers started by the caller as spares (the initial ones, started with the rest).
    pub fn add_spares(&self, records: impl IntoIterator<Item = ServerRecord>) {
        self.lock_spares().extend(records);
        self.changed.notify_one();
    }

    /// The spares ready now.
    pub fn spares(&self) -> Vec<ServerRecord> {
        self.lock_spares().iter().cloned().collect()
    }

    /// Hands out a ready spare, or starts a server now when none is ready, then starts
    /// replacements in the background.
    pub async fn take_spare(self: &Arc<Self>) -> Result<ServerRecord> {
        let ready = self.lock_spares().pop_front();
        let record = match ready {
            Some(record) => record,
            None => self.launch().await?,
        };
        self.changed.notify_one();
        self.refill();
        Ok(record)
    }

    /// Starts, in the background, as many spares as are missing from the target.
    pub fn refill(self: &Arc<Self>) {
        let have = self.lock_spares().len() + self.pending_spares.load(Ordering::SeqCst);
        for _ in have..self.spare_target {
            self.pending_spares.fetch_add(1, Ordering::SeqCst);
            let fleet = Arc::clone(self);
            let task = tokio::spawn(async move {
                let launched = fleet.launch().await;
                fleet.pending_spares.fetch_sub(1, Ordering::SeqCst);
                match launched {
                    Ok(record) => fleet.add_spares([record]),
                    Err(e) => eprintln!("birdhouse-lab: starting a spare server failed: {e:#}"),
                }
            });
            self.refills
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(task.abort_handle());
        }
    }

    /// Stops every server (spares being started included) and removes the servers directory.
    pub async fn shutdown(&self) {
        self.closing.store(true, Ordering::SeqCst);
        for task in self
            .refills
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
        let instances: Vec<Instance> = self.running.lock().await.drain(..).collect();
        for instance in instances {
            if let Err(e) = instance.stop().await {
                eprintln!("birdhouse-lab: {e:#}");
            }
        }
        // Also catches the directory of a spare whose start was aborted half-way.
        let _ = std::fs::remove_dir_all(&self.servers_dir);
    }

    fn lock_spares(&self) -> std::sync::MutexGuard<'_, VecDeque<ServerRecord>> {
        self.spares.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
