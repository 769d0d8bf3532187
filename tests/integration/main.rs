//! The one integration test binary: CLI tests, API fault tests, and (later) the e2e suite.

mod cli;
mod support;
