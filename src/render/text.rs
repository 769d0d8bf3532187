//! The text plan, Terraform-like: the summary and the budget first, then per tenant its
//! refusals and errors, one line per change (`+` create, `~` update, `-` delete, `-/+`
//! replace) with field differences beneath, and what was left alone; totals last. ANSI colour
//! only when the caller asks for it. Pure: builds a string; the caller's writer gets it.

use std::fmt::Write as _;

use crate::plan::{Change, Plan, TenantPlan};
use crate::render::RenderOptions;
use crate::render::words::{self, Line, Mark};

/// ANSI styles, written by hand: five codes do not need a crate.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

const BOLD: &str = "1";
const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const MAGENTA: &str = "35";
const BOLD_RED: &str = "1;31";

/// One change in one line, its marker coloured like the plan's when asked.
pub(super) fn change_label(change: &Change, options: RenderOptions) -> String {
    let label = words::change_label(change);
    let marker = change.action.symbol();
    let rest = label.strip_prefix(marker).unwrap_or(&label);
    let paint = Paint {
        color: options.color,
    };
    format!("{}{rest}", paint.mark(Mark::of(change.action)))
}

impl Paint {
    fn paint(self, style: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn mark(self, mark: Mark) -> String {
        let style = match mark {
            Mark::Create | Mark::After => GREEN,
            Mark::Update => YELLOW,
            Mark::Delete | Mark::Before => RED,
            Mark::Replace => MAGENTA,
        };
        self.paint(style, mark.symbol())
    }

    fn line(self, line: &Line) -> String {
        let pad = " ".repeat(line.indent);
        match line.mark {
            Some(mark) => format!("{pad}{} {}", self.mark(mark), line.text),
            None => format!("{pad}{}", line.text),
        }
    }
}

/// The whole text plan.
pub(super) fn render(plan: &Plan, options: RenderOptions) -> String {
    let paint = Paint {
        color: options.color,
    };
    let mut out = String::new();
    if words::is_empty(plan) {
        let _ = writeln!(out, "{}", paint.paint(BOLD, words::NO_CHANGES));
        if let Some(list) = words::unmanaged(&words::total_unmanaged(plan)) {
            let _ = writeln!(out, "Left alone: {list} not in the files.");
        }
        for line in words::live_sources(plan) {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "{}", words::totals(plan));
        return out;
    }
    let _ = writeln!(out, "{}", paint.paint(BOLD, &words::summary(plan)));
    let _ = writeln!(out, "{}", words::budget(plan));
    if let Some(drift) = words::drift_summary(plan) {
        let _ = writeln!(out, "{}", paint.paint(YELLOW, &drift));
    }
    if let Some(blocked) = words::blocked(plan) {
        let _ = writeln!(out, "{}", paint.paint(BOLD_RED, &blocked));
    }
    for tenant in &plan.tenants {
        if words::is_shown(tenant) {
            out.push('\n');
            tenant_section(tenant, plan.drift_since.as_deref(), paint, &mut out);
        }
    }
    out.push('\n');
    let unchanged = words::unchanged(plan);
    if !unchanged.is_empty() {
        let _ = writeln!(out, "{}", words::unchanged_line(&unchanged));
    }
    if let Some(list) = words::unmanaged(&words::total_unmanaged(plan)) {
        let _ = writeln!(out, "Left alone in all tenants: {list} not in the files.");
    }
    for line in words::live_sources(plan) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{}", paint.paint(BOLD, &words::totals(plan)));
    out
}

fn tenant_section(tenant: &TenantPlan, drift_since: Option<&str>, paint: Paint, out: &mut String) {
    let header = format!(
        "Tenant {}: {}",
        words::tenant_label(tenant),
        words::tenant_counts(tenant)
    );
    let _ = writeln!(out, "{}", paint.paint(BOLD, &header));
    for refusal in &tenant.refusals {
        let text = words::refusal(&tenant.name, refusal);
        let _ = writeln!(out, "  {}", paint.paint(BOLD_RED, &format!("! {text}")));
    }
    for error in &tenant.errors {
        let text = words::error(&tenant.name, error);
        let _ = writeln!(out, "  {}", paint.paint(BOLD_RED, &format!("! {text}")));
    }
    for line in words::change_lines(tenant, drift_since) {
        let _ = writeln!(out, "  {}", paint.line(&line));
    }
    if let Some(left) = words::left_alone(tenant) {
        let _ = writeln!(out, "  {left}");
    }
}
