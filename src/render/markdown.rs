//! The Markdown plan, for a pull-request comment: a heading, the summary and budget, the
//! refusals and errors in plain sight, a table of the tenants that change, one collapsed
//! `<details>` section per such tenant with its changes in a `diff` fence (and, when policies
//! change, a Mermaid diagram of the access they grant, from `mermaid`), one line for the
//! unchanged tenants, and the totals. It stays under [`LIMIT_BYTES`]: when the whole would not
//! fit, a tenant's diagram goes before its section does, then tenant sections are cut, then
//! table rows, and a closing note says what was cut.
//! Pure: builds a string; the caller's writer gets it. Names and messages are escaped, so a
//! tenant called `<script>` prints as text.

use std::fmt::Write as _;

use crate::plan::{Plan, TenantPlan};
use crate::render::{mermaid, words};

/// The most a comment may hold, in bytes (so also in characters): GitHub refuses comments
/// over 65,536 characters; the margin leaves room for a bot's own header.
pub(super) const LIMIT_BYTES: usize = 65_000;

/// Room kept for the closing note until the cuts are known.
const NOTE_RESERVE_BYTES: usize = 400;

/// What is left of the limit.
struct Room(usize);

impl Room {
    /// Takes `len` bytes if they fit.
    fn take(&mut self, len: usize) -> bool {
        if len <= self.0 {
            self.0 -= len;
            true
        } else {
            false
        }
    }
}

/// The whole Markdown plan.
/// Each line escaped, as a paragraph of its own.
fn paragraphs(lines: &[String]) -> String {
    let mut text = String::new();
    for line in lines {
        let _ = write!(text, "{}\n\n", escape(line));
    }
    text
}

pub(super) fn render(plan: &Plan) -> String {
    let mut head = String::from("## birdhouse plan\n\n");
    if let Some(note) = words::token_note(plan) {
        let _ = writeln!(head, "> **Note:** {}\n", escape(&note));
    }
    if words::is_empty(plan) {
        let _ = writeln!(head, "**{}**\n", words::NO_CHANGES);
        if let Some(list) = words::unmanaged(&words::total_unmanaged(plan)) {
            let _ = writeln!(head, "Left alone: {} not in the files.\n", escape(&list));
        }
        let full = paragraphs(&words::live_sources(plan));
        if head.len() + full.len() + NOTE_RESERVE_BYTES < LIMIT_BYTES {
            head.push_str(&full);
        } else if let Some(line) = words::live_sources_counted(plan) {
            let _ = writeln!(head, "{}\n", escape(&line));
        }
        let _ = writeln!(head, "{}", totals(plan));
        return head;
    }
    let _ = writeln!(head, "**{}**\n", escape(&words::summary(plan)));
    let _ = writeln!(head, "{}\n", escape(&words::budget(plan)));
    if let Some(drift) = words::drift_summary(plan) {
        let _ = writeln!(head, "**{}**\n", escape(&drift));
    }
    let totals = format!("{}\n", totals(plan));

    let mut room =
        Room(LIMIT_BYTES.saturating_sub(head.len() + totals.len() + NOTE_RESERVE_BYTES + 1));
    let attention = Attention::fit(plan, &mut room);
    let unchanged_tenants = words::unchanged(plan);
    let unchanged_short = (!unchanged_tenants.is_empty()).then(|| {
        format!(
            "No changes in {}.\n\n",
            words::plural(unchanged_tenants.len(), "tenant", "tenants")
        )
    });
    room.take(unchanged_short.as_ref().map_or(0, String::len));
    let table = Table::fit(plan, &mut room);
    let mut sections = Vec::new();
    let mut diagrams_cut = 0;
    let changing: Vec<&TenantPlan> = plan.tenants.iter().filter(|t| t.has_changes()).collect();
    let drift_since = plan.drift_since.as_deref();
    for tenant in &changing {
        let diagram = mermaid::block(tenant);
        let with_diagram = section(tenant, drift_since, diagram.as_deref());
        if room.take(with_diagram.len()) {
            sections.push(with_diagram);
            continue;
        }
        // The picture is the first thing to go: the change list alone says everything.
        if diagram.is_some() {
            let change_list_only = section(tenant, drift_since, None);
            if room.take(change_list_only.len()) {
                sections.push(change_list_only);
                diagrams_cut += 1;
                continue;
            }
        }
        break;
    }
    let unchanged = unchanged_short.map(|short| {
        let full = format!("{}\n\n", escape(&words::unchanged_line(&unchanged_tenants)));
        if room.take(full.len().saturating_sub(short.len())) {
            (full, false)
        } else {
            (short, true)
        }
    });
    // Where the live state came from (`--snapshots`), when there is room for it.
    let full = paragraphs(&words::live_sources(plan));
    let sources = if room.take(full.len()) {
        full
    } else {
        words::live_sources_counted(plan)
            .map(|line| format!("{}\n\n", escape(&line)))
            .filter(|text| room.take(text.len()))
            .unwrap_or_default()
    };

    let mut out = head;
    out.push_str(&attention.text);
    out.push_str(&table.text);
    for section in &sections {
        out.push_str(section);
    }
    let names_cut = unchanged.as_ref().is_some_and(|(_, cut)| *cut);
    if let Some((line, _)) = &unchanged {
        out.push_str(line);
    }
    out.push_str(&sources);
    out.push_str(&totals);
    let mut cut = Vec::new();
    if changing.len() > sections.len() {
        let omitted = changing.len() - sections.len();
        cut.push(words::plural(omitted, "tenant section", "tenant sections"));
    }
    if diagrams_cut > 0 {
        cut.push(words::plural(
            diagrams_cut,
            "access diagram",
            "access diagrams",
        ));
    }
    if table.rows_cut > 0 {
        cut.push(words::plural(table.rows_cut, "table row", "table rows"));
    }
    if attention.cut > 0 {
        cut.push(words::plural(
            attention.cut,
            "refusal or error",
            "refusals and errors",
        ));
    }
    if names_cut {
        cut.push("the names of unchanged tenants".to_owned());
    }
    if !cut.is_empty() {
        let _ = writeln!(
            out,
            "\n_… {} omitted to stay under GitHub's 65,536-character comment limit; \
             run `birdhouse plan --format text` for the full plan._",
            words::join_and(&cut)
        );
    }
    out
}

