//! The birdhouse lab: real NetBird management servers behind an emulated MSP front.
//!
//! NetBird Cloud's MSP layer (one token for many tenants, `?account=<tenant id>` routing, the
//! `/api/integrations/msp/tenants` endpoints) is not in the open-source server, so the lab
//! stands in for exactly that layer and nothing more:
//!
//! - [`server_binary`] builds NetBird's combined server from the pinned Go module in
//!   `lab/netbird-server/` and caches it outside the repository.
//! - [`instance`] starts one real server on loopback (its own ports, data dir and sqlite) and
//!   bootstraps it through `POST /api/setup` to get its PAT. One server per tenant, one for the
//!   MSP's own account, plus warm spares for tenant creation.
//! - [`msp`] is the front: it checks the one MSP token, applies the per-token rate limit, serves
//!   the tenant endpoints, counts calls, and forwards everything else to the tenant's server.
//! - [`fixtures`] makes what a lab holds before it is ready: peers enrolled the way agents
//!   enrol ([`peers`]) and groups in the MSP's own account.
//! - [`lab`] ties them together ([`Lab::start`] for tests, [`lab::run_daemon`] for `up`);
//!   [`state`] writes the env and state files; [`probe`] reads a tenant's server directly, so
//!   tests can check results independently of birdhouse.
//!
//! This crate must never depend on `birdhouse`: the oracle must not share the code it checks.

#![allow(
    clippy::missing_panics_doc,
    reason = "the only panics are `expect`s on invariants, each naming its invariant"
)]

pub mod cli;
pub mod fixtures;
pub mod fleet;
pub mod instance;
pub mod lab;
pub mod msp;
pub mod peers;
pub mod ports;
pub mod probe;
pub mod process;
pub mod server_binary;
pub mod state;
pub mod synthetic;
pub mod token;

pub use lab::{Lab, LabOptions, PeerSpec, TenantSpec};
pub use msp::rate_limit::RateLimit;
pub use state::{Role, ServerRecord};
pub use token::MspToken;
