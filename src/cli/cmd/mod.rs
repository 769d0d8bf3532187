//! One file per subcommand; each takes validated settings and returns an exit code.

pub(super) mod bootstrap;
pub(super) mod docs;
pub(super) mod plan;
pub(super) mod schema;
pub(super) mod tenants;
pub(crate) mod validate;

use crate::cli::exit::Exit;

/// Placeholder for subcommands that are not built yet: says so and exits 1.
pub(super) fn not_implemented(command: &str) -> anyhow::Result<Exit> {
    anyhow::bail!("`birdhouse {command}` is not implemented yet")
}
