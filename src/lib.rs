//! birdhouse keeps the configuration of many NetBird tenants in YAML under git and makes the
//! live tenants match it.
//!
//! The pipeline, one module per step:
//!
//! - [`desired`] loads YAML files and resolves them into validated desired state, reporting
//!   every problem with its file, line and column ([`diag`]).
//! - [`kinds`] declares each kind once, in a folder of its own: its model (the same types for
//!   desired and live state), file format and decoder, wire shapes, API calls, conversions,
//!   equality rules, group references and export (`docs/adding-a-kind.md`).
//! - [`api`] is the only module that speaks HTTP; it paces every request of the run through one
//!   shared rate budget, and knows no kind.
//! - [`live`] reads a snapshot of each tenant in the fewest list calls and converts it to the
//!   same model the desired state uses.
//! - [`plan`] is pure: it diffs desired against live into changes with reasons, and guards
//!   against mass deletion.
//! - [`render`] turns a plan into text, JSON or Markdown.
//! - [`apply`] executes a plan in dependency order, tenant by tenant.
//! - [`engine`] is the application layer: one runtime and one client per run; it selects,
//!   resolves, reads, plans and applies tenants with the parts above.
//! - [`cli`] parses the command line into validated settings, calls the engine and renders.
//!
//! Dependencies point down: `cli` → `engine` → `desired`/`live`/`plan`/`apply`/`render` →
//! `kinds` → `api`. `kinds`, `diag`, `secret`, `plan` and `render` know nothing of
//! HTTP, files or the terminal.

pub mod api;
pub mod apply;
pub mod cli;
pub mod desired;
pub mod diag;
pub mod engine;
pub mod kinds;
pub mod live;
pub mod plan;
pub mod render;
pub mod secret;
