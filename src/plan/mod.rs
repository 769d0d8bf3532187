//! Pure: no I/O, no async. Turns a desired tenant and its live snapshot into a plan of changes,
//! each with its reason, ordered for apply, guarded against mass deletion, and fingerprinted.
//!
//! The plan speaks in names; server ids stay in the snapshot for `apply`. A plan can be saved as
//! JSON, reloaded and rendered in any format (see docs/plan-format.md).

mod blockers;
mod detach;
mod diff;
mod drift;

mod fingerprint;
mod guard;
pub mod msp;
mod order;
mod peers;
mod projected;
mod repoint;
mod steps;

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::DesiredTenant;
use crate::kinds::{
    AccountSettings, DnsRecord, DnsSettings, DnsZone, Group, Kind, NameserverGroup, Peer, Policy,
    PostureCheck, Resource, Route, Router, ServiceUser, SetupKey, User,
};
use crate::live::{LiveSource, Reads, Snapshot};

pub use drift::mark_drift;
pub use fingerprint::fingerprint;
pub use guard::GuardSettings;

/// The calls of the token check a run makes once (`GET /api/users/current` and that user's
/// tokens: when the token in use expires).
pub const TOKEN_CHECK_CALLS: u64 = 2;

/// The version of the saved-plan JSON format; bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// Every change of every selected tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`] when the plan was made.
    pub format_version: u32,
    /// The budget the plan was made for, to state how long applying it takes.
    pub budget: Budget,
    /// Whether an apply of this plan first reads the token's own account's `All` group (one
    /// call for the run, which proves every MSP tenant's identity): a saved plan's apply does;
    /// `apply -f` read it while planning.
    pub reads_own_all_group: bool,
    /// One entry per selected tenant, in file order.
    pub tenants: Vec<TenantPlan>,
    /// The `--changed-since` reference the changes were told apart against (drift or the pull
    /// request's), when there was one.
    pub drift_since: Option<String>,
    /// The run's token, when it expires soon: the Markdown plan notes it. Not saved.
    pub token_expiry: Option<TokenExpiry>,
}

/// A token that expires soon, as a plan notes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenExpiry {
    /// The token's name.
    pub name: String,
    /// Its expiry (RFC 3339).
    pub expires: String,
    /// Whole days left (negative once expired).
    pub days_left: i64,
}

impl TokenExpiry {
    /// `expires in 6 days`, `expires tomorrow`, `has expired`: how the warning and the
    /// Markdown note say when.
    pub fn when(&self) -> String {
        match self.days_left {
            days if days < 0 => "has expired".to_owned(),
            0 => "expires today".to_owned(),
            1 => "expires tomorrow".to_owned(),
            days => format!("expires in {days} days"),
        }
    }
}

/// The token's request budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Sustained requests per minute.
    pub requests_per_minute: u32,
    /// Requests that may be spent at once.
    pub burst: u32,
}

impl Budget {
    /// The least wall time `calls` requests can take under this budget, in seconds:
    /// the burst is free, the rest comes at the sustained rate.
    pub fn floor_seconds(self, calls: u64) -> f64 {
        let beyond_burst = calls.saturating_sub(u64::from(self.burst));
        #[allow(clippy::cast_precision_loss, reason = "call counts are far below 2^52")]
        let seconds = beyond_burst as f64 * 60.0 / f64::from(self.requests_per_minute.max(1));
        seconds
    }
}

