//! The wording text and Markdown share: summaries, the budget sentence, reasons, refusals,
//! one line per change with its field differences, and short descriptions of new objects.
//! Everything here reads the [`Plan`] and nothing else; nothing here colours, escapes or writes
//! (the formats do that), so both formats say the same thing in the same words.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::kinds::{
    Action as RuleAction, Destination, DnsZone, ExpiresIn, Kind, NameserverGroup, Policy,
    PostureCheck, Resource, Route, Router, RouterTarget, Rule, ServiceUser, SetupKey, User,
};
use crate::live::LiveSource;
use crate::plan::msp::MspRecord;
use crate::plan::{
    Action, ActionCounts, Change, FieldChange, NetworkChild, NetworkHeader, Object, Plan, Reason,
    Refusal, TenantPlan,
};

/// What an empty plan says, in every human format.
pub(super) const NO_CHANGES: &str = "No changes. Every tenant matches the files.";

/// A field difference longer than this (name and both values) is split over three lines.
const LONG_FIELD_CHARS: usize = 90;

/// What a line of a change list is marked with; text colours it, Markdown's `diff` fence
/// highlights it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// `+`: an object (or the tenant) is created.
    Create,
    /// `~`: an object is updated in place.
    Update,
    /// `-`: an object is deleted.
    Delete,
    /// `-/+`: an object is replaced.
    Replace,
    /// `-`: the live value of a long field.
    Before,
    /// `+`: the desired value of a long field.
    After,
}

impl Mark {
    /// The marker as printed.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            Mark::Create => Action::Create.symbol(),
            Mark::Update => Action::Update.symbol(),
            Mark::Delete => Action::Delete.symbol(),
            Mark::Replace => Action::Replace.symbol(),
            Mark::After => "+",
            Mark::Before => "-",
        }
    }

    pub(super) fn of(action: Action) -> Mark {
        match action {
            Action::Create => Mark::Create,
            Action::Update => Mark::Update,
            Action::Delete => Mark::Delete,
            Action::Replace => Mark::Replace,
        }
    }
}

/// One line of a tenant's change list, before the format's own indent and colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// Spaces before the mark (0 for a change, more for its fields).
    pub(super) indent: usize,
    /// The marker, if the line has one; it is followed by one space.
    pub(super) mark: Option<Mark>,
    /// The rest of the line.
    pub(super) text: String,
}

impl Line {
    /// The line without colour: indent, mark, text.
    pub(super) fn plain(&self) -> String {
        let pad = " ".repeat(self.indent);
        match self.mark {
            Some(mark) => format!("{pad}{} {}", mark.symbol(), self.text),
            None => format!("{pad}{}", self.text),
        }
    }
}

/// `n thing` or `n things`: the one pluralisation of every message.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The MSP's record of a tenant: `name "Acme Dental", msp_access [northwind-support: admin]`.
pub(crate) fn msp_record(record: &MspRecord) -> String {
    format!("name {:?}, msp_access {}", record.name, access_list(record))
}

fn access_list(record: &MspRecord) -> String {
    format!("[{}]", record.access.join(", "))
}

/// All four counts, zeros included: `12 to create, 2 to update, 1 to replace, 1 to delete`.
pub(super) fn all_counts(counts: ActionCounts) -> String {
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        counts.create, counts.update, counts.replace, counts.delete
    )
}

/// A tenant's counts, zeros left out: `4 to create, 2 to delete`, or `no changes`.
pub(super) fn tenant_counts(tenant: &TenantPlan) -> String {
    let counts = tenant.counts();
    let mut parts = Vec::new();
    if tenant.create_tenant {
        parts.push("new tenant".to_owned());
    } else if tenant.msp_record.is_some() {
        parts.push("MSP record to update".to_owned());
    }
    for (count, verb) in [
        (counts.create, "create"),
        (counts.update, "update"),
        (counts.replace, "replace"),
        (counts.delete, "delete"),
    ] {
        if count > 0 {
            parts.push(format!("{count} to {verb}"));
        }
    }
    match (parts.is_empty(), tenant.errors.is_empty()) {
        // A tenant that could not be planned is never "no changes": nothing is known of it.
        (true, false) => "not planned".to_owned(),
        (true, true) => "no changes".to_owned(),
        (false, _) => parts.join(", "),
    }
}

/// Whether apply skips this tenant (a refusal or an error).
pub(super) fn is_blocked(tenant: &TenantPlan) -> bool {
    !tenant.refusals.is_empty() || !tenant.errors.is_empty()
}

/// Whether a plan needs no more than "no changes" (nothing to change, nothing blocked).
pub(super) fn is_empty(plan: &Plan) -> bool {
    !plan.tenants.iter().any(is_shown)
}

/// Whether a tenant gets a section of its own: it changes, is blocked, or has a warning.
pub(super) fn is_shown(tenant: &TenantPlan) -> bool {
    tenant.has_changes() || is_blocked(tenant) || !tenant.warnings.is_empty()
}

