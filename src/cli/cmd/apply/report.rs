//! The apply's closing report on stderr: one line per tenant, the calls it took, the secrets it
//! kept.

use std::io::Write;
use std::time::Duration;

use crate::apply::{ApplyError, TenantStatus};
use crate::cli::settings::{Settings, Verbosity};
use crate::engine::Applied;
use crate::plan::{Budget, Change};
use crate::render::plural;

/// The per-tenant report and the run's numbers, on stderr.
pub(super) fn summary(
    settings: &Settings,
    stats: crate::api::CallStats,
    budget: Budget,
    reports: &[Applied],
    wall: Duration,
) -> anyhow::Result<()> {
    let mut out = std::io::stderr().lock();
    let quiet = settings.verbosity == Verbosity::Quiet;
    if !quiet {
        writeln!(out, "\nApply finished in {:.1} s.", wall.as_secs_f64())?;
    }
    for (plan, report) in reports {
        let made = report.applied();
        let created = match (report.created_tenant, report.msp_record_written) {
            (true, _) => "tenant created, ",
            (false, true) => "MSP record written, ",
            (false, false) => "",
        };
        match &report.status {
            TenantStatus::Done if !quiet => writeln!(
                out,
                "  {}: {created}{} made",
                plan.name,
                plural(made, "change", "changes")
            )?,
            TenantStatus::Done => {}
            TenantStatus::Stale(reason) => writeln!(
                out,
                "  {}: refused as stale: {reason}; nothing was written to it; make a new plan",
                plan.name
            )?,
            TenantStatus::Locked(others) => writeln!(
                out,
                "  {name}: refused: another apply holds the tenant's lock: {holders}; nothing was \
                 written to it. Apply again once it has finished; if it is no longer running (killed, \
                 a lost runner), remove its lock with `birdhouse unlock -f FILES --tenant {name:?}`",
                name = plan.name,
                holders = others
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )?,
            TenantStatus::Failed(error) => {
                let at = report
                    .failed_change()
                    .map(|i| format!(" at \"{}\"", change_label(&plan.changes[i], false)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {}: FAILED{at}: {}; {created}{} made, {} skipped; run apply \
                     again to finish",
                    plan.name,
                    chain(error),
                    plural(made, "change", "changes"),
                    report.skipped()
                )?;
            }
        }
    }
    if !quiet {
        writeln!(
            out,
            "API calls: {} ({} answered 429); the budget ({}/min, burst {}) needs at least {:.1} s \
             for that many.",
            stats.requests,
            stats.rate_limited,
            budget.requests_per_minute,
            budget.burst,
            budget.floor_seconds(stats.requests)
        )?;
    }
    Ok(())
}

/// Whether a tenant stopped because the server refused a write (403): the token may read but
/// not write there.
pub(super) fn refused_a_write(reports: &[Applied]) -> bool {
    reports.iter().any(|(_, report)| match &report.status {
        TenantStatus::Failed(error) => is_refused_write(error),
        _ => false,
    })
}

fn is_refused_write(error: &ApplyError) -> bool {
    match error {
        ApplyError::Api(crate::api::ApiError::Forbidden { request, .. }) => {
            request.method != crate::api::Method::Get
        }
        ApplyError::Token { source, .. } => is_refused_write(source),
        _ => false,
    }
}

/// What the token's role means for apply, after a refused write.
pub(super) fn role_note(role: &crate::engine::TokenRole) -> String {
    match role {
        crate::engine::TokenRole::Role(role) if role == "admin" || role == "owner" => format!(
            "note: this token's user has role {role} in its own account; in a tenant it needs an \
             MSP permission group that allows writes"
        ),
        crate::engine::TokenRole::Role(role) => format!(
            "note: this token's user has role {role}: it can plan but not apply; apply with the \
             token of an admin or owner (NETBIRD_APPLY_TOKEN in the CI recipes)"
        ),
        crate::engine::TokenRole::ServiceUser => "note: this token is a service user's (NetBird \
             lets it read its own user only through another user's token); give that service \
             user the admin role, or apply with an admin's token (NETBIRD_APPLY_TOKEN in the CI \
             recipes)"
            .to_owned(),
    }
}

/// `+ group developers`, as the plan writes it.
pub(super) fn change_label(change: &Change, color: bool) -> String {
    crate::render::change_label(change, &crate::render::RenderOptions { color })
}

/// An error and its causes, `: `-separated (as `main` prints errors).
pub(super) fn chain(error: &ApplyError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
