//! A plan → API calls, in dependency order, tenant by tenant. Imports `plan`, `kinds`, `live`
//! and `api`; never `desired`, `render` or `cli` (it prints nothing: an [`Observer`] hears
//! about every change and the caller decides how to show it).
//!
//! [`apply_tenant`] executes one tenant's changes in the plan's order (creates, updates and
//! replaces up the dependency ranks, then deletes down) against a working copy of the tenant
//! (`state`) that every answer keeps current, so ids of objects created earlier in the run and
//! the live fields a full-replace PUT must echo are always at hand.
//!
//! Failure isolation: a tenant stops at its first failed change and the rest of its changes are
//! skipped; other tenants are not affected. Every multi-step change is ordered so that, if it
//! stops part-way, the next `birdhouse plan` shows exactly what is left (a router created
//! enabled shows as an update; a service user whose token could not be created is removed
//! again, so it shows as a create; a setup key is retired before its replacement is created, so
//! two keys never share a name). A POST whose outcome is unknown is settled by re-reading that
//! kind's list: the object is used if it is there, and the POST is sent once more if it is not.

mod dns;
mod groups;
mod keys;
pub mod lock;
mod networks;
mod policies;
mod posture_checks;
mod rewrites;
mod routes;
mod secrets;
mod settings;
mod stale;
mod state;
mod to_wire;
mod users;

use std::collections::BTreeMap;
use std::fmt;
use std::pin::Pin;

use crate::api::{ApiError, Client, TenantClient};
use crate::kinds::wire;
use crate::kinds::{Kind, router_key};
use crate::live::{LiveError, LiveTenant, Reads, fetch_tenant};
use crate::plan::{Action, Change, Object, Reason, TenantPlan};

pub use secrets::{
    SecretKind, SecretsError, SecretsSink, Settled, Stored, journal_path, lost_secrets,
};

use state::State;

/// Why a change (or a tenant) could not be applied. Messages never hold a secret or a body.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An API call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The tenant could not be read, or the identity check failed.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A name the change needs has no id: neither read nor created earlier in this run.
    #[error("no {} named {name:?} exists in the tenant (it was neither read nor created in this run)", kind.singular())]
    MissingId {
        /// The kind.
        kind: Kind,
        /// The name.
        name: String,
    },
    /// The plan holds a change apply does not know how to make (a plan from another version).
    #[error("cannot {action:?} a {} ({name:?}): not a change this version of birdhouse makes", kind.singular())]
    Unsupported {
        /// The kind.
        kind: Kind,
        /// The action.
        action: Action,
        /// The object's name.
        name: String,
    },
    /// The server dropped references from a policy (it ignores unknown group ids silently).
    #[error(
        "the server dropped {} from policy {policy:?} without an error; the policy is now \
         narrower than the files say",
        missing.join(", ")
    )]
    DroppedReferences {
        /// The policy.
        policy: String,
        /// The groups (or resource) missing from the answer, by name where known.
        missing: Vec<String>,
    },
    /// A one-time secret could not be written; the object exists but its secret is lost.
    #[error(
        "{what} was created but its one-time secret could not be saved; delete it so the next \
         apply creates it again"
    )]
    Secret {
        /// The object.
        what: String,
        /// Why the write failed.
        #[source]
        source: SecretsError,
    },
    /// A service user's token could not be created.
    #[error(
        "the token of service user {user:?} could not be created; {}",
        if *rolled_back {
            "the service user was removed again, so the next apply creates both"
        } else {
            "removing the service user failed too: delete it by hand so the next apply creates it with its token"
        }
    )]
    Token {
        /// The service user.
        user: String,
        /// Whether the service user was deleted again.
        rolled_back: bool,
        /// Why the token failed.
        #[source]
        source: Box<ApplyError>,
    },
    /// The user asked to stop (Ctrl-C, SIGTERM); the tenant stopped before its next change.
    #[error("interrupted before this change; run apply again to finish")]
    Interrupted,
    /// A saved plan asks to create a tenant but records no domain to create it with.
    #[error(
        "the saved plan asks to create this tenant but records no domain for it; run \
         `birdhouse apply -f FILES` instead"
    )]
    CreateFromSavedPlan,
}