/// The first line of a plan: `Plan: 3 tenants (1 new), 12 to create, …; 2 tenants unchanged`.
pub(super) fn summary(plan: &Plan) -> String {
    if is_empty(plan) {
        return NO_CHANGES.to_owned();
    }
    let tenants = &plan.tenants;
    let changing = tenants.iter().filter(|t| t.has_changes()).count();
    let new = tenants.iter().filter(|t| t.create_tenant).count();
    let unchanged = unchanged(plan).len();
    let blocked = tenants.iter().filter(|t| is_blocked(t)).count();
    let mut line = if changing == 0 {
        // Only blocked tenants (or warnings): never "0 tenants", which reads as nothing wrong.
        "Plan: no tenant to change".to_owned()
    } else {
        let mut line = format!("Plan: {}", plural(changing, "tenant", "tenants"));
        if new > 0 {
            let _ = write!(line, " ({new} new)");
        }
        let _ = write!(line, ", {}", all_counts(plan.counts()));
        line
    };
    if unchanged > 0 {
        let _ = write!(
            line,
            "; {} unchanged",
            plural(unchanged, "tenant", "tenants")
        );
    }
    if blocked > 0 {
        let _ = write!(line, "; {} blocked", plural(blocked, "tenant", "tenants"));
    }
    line
}

/// What the apply costs in API calls and budget time.
pub(super) fn budget(plan: &Plan) -> String {
    let calls = plan.api_calls();
    let budget = plan.budget;
    let needs = plural(
        usize::try_from(calls).unwrap_or(usize::MAX),
        "API call",
        "API calls",
    );
    if calls <= u64::from(budget.burst) {
        format!(
            "Apply needs {needs}: within the burst of {}, no waiting.",
            budget.burst
        )
    } else {
        format!(
            "Apply needs {needs}: about {} at {} requests/minute after the burst of {}.",
            duration(budget.floor_seconds(calls)),
            budget.requests_per_minute,
            budget.burst
        )
    }
}

/// `45s`, `2m30s`, `1h05m`; rounded up to the second.
fn duration(seconds: f64) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "floor_seconds is finite, non-negative and far below u64::MAX"
    )]
    let total = seconds.ceil().max(0.0) as u64;
    let (hours, minutes, secs) = (total / 3600, total % 3600 / 60, total % 60);
    match (hours, minutes, secs) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// A sentence saying how many tenants apply skips, when any.
pub(super) fn blocked(plan: &Plan) -> Option<String> {
    let blocked = plan.tenants.iter().filter(|t| is_blocked(t)).count();
    (blocked > 0).then(|| {
        format!(
            "Apply will skip {} until the refusals and errors below are resolved; the other \
             tenants are applied.",
            plural(blocked, "tenant", "tenants")
        )
    })
}

/// The tenant as a heading: `Acme Corp (id ctq2…)`.
pub(super) fn tenant_label(tenant: &TenantPlan) -> String {
    format!("{} {}", tenant.name, tenant_whereabouts(tenant))
}

/// Where the tenant is, so a reviewer sees the target of every write: `(id ctq2…, domain
/// acme.example)`, `(to be created, domain acme.example)`, `(the token's own tenant, id …)`.
pub(super) fn tenant_whereabouts(tenant: &TenantPlan) -> String {
    let domain = tenant
        .domain
        .as_deref()
        .map(|d| format!(", domain {d}"))
        .unwrap_or_default();
    let which = match (
        &tenant.account_id,
        tenant.create_tenant,
        tenant.self_account,
    ) {
        (_, true, _) => format!("to be created{domain}"),
        (Some(id), false, true) => format!("the token's own tenant, id {id}"),
        (None, false, true) => "the token's own tenant".to_owned(),
        (Some(id), false, false) => format!("id {id}{domain}"),
        (None, false, false) => format!("id unknown{domain}"),
    };
    format!("({which})")
}

/// `~ user bob@acme.example (detach group "former")`: a change in one line, as apply reports
/// it, with the step it is when it is a write the files do not ask for themselves.
pub(super) fn change_label(change: &Change) -> String {
    let label = format!(
        "{} {} {}",
        change.action.symbol(),
        change.kind.singular(),
        change.name
    );
    let quoted = |names: &[String]| {
        let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        join_and(&quoted)
    };
    let step = match &change.reason {
        Reason::Detach { groups } if groups.len() == 1 => {
            format!("detach group {}", quoted(groups))
        }
        Reason::Detach { groups } => format!("detach groups {}", quoted(groups)),
        Reason::Repoint { resource } => format!("point at the new network resource {resource:?}"),
        Reason::RevokeFirst => "revoke before the replace".to_owned(),
        Reason::SetAfterCreate { field } => format!("set {field} after the create"),
        _ => return label,
    };
    format!("{label} ({step})")
}

