//! The JSON plan: the [`Plan`] types serialised as they are (stable snake_case names,
//! `format_version` first), pretty-printed with a trailing newline. A saved plan reads back
//! into an equal `Plan`; docs/plan-format.md documents every field and each version bump.
//! Pure: no I/O but the writer it is given.

use std::io;

use crate::plan::Plan;

/// Writes the pretty JSON plan and a newline.
pub(super) fn render(plan: &Plan, out: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    out.write_all(b"\n")
}

/// The pretty JSON plan and a newline, as a string.
pub(super) fn to_string(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan)
        .expect("invariant: plans serialise to JSON (string keys, no non-finite floats)");
    text.push('\n');
    text
}