/// The plan of one tenant.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts about the tenant, each read on its own"
)]
#[derive(Debug, Clone, PartialEq)]
pub struct TenantPlan {
    /// The tenant's name, as in the files.
    pub name: String,
    /// The tenant's account id; `None` for a tenant still to be created.
    pub account_id: Option<String>,
    /// Whether the tenant is the token's own account (`self: true`).
    pub self_account: bool,
    /// Whether the tenant is created by this plan (`create: true` and not found).
    pub create_tenant: bool,
    /// The MSP tenant's domain from the files, so a saved plan can create the tenant.
    pub domain: Option<String>,
    /// The kinds that were read; apply re-reads the same lists to check the fingerprint.
    pub kinds_read: BTreeSet<Kind>,
    /// The service users whose token lists were read; apply re-reads the same.
    pub tokens_read: BTreeSet<String>,
    /// Whether the peer list was read (some router names a peer); apply re-reads it too.
    pub peers_read: bool,
    /// sha256 of the canonical snapshot read; apply refuses the tenant when it moved. Empty
    /// when the plan is only printed ([`PlanOptions::fingerprint`]): a saved plan without one
    /// is refused as stale, never applied unchecked.
    pub fingerprint: String,
    /// The changes, in the order apply executes them.
    pub changes: Vec<Change>,
    /// Live objects of kinds not pruned that the files do not mention, left alone.
    pub unmanaged: BTreeMap<Kind, usize>,
    /// The objects counted in `unmanaged`, by kind, so a reviewer sees what is not touched.
    pub left_alone: BTreeMap<Kind, Vec<String>>,
    /// Why apply must not run for this tenant without `--allow-mass-delete`.
    pub refusals: Vec<Refusal>,
    /// Problems that stop this tenant from being planned or applied at all.
    pub errors: Vec<String>,
    /// What a reviewer must know that blocks nothing (a secret lost beyond repair).
    pub warnings: Vec<String>,
    /// API calls the apply of this tenant needs (the re-read included).
    pub api_calls: u64,
    /// Whether apply's re-read of this tenant asks for the account answer (its settings are
    /// managed, or it is created): that proves the identity, so the re-read needs no own
    /// account's `All` group.
    pub rereads_account: bool,
    /// The change of the MSP's record of the tenant (name and `msp_access`), when the files
    /// manage it and it differs, or the groups a create sends.
    pub msp_record: Option<msp::MspRecordChange>,
    /// Where the live state planned against came from: read, or a stored snapshot proven
    /// current by the tenant's audit log (`--snapshots`).
    pub live_source: LiveSource,
}

impl TenantPlan {
    /// The number of changes of each action.
    pub fn counts(&self) -> ActionCounts {
        let mut counts = ActionCounts::default();
        for change in &self.changes {
            match change.action {
                Action::Create => counts.create += 1,
                Action::Update => counts.update += 1,
                Action::Delete => counts.delete += 1,
                Action::Replace => counts.replace += 1,
            }
        }
        counts
    }

    /// Whether applying would change anything (creating the tenant and its MSP record count).
    pub fn has_changes(&self) -> bool {
        self.create_tenant || !self.changes.is_empty() || self.msp_record.is_some()
    }
}

/// How many changes of each action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionCounts {
    /// Objects created.
    pub create: usize,
    /// Objects updated in place.
    pub update: usize,
    /// Objects deleted.
    pub delete: usize,
    /// Objects replaced (created anew, old one retired).
    pub replace: usize,
}

impl ActionCounts {
    /// All changes.
    pub fn total(self) -> usize {
        self.create + self.update + self.delete + self.replace
    }
}

impl std::ops::AddAssign for ActionCounts {
    fn add_assign(&mut self, other: Self) {
        self.create += other.create;
        self.update += other.update;
        self.delete += other.delete;
        self.replace += other.replace;
    }
}

impl Plan {
    /// Totals over every tenant.
    pub fn counts(&self) -> ActionCounts {
        let mut counts = ActionCounts::default();
        for tenant in &self.tenants {
            counts += tenant.counts();
        }
        counts
    }

    /// Whether applying would change anything in any tenant.
    pub fn has_changes(&self) -> bool {
        self.tenants.iter().any(TenantPlan::has_changes)
    }

    /// API calls the whole apply needs: tenants without changes are not touched, and the own
    /// account's `All` group is read once when an MSP tenant is written to.
    pub fn api_calls(&self) -> u64 {
        let changing = || self.tenants.iter().filter(|t| t.has_changes());
        let own_all =
            self.reads_own_all_group && changing().any(|t| !t.self_account && !t.rereads_account);
        // A saved plan's apply runs with its own token (the apply token), so it checks that
        // token's expiry too; `apply -f` checked it while planning.
        let token_check = if self.reads_own_all_group && changing().next().is_some() {
            TOKEN_CHECK_CALLS
        } else {
            0
        };
        u64::from(own_all) + token_check + changing().map(|t| t.api_calls).sum::<u64>()
    }

    /// Whether any tenant has a refusal or an error.
    pub fn is_blocked(&self) -> bool {
        self.tenants
            .iter()
            .any(|t| !t.refusals.is_empty() || !t.errors.is_empty())
    }
}

/// One create, update, delete or replace of one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What kind of object.
    pub kind: Kind,
    /// The object's name (lower-case email for users; the resource's own name for resources,
    /// which are unique per tenant; `network/target` for routers).
    pub name: String,
    /// What happens.
    pub action: Action,
    /// Why, for the reader; apply never reads it.
    pub reason: Reason,
    /// The live object (update, delete, replace).
    pub before: Option<Object>,
    /// The desired object (create, update, replace); for an update, the live object with the
    /// desired fields applied.
    pub after: Option<Object>,
    /// Field-level differences of an update or replace.
    pub fields: Vec<FieldChange>,
    /// Whether the plan of the files at the `--changed-since` reference makes this change too:
    /// the live tenant already differed from what was merged, so the pull request did not
    /// cause it (see [`mark_drift`]). Always false without `--changed-since`.
    pub drift: bool,
}