/// Why a change is in the plan.
pub(super) fn reason(reason: &Reason) -> String {
    match reason {
        Reason::Missing => "not in live state".to_owned(),
        Reason::NotDesired => "prune: not in desired state".to_owned(),
        Reason::FieldsDiffer { fields } => {
            // "auto_groups differ", "metric differs", "role and blocked differ".
            let plural = fields.len() > 1
                || fields
                    .first()
                    .is_some_and(|f| f.ends_with('s') && !f.ends_with("ss"));
            let verb = if plural { "differ" } else { "differs" };
            format!("{} {verb}", join_and(fields))
        }
        Reason::CreateOnly { field } => format!("{field} is create-only"),
        Reason::Expired => "setup key has expired".to_owned(),
        Reason::Revoked => "revoked keys cannot be un-revoked".to_owned(),
        Reason::SecretLost => {
            "an earlier apply created its one-time secret but never saved it: a new one is made"
                .to_owned()
        }
        Reason::TokenExpiring { days_left } => {
            let when = match *days_left {
                days if days < 0 => format!(
                    "expired {} ago",
                    plural(
                        days.unsigned_abs().try_into().unwrap_or(usize::MAX),
                        "day",
                        "days"
                    )
                ),
                0 => "expires today".to_owned(),
                days => format!(
                    "expires in {}",
                    plural(days.try_into().unwrap_or(usize::MAX), "day", "days")
                ),
            };
            format!("its token {when}, within rotate_before: a new one replaces it")
        }
        Reason::Detach { groups } => {
            let quoted: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
            let (noun, pronoun) = if groups.len() == 1 {
                ("group", "it")
            } else {
                ("groups", "they")
            };
            format!(
                "names {noun} {}, which this plan deletes: {pronoun} must be taken out first",
                join_and(&quoted)
            )
        }
        Reason::Repoint { resource } => format!(
            "targets network resource {resource:?}, which this plan replaces: pointed at the new one"
        ),
        Reason::RevokeFirst => {
            "revoked before it is replaced, so its secret is dead even if the delete fails"
                .to_owned()
        }
        Reason::SetAfterCreate { field } => {
            format!("{field} cannot be set at creation: a second call sets it")
        }
    }
}

/// A refusal, naming the tenant and the counts.
pub(super) fn refusal(tenant: &str, refusal: &Refusal) -> String {
    match *refusal {
        Refusal::MassDelete {
            deletes,
            managed,
            max_percent,
        } => {
            let percent = (deletes * 100 + managed / 2) / managed.max(1);
            format!(
                "refused: deletes {deletes} of {managed} managed objects in {tenant} \
                 ({percent}% > {max_percent}%); \
                 rerun with --allow-mass-delete if intended"
            )
        }
        Refusal::EmptiesTenant { deletes } => format!(
            "refused: deletes {} and leaves {tenant} with no managed objects; \
             rerun with --allow-mass-delete if intended",
            plural(deletes, "object", "objects")
        ),
    }
}

/// An error, naming the tenant.
pub(super) fn error(tenant: &str, message: &str) -> String {
    format!("error in {tenant}: {message}")
}

