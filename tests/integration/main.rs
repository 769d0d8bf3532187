//! The one integration test binary: CLI tests, API fault tests, and (later) the e2e suite.

mod api;
mod apply;
mod audit_events;
mod bootstrap;
mod ci;
mod cli;
mod contracts;
mod convergence;
mod dns;
mod drift;
mod e2e;
mod export;
mod getting_started;
mod msp_access;
mod peers;
mod policy_rules;
mod posture_checks;
mod render;
mod routes;
mod safety;
mod settings;
mod snapshot;
mod support;
mod token;
mod token_rotation;
mod truth;