impl From<crate::kinds::kit::ids::MissingId> for ApplyError {
    fn from(missing: crate::kinds::kit::ids::MissingId) -> Self {
        ApplyError::MissingId {
            kind: missing.kind,
            name: missing.name,
        }
    }
}

/// Something the user should hear about while a tenant is applied, besides the changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A POST's outcome was unknown; the list was re-read.
    Recovered {
        /// The object, described.
        what: String,
        /// Whether the object was there (else the POST was sent again).
        found: bool,
    },
    /// No secrets file was given, so a one-time secret was dropped.
    SecretDropped {
        /// Which kind of secret.
        kind: SecretKind,
        /// The object it belongs to.
        name: String,
    },
    /// An ambiguous POST created the object, but its one-time secret never arrived.
    SecretLost {
        /// Which kind of secret.
        kind: SecretKind,
        /// The object it belongs to.
        name: String,
    },
    /// The lock of an apply killed on this host was removed (its process is gone).
    AbandonedLockRemoved {
        /// The lock, described.
        holder: String,
    },
    /// The MSP's record of the tenant was written (name and who may enter it).
    MspRecordWritten {
        /// The record now, as the plan showed it.
        record: String,
    },
    /// A lock could not be removed; it blocks other applies until it is.
    LockLeft {
        /// The lock group's id.
        group_id: String,
        /// Why the delete failed.
        error: String,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Recovered { what, found: true } => write!(
                f,
                "the answer to creating {what} was lost; re-read: it exists, continuing"
            ),
            Note::Recovered { what, found: false } => write!(
                f,
                "the answer to creating {what} was lost; re-read: it does not exist, sent again"
            ),
            Note::SecretDropped { kind, name } => write!(
                f,
                "the one-time {} of {name:?} was not saved (no --secrets-out); it cannot be \
                 shown again",
                kind.describe()
            ),
            Note::MspRecordWritten { record } => {
                write!(f, "the MSP's record of the tenant now says {record}")
            }
            Note::AbandonedLockRemoved { holder } => write!(
                f,
                "removed the lock of an apply that was killed on this host: {holder}"
            ),
            Note::LockLeft { group_id, error } => write!(
                f,
                "an apply lock (group {group_id}) could not be removed ({error}); it blocks \
                 other applies: remove it with `birdhouse unlock`"
            ),
            Note::SecretLost { kind, name } => write!(
                f,
                "the one-time {} of {name:?} was lost with the server's answer; reset it in \
                 NetBird",
                kind.describe()
            ),
        }
    }
}

/// Hears about a run as it happens (printing, a progress bar). Called from several tenants'
/// tasks at once.
pub trait Observer: Send + Sync {
    /// The tenant was created through the MSP API.
    fn tenant_created(&self, tenant: &str, account_id: &str);
    /// A change finished: applied (`Ok`) or failed.
    fn change(&self, tenant: &str, change: &Change, result: Result<(), &ApplyError>);
    /// Something worth knowing besides the changes.
    fn note(&self, tenant: &str, note: &Note);
    /// Whether the user asked to stop: each tenant then stops before its next change and
    /// releases its lock.
    fn interrupted(&self) -> bool {
        false
    }
}

/// What became of one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Made.
    Applied,
    /// Tried and failed (the tenant stopped here).
    Failed,
    /// Not tried: the tenant stopped earlier, or was refused.
    Skipped,
}

/// How a tenant ended.
#[derive(Debug)]
pub enum TenantStatus {
    /// Every change was applied.
    Done,
    /// Stopped at an error (before any change, or at the failed one).
    Failed(ApplyError),
    /// The tenant changed since it was planned; nothing was written.
    Stale(String),
    /// Another apply holds the tenant's lock; nothing was written.
    Locked(Vec<lock::OtherLock>),
}