/// `3 groups, 1 policy`, or `None` when nothing is left alone.
pub(super) fn unmanaged(counts: &BTreeMap<Kind, usize>) -> Option<String> {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|(kind, count)| plural(*count, kind.singular(), &kind.plural().replace('_', " ")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Names shown per kind in a tenant's "left alone" line; the rest are counted.
const LEFT_ALONE_NAMES: usize = 10;

/// `left alone, not in the files: policy "Default"; 2 groups "contractors", "kiosk"`, or the
/// counts alone for a plan that carries no names.
pub(super) fn left_alone(tenant: &TenantPlan) -> Option<String> {
    if tenant.left_alone.is_empty() {
        return unmanaged(&tenant.unmanaged)
            .map(|list| format!("left alone: {list} not in the files"));
    }
    let parts: Vec<String> = tenant
        .left_alone
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(kind, names)| {
            let what = plural(
                names.len(),
                kind.singular(),
                &kind.plural().replace('_', " "),
            );
            let what = what.strip_prefix("1 ").unwrap_or(&what).to_owned();
            let shown: Vec<String> = names
                .iter()
                .take(LEFT_ALONE_NAMES)
                .map(|n| format!("{n:?}"))
                .collect();
            let more = names.len().saturating_sub(LEFT_ALONE_NAMES);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{what} {}{more}", shown.join(", "))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("left alone, not in the files: {}", parts.join("; ")))
}

/// Unmanaged objects summed over every tenant.
pub(super) fn total_unmanaged(plan: &Plan) -> BTreeMap<Kind, usize> {
    let mut total = BTreeMap::new();
    for tenant in &plan.tenants {
        for (kind, count) in &tenant.unmanaged {
            *total.entry(*kind).or_default() += count;
        }
    }
    total
}

/// The tenants with nothing to change and nothing blocked, which get one line, not a section.
pub(super) fn unchanged(plan: &Plan) -> Vec<&TenantPlan> {
    plan.tenants.iter().filter(|t| !is_shown(t)).collect()
}

/// `No changes in 2 tenants: Beta Ltd, Gamma GmbH.`
pub(super) fn unchanged_line(tenants: &[&TenantPlan]) -> String {
    let names: Vec<&str> = tenants.iter().map(|t| t.name.as_str()).collect();
    format!(
        "No changes in {}: {}.",
        plural(tenants.len(), "tenant", "tenants"),
        names.join(", ")
    )
}

/// Where each tenant's live state came from, when stored snapshots were used (`--snapshots`;
/// without them every tenant is read and nothing is said): the tenants proven current by their
/// audit logs, each with the newest event it is proven up to and the lists read again, and the
/// tenants read whole although a snapshot was stored, each with why.
pub(super) fn live_sources(plan: &Plan) -> Vec<String> {
    let mut proven = Vec::new();
    let mut reread = Vec::new();
    for tenant in &plan.tenants {
        match &tenant.live_source {
            LiveSource::Read => {}
            LiveSource::Stored {
                event_id,
                event_time,
                refreshed,
                unlogged_as_stored,
                unlogged_read_at,
                ..
            } => {
                let labels = |lists: &[crate::live::lists::List]| {
                    lists
                        .iter()
                        .map(|l| l.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let again = if refreshed.is_empty() {
                    String::new()
                } else {
                    format!("; read again: {}", labels(refreshed))
                };
                let as_stored = if unlogged_as_stored.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; as read at {}, changes NetBird does not log unseen: {}",
                        unlogged_read_at.as_deref().unwrap_or("an earlier run"),
                        labels(unlogged_as_stored)
                    )
                };
                proven.push(format!(
                    "{} (event {event_id}, {event_time}{again}{as_stored})",
                    tenant.name
                ));
            }
            LiveSource::Reread { why } => reread.push(format!("{} ({why})", tenant.name)),
        }
    }
    let mut lines = Vec::new();
    if !proven.is_empty() {
        lines.push(format!(
            "Proven current by their audit logs since the stored snapshot's newest event, {}: {}.",
            plural(proven.len(), "tenant", "tenants"),
            proven.join(", ")
        ));
    }
    if !reread.is_empty() {
        lines.push(format!(
            "Read whole, the stored snapshot not proven current, {}: {}.",
            plural(reread.len(), "tenant", "tenants"),
            reread.join(", ")
        ));
    }
    lines
}

/// [`live_sources`] in counts only, for where the names do not fit (a long Markdown plan).
pub(super) fn live_sources_counted(plan: &Plan) -> Option<String> {
    let count = |stored: bool| {
        plan.tenants
            .iter()
            .filter(|t| match t.live_source {
                LiveSource::Read => false,
                LiveSource::Stored { .. } => stored,
                LiveSource::Reread { .. } => !stored,
            })
            .count()
    };
    let (proven, reread) = (count(true), count(false));
    let as_stored = plan
        .tenants
        .iter()
        .filter(|t| {
            matches!(&t.live_source, LiveSource::Stored { unlogged_as_stored, .. }
                if !unlogged_as_stored.is_empty())
        })
        .count();
    let unseen = if as_stored == 0 {
        String::new()
    } else {
        format!(
            " ({} with the parts NetBird changes without an event planned as stored)",
            plural(as_stored, "tenant", "tenants")
        )
    };
    (proven + reread > 0).then(|| {
        format!(
            "Stored snapshots: {} proven current by their audit logs{unseen}, {} read whole \
             (see the JSON plan's live_source for each).",
            plural(proven, "tenant", "tenants"),
            plural(reread, "tenant", "tenants")
        )
    })
}

/// The last line of every format.
pub(super) fn totals(plan: &Plan) -> String {
    let tenants = plural(plan.tenants.len(), "tenant", "tenants");
    if is_empty(plan) {
        return format!("Total: no changes in {tenants}.");
    }
    let changing = plan.tenants.iter().filter(|t| t.has_changes()).count();
    let new = plan.tenants.iter().filter(|t| t.create_tenant).count();
    let new = if new > 0 {
        format!(" ({new} new)")
    } else {
        String::new()
    };
    format!(
        "Total: {} in {changing} of {tenants}{new}; {}.",
        all_counts(plan.counts()),
        plural(
            usize::try_from(plan.api_calls()).unwrap_or(usize::MAX),
            "API call",
            "API calls"
        )
    )
}

/// A tenant's change list: the tenant's own creation, then one line per change in apply order,
/// each followed by its field differences.
pub(super) fn change_lines(tenant: &TenantPlan, drift_since: Option<&str>) -> Vec<Line> {
    let mut lines: Vec<Line> = tenant
        .warnings
        .iter()
        .map(|warning| Line {
            indent: 0,
            mark: None,
            text: format!("warning: {warning}"),
        })
        .collect();
    if tenant.create_tenant {
        lines.push(Line {
            indent: 0,
            mark: Some(Mark::Create),
            text: format!("tenant {} (through the MSP API)", tenant.name),
        });
    }
    if let Some(change) = &tenant.msp_record {
        lines.push(match &change.before {
            None => Line {
                indent: 1,
                mark: None,
                text: format!("msp_access: {}", access_list(&change.after)),
            },
            Some(before) => Line {
                indent: 0,
                mark: Some(Mark::Update),
                text: format!(
                    "MSP record of the tenant: {} → {}",
                    msp_record(before),
                    msp_record(&change.after)
                ),
            },
        });
    }
    let drift_since = drift_since.filter(|_| tenant.changes.iter().any(|c| c.drift));
    let Some(reference) = drift_since else {
        change_list(tenant.changes.iter(), &mut lines);
        return lines;
    };
    let (drift, own): (Vec<&Change>, Vec<&Change>) = tenant.changes.iter().partition(|c| c.drift);
    if !own.is_empty() {
        lines.push(heading(CHANGES_IN_PULL_REQUEST.to_owned()));
        change_list(own.into_iter(), &mut lines);
    }
    lines.push(heading(drift_heading(reference)));
    change_list(drift.into_iter(), &mut lines);
    lines
}

/// The heading of a tenant's changes that the files at the reference make too.
pub(super) const CHANGES_IN_PULL_REQUEST: &str = "Changes in this pull request:";

/// `Drift: changed outside birdhouse since origin/main (apply sets it back):`.
pub(super) fn drift_heading(reference: &str) -> String {
    format!("Drift: changed outside birdhouse since {reference} (apply sets it back to the files):")
}

fn heading(text: String) -> Line {
    Line {
        indent: 0,
        mark: None,
        text,
    }
}

fn change_list<'a>(changes: impl Iterator<Item = &'a Change>, lines: &mut Vec<Line>) {
    for change in changes {
        lines.push(Line {
            indent: 0,
            mark: Some(Mark::of(change.action)),
            text: change_text(change),
        });
        field_lines(&change.fields, lines);
    }
}

/// How many of the plan's changes are drift, said once under the summary; `None` without
/// `--changed-since` or without drift.
pub(super) fn drift_summary(plan: &Plan) -> Option<String> {
    let reference = plan.drift_since.as_deref()?;
    let drift: usize = plan
        .tenants
        .iter()
        .map(|t| t.changes.iter().filter(|c| c.drift).count())
        .sum();
    let all: usize = plan.tenants.iter().map(|t| t.changes.len()).sum();
    (drift > 0).then(|| {
        let changes = if all == 1 { "change" } else { "changes" };
        let (are, them) = if drift == 1 {
            ("is", "it")
        } else {
            ("are", "them")
        };
        let drifted = plan
            .tenants
            .iter()
            .filter(|t| t.changes.iter().any(|c| c.drift))
            .count();
        let tenants = if drifted == 1 { "tenant" } else { "tenants" };
        format!(
            "Drift: {drift} of {all} {changes} {are} not this pull request's: the live {tenants} \
             changed outside birdhouse since {reference}, and the files at {reference} plan {them} \
             too."
        )
    })
}

/// `group developers`, `setup key office (auto_groups differ)`, `setup key ci: reusable, …`.
fn change_text(change: &Change) -> String {
    let subject = format!("{} {}", change.kind.singular(), change.name);
    let described = change
        .after
        .as_ref()
        .and_then(describe)
        .filter(|_| change.action == Action::Create);
    match (&change.reason, described) {
        // Every create is of a missing object; its description says more than the reason.
        (Reason::Missing, Some(description)) if change.action == Action::Create => {
            format!("{subject}: {description}")
        }
        (Reason::Missing, None) if change.action == Action::Create => subject,
        (reason, Some(description)) => {
            format!("{subject} ({}): {description}", self::reason(reason))
        }
        (reason, None) => format!(
            "{subject} ({}{})",
            create_only_reason(change).unwrap_or_else(|| self::reason(reason)),
            new_secret(change)
        ),
    }
}

/// `type and usage_limit are create-only`: every create-only field of a replace, not just the
/// first (the fields after them are the ones updated with it).
fn create_only_reason(change: &Change) -> Option<String> {
    let Reason::CreateOnly { field } = &change.reason else {
        return None;
    };
    let mut fields: Vec<String> = Vec::new();
    for changed in &change.fields {
        // The create-only fields come first; auto_groups is the one field a key updates.
        if changed.field == "auto_groups" {
            break;
        }
        fields.push(changed.field.clone());
    }
    if fields.len() < 2 {
        return Some(format!("{field} is create-only"));
    }
    Some(format!("{} are create-only", join_and(&fields)))
}

/// `; a new key: a new one-time secret` for a replace or token update that makes a new secret.
fn new_secret(change: &Change) -> &'static str {
    if change.reason == Reason::SecretLost {
        return "";
    }
    match (change.kind, change.action) {
        (Kind::SetupKey, Action::Replace) => "; a new key, with a new one-time secret",
        (Kind::ServiceUser, Action::Update) if change.fields.iter().any(|f| f.field == "token") => {
            "; a new token, with a new one-time secret"
        }
        _ => "",
    }
}

/// `auto_groups: ["admins"] → ["admins","devs"]` per field, in compact JSON; long values get a
/// line each.
fn field_lines(fields: &[FieldChange], lines: &mut Vec<Line>) {
    for field in fields {
        // A structured value (a rule, a list of rules) is shown field by field, never as one
        // JSON blob: only its parts that differ, each on its own line.
        if is_structured(&field.before) || is_structured(&field.after) {
            let mut parts = Vec::new();
            flatten_differences(&field.field, &field.before, &field.after, &mut parts);
            field_lines(&parts, lines);
            continue;
        }
        let before = compact(&field.before);
        let after = compact(&field.after);
        if field.field.len() + before.len() + after.len() <= LONG_FIELD_CHARS {
            lines.push(Line {
                indent: 4,
                mark: None,
                text: format!("{}: {before} → {after}", field.field),
            });
        } else {
            lines.push(Line {
                indent: 4,
                mark: None,
                text: format!("{}:", field.field),
            });
            lines.push(Line {
                indent: 6,
                mark: Some(Mark::Before),
                text: before,
            });
            lines.push(Line {
                indent: 6,
                mark: Some(Mark::After),
                text: after,
            });
        }
    }
}

/// An object, or a list holding one.
fn is_structured(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(_) => true,
        serde_json::Value::Array(items) => items.iter().any(serde_json::Value::is_object),
        _ => false,
    }
}

