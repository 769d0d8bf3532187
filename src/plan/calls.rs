//! How many API calls reading and applying a tenant cost, so a plan can state the budget time
//! an apply needs before anyone runs it.

use crate::live::{Reads, Snapshot};
use crate::model::{Kind, Role};
use crate::plan::{Action, Change, Object};

/// Calls to read one tenant: the identity check, one list per kind group (groups, setup keys,
/// users, policies, networks, routers), and the account-wide resource list when the tenant has
/// networks.
pub fn tenant_read_calls(network_count: usize) -> u64 {
    1 + 6 + u64::from(network_count > 0)
}

/// Calls to read every tenant of a run, plus the one tenant list when any tenant is found by
/// domain.
pub fn read_calls(network_counts: &[usize], resolves_by_domain: bool) -> u64 {
    u64::from(resolves_by_domain)
        + network_counts
            .iter()
            .map(|n| tenant_read_calls(*n))
            .sum::<u64>()
}

/// Calls of the tenant lock around an apply: create the lock group, delete it (the re-read
/// that confirms it is the stale check's).
pub const LOCK_CALLS: u64 = 2;

/// Calls to apply a saved plan's tenant: the lock, the re-read of the lists the plan read, the
/// changes.
pub(super) fn apply_calls(changes: &[Change], live: &Snapshot) -> u64 {
    let reads = Reads::from_kinds_read(&live.kinds_read).with_peers(live.peers.is_some());
    LOCK_CALLS + reads_calls(reads, live) + writes(changes, live)
}

/// Calls to apply a tenant planned in the same run (`apply -f`): the lock, the re-read of only
/// the lists its changes touch, the changes.
pub fn apply_calls_after_fresh_plan(changes: &[Change], live: &Snapshot) -> u64 {
    let kinds = changes.iter().map(|c| c.kind).collect();
    let deletes_a_group = changes
        .iter()
        .any(|c| c.kind == Kind::Group && c.action == Action::Delete);
    let reads = Reads::touched_by(&kinds, deletes_a_group).with_peers(live.peers.is_some());
    LOCK_CALLS + reads_calls(reads, live) + writes(changes, live)
}

/// Calls to create a tenant and apply its changes: the create, the first read of every list
/// (a new account has no networks), the changes. No lock: no other writer knows it yet.
pub(super) fn new_tenant_calls(changes: &[Change]) -> u64 {
    1 + tenant_read_calls(0) + writes(changes, &Snapshot::default())
}

/// Calls of one read with `reads`: the identity check, each list, the account-wide resources
/// when the tenant has networks, the token lists of the service users read, the peers.
fn reads_calls(reads: Reads, live: &Snapshot) -> u64 {
    let networks = reads.networks && !live.objects.networks.is_empty();
    let tokens = if reads.users {
        u64::try_from(live.service_user_tokens.len()).unwrap_or(u64::MAX)
    } else {
        0
    };
    1 + 1
        + u64::from(reads.setup_keys)
        + u64::from(reads.users)
        + u64::from(reads.policies)
        + 2 * u64::from(reads.networks)
        + u64::from(networks)
        + tokens
        + u64::from(reads.peers)
}

/// The writes of the changes.
fn writes(changes: &[Change], live: &Snapshot) -> u64 {
    changes
        .iter()
        .map(|change| change_calls(change, live))
        .sum::<u64>()
}

fn change_calls(change: &Change, live: &Snapshot) -> u64 {
    let two_step_create = match &change.after {
        // A router is always created enabled; a disabled one needs a second write.
        Some(Object::NetworkRouter(router)) => router.object.enabled == Some(false),
        // A service user's token is a second call.
        Some(Object::ServiceUser(user)) => user.token.is_some(),
        // A key is created valid and then revoked; a user invited, then blocked.
        Some(Object::SetupKey(key)) => key.revoked == Some(true),
        Some(Object::User(user)) => user.blocked == Some(true),
        _ => false,
    };
    match change.action {
        Action::Create => 1 + u64::from(two_step_create),
        // Resources: delete, create.
        Action::Replace if change.kind == Kind::SetupKey => key_replace_calls(change),
        Action::Replace => 2,
        Action::Delete if change.kind == Kind::Group => 1 + group_references(&change.name, live),
        Action::Update if change.kind == Kind::ServiceUser => service_user_update_calls(change),
        Action::Update | Action::Delete => 1,
    }
}

/// A key's replace: revoke the old key (unless it already is), delete it, create the new one,
/// and revoke that too when the file says `revoked: true`.
fn key_replace_calls(change: &Change) -> u64 {
    let revoked = |object: Option<&Object>| matches!(object, Some(Object::SetupKey(key)) if key.revoked == Some(true));
    u64::from(!revoked(change.before.as_ref())) + 2 + u64::from(revoked(change.after.as_ref()))
}

/// A service user's update: one PUT for role and groups, one POST for a token, and one DELETE
/// first when the token exists but its secret was lost.
fn service_user_update_calls(change: &Change) -> u64 {
    let token = change.fields.iter().any(|f| f.field == "token");
    let put = change.fields.iter().any(|f| f.field != "token");
    let rotate = token && change.reason == crate::plan::Reason::SecretLost;
    u64::from(put) + u64::from(token) + u64::from(rotate)
}

/// Live objects that name a group and must be detached before it can be deleted (the server
/// refuses to delete a referenced group).
fn group_references(group: &str, live: &Snapshot) -> u64 {
    let objects = &live.objects;
    let names = |groups: Option<&std::collections::BTreeSet<String>>| {
        groups.is_some_and(|g| g.contains(group))
    };
    let keys = objects
        .setup_keys
        .values()
        .filter(|k| names(k.auto_groups.as_ref()))
        .count();
    let users = objects
        .users
        .values()
        .filter(|u| u.role != Some(Role::Owner) && names(u.auto_groups.as_ref()))
        .count();
    let services = objects
        .service_users
        .values()
        .filter(|u| names(u.auto_groups.as_ref()))
        .count();
    let policies = objects
        .policies
        .values()
        .filter(|p| {
            p.rules.iter().any(|r| {
                r.sources.contains(group)
                    || matches!(&r.destination, crate::model::Destination::Groups(g) if g.contains(group))
            })
        })
        .count();
    let resources = objects
        .networks
        .values()
        .flat_map(|n| n.resources.values())
        .filter(|r| names(r.groups.as_ref()))
        .count();
    let routers = objects
        .networks
        .values()
        .flat_map(|n| n.routers.keys())
        .filter(|t| matches!(t, crate::model::RouterTarget::PeerGroups(g) if g.contains(group)))
        .count();
    (keys + users + services + policies + resources + routers) as u64
}