/// The result of one tenant.
#[derive(Debug)]
pub struct TenantReport {
    /// The tenant's name.
    pub name: String,
    /// The account id written to (known once read or created).
    pub account_id: Option<String>,
    /// Whether this run created the tenant.
    pub created_tenant: bool,
    /// Whether this run wrote the MSP's record of the tenant (name and access).
    pub msp_record_written: bool,
    /// One outcome per planned change, in plan order.
    pub outcomes: Vec<ChangeOutcome>,
    /// How it ended.
    pub status: TenantStatus,
}

impl TenantReport {
    fn new(plan: &TenantPlan) -> Self {
        Self {
            name: plan.name.clone(),
            account_id: plan.account_id.clone(),
            created_tenant: false,
            msp_record_written: false,
            outcomes: vec![ChangeOutcome::Skipped; plan.changes.len()],
            status: TenantStatus::Done,
        }
    }

    /// Changes made.
    pub fn applied(&self) -> usize {
        self.count(ChangeOutcome::Applied)
    }

    /// Changes not tried.
    pub fn skipped(&self) -> usize {
        self.count(ChangeOutcome::Skipped)
    }

    /// The change that failed, by index in the plan.
    pub fn failed_change(&self) -> Option<usize> {
        self.outcomes
            .iter()
            .position(|o| *o == ChangeOutcome::Failed)
    }

    fn count(&self, wanted: ChangeOutcome) -> usize {
        self.outcomes.iter().filter(|o| **o == wanted).count()
    }
}

/// Where a tenant's apply starts from.
#[derive(Debug)]
pub enum Start {
    /// The tenant as `plan` just read it (identity already checked): `apply -f`. It is read
    /// again once the tenant is locked, like a saved plan's, because another writer may have
    /// changed it in between (or while the confirmation prompt waited).
    Live(Box<LiveTenant>),
    /// A saved plan: re-read the tenant and refuse it when its fingerprint moved.
    Reread,
    /// Create the tenant through the MSP API first (`create: true`), with this domain.
    Create {
        /// The MSP tenant's domain.
        domain: String,
    },
}

/// Applies one tenant's planned changes. Never panics on API failures: they end up in the
/// report, and the caller goes on with the other tenants.
pub async fn apply_tenant(
    client: &Client,
    plan: &TenantPlan,
    start: Start,
    secrets: &SecretsSink,
    observer: &dyn Observer,
) -> TenantReport {
    let mut report = TenantReport::new(plan);
    match start {
        Start::Create { domain } => {
            // A tenant created by this run is known to no other writer yet: no lock.
            match created(client, plan, &domain, observer, &mut report).await {
                Ok((tenant_client, live)) => {
                    execute(plan, tenant_client, &live, secrets, observer, &mut report).await;
                }
                Err(status) => report.status = status,
            }
        }
        Start::Reread if plan.create_tenant => {
            report.status = TenantStatus::Failed(ApplyError::CreateFromSavedPlan);
        }
        Start::Live(live) => {
            Box::pin(locked(
                client,
                plan,
                Some(*live),
                secrets,
                observer,
                &mut report,
            ))
            .await;
        }
        Start::Reread => {
            Box::pin(locked(client, plan, None, secrets, observer, &mut report)).await;
        }
    }
    report
}

