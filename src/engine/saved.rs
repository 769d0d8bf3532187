//! Saved plans on disk: `plan --out FILE` writes the JSON plan (docs/plan-format.md), `apply
//! FILE` reads it back. The format itself, its version check included, is `render::json`.

use std::path::Path;

use anyhow::Context;

use crate::plan::Plan;
use crate::render::{Format, RenderOptions, render};

/// Writes `plan` as the JSON plan to `path`.
pub fn write_plan(plan: &Plan, path: &Path) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    render(
        plan,
        Format::Json,
        &RenderOptions { color: false },
        &mut bytes,
    )?;
    std::fs::write(path, bytes).with_context(|| format!("writing the plan to {}", path.display()))
}

/// Reads a saved plan; one of another format version is refused, naming both versions.
pub fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading the plan {}", path.display()))?;
    crate::render::read_json_plan(&bytes)
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))
}