fn totals(plan: &Plan) -> String {
    let totals = words::totals(plan);
    let rest = totals.strip_prefix("Total:").unwrap_or(&totals);
    format!("**Total:**{}", escape(rest))
}

/// The refusals and errors, outside every collapsed section so reviewers see them.
struct Attention {
    text: String,
    cut: usize,
}

impl Attention {
    fn fit(plan: &Plan, room: &mut Room) -> Attention {
        let Some(blocked) = words::blocked(plan) else {
            return Attention {
                text: String::new(),
                cut: 0,
            };
        };
        let mut items = Vec::new();
        for tenant in &plan.tenants {
            for refusal in &tenant.refusals {
                items.push(words::refusal(&tenant.name, refusal));
            }
            for error in &tenant.errors {
                items.push(words::error(&tenant.name, error));
            }
        }
        let mut text = format!("### {}\n\n", escape(&blocked));
        if !room.take(text.len() + 1) {
            return Attention {
                text: String::new(),
                cut: items.len(),
            };
        }
        let mut kept = 0;
        for item in &items {
            let line = format!("- {}\n", escape(item));
            if !room.take(line.len()) {
                break;
            }
            text.push_str(&line);
            kept += 1;
        }
        text.push('\n');
        Attention {
            text,
            cut: items.len() - kept,
        }
    }
}

/// The summary table of the tenants that change or are blocked, with a total row.
struct Table {
    text: String,
    rows_cut: usize,
}