impl Change {
    /// The API writes apply makes for this change. Each change is one write, except a replace
    /// (the old object's delete, the new one's create) and a service user's token, which is a
    /// call of its own (and a lost token's delete one more).
    pub fn writes(&self) -> u64 {
        match (self.action, &self.after) {
            (Action::Replace, _) => 2,
            (Action::Create, Some(Object::ServiceUser(user))) => {
                1 + u64::from(user.token.is_some())
            }
            (Action::Update, Some(Object::ServiceUser(_))) => {
                let token = self.fields.iter().any(|f| f.field == "token");
                let put = self.fields.iter().any(|f| f.field != "token");
                let rotate = token
                    && matches!(
                        self.reason,
                        Reason::SecretLost | Reason::TokenExpiring { .. }
                    );
                u64::from(put) + u64::from(token) + u64::from(rotate)
            }
            _ => 1,
        }
    }
}

/// Calls of the tenant lock around an apply: create the lock group and delete it (the re-read
/// that confirms it is the stale check's).
pub const LOCK_CALLS: u64 = 2;

/// The writes of `changes`.
fn writes(changes: &[Change]) -> u64 {
    changes.iter().map(Change::writes).sum()
}

/// Calls to apply a saved plan's tenant: the lock, the re-read of the lists the plan read, the
/// changes.
fn saved_plan_calls(changes: &[Change], live: &Snapshot, self_account: bool) -> u64 {
    let reads = Reads::from_kinds_read(&live.kinds_read).with_peers(live.peers.is_some());
    LOCK_CALLS + reread_calls(reads, live, self_account) + writes(changes)
}

/// Calls to apply a tenant planned in the same run (`apply -f`): the lock, the re-read of only
/// the lists its changes touch, the changes.
pub fn apply_calls_after_fresh_plan(
    changes: &[Change],
    live: &Snapshot,
    self_account: bool,
) -> u64 {
    let reads = touched_reads(changes).with_peers(live.peers.is_some());
    LOCK_CALLS + reread_calls(reads, live, self_account) + writes(changes)
}

/// The lists the re-read of `apply -f` reads before making `changes`: those the changed kinds
/// need, every list for a group delete (peers aside: the caller knows whether they were read).
pub fn touched_reads(changes: &[Change]) -> Reads {
    let mut kinds: BTreeSet<Kind> = changes.iter().map(|c| c.kind).collect();
    // A policy written with its posture checks sends them as ids.
    let names_checks = |object: Option<&Object>| matches!(object, Some(Object::Policy(p)) if p.source_posture_checks.is_some());
    if changes.iter().any(|c| names_checks(c.after.as_ref())) {
        kinds.insert(Kind::PostureCheck);
    }
    let deletes_a_group = changes
        .iter()
        .any(|c| c.kind == Kind::Group && c.action == Action::Delete);
    // Planning those kinds reads these lists, a group delete standing for a pruned group kind.
    Reads::for_kinds(&kinds, deletes_a_group)
}

/// The calls of re-reading `live` with `reads`; only the token's own account is asked who it
/// is (an MSP tenant's identity is proven by its groups list).
fn reread_calls(reads: Reads, live: &Snapshot, self_account: bool) -> u64 {
    let has_networks = !live.objects.networks.is_empty();
    reads.calls(has_networks, live.service_user_tokens.len(), self_account)
}

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Create a missing object.
    Create,
    /// Change fields in place.
    Update,
    /// Delete an object (prune).
    Delete,
    /// Create a new object, move references to it, retire the old (a create-only field changed).
    Replace,
}

impl Action {
    /// The marker every human output gives the action.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
            Action::Replace => "-/+",
        }
    }
}

