//! The one integration test binary: CLI tests, API fault tests, and (later) the e2e suite.

mod api;
mod bootstrap;
mod cli;
mod contracts;
mod render;
mod snapshot;
mod support;