/// The leaves of `before` and `after` that differ, as `path.key` / `path[i]` field changes.
fn flatten_differences(
    path: &str,
    before: &serde_json::Value,
    after: &serde_json::Value,
    out: &mut Vec<FieldChange>,
) {
    use serde_json::Value;
    let null = Value::Null;
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for key in keys {
                let (bv, av) = (b.get(key).unwrap_or(&null), a.get(key).unwrap_or(&null));
                flatten_differences(&format!("{path}.{key}"), bv, av, out);
            }
        }
        (Value::Array(b), Value::Array(a)) if b.iter().chain(a).any(Value::is_object) => {
            for index in 0..b.len().max(a.len()) {
                let (bv, av) = (b.get(index).unwrap_or(&null), a.get(index).unwrap_or(&null));
                flatten_differences(&format!("{path}[{index}]"), bv, av, out);
            }
        }
        (Value::Object(_) | Value::Array(_), Value::Null)
        | (Value::Null, Value::Object(_) | Value::Array(_))
            if is_structured(before) || is_structured(after) =>
        {
            let empty = match (before, after) {
                (Value::Null, Value::Object(_)) | (Value::Object(_), Value::Null) => {
                    Value::Object(serde_json::Map::new())
                }
                _ => Value::Array(Vec::new()),
            };
            let (b, a) = if before.is_null() {
                (&empty, after)
            } else {
                (before, &empty)
            };
            flatten_differences(path, b, a, out);
        }
        (b, a) if b != a => out.push(FieldChange {
            field: path.to_owned(),
            before: b.clone(),
            after: a.clone(),
        }),
        _ => {}
    }
}

