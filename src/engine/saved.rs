//! Saved plans: `plan --out FILE` writes the JSON plan (docs/plan-format.md), `apply FILE`
//! reads it back, checking its format version before anything else.

use std::path::Path;

use anyhow::Context;

use crate::plan::{PLAN_FORMAT_VERSION, Plan};
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
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a JSON plan", path.display()))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(PLAN_FORMAT_VERSION)) {
        let found = version.map_or_else(
            || "no format_version".to_owned(),
            |v| format!("format version {v}"),
        );
        anyhow::bail!(
            "{} has {found}; this birdhouse applies plans of format version \
             {PLAN_FORMAT_VERSION}: make the plan again with this version",
            path.display()
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{} is not a birdhouse plan", path.display()))
}
