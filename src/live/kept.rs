//! Reading a tenant through its stored snapshot (`--snapshots`): one audit-log call first,
//! then, as [`proof::prove`] decides, the stored snapshot as it is, the stored snapshot with
//! some lists read again, or a whole read. Every read leaves the store holding what it read.

use std::collections::BTreeSet;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::api::wire::AuditEvent;
use crate::api::{ApiError, TenantClient};
use crate::kinds::is_lock_group;
use crate::live::fetch::{answering_account, read_into, token_list_owners};
use crate::live::lists::{List, lists_of};
use crate::live::proof::{self, Verdict};
use crate::live::store::{SnapshotStore, StoredTenant, rfc3339};
use crate::live::{LiveError, LiveTenant, Reads, WireTenant, convert, fetch_tenant_with_tokens};

/// Where a tenant's live state in a plan came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum LiveSource {
    /// Read from the API.
    #[default]
    Read,
    /// Read from the API, because the stored snapshot could not be proven current.
    Reread {
        /// Why it could not.
        why: String,
    },
    /// The stored snapshot, proven current by the tenant's audit log.
    Stored {
        /// When the snapshot was read (RFC 3339).
        read_at: String,
        /// The newest event of the tenant's log it is proven current up to.
        event_id: String,
        /// That event's time.
        event_time: String,
        /// The lists read again, because an event touched them or no event would show their
        /// change; empty when nothing was read but the log.
        refreshed: Vec<List>,
        /// Lists NetBird can change without an event, planned as stored rather than read again
        /// (`--unlogged-max-age`): a change made to them since `unlogged_read_at` is not seen.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        unlogged_as_stored: Vec<List>,
        /// When those lists were read (RFC 3339); absent when none is planned as stored.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unlogged_read_at: Option<String>,
    },
}

/// A tenant's audit log as it was answered, and when it was asked for.
struct LogAnswer {
    asked_at: SystemTime,
    events: Result<Vec<AuditEvent>, ApiError>,
}

impl LogAnswer {
    async fn ask(client: &TenantClient) -> LogAnswer {
        let asked_at = now();
        let events = client.list_audit_events().await;
        LogAnswer { asked_at, events }
    }
}

/// A tenant's audit log asked for early, while the files load (see `engine::early`): the
/// tenant's read takes the answer instead of asking again. The proof is the same as when asked
/// later: its events are those the server held when it was asked, and the snapshot proven
/// current stands for the tenant as of then.
pub struct EarlyLog(tokio::sync::oneshot::Receiver<LogAnswer>);

impl EarlyLog {
    /// The handle, and the request to run (under the caller's bound on requests in flight).
    pub fn ask(client: TenantClient) -> (EarlyLog, impl Future<Output = ()> + Send + 'static) {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let asking = async move {
            // Nobody waiting (the run ended first) is no loss.
            let _ = answer.send(LogAnswer::ask(&client).await);
        };
        (EarlyLog(answered), asking)
    }

    /// The early answer; asked now when the early request never ran to its end.
    async fn answer(self, client: &TenantClient) -> LogAnswer {
        match self.0.await {
            Ok(answer) => answer,
            Err(_) => LogAnswer::ask(client).await,
        }
    }
}