/// Why a change is in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The object is not in the live state.
    Missing,
    /// The object is not in the desired state and its kind is pruned.
    NotDesired,
    /// These managed fields differ.
    FieldsDiffer {
        /// The field names.
        fields: Vec<String>,
    },
    /// A field that can only be set at creation differs.
    CreateOnly {
        /// The field.
        field: String,
    },
    /// The live setup key has expired.
    Expired,
    /// The live setup key is revoked and the file wants it valid (keys cannot be un-revoked).
    Revoked,
    /// An earlier apply created the object's one-time secret (a setup key, a service-user
    /// token) but never saved it: the secrets file holds its write-ahead record and no secret.
    SecretLost,
    /// A service user's token expires within the rotation window its file sets (or has
    /// expired): a new one is made and the old one deleted.
    TokenExpiring {
        /// Whole days until it expires; negative once it has.
        days_left: i64,
    },
    /// The object names groups this plan deletes: they are taken out of it first (NetBird
    /// refuses to delete a group anything names). The object may be one the files never
    /// mention: the reviewer sees that it is rewritten.
    Detach {
        /// The groups taken out.
        groups: Vec<String>,
    },
    /// The policy targets a network resource this plan replaces: it is pointed at the new one.
    Repoint {
        /// The resource.
        resource: String,
    },
    /// The setup key is revoked before it is deleted and replaced, so its secret is dead even
    /// if the delete fails.
    RevokeFirst,
    /// NetBird creates the object without this field's value (a key valid, a user unblocked, a
    /// router enabled): a second call sets it.
    SetAfterCreate {
        /// The field.
        field: String,
    },
}

/// One field's value before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field name (`rules[0].sources`).
    pub field: String,
    /// The live value.
    pub before: serde_json::Value,
    /// The desired value.
    pub after: serde_json::Value,
}

/// The object a change is about, in model form.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// A group.
    Group(Group),
    /// A setup key.
    SetupKey(SetupKey),
    /// A network (without its resources and routers, which are changes of their own).
    Network(NetworkHeader),
    /// A network resource.
    NetworkResource(NetworkChild<Resource>),
    /// A network router.
    NetworkRouter(NetworkChild<Router>),
    /// A regular user.
    User(User),
    /// A service user.
    ServiceUser(ServiceUser),
    /// A posture check.
    PostureCheck(PostureCheck),
    /// A policy.
    Policy(Policy),
    /// A network route.
    Route(Route),
    /// A nameserver group.
    NameserverGroup(NameserverGroup),
    /// The DNS settings.
    DnsSettings(DnsSettings),
    /// A DNS zone, without its records.
    DnsZone(DnsZone),
    /// A record with the zone (its domain) it belongs to.
    DnsRecord(ZoneRecord),
    /// The account settings.
    AccountSettings(AccountSettings),
    /// An existing peer's settings.
    Peer(Peer),
}

/// A DNS record with its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRecord {
    /// The zone's domain.
    pub zone: String,
    /// The record.
    pub record: DnsRecord,
}

/// The fields of a network itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkHeader {
    /// The network's name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// A resource or router with the network it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkChild<T> {
    /// The network's name.
    pub network: String,
    /// The object.
    pub object: T,
}

/// Why a tenant's changes are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The plan deletes more than the threshold share of the tenant's managed objects.
    MassDelete {
        /// Objects the plan deletes.
        deletes: usize,
        /// Managed objects before the plan.
        managed: usize,
        /// The largest share a plan may delete, in percent.
        max_percent: usize,
    },
    /// The plan leaves the tenant with no managed objects.
    EmptiesTenant {
        /// Objects the plan deletes.
        deletes: usize,
    },
}

/// One-time secrets of a tenant that an earlier apply created but never saved, read from the
/// write-ahead records of the secrets file: the next apply makes them again (a new setup key, a
/// new token) so no secret is lost without the plan saying so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LostSecrets {
    /// Setup keys, by name.
    pub setup_keys: BTreeSet<String>,
    /// Service users whose token's secret was lost, by name.
    pub service_user_tokens: BTreeSet<String>,
    /// Users whose generated password was lost, by email (lower case); NetBird cannot
    /// reset it through the API, so the plan can only warn.
    pub user_passwords: BTreeSet<String>,
}

/// The inputs of one tenant's plan, besides the desired and live state.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Thresholds of the mass-delete guard.
    pub guard: GuardSettings,
    /// The moment the plan is made: a token is rotated when it expires within its file's
    /// window from now (an input, so planning stays a function of what it is given).
    pub now: std::time::SystemTime,
    /// Whether each tenant's plan carries its snapshot's fingerprint: a saved or JSON plan
    /// needs it, a plan only printed does not, and hashing every snapshot's JSON is a few per
    /// cent of a large plan's CPU.
    pub fingerprint: bool,
}

/// Plans one tenant: diff, order, guard, fingerprint. Pure.
pub fn plan_tenant(
    desired: &DesiredTenant,
    live: &Snapshot,
    account_id: Option<String>,
    options: PlanOptions,
) -> TenantPlan {
    plan_tenant_with_lost_secrets(desired, live, account_id, options, &LostSecrets::default())
}