/// Takes the tenant's lock, re-reads it (the read that confirms the lock and the stale check in
/// one), applies, and releases the lock whatever happened.
async fn locked(
    client: &Client,
    plan: &TenantPlan,
    planned: Option<LiveTenant>,
    secrets: &SecretsSink,
    observer: &dyn Observer,
    report: &mut TenantReport,
) {
    let scope = if plan.self_account {
        None
    } else {
        plan.account_id.as_deref()
    };
    let tenant_client = client.tenant(scope);
    let holder = lock::Holder::this_process();
    let lock = match lock::TenantLock::create(&tenant_client, &holder).await {
        Ok(lock) => lock,
        Err(error) => {
            report.status = TenantStatus::Failed(error.into());
            return;
        }
    };
    // A saved plan's MSP record is checked against the MSP's list before it is written;
    // `apply -f` read that list in this run.
    let recheck_record = planned.is_none();
    let reread = match planned {
        Some(planned) => stale::reread_touched(client, plan, planned).await,
        None => stale::reread(client, plan).await.map(|(_, mut live)| {
            let locks = std::mem::take(&mut live.locks);
            (live, locks)
        }),
    };
    match reread {
        Ok((live, locks)) => {
            let held = match lock.confirm(&locks) {
                Ok(()) => true,
                Err(others) if others.iter().all(lock::OtherLock::is_abandoned_here) => {
                    let removed =
                        remove_abandoned(&tenant_client, &plan.name, &others, observer).await;
                    if !removed {
                        report.status = TenantStatus::Locked(others);
                    }
                    removed
                }
                Err(others) => {
                    report.status = TenantStatus::Locked(others);
                    false
                }
            };
            if held {
                match write_msp_record(client, plan, recheck_record, observer).await {
                    Ok(written) => {
                        report.msp_record_written = written;
                        execute(
                            plan,
                            tenant_client.clone(),
                            &live,
                            secrets,
                            observer,
                            report,
                        )
                        .await;
                    }
                    Err(status) => report.status = status,
                }
            }
        }
        Err(status) => report.status = status,
    }
    if let Err((group_id, error)) = lock.release(&tenant_client).await {
        observer.note(
            &plan.name,
            &Note::LockLeft {
                group_id,
                error: error.to_string(),
            },
        );
    }
}

/// Writes the MSP's record of the tenant when the plan changes it: one PUT in the MSP's own
/// account with the record's whole new state (name and groups), so a write repeated after a
/// failure gives the same record. With `recheck` (a saved plan), the MSP's tenant list is read
/// first and a record that moved since the plan refuses the tenant as stale. True when it
/// wrote.
async fn write_msp_record(
    client: &Client,
    plan: &TenantPlan,
    recheck: bool,
    observer: &dyn Observer,
) -> Result<bool, TenantStatus> {
    let (Some(change), Some(id)) = (&plan.msp_record, &plan.account_id) else {
        return Ok(false);
    };
    let Some(before) = &change.before else {
        // Sent with the create.
        return Ok(false);
    };
    let failed = |error: ApiError| TenantStatus::Failed(error.into());
    if recheck {
        let tenants = client.list_tenants().await.map_err(failed)?;
        let own = client.own_groups().await.map_err(failed)?;
        let now = tenants
            .iter()
            .find(|t| t.id == *id)
            .map(|t| crate::plan::msp::record(&t.name, &t.groups, own));
        if now.as_ref() != Some(before) {
            return Err(TenantStatus::Stale(
                "the MSP's record of the tenant changed since the plan was made".to_owned(),
            ));
        }
    }
    let body = wire::UpdateTenantRequest {
        name: change.after.name.clone(),
        groups: change.groups.clone(),
    };
    client.update_tenant(id, &body).await.map_err(failed)?;
    observer.note(
        &plan.name,
        &Note::MspRecordWritten {
            record: crate::render::words::msp_record(&change.after),
        },
    );
    Ok(true)
}

/// Removes the locks of killed applies of this host; true when all are gone. Any later apply
/// sees this run's lock, so removing them cannot let a second writer in.
async fn remove_abandoned(
    client: &TenantClient,
    tenant: &str,
    abandoned: &[lock::OtherLock],
    observer: &dyn Observer,
) -> bool {
    for other in abandoned {
        match client.delete_group(&other.id).await {
            Ok(()) | Err(ApiError::NotFound { .. }) => observer.note(
                tenant,
                &Note::AbandonedLockRemoved {
                    holder: other.to_string(),
                },
            ),
            Err(error) => {
                observer.note(
                    tenant,
                    &Note::LockLeft {
                        group_id: other.id.clone(),
                        error: error.to_string(),
                    },
                );
                return false;
            }
        }
    }
    true
}