fn compact(value: &serde_json::Value) -> String {
    value.to_string()
}

/// `[admins, devs]`.
fn set(names: &BTreeSet<String>) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    format!("[{}]", names.join(", "))
}

/// A short description of a new object, or `None` when its kind and name say it all.
fn describe(object: &Object) -> Option<String> {
    let parts = match object {
        Object::Group(_)
        | Object::DnsSettings(_)
        | Object::AccountSettings(_)
        | Object::Peer(_) => Vec::new(),
        Object::SetupKey(key) => describe_setup_key(key),
        Object::Network(NetworkHeader { description, .. }) => {
            description.iter().map(|d| format!("\"{d}\"")).collect()
        }
        Object::NetworkResource(NetworkChild { network, object }) => {
            describe_resource(network, object)
        }
        Object::NetworkRouter(NetworkChild { object, .. }) => describe_router(object),
        Object::User(user) => describe_user(user),
        Object::ServiceUser(user) => describe_service_user(user),
        Object::PostureCheck(check) => describe_posture_check(check),
        Object::Policy(policy) => describe_policy(policy),
        Object::Route(route) => describe_route(route),
        Object::NameserverGroup(group) => describe_nameserver_group(group),
        Object::DnsZone(zone) => describe_zone(zone),
        Object::DnsRecord(child) => child
            .record
            .ttl
            .map(|ttl| format!("ttl {ttl}"))
            .into_iter()
            .collect(),
    };
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn describe_setup_key(key: &SetupKey) -> Vec<String> {
    let mut parts = vec![key.key_type.as_str().to_owned()];
    match key.expires_in {
        Some(ExpiresIn::Never) => parts.push("never expires".into()),
        Some(validity) => parts.push(format!("expires in {validity}")),
        None => {}
    }
    match key.usage_limit {
        Some(0) => parts.push("unlimited uses".into()),
        Some(limit) => parts.push(plural(
            usize::try_from(limit).unwrap_or(usize::MAX),
            "use",
            "uses",
        )),
        None => {}
    }
    if key.ephemeral == Some(true) {
        parts.push("ephemeral".into());
    }
    if key.allow_extra_dns_labels == Some(true) {
        parts.push("extra DNS labels allowed".into());
    }
    if let Some(groups) = key.auto_groups.as_ref().filter(|g| !g.is_empty()) {
        parts.push(format!("auto_groups {}", set(groups)));
    }
    if key.revoked == Some(true) {
        parts.push("revoked".into());
    }
    parts
}

fn describe_resource(network: &str, resource: &Resource) -> Vec<String> {
    let kind = match resource.address.kind() {
        crate::kinds::AddressKind::Host => "host",
        crate::kinds::AddressKind::Subnet => "subnet",
        crate::kinds::AddressKind::Domain => "domain",
    };
    let mut parts = vec![format!("{kind} {} in network {network}", resource.address)];
    if let Some(groups) = resource.groups.as_ref().filter(|g| !g.is_empty()) {
        parts.push(format!("groups {}", set(groups)));
    }
    if resource.enabled == Some(false) {
        parts.push("disabled".into());
    }
    parts
}

fn describe_router(router: &Router) -> Vec<String> {
    let mut parts = Vec::new();
    if router.masquerade == Some(true) {
        parts.push("masquerade".into());
    }
    if let Some(metric) = router.metric {
        parts.push(format!("metric {metric}"));
    }
    if router.enabled == Some(false) {
        parts.push("disabled".into());
    }
    parts
}

/// `network 10.1.0.0/16 via peer gw-1 to [staff]`, then the settings a create sets.
fn describe_route(route: &Route) -> Vec<String> {
    let via = match &route.via {
        RouterTarget::Peer(peer) => format!("peer {peer}"),
        RouterTarget::PeerGroups(groups) => format!("peer groups {}", set(groups)),
    };
    let mut parts = vec![format!(
        "{} via {via} to {}",
        route.destination,
        set(&route.groups)
    )];
    if let Some(groups) = route
        .access_control_groups
        .as_ref()
        .filter(|g| !g.is_empty())
    {
        parts.push(format!("access_control_groups {}", set(groups)));
    }
    if let Some(metric) = route.metric {
        parts.push(format!("metric {metric}"));
    }
    if route.masquerade == Some(false) {
        parts.push("no masquerade".into());
    }
    if route.keep_route == Some(true) {
        parts.push("keep_route".into());
    }
    if route.skip_auto_apply == Some(true) {
        parts.push("skip_auto_apply".into());
    }
    if route.enabled == Some(false) {
        parts.push("disabled".into());
    }
    parts
}

/// `10.20.0.53:53 for [clinic.internal] to [staff]`, or `... for every domain ...`.
fn describe_nameserver_group(group: &NameserverGroup) -> Vec<String> {
    let servers: Vec<String> = group.nameservers.iter().map(ToString::to_string).collect();
    let domains = if group.primary() {
        "every domain".to_owned()
    } else {
        set(&group.domains)
    };
    let mut parts = vec![format!(
        "{} for {domains} to {}",
        servers.join(" "),
        set(&group.groups)
    )];
    if group.search_domains_enabled == Some(true) {
        parts.push("search domains".into());
    }
    if group.enabled == Some(false) {
        parts.push("disabled".into());
    }
    parts
}

/// `"Clinic" to [staff]`, then the settings a create sets.
fn describe_zone(zone: &DnsZone) -> Vec<String> {
    let mut parts = vec![format!(
        "\"{}\" to {}",
        zone.name,
        set(&zone.distribution_groups)
    )];
    if zone.enable_search_domain == Some(true) {
        parts.push("search domain".into());
    }
    if zone.enabled == Some(false) {
        parts.push("disabled".into());
    }
    parts
}

fn describe_user(user: &User) -> Vec<String> {
    let mut parts = vec!["invited".to_owned()];
    if let Some(role) = user.role {
        parts.push(format!("role {}", role.as_str()));
    }
    if let Some(groups) = user.auto_groups.as_ref().filter(|g| !g.is_empty()) {
        parts.push(format!("auto_groups {}", set(groups)));
    }
    if user.blocked == Some(true) {
        parts.push("blocked".into());
    }
    parts
}

fn describe_service_user(user: &ServiceUser) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(role) = user.role {
        parts.push(format!("role {}", role.as_str()));
    }
    if let Some(groups) = user.auto_groups.as_ref().filter(|g| !g.is_empty()) {
        parts.push(format!("auto_groups {}", set(groups)));
    }
    if let Some(token) = &user.token {
        parts.push(format!(
            "token {} ({})",
            token.name,
            plural(usize::from(token.expires_in_days), "day", "days")
        ));
    }
    parts
}

