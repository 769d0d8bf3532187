//! The one integration test binary: CLI tests, API fault tests, and (later) the e2e suite.

mod api;
mod cli;
mod contracts;
mod support;