/// [`plan_tenant`], replacing the objects whose one-time secret an earlier apply lost.
pub fn plan_tenant_with_lost_secrets(
    desired: &DesiredTenant,
    live: &Snapshot,
    account_id: Option<String>,
    options: PlanOptions,
    lost: &LostSecrets,
) -> TenantPlan {
    let (desired, peer_errors) = peers::resolve_peers(desired, live);
    let desired = desired.as_ref();
    let mut diffed = diff::diff(desired, live, lost, options.now);
    diffed.errors.extend(peer_errors);
    let mut changes = diffed.changes;
    // In execution order first, so the tenant they leave (see `projected`) is built the way
    // apply will build it: a network before its resources.
    order::order(&mut changes);
    diffed
        .errors
        .extend(blockers::refuse_blocked_group_deletes(&mut changes, live));
    let detaches = detach::detach_changes(&changes, live);
    let repoints = repoint::repoint_changes(&changes, live);
    for rewrite in detaches.iter().chain(&repoints) {
        not_left_alone(&mut diffed.left_alone, &mut diffed.unmanaged, rewrite);
    }
    changes.extend(detaches);
    changes.extend(repoints);
    let mut changes = steps::split(changes);
    order::order(&mut changes);
    let refusals = guard::guard(
        &changes,
        diffed.managed,
        desired.objects.total(),
        options.guard,
    );
    TenantPlan {
        name: desired.name.clone(),
        account_id,
        self_account: desired.target.self_account,
        create_tenant: false,
        domain: desired.target.domain.clone(),
        kinds_read: live.kinds_read.clone(),
        tokens_read: live.service_user_tokens.keys().cloned().collect(),
        peers_read: live.peers.is_some(),
        fingerprint: if options.fingerprint {
            fingerprint(live)
        } else {
            String::new()
        },
        api_calls: saved_plan_calls(&changes, live, desired.target.self_account),
        rereads_account: live.kinds_read.contains(&Kind::AccountSettings),
        changes,
        unmanaged: diffed.unmanaged,
        left_alone: diffed.left_alone,
        refusals,
        errors: diffed.errors,
        warnings: diffed.warnings,
        msp_record: None,
        live_source: LiveSource::Read,
    }
}

/// An object the files do not name that the plan rewrites anyway (detached from a deleted
/// group, pointed at a replaced resource) is not left alone: it leaves that list and count.
fn not_left_alone(
    left_alone: &mut BTreeMap<Kind, Vec<String>>,
    unmanaged: &mut BTreeMap<Kind, usize>,
    rewrite: &Change,
) {
    let Some(names) = left_alone.get_mut(&rewrite.kind) else {
        return;
    };
    let Some(position) = names.iter().position(|name| *name == rewrite.name) else {
        return;
    };
    names.remove(position);
    if names.is_empty() {
        left_alone.remove(&rewrite.kind);
    }
    if let Some(count) = unmanaged.get_mut(&rewrite.kind) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            unmanaged.remove(&rewrite.kind);
        }
    }
}

/// The plan of a tenant that could not be planned: nothing is read from or written to it, and
/// `error` says why (the tenant cannot be found, its entry names another account, a read
/// failed). Apply skips it.
pub fn failed_tenant(
    desired: &DesiredTenant,
    account_id: Option<String>,
    error: String,
) -> TenantPlan {
    TenantPlan {
        name: desired.name.clone(),
        account_id,
        self_account: desired.target.self_account,
        create_tenant: false,
        domain: desired.target.domain.clone(),
        kinds_read: BTreeSet::new(),
        tokens_read: BTreeSet::new(),
        peers_read: false,
        fingerprint: String::new(),
        changes: Vec::new(),
        unmanaged: BTreeMap::new(),
        left_alone: BTreeMap::new(),
        refusals: Vec::new(),
        errors: vec![error],
        warnings: Vec::new(),
        api_calls: 0,
        rereads_account: false,
        msp_record: None,
        live_source: LiveSource::Read,
    }
}

/// The plan of a tenant apply creates through the MSP API (`create: true`, not found): every
/// desired object is a create. It costs the create and a first read of every list instead of
/// the lock and a re-read (a tenant this run creates has no other writer; a new account has no
/// networks and no tokens; its identity is proven by its groups list).
pub fn new_tenant(desired: &DesiredTenant, options: PlanOptions) -> TenantPlan {
    let mut plan = plan_tenant(desired, &Snapshot::default(), None, options);
    plan.create_tenant = true;
    plan.api_calls = 1 + Reads::ALL.calls(false, 0, false) + writes(&plan.changes);
    plan.rereads_account = Reads::ALL.account_settings;
    plan
}

#[cfg(test)]
mod tests;
