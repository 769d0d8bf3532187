//! Plan → bytes into a writer it is given; decides nothing. Pure: no I/O but the writer, no
//! terminal detection (the caller says whether to colour), no async.
//!
//! Three formats read the same [`Plan`] and nothing else, so they cannot disagree:
//!
//! - text: Terraform-like, summary first, one line per change (`+ ~ - -/+`), for terminals and
//!   CI logs;
//! - JSON: the saved plan, a versioned contract documented in docs/plan-format.md, which
//!   `apply` reads back;
//! - Markdown: a pull-request comment, kept under GitHub's comment limit with a note of what
//!   was cut.
//!
//! The wording text and Markdown share lives in `words`, so a reason or a refusal reads the
//! same in both.

mod json;
mod markdown;
mod mermaid;
mod text;
pub(crate) mod words;

use std::io;

use crate::plan::Plan;

/// An output format of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Terraform-like text, summary first, for terminals and CI logs.
    Text,
    /// The versioned JSON plan (docs/plan-format.md), which `apply` can read back.
    Json,
    /// Markdown for a pull-request comment, under 65,000 characters.
    Markdown,
}

/// How to render, besides the format. The caller decides these (a TTY check, `NO_COLOR`);
/// the renderers only obey.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Write ANSI colours (text only; JSON and Markdown never carry escape codes).
    pub color: bool,
}

/// Writes `plan` in `format` to `out`. The only effect is on `out`; errors are its errors.
pub fn render(
    plan: &Plan,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Text => out.write_all(text::render(plan, *options).as_bytes()),
        Format::Json => json::render(plan, out),
        Format::Markdown => out.write_all(markdown::render(plan).as_bytes()),
    }
}

pub use json::{ReadPlanError, read as read_json_plan};
pub use words::plural;

/// One change in one line (`~ user bob@acme.example (detach group "former")`), as apply
/// reports each change it makes; the marker coloured like the text plan's when asked.
pub fn change_label(change: &crate::plan::Change, options: &RenderOptions) -> String {
    text::change_label(change, *options)
}