/// Executes the changes in order against the tenant as read; stops at the first failure or
/// when the user asks to stop.
async fn execute(
    plan: &TenantPlan,
    client: TenantClient,
    live: &LiveTenant,
    secrets: &SecretsSink,
    observer: &dyn Observer,
    report: &mut TenantReport,
) {
    report.account_id = Some(live.account_id.clone());
    let mut executor = Executor {
        tenant: &plan.name,
        client,
        state: State::new(live),
        secrets,
        observer,
        moved_resources: BTreeMap::new(),
    };
    for (index, change) in plan.changes.iter().enumerate() {
        if observer.interrupted() {
            report.status = TenantStatus::Failed(ApplyError::Interrupted);
            break;
        }
        match executor.apply(change).await {
            Ok(()) => {
                report.outcomes[index] = ChangeOutcome::Applied;
                observer.change(&plan.name, change, Ok(()));
            }
            Err(error) => {
                report.outcomes[index] = ChangeOutcome::Failed;
                observer.change(&plan.name, change, Err(&error));
                report.status = TenantStatus::Failed(error);
                break;
            }
        }
    }
}

/// Creates the tenant through the MSP API and reads what the new account starts with.
async fn created(
    client: &Client,
    plan: &TenantPlan,
    domain: &str,
    observer: &dyn Observer,
    report: &mut TenantReport,
) -> Result<(TenantClient, LiveTenant), TenantStatus> {
    let groups = plan
        .msp_record
        .as_ref()
        .map(|change| change.groups.clone())
        .unwrap_or_default();
    let tenant = create_tenant(client, &plan.name, domain, groups, observer)
        .await
        .map_err(TenantStatus::Failed)?;
    report.created_tenant = true;
    report.account_id = Some(tenant.id.clone());
    observer.tenant_created(&plan.name, &tenant.id);
    let tenant_client = client.tenant(Some(&tenant.id));
    // Read what the new account starts with (the All group, a default policy), with the
    // identity check, before writing to it.
    let live = fetch_tenant(&tenant_client, Some(&tenant.id), Reads::ALL)
        .await
        .map_err(|e| TenantStatus::Failed(e.into()))?;
    Ok((tenant_client, live))
}

async fn create_tenant(
    client: &Client,
    name: &str,
    domain: &str,
    groups: Vec<wire::TenantGroup>,
    observer: &dyn Observer,
) -> Result<wire::Tenant, ApplyError> {
    let body = wire::CreateTenantRequest {
        name: name.to_owned(),
        domain: domain.to_owned(),
        groups,
    };
    let what = format!("tenant {name:?}");
    let created = create_or_find(
        &what,
        || Box::pin(client.create_tenant(&body)),
        || {
            Box::pin(async move {
                let tenants = client.list_tenants().await?;
                Ok(tenants
                    .into_iter()
                    .find(|t| t.domain.eq_ignore_ascii_case(domain)))
            })
        },
        &|note| observer.note(name, note),
    )
    .await?;
    Ok(created.into_inner())
}

/// One API call as a boxed future, so a create can be sent again after an unknown outcome.
/// (Boxed rather than an async closure: the futures of async closures cannot yet be proven
/// `Send` for every lifetime, and each tenant runs as a spawned task, which must be `Send`.)
type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, ApiError>> + Send + 'a>>;

/// The answer to a create: from the POST, or found by re-reading after an unknown outcome.
pub(crate) enum Created<T> {
    /// The POST answered.
    New(T),
    /// The POST's answer was lost, and the object was found in the list.
    Found(T),
}

impl<T> Created<T> {
    pub(crate) fn into_inner(self) -> T {
        match self {
            Created::New(t) | Created::Found(t) => t,
        }
    }
}