/// Reads `expected`'s tenant through `store`: its audit log (one call, or the answer `early`
/// holds), then what the proof leaves to read; stores the result. Any failure to use the log
/// or the store falls back to a whole read, never to an unproven snapshot.
pub async fn fetch_kept(
    client: &TenantClient,
    expected: &str,
    reads: Reads,
    token_owners: &BTreeSet<String>,
    store: &SnapshotStore,
    early: Option<EarlyLog>,
) -> Result<(LiveTenant, LiveSource), LiveError> {
    let needed = lists_of(reads);
    // Listed before anything else is read: an event newer than this one may be a change the
    // lists below already show, or not; either way the next run reads what it touched.
    let asked = match early {
        Some(log) => log.answer(client).await,
        None => LogAnswer::ask(client).await,
    };
    let read_started = asked.asked_at;
    let events = match asked.events {
        Ok(events) => events,
        Err(error) => {
            let why = format!(
                "the audit log could not be read ({:#})",
                anyhow::Error::from(error)
            );
            let live =
                fetch_tenant_with_tokens(client, Some(expected), reads, token_owners).await?;
            return Ok((live, LiveSource::Reread { why }));
        }
    };
    let newest = proof::newest(&events).cloned();
    let stored = store.load(expected);
    let verdict = stored.as_ref().map(|stored| {
        if let Some(why) = proof::too_old(stored, now(), store.max_age()) {
            return Verdict::Unproven(why);
        }
        let unlogged = proof::unlogged_rule(stored, now(), store.unlogged_max_age());
        proof::prove(stored, &events, &needed, token_owners, unlogged)
    });
    match (stored, verdict) {
        (Some(stored), Some(Verdict::Proven(found))) => {
            let since = stored
                .newest_event
                .clone()
                .expect("invariant: a proven snapshot has its event");
            let read_at = stored.read_at.clone();
            let mut kept = stored.clone();
            refresh(client, expected, &mut kept, &found.refresh, token_owners).await?;
            // Lists an event touched that this run does not need are stale from now on.
            for list in &found.outdated {
                kept.lists.remove(list);
            }
            kept.newest_event = newest.or(Some(since.clone()));
            kept.unsettled = proof::unsettled(&events, read_started);
            // Kept only where it is used, so a run that reads them every time writes nothing.
            if found.unlogged_read && !store.unlogged_max_age().is_zero() {
                kept.unlogged_read_at = Some(rfc3339(read_started));
            }
            let unlogged_read_at = (!found.unlogged_as_stored.is_empty())
                .then(|| stored.unlogged_read_time().to_owned());
            let live = live_of(&kept.wire, expected, reads, token_owners, now());
            // Most proven tenants are unchanged: nothing to write.
            if kept != stored {
                save(store, kept);
            }
            let source = LiveSource::Stored {
                read_at,
                event_id: since.id,
                event_time: since.timestamp,
                refreshed: found.refresh.into_iter().collect(),
                unlogged_as_stored: found.unlogged_as_stored.into_iter().collect(),
                unlogged_read_at,
            };
            Ok((live, source))
        }
        (_, verdict) => {
            let live =
                fetch_tenant_with_tokens(client, Some(expected), reads, token_owners).await?;
            if live.locks.is_empty() {
                // A tenant read under another run's lock is mid-apply: nothing worth keeping.
                let mut kept = StoredTenant::new(
                    live.account_id.clone(),
                    needed,
                    token_owners.clone(),
                    newest,
                    live.wire.clone(),
                );
                kept.unsettled = proof::unsettled(&events, read_started);
                save(store, kept);
            }
            let source = match verdict {
                Some(Verdict::Unproven(why)) => LiveSource::Reread { why },
                _ => LiveSource::Read,
            };
            Ok((live, source))
        }
    }
}

/// Reads `lists` again into `kept`, concurrently as a whole read does. The account answer,
/// when among them, must still be the expected account; the groups list sets apply locks aside
/// as a whole read does.
async fn refresh(
    client: &TenantClient,
    expected: &str,
    kept: &mut StoredTenant,
    lists: &BTreeSet<List>,
    token_owners: &BTreeSet<String>,
) -> Result<(), LiveError> {
    let accounts = Box::pin(read_into(client, &mut kept.wire, lists, token_owners)).await?;
    if let Some(accounts) = accounts {
        kept.wire.account = answering_account(accounts, Some(expected))?.1;
    }
    if lists.contains(&List::Groups) {
        kept.wire.groups.retain(|g| !is_lock_group(&g.name));
    }
    Ok(())
}

