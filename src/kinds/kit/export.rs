//! What every kind's export is written with: the tenant being exported, what not to write, the
//! warnings for what is left out, and how a reference to a group the file does not list is
//! handled. `desired::export` drives it over every kind; each kind's `export.rs` writes its
//! documents.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{FileId, Located, Span};
use crate::kinds::{ALL_GROUP, Kind, Tenant};

/// Why a live object is not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Withheld {
    /// birdhouse never manages it (the `All` group, non-API groups, the owner, the token's own
    /// user); left out silently, as a plan leaves it alone.
    Protected,
    /// Its name matches several live objects of its kind.
    Ambiguous,
    /// It uses something the file format cannot express; the text says what.
    Inexpressible(String),
}

/// One live tenant as export sees it: who it is, its objects, and what not to write.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExportSource {
    /// The MSP tenant's name.
    pub name: String,
    /// The tenant (account) id, pinned in the file.
    pub id: String,
    /// The MSP tenant's domain.
    pub domain: String,
    /// The token's own account, written as `self: true` (its id pinned, no domain).
    pub self_account: bool,
    /// The live objects whose names are unique.
    pub objects: Tenant,
    /// Objects not to write, by kind and name (names as in plans: resources by their own name,
    /// routers as `network/target`, users by lower-case email).
    pub withheld: BTreeMap<(Kind, String), Withheld>,
    /// Setup keys that never expire: the one expiry a read can state.
    pub never_expiring_keys: BTreeSet<String>,
    /// Who may enter the tenant as the MSP records it (`None`: not exported, as for the own
    /// account).
    pub msp_access: Option<Vec<crate::kinds::MspAccess>>,
    /// Why the MSP's record is not written, when a file cannot say it (a warning).
    pub msp_access_left_out: Option<String>,
}

/// Spans mean nothing in a document built from live state; every value gets this one.
pub(crate) const NOWHERE: Span = Span {
    file: FileId(0),
    line: 0,
    column: 0,
};

/// A value of a document built from live state (it was written nowhere).
pub(crate) fn at<T>(value: T) -> Located<T> {
    Located::new(value, NOWHERE)
}

/// The export of one tenant in progress.
pub(crate) struct Exporter<'a> {
    pub(crate) source: &'a ExportSource,
    pub(crate) warnings: Vec<String>,
    /// Groups the file lists: references may name only these (and `All` where allowed).
    pub(crate) groups: BTreeSet<String>,
    /// Resources the file lists, as (network, resource).
    pub(crate) resources: BTreeSet<(String, String)>,
    /// Posture checks the file lists: policies may name only these.
    pub(crate) posture_checks: BTreeSet<String>,
}

impl Exporter<'_> {
    pub(crate) fn withheld(&self, kind: Kind, name: &str) -> bool {
        self.source.withheld.contains_key(&(kind, name.to_owned()))
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    pub(crate) fn withheld_warnings(&mut self) {
        for ((kind, name), why) in &self.source.withheld {
            let message = match why {
                Withheld::Protected => continue,
                Withheld::Ambiguous => format!(
                    "{} {name:?} left out: more than one live {} has that name; rename the \
                     extras so a file can name one",
                    kind.singular(),
                    kind.singular()
                ),
                Withheld::Inexpressible(what) => format!(
                    "{} {name:?} left out: {what}, which the file format cannot express",
                    kind.singular()
                ),
            };
            self.warnings.push(message);
        }
    }

    /// The group names of a reference field, or `None` (with a warning) when one of them is
    /// not in the file.
    /// An optional list of groups: left out (unmanaged) when it names a group the file lacks,
    /// and when empty (what a create without one makes).
    pub(crate) fn optional_group_refs(
        &mut self,
        names: Option<&BTreeSet<String>>,
        all_allowed: bool,
        what: &str,
    ) -> Option<Vec<Located<String>>> {
        names
            .and_then(|groups| self.group_refs(groups, all_allowed, what, "left out (unmanaged)"))
            .filter(|groups| !groups.is_empty())
    }

    pub(crate) fn group_refs(
        &mut self,
        names: &BTreeSet<String>,
        all_allowed: bool,
        what: &str,
        consequence: &str,
    ) -> Option<Vec<Located<String>>> {
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !(self.groups.contains(*n) || all_allowed && n.as_str() == ALL_GROUP))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return Some(names.iter().cloned().map(at).collect());
        }
        let message = format!(
            "{what} {consequence}: it names groups the file does not list ({})",
            missing
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.warn(message);
        None
    }
}

/// Free text, left out when empty: the planner reads absent and empty text as the same.
pub(crate) fn non_empty(text: Option<&String>) -> Option<String> {
    text.filter(|t| !t.is_empty()).cloned()
}