/// Sends a POST; when its outcome is unknown, re-reads the list: uses the object when it is
/// there, sends the POST once more when it is not (it did not land, so this cannot duplicate).
async fn create_or_find<'a, T>(
    what: &str,
    post: impl Fn() -> Call<'a, T>,
    find: impl Fn() -> Call<'a, Option<T>>,
    note: &(dyn Fn(&Note) + Sync),
) -> Result<Created<T>, ApplyError> {
    match post().await {
        Ok(created) => Ok(Created::New(created)),
        Err(ApiError::OutcomeUnknown { .. }) => {
            if let Some(found) = find().await? {
                note(&Note::Recovered {
                    what: what.to_owned(),
                    found: true,
                });
                return Ok(Created::Found(found));
            }
            note(&Note::Recovered {
                what: what.to_owned(),
                found: false,
            });
            Ok(Created::New(post().await?))
        }
        Err(error) => Err(error.into()),
    }
}

/// Executes the changes of one tenant against its working state.
struct Executor<'a> {
    tenant: &'a str,
    client: TenantClient,
    state: State,
    secrets: &'a SecretsSink,
    observer: &'a dyn Observer,
    /// The ids of resources replaced in this run: old id → new id, for the policies that still
    /// name the old one.
    moved_resources: BTreeMap<String, String>,
}

