//! One file per subcommand; each takes validated settings and returns an exit code.

pub(super) mod apply;
pub(super) mod bootstrap;
pub(super) mod docs;
pub(super) mod export;
pub(super) mod plan;
pub(super) mod schema;
pub(super) mod tenants;
pub(super) mod token;
pub(super) mod unlock;
pub(crate) mod validate;