/// `netbird >= 0.28.0`, `allow in [DE, FR/Paris]`: one part per condition.
fn describe_posture_check(check: &PostureCheck) -> Vec<String> {
    let checks = &check.checks;
    let mut parts = Vec::new();
    if let Some(version) = &checks.nb_version_check {
        parts.push(format!("netbird >= {}", version.min_version));
    }
    if let Some(os) = &checks.os_version_check {
        let versions: Vec<String> = [
            ("android", os.android.as_ref().map(|v| &v.min_version)),
            ("darwin", os.darwin.as_ref().map(|v| &v.min_version)),
            ("ios", os.ios.as_ref().map(|v| &v.min_version)),
            (
                "linux kernel",
                os.linux.as_ref().map(|v| &v.min_kernel_version),
            ),
            (
                "windows kernel",
                os.windows.as_ref().map(|v| &v.min_kernel_version),
            ),
        ]
        .into_iter()
        .filter_map(|(os, version)| version.map(|v| format!("{os} >= {v}")))
        .collect();
        parts.push(format!("os {}", versions.join(" ")));
    }
    if let Some(geo) = &checks.geo_location_check {
        let places: Vec<String> = geo
            .locations
            .iter()
            .map(|l| match &l.city_name {
                Some(city) => format!("{}/{city}", l.country_code),
                None => l.country_code.clone(),
            })
            .collect();
        parts.push(format!("{} in [{}]", geo.action, places.join(", ")));
    }
    if let Some(range) = &checks.peer_network_range_check {
        parts.push(format!(
            "{} from [{}]",
            range.action,
            range.ranges.join(", ")
        ));
    }
    if let Some(process) = &checks.process_check {
        parts.push(plural(process.processes.len(), "process", "processes") + " running");
    }
    parts
}