impl Executor<'_> {
    async fn apply(&mut self, change: &Change) -> Result<(), ApplyError> {
        let name = change.name.as_str();
        let unsupported = || ApplyError::Unsupported {
            kind: change.kind,
            action: change.action,
            name: change.name.clone(),
        };
        match (&change.reason, change.after.as_ref()) {
            (Reason::Detach { groups }, Some(Object::Policy(_))) => {
                return self.detach_policy(name, groups).await;
            }
            (Reason::Repoint { .. }, Some(Object::Policy(_))) => {
                return self.repoint_policy(name).await;
            }
            (Reason::RevokeFirst, Some(Object::SetupKey(_))) => {
                return self.revoke_setup_key(name).await;
            }
            _ => {}
        }
        match (change.action, change.after.as_ref(), change.before.as_ref()) {
            (Action::Create, Some(after), _) => match after {
                Object::Group(group) => self.create_group(group).await,
                Object::Network(network) => self.create_network(network).await,
                Object::NetworkResource(child) => self
                    .create_resource(&child.network, &child.object)
                    .await
                    .map(drop),
                Object::NetworkRouter(child) => self.create_router(name, child).await,
                Object::SetupKey(key) => self.create_setup_key(key).await,
                Object::User(user) => self.create_user(name, user).await,
                Object::ServiceUser(user) => self.create_service_user(user).await,
                Object::PostureCheck(check) => self.create_posture_check(check).await,
                Object::Policy(policy) => self.write_policy(policy, false).await,
                Object::Route(route) => self.create_route(route).await,
                Object::NameserverGroup(group) => self.create_nameserver_group(group).await,
                Object::DnsSettings(_) | Object::AccountSettings(_) | Object::Peer(_) => {
                    Err(unsupported())
                }
                Object::DnsZone(zone) => self.create_dns_zone(zone).await,
                Object::DnsRecord(child) => self.create_dns_record(name, child).await,
            },
            (Action::Update, Some(after), _) => match after {
                Object::Network(network) => self.update_network(network).await,
                Object::NetworkResource(child) => {
                    self.update_resource(&child.network, &child.object).await
                }
                Object::NetworkRouter(child) => {
                    let was = match change.before.as_ref() {
                        Some(Object::NetworkRouter(before)) => {
                            router_key(&before.network, &before.object.target)
                        }
                        _ => name.to_owned(),
                    };
                    let key = router_key(&child.network, &child.object.target);
                    self.update_router(&was, &key, child).await
                }
                Object::SetupKey(key) => self.update_setup_key(key).await,
                Object::User(user) => self.update_user(name, user).await,
                Object::ServiceUser(user) => self.update_service_user(user, &change.fields).await,
                Object::PostureCheck(check) => self.update_posture_check(check).await,
                Object::Policy(policy) => self.write_policy(policy, true).await,
                Object::Route(route) => self.update_route(route).await,
                Object::NameserverGroup(group) => self.update_nameserver_group(group).await,
                Object::DnsSettings(settings) => self.update_dns_settings(settings).await,
                Object::DnsZone(zone) => self.update_dns_zone(zone).await,
                Object::Peer(peer) => self.update_peer(change.before.as_ref(), peer).await,
                Object::AccountSettings(settings) => {
                    self.update_account_settings(change.before.as_ref(), settings)
                        .await
                }
                Object::DnsRecord(child) => self.update_dns_record(name, child).await,
                Object::Group(group) => self.update_group(group).await,
            },
            (Action::Replace, Some(after), before) => match (after, before) {
                (Object::SetupKey(key), _) => self.replace_setup_key(key).await,
                (Object::NetworkResource(child), Some(Object::NetworkResource(old))) => {
                    self.replace_resource(&old.network, child).await
                }
                _ => Err(unsupported()),
            },
            (Action::Delete, _, Some(before)) => match before {
                Object::Group(_) => self.delete_group(name).await,
                Object::Network(_) => self.delete_network(name).await,
                Object::NetworkResource(child) => self.delete_resource(&child.network, name).await,
                Object::NetworkRouter(child) => self.delete_router(&child.network, name).await,
                Object::SetupKey(_) => self.delete_setup_key(name).await,
                Object::User(_) => self.delete_user(Kind::User, name).await,
                Object::ServiceUser(_) => self.delete_user(Kind::ServiceUser, name).await,
                Object::PostureCheck(_) => self.delete_posture_check(name).await,
                Object::Policy(_) => self.delete_policy(name).await,
                Object::Route(_) => self.delete_route(name).await,
                Object::NameserverGroup(_) => self.delete_nameserver_group(name).await,
                Object::DnsSettings(_) | Object::AccountSettings(_) | Object::Peer(_) => {
                    Err(unsupported())
                }
                Object::DnsZone(_) => self.delete_dns_zone(name).await,
                Object::DnsRecord(child) => self.delete_dns_record(name, &child.zone).await,
            },
            _ => Err(unsupported()),
        }
    }

    fn note(&self, note: &Note) {
        self.observer.note(self.tenant, note);
    }

    /// [`create_or_find`] with this tenant's notes.
    async fn create_or_find<'c, T>(
        &self,
        what: &str,
        post: impl Fn() -> Call<'c, T>,
        find: impl Fn() -> Call<'c, Option<T>>,
    ) -> Result<Created<T>, ApplyError> {
        create_or_find(what, post, find, &|note| self.note(note)).await
    }

    /// Records in the secrets file's journal, before the POST, that this secret is about to be
    /// created; a failure to record stops the change before anything is sent.
    fn intend_secret(&self, kind: SecretKind, name: &str) -> Result<(), ApplyError> {
        self.secrets
            .intend(self.tenant, kind, name)
            .map_err(|source| ApplyError::Secret {
                what: format!("{} {name:?}", kind.describe()),
                source,
            })
    }

    /// Settles a journal record whose create brought no secret (or was refused). A failure
    /// here loses nothing: the next plan would only replace an object needlessly, so it is
    /// logged, not raised.
    fn settle_secret(&self, kind: SecretKind, name: &str, settled: Settled) {
        if let Err(error) = self.secrets.settle(self.tenant, kind, name, settled) {
            tracing::warn!("could not settle the secrets journal record of {name:?}: {error}");
        }
    }

    /// Sends a one-time secret to the sink; a dropped secret is a note, a failed write an error.
    fn keep_secret(
        &self,
        kind: SecretKind,
        name: &str,
        secret: &crate::secret::Secret<String>,
    ) -> Result<(), ApplyError> {
        match self.secrets.store(self.tenant, kind, name, secret) {
            Ok(Stored::Written) => Ok(()),
            Ok(Stored::Dropped) => {
                self.note(&Note::SecretDropped {
                    kind,
                    name: name.to_owned(),
                });
                Ok(())
            }
            Err(source) => Err(ApplyError::Secret {
                what: format!("{} {name:?}", kind.describe()),
                source,
            }),
        }
    }
}