/// A kept tenant as a read of `reads` would give it: only the lists that read makes (a list kept
/// from an earlier run that needed more is left out, so the plan and its fingerprint are those
/// of a fresh read), with what time changes without an event brought up to `now`: a setup key
/// past its expiry lists as expired.
fn live_of(
    wire: &WireTenant,
    account_id: &str,
    reads: Reads,
    token_owners: &BTreeSet<String>,
    now: std::time::SystemTime,
) -> LiveTenant {
    let mut wire = only(wire.clone(), &lists_of(reads));
    // The token lists a fresh read would make: those of the service users named.
    let named: BTreeSet<String> = token_list_owners(&wire.users, token_owners)
        .into_iter()
        .map(str::to_owned)
        .collect();
    wire.tokens.retain(|id, _| named.contains(id));
    for key in &mut wire.setup_keys {
        let expired = humantime::parse_rfc3339(&key.expires).is_ok_and(|at| {
            at > std::time::UNIX_EPOCH + std::time::Duration::from_secs(1) && now > at
        });
        if expired {
            "expired".clone_into(&mut key.state);
            key.valid = false;
        }
    }
    let snapshot = convert(&wire, reads.kinds());
    LiveTenant {
        account_id: account_id.to_owned(),
        snapshot,
        wire,
        locks: Vec::new(),
    }
}

/// `wire` without the lists not in `lists`.
fn only(mut wire: WireTenant, lists: &BTreeSet<List>) -> WireTenant {
    let has = |list: List| lists.contains(&list);
    if !has(List::SetupKeys) {
        wire.setup_keys.clear();
    }
    if !has(List::Users) {
        wire.users.clear();
        wire.tokens.clear();
    }
    if !has(List::Policies) {
        wire.policies.clear();
    }
    if !has(List::PostureChecks) {
        wire.posture_checks.clear();
    }
    if !has(List::Routes) {
        wire.routes.clear();
    }
    if !has(List::NameserverGroups) {
        wire.nameserver_groups.clear();
    }
    if !has(List::DnsSettings) {
        wire.dns_settings = None;
    }
    if !has(List::DnsZones) {
        wire.dns_zones.clear();
    }
    if !has(List::Account) {
        wire.account = None;
    }
    if !has(List::Networks) {
        wire.networks.clear();
    }
    if !has(List::Resources) {
        wire.resources.clear();
    }
    if !has(List::Routers) {
        wire.routers.clear();
    }
    if !has(List::Peers) {
        wire.peers = None;
    }
    wire
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// Stores `kept`; a store that cannot be written costs the next run a read, nothing else.
fn save(store: &SnapshotStore, kept: StoredTenant) {
    let account = kept.account_id.clone();
    if let Err(error) = store.save(kept) {
        tracing::warn!(
            dir = %store.dir().display(),
            account,
            %error,
            "cannot store the tenant's snapshot; the next run reads it whole"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::live_of;
    use crate::live::{Reads, WireTenant};

    #[test]
    fn a_kept_setup_key_past_its_expiry_reads_as_expired() {
        let key: crate::kinds::wire::SetupKey = serde_json::from_value(serde_json::json!({
            "id": "k", "name": "office", "type": "reusable", "state": "valid", "valid": true,
            "expires": "2026-01-01T00:00:00Z", "auto_groups": []
        }))
        .unwrap();
        let never = crate::kinds::wire::SetupKey {
            id: "n".into(),
            name: "forever".into(),
            expires: "0001-01-01T00:00:00Z".into(),
            ..key.clone()
        };
        let wire = WireTenant {
            setup_keys: vec![key, never],
            ..WireTenant::default()
        };
        let later = humantime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
        let live = live_of(&wire, "acct", Reads::ALL, &BTreeSet::new(), later);
        assert_eq!(live.wire.setup_keys[0].state, "expired");
        assert!(!live.wire.setup_keys[0].valid);
        assert_eq!(live.wire.setup_keys[1].state, "valid");
        let earlier = humantime::parse_rfc3339("2025-06-01T00:00:00Z").unwrap();
        assert_eq!(
            live_of(&wire, "acct", Reads::ALL, &BTreeSet::new(), earlier)
                .wire
                .setup_keys[0]
                .state,
            "valid"
        );
    }
}