fn describe_policy(policy: &Policy) -> Vec<String> {
    let mut parts: Vec<String> = policy.rules.iter().map(describe_rule).collect();
    if let Some(checks) = policy
        .source_posture_checks
        .as_ref()
        .filter(|c| !c.is_empty())
    {
        parts.push(format!("posture checks {}", set(checks)));
    }
    if policy.enabled == Some(false) {
        parts.push("disabled".into());
    }
    parts
}

/// `accept tcp 22,443 from [admins] to [servers]`.
fn describe_rule(rule: &Rule) -> String {
    let action = match rule.action {
        RuleAction::Accept => "accept",
        RuleAction::Drop => "drop",
    };
    let mut text = format!("{action} {}", rule.protocol.as_str());
    if !rule.ports.is_empty() {
        let ports: Vec<String> = rule.ports.iter().map(ToString::to_string).collect();
        let _ = write!(text, " {}", ports.join(","));
    }
    match &rule.source_resource {
        Some(target) => {
            let _ = write!(text, " from {target}");
        }
        None => {
            let _ = write!(text, " from {}", set(&rule.sources));
        }
    }
    match &rule.destination {
        Destination::Groups(groups) => {
            let _ = write!(text, " to {}", set(groups));
        }
        Destination::Resource(target) => {
            let _ = write!(text, " to {target}");
        }
    }
    if !rule.authorized_groups.is_empty() {
        let logins: Vec<String> = rule
            .authorized_groups
            .iter()
            .map(|(group, users)| {
                if users.is_empty() {
                    format!("{group} as any user")
                } else {
                    let users: Vec<&str> = users.iter().map(String::as_str).collect();
                    format!("{group} as {}", users.join("/"))
                }
            })
            .collect();
        let _ = write!(text, ", logins: {}", logins.join(", "));
    }
    if rule.bidirectional == Some(true) {
        text.push_str(" both ways");
    }
    if rule.enabled == Some(false) {
        text.push_str(" (rule disabled)");
    }
    text
}

/// The note of a token that expires soon: when, and how to rotate it.
pub(super) fn token_note(plan: &Plan) -> Option<String> {
    let token = plan.token_expiry.as_ref()?;
    let when = token.when();
    Some(format!(
        "The API token {:?} {when} ({}): rotate it with `birdhouse token rotate --user current \
         --expires-in 90d --out FILE` and put the new token where CI reads it.",
        token.name, token.expires
    ))
}

#[cfg(test)]
mod tests {
    use super::{Line, field_lines};
    use crate::plan::FieldChange;

    #[test]
    fn a_structured_value_is_shown_field_by_field_not_as_one_blob() {
        let rule = |ports: &[&str], sources: &[&str]| serde_json::json!({"action": "accept", "ports": ports, "sources": sources});
        let change = FieldChange {
            field: "rules".into(),
            before: serde_json::json!([rule(&["22"], &["devs"])]),
            after: serde_json::json!([rule(&["22", "443"], &["devs"]), rule(&["80"], &["ops"])]),
        };
        let mut lines: Vec<Line> = Vec::new();
        field_lines(&[change], &mut lines);
        let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            text,
            [
                "rules[0].ports: [\"22\"] → [\"22\",\"443\"]",
                "rules[1].action: null → \"accept\"",
                "rules[1].ports: null → [\"80\"]",
                "rules[1].sources: null → [\"ops\"]",
            ]
        );
    }
}