impl Table {
    fn fit(plan: &Plan, room: &mut Room) -> Table {
        let listed: Vec<&TenantPlan> = plan.tenants.iter().filter(|t| words::is_shown(t)).collect();
        let counts = plan.counts();
        let blocked = listed.iter().filter(|t| words::is_blocked(t)).count();
        // With `--changed-since`, a column says how many of each tenant's changes are drift.
        let drift = plan.drift_since.is_some();
        let header = if drift {
            "| Tenant | Create | Update | Replace | Delete | Drift | Status |\n\
             |---|--:|--:|--:|--:|--:|---|\n"
        } else {
            "| Tenant | Create | Update | Replace | Delete | Status |\n\
             |---|--:|--:|--:|--:|---|\n"
        };
        let drift_total = drift.then(|| {
            let count: usize = listed.iter().map(|t| drift_count(t)).sum();
            format!(" **{count}** |")
        });
        let total = format!(
            "| **Total** | **{}** | **{}** | **{}** | **{}** |{} {} |\n\n",
            counts.create,
            counts.update,
            counts.replace,
            counts.delete,
            drift_total.unwrap_or_default(),
            if blocked > 0 {
                format!("**{blocked} blocked**")
            } else {
                "ready".to_owned()
            }
        );
        let more_reserve = "| … 000000 more tenants | | | | | | |\n".len();
        if listed.is_empty() || !room.take(header.len() + total.len() + more_reserve) {
            return Table {
                text: String::new(),
                rows_cut: listed.len(),
            };
        }
        let mut text = header.to_owned();
        let mut kept = 0;
        for tenant in &listed {
            let row = row(tenant, drift);
            if !room.take(row.len()) {
                break;
            }
            text.push_str(&row);
            kept += 1;
        }
        let rows_cut = listed.len() - kept;
        if rows_cut > 0 {
            let _ = writeln!(
                text,
                "| … {} | | | | |{} |",
                words::plural(rows_cut, "more tenant", "more tenants"),
                if drift { " |" } else { "" }
            );
        }
        text.push_str(&total);
        Table { text, rows_cut }
    }
}

fn row(tenant: &TenantPlan, drift: bool) -> String {
    let counts = tenant.counts();
    let drift = if drift {
        format!(" {} |", drift_count(tenant))
    } else {
        String::new()
    };
    format!(
        "| {} | {} | {} | {} | {} |{drift} {} |\n",
        escape(&tenant.name),
        counts.create,
        counts.update,
        counts.replace,
        counts.delete,
        status(tenant)
    )
}

/// How many of the tenant's changes the files at the `--changed-since` reference make too.
fn drift_count(tenant: &TenantPlan) -> usize {
    tenant.changes.iter().filter(|c| c.drift).count()
}

/// `ready`, `new tenant`, `**refused**`, `**2 errors**`.
fn status(tenant: &TenantPlan) -> String {
    let mut blocked = Vec::new();
    if !tenant.refusals.is_empty() {
        blocked.push("refused".to_owned());
    }
    if !tenant.errors.is_empty() {
        blocked.push(words::plural(tenant.errors.len(), "error", "errors"));
    }
    if !blocked.is_empty() {
        return format!("**{}**", blocked.join(", "));
    }
    if tenant.create_tenant {
        "ready, new tenant".to_owned()
    } else {
        "ready".to_owned()
    }
}

/// One collapsed section: the change list in a `diff` fence, the access diagram of the policy
/// changes when given, and what was left alone.
fn section(tenant: &TenantPlan, drift_since: Option<&str>, diagram: Option<&str>) -> String {
    let lines: Vec<String> = words::change_lines(tenant, drift_since)
        .iter()
        .map(words::Line::plain)
        .collect();
    let body = lines.join("\n");
    let fence = fence_for(&body);
    let mut text = format!(
        "<details><summary><b>{}</b> {}: {}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n",
        html_escape(&tenant.name),
        html_escape(&words::tenant_whereabouts(tenant)),
        html_escape(&words::tenant_counts(tenant))
    );
    if let Some(diagram) = diagram {
        text.push_str(diagram);
    }
    if let Some(left) = words::left_alone(tenant) {
        let _ = writeln!(text, "{}\n", escape(&upper_first(&left)));
    }
    text.push_str("</details>\n\n");
    text
}

/// A backtick fence longer than any backtick run in `body`, so names cannot close it.
fn fence_for(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Escapes text for Markdown prose and table cells: emphasis, links, code and pipes lose their
/// meaning, and HTML is shown, not rendered.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text inside an HTML element (`<summary>`).
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
