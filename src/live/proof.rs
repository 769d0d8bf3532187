//! Whether a stored snapshot is still what the server holds, decided from the tenant's audit
//! log alone (pure: the events are read by the caller, one call).
//!
//! The proof, in order:
//! 1. The stored snapshot's newest event is in the log, unchanged. Event ids are unique across
//!    a server's accounts, so this also proves that `?account=` reached the account the
//!    snapshot was read from: the token's own account (NetBird's silent fallback) or another
//!    tenant cannot show it. A log kept off from the start (empty), one trimmed past it
//!    (NetBird lists only the newest 10,000) or paged past it does not show it either, and then
//!    nothing is proven.
//! 2. The snapshot holds every list this run needs.
//! 3. Every newer event is known to [`touched_by`]: an unknown code means anything may have
//!    changed. The lists the known ones touch are re-read.
//! 4. The lists NetBird can change without an event ([`audit::UNLOGGED`]) are re-read whenever
//!    they are needed, since no log can vouch for them; unless the run lets them be planned
//!    as stored for a while (`--unlogged-max-age`, [`unlogged_rule`]), and then the proof
//!    names them, so the plan can say that a change made to them since is not seen.
//! 5. The lists touched by events stamped just before the read that stored the snapshot are
//!    re-read ([`unsettled`], [`SETTLING`]).
//!
//! A log switched off after the snapshot was stored still lists its old events and looks like
//! a quiet tenant's; [`too_old`] bounds how long it can hide a change.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use crate::api::wire::AuditEvent;
use crate::kinds::Kind;
use crate::live::Reads;
use crate::live::audit::{self, Touches, touched_by};
use crate::live::lists::{List, lists_of, lists_touched_by, lists_touched_by_all};
use crate::live::store::StoredTenant;

/// How long an event may show before the change it logs is committed. NetBird saves an event
/// on a goroutine once its handler calls for it, and a handler that does so inside its
/// transaction can show the event a moment before the change itself: a read in that moment
/// sees the event but not yet the change. The lists touched by events stamped this close to a
/// read (by the reader's clock: ten seconds allow for commit delays and a server clock a few
/// seconds behind) are therefore read again on the next run ([`unsettled`]), which costs at
/// most one more read of what those seconds touched (after an apply: its own writes).
pub const SETTLING: Duration = Duration::from_secs(10);

/// The lists touched by events of `events` stamped within [`SETTLING`] of `now` (or not
/// stamped readably): the next run reads them again, whatever its log says. An unknown code
/// among them unsettles every list.
pub fn unsettled(events: &[AuditEvent], now: SystemTime) -> BTreeSet<List> {
    let since = now.checked_sub(SETTLING).unwrap_or(SystemTime::UNIX_EPOCH);
    let recent = events
        .iter()
        .filter(|event| timestamp(event).is_none_or(|at| at >= since));
    match kinds_touched(recent) {
        Ok(kinds) => lists_touched_by_all(&kinds),
        Err(_) => lists_of(Reads::EXPORT),
    }
}

/// The kinds `events` may have changed, or the first event of a code [`touched_by`] does not
/// know (after which anything may have changed).
fn kinds_touched<'e>(
    events: impl Iterator<Item = &'e AuditEvent>,
) -> Result<BTreeSet<Kind>, &'e AuditEvent> {
    let mut touched = BTreeSet::new();
    for event in events {
        match touched_by(&event.activity_code) {
            Touches::Nothing => {}
            Touches::Kinds(kinds) => touched.extend(kinds.iter().copied()),
            Touches::Unknown => return Err(event),
        }
    }
    Ok(touched)
}

/// What the log says of a stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It is the tenant's live state once the lists in the proof are read again.
    Proven(Proof),
    /// It cannot be proven current; the tenant is read whole. Why, for the plan.
    Unproven(String),
}

/// What becomes of the lists NetBird can change without an event ([`audit::UNLOGGED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnloggedRule {
    /// Read again on every run (the default): no log vouches for them.
    Read,
    /// Planned as stored: they were read recently enough for the run (`--unlogged-max-age`),
    /// and a change made to them since is not seen until they are read again.
    AsStored,
}

/// Whether the run may plan `stored`'s unlogged lists as stored at `now`: only when
/// `max_age` is not zero and they were read no longer than `max_age` ago.
pub fn unlogged_rule(stored: &StoredTenant, now: SystemTime, max_age: Duration) -> UnloggedRule {
    let recent = humantime::parse_rfc3339(stored.unlogged_read_time())
        .ok()
        .and_then(|at| now.duration_since(at).ok())
        .is_some_and(|age| age <= max_age);
    if !max_age.is_zero() && recent {
        UnloggedRule::AsStored
    } else {
        UnloggedRule::Read
    }
}

/// A stored snapshot proven current but for some lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// Lists the run needs that may have changed (an event touched them, or none would show
    /// their change): read again. Empty: the snapshot is current as it is.
    pub refresh: BTreeSet<List>,
    /// Lists an event touched that the run does not need: no longer current, dropped from the
    /// snapshot as it is stored again.
    pub outdated: BTreeSet<List>,
    /// Lists the run needs that NetBird can change without an event, planned as stored under
    /// [`UnloggedRule::AsStored`]: a change made to them since they were read is not seen.
    pub unlogged_as_stored: BTreeSet<List>,
    /// Every stored list no event vouches for is among `refresh`: once read, the snapshot's
    /// unlogged lists are as recent as this run.
    pub unlogged_read: bool,
}

#[cfg(test)]
impl Proof {
    fn of(refresh: &[List], outdated: &[List]) -> Verdict {
        Verdict::Proven(Proof {
            refresh: refresh.iter().copied().collect(),
            outdated: outdated.iter().copied().collect(),
            unlogged_as_stored: BTreeSet::new(),
            unlogged_read: true,
        })
    }
}

/// Decides `stored` against the tenant's audit log `events` (newest first, as listed) for a
/// run that needs `needed` and the tokens of `token_owners`, treating the lists no event
/// vouches for by `unlogged`.
pub fn prove(
    stored: &StoredTenant,
    events: &[AuditEvent],
    needed: &BTreeSet<List>,
    token_owners: &BTreeSet<String>,
    unlogged: UnloggedRule,
) -> Verdict {
    let Some(newest) = &stored.newest_event else {
        return Verdict::Unproven("the tenant's audit log was empty when it was last read".into());
    };
    let Some(stored_id) = event_number(newest) else {
        return Verdict::Unproven(format!(
            "the stored event id {:?} is not a number",
            newest.id
        ));
    };
    if !events.iter().any(|event| event == newest) {
        return Verdict::Unproven(format!(
            "event {} is no longer in the tenant's audit log (log disabled, trimmed or paged \
             past it, or another account answered)",
            newest.id
        ));
    }
    if let Some(missing) = needed.difference(&stored.lists).next() {
        return Verdict::Unproven(format!(
            "the stored snapshot has no {} (the files manage more than when it was read)",
            missing.label()
        ));
    }
    if !token_owners.is_subset(&stored.token_owners) {
        return Verdict::Unproven(
            "the stored snapshot lacks a service user's tokens the files now declare".into(),
        );
    }
    if let Some(odd) = events.iter().find(|event| event_number(event).is_none()) {
        return Verdict::Unproven(format!("event id {:?} is not a number", odd.id));
    }
    let newer = events
        .iter()
        .filter(|event| event_number(event).is_some_and(|id| id > stored_id));
    let touched = match kinds_touched(newer) {
        Ok(touched) => touched,
        Err(event) => {
            return Verdict::Unproven(format!(
                "event {} ({:?}) is of a kind birdhouse does not know",
                event.id, event.activity_code
            ));
        }
    };
    let touched_lists = lists_touched_by_all(&touched);
    let mut stale = touched_lists.clone();
    stale.extend(stored.unsettled.iter().copied());
    let silent = unlogged_lists(stored, &touched);
    let unlogged_as_stored = match unlogged {
        UnloggedRule::Read => {
            stale.extend(silent.iter().copied());
            BTreeSet::new()
        }
        UnloggedRule::AsStored => silent
            .intersection(needed)
            .filter(|list| !stale.contains(list))
            .copied()
            .collect(),
    };
    let refresh: BTreeSet<List> = stale.intersection(needed).copied().collect();
    let unlogged_read = silent
        .intersection(&stored.lists)
        .all(|list| refresh.contains(list));
    Verdict::Proven(Proof {
        refresh,
        outdated: touched_lists.difference(needed).copied().collect(),
        unlogged_as_stored,
        unlogged_read,
    })
}

/// The lists the log cannot vouch for (see [`audit::UNLOGGED`]): the account settings, the
/// network resources, and the users unless groups propagation was on when they were read and
/// has not been touched since (while it is on, NetBird logs every `auto_groups` change).
fn unlogged_lists(stored: &StoredTenant, touched: &BTreeSet<Kind>) -> BTreeSet<List> {
    let mut lists: BTreeSet<List> = audit::UNLOGGED
        .iter()
        .flat_map(|unlogged| match unlogged.kind {
            Kind::AccountSettings => &[List::Account][..],
            Kind::NetworkResource => &[List::Resources][..],
            Kind::User | Kind::ServiceUser => &[List::Users][..],
            other => lists_touched_by(other),
        })
        .copied()
        .collect();
    // Resources belong to networks, and a network's create is logged: without networks when
    // stored, the only way to resources is through logged events.
    if stored.lists.contains(&List::Networks) && stored.wire.networks.is_empty() {
        lists.remove(&List::Resources);
    }
    // Only a kept account answer vouches (one an event outdated may say anything).
    let kept_account = stored.lists.contains(&List::Account);
    let propagation_on = kept_account
        && stored.wire.account.as_ref().is_some_and(|account| {
            account.settings.get("groups_propagation_enabled")
                == Some(&serde_json::Value::Bool(true))
        });
    if propagation_on && !touched.contains(&Kind::AccountSettings) {
        lists.remove(&List::Users);
    }
    lists
}

/// Why `stored` is too old to be proven at `now` (read longer than `max_age` ago, or at a time
/// that does not parse), if it is. A log the server stopped writing (started with
/// `NB_EVENT_ACTIVITY_LOG_ENABLED=false` after the snapshot was stored) still lists its old
/// events and looks like a quiet tenant's; the age bounds how long such a log can hide a change.
pub fn too_old(stored: &StoredTenant, now: SystemTime, max_age: Duration) -> Option<String> {
    let read_at = humantime::parse_rfc3339(&stored.read_at).ok();
    let old = read_at.is_none_or(|at| now.duration_since(at).is_ok_and(|age| age > max_age));
    old.then(|| {
        format!(
            "the stored snapshot was read at {}, longer ago than --snapshot-max-age {}",
            stored.read_at,
            humantime::format_duration(max_age)
        )
    })
}

/// An event's time, as the server stamped it.
fn timestamp(event: &AuditEvent) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(&event.timestamp).ok()
}

/// An event's id as the number NetBird counts up (ids compare by number, not as text).
fn event_number(event: &AuditEvent) -> Option<u64> {
    event.id.parse().ok()
}

/// The newest event of a log as listed (newest first; by id, should a server order otherwise).
pub fn newest(events: &[AuditEvent]) -> Option<&AuditEvent> {
    events
        .iter()
        .filter(|event| event_number(event).is_some())
        .max_by_key(|event| event_number(event))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use std::time::Duration;

    use super::{Proof, UnloggedRule, Verdict, newest, prove, too_old, unlogged_rule, unsettled};
    use crate::api::wire::{Account, AuditEvent};
    use crate::live::WireTenant;
    use crate::live::lists::List;
    use crate::live::store::StoredTenant;

    fn event(id: u64, code: &str) -> AuditEvent {
        AuditEvent {
            id: id.to_string(),
            // A minute apart: no two events settle together unless a test says so.
            timestamp: format!("2026-12-01T{:02}:{:02}:00Z", 10 + id / 60, id % 60),
            activity_code: code.into(),
            target_id: "t".into(),
        }
    }

    fn stored(lists: &[List], newest: Option<AuditEvent>) -> StoredTenant {
        StoredTenant::new(
            "acct".into(),
            lists.iter().copied().collect(),
            BTreeSet::new(),
            newest,
            WireTenant::default(),
        )
    }

    const NEEDED: &[List] = &[List::Groups, List::Policies, List::Routes];

    /// [`prove`] for a run that names no token and reads the unlogged lists (the default).
    fn reading(stored: &StoredTenant, log: &[AuditEvent], needed: &BTreeSet<List>) -> Verdict {
        prove(stored, log, needed, &BTreeSet::new(), UnloggedRule::Read)
    }

    /// The proof of a run that names no token and plans the unlogged lists as stored.
    fn proven_as_stored(
        stored: &StoredTenant,
        log: &[AuditEvent],
        needed: &BTreeSet<List>,
    ) -> Proof {
        match prove(
            stored,
            log,
            needed,
            &BTreeSet::new(),
            UnloggedRule::AsStored,
        ) {
            Verdict::Proven(proof) => proof,
            Verdict::Unproven(why) => panic!("not proven: {why}"),
        }
    }

    #[test]
    fn a_log_with_only_older_events_or_logins_proves_the_snapshot_current() {
        let stored = stored(NEEDED, Some(event(10, "policy.add")));
        let needed: BTreeSet<List> = NEEDED.iter().copied().collect();
        let log = [
            event(12, "dashboard.login"),
            event(10, "policy.add"),
            event(3, "group.add"),
        ];
        assert_eq!(reading(&stored, &log, &needed), Proof::of(&[], &[]));
        assert_eq!(newest(&log), Some(&log[0]));
    }

    #[test]
    fn newer_events_refresh_only_the_lists_they_touch_that_the_run_needs() {
        let stored = stored(NEEDED, Some(event(10, "policy.add")));
        let needed: BTreeSet<List> = NEEDED.iter().copied().collect();
        let log = [
            event(13, "setupkey.add"),
            event(11, "policy.update"),
            event(10, "policy.add"),
        ];
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Policies], &[List::SetupKeys])
        );
        // A peer's arrival changes the groups' members.
        let log = [event(11, "peer.setupkey.add"), event(10, "policy.add")];
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Groups], &[List::Peers])
        );
    }

    #[test]
    fn a_snapshot_older_than_the_max_age_is_not_proven() {
        let stored = stored(NEEDED, Some(event(10, "policy.add")));
        let read = humantime::parse_rfc3339(&stored.read_at).unwrap();
        let day = Duration::from_hours(24);
        assert_eq!(too_old(&stored, read + Duration::from_hours(1), day), None);
        assert!(too_old(&stored, read + day + Duration::from_secs(1), day).is_some());
        let mut garbled = stored.clone();
        garbled.read_at = "yesterday".into();
        assert!(too_old(&garbled, read, day).is_some());
    }

    #[test]
    fn lists_touched_just_before_a_read_are_read_again_next_time() {
        let read = humantime::parse_rfc3339("2026-12-01T10:10:05Z").unwrap();
        // The event of 10:10 (5 s before the read) may not have been committed yet; 10:09's
        // (65 s before) has.
        let log = [
            event(10, "policy.add"),
            event(9, "route.add"),
            event(8, "dashboard.login"),
        ];
        let unsettled = unsettled(&log, read);
        assert_eq!(unsettled, [List::Policies].into());
        let mut stored = stored(NEEDED, Some(event(10, "policy.add")));
        stored.unsettled = unsettled;
        let needed: BTreeSet<List> = NEEDED.iter().copied().collect();
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Policies], &[])
        );
        let odd = [event(11, "agent_network.provider.create")];
        assert!(super::unsettled(&odd, read).contains(&List::SetupKeys));
    }

    #[test]
    fn ids_compare_as_numbers_not_text() {
        let stored = stored(NEEDED, Some(event(9, "policy.add")));
        let needed: BTreeSet<List> = NEEDED.iter().copied().collect();
        let log = [event(10, "route.add"), event(9, "policy.add")];
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Routes], &[])
        );
    }

    #[test]
    fn nothing_is_proven_without_the_stored_event_an_unknown_code_or_a_needed_list() {
        let needed: BTreeSet<List> = NEEDED.iter().copied().collect();
        let with_10 = stored(NEEDED, Some(event(10, "policy.add")));
        let unproven = |verdict: Verdict| matches!(verdict, Verdict::Unproven(_));
        // An empty (disabled) log, a log trimmed past the event, another account's log.
        assert!(unproven(reading(&with_10, &[], &needed)));
        assert!(unproven(reading(
            &with_10,
            &[event(11, "policy.add")],
            &needed
        )));
        // The same id with other contents is another event.
        assert!(unproven(reading(
            &with_10,
            &[event(10, "group.add")],
            &needed
        )));
        let log = [
            event(11, "agent_network.provider.create"),
            event(10, "policy.add"),
        ];
        assert!(unproven(reading(&with_10, &log, &needed)));
        let log = [event(10, "policy.add")];
        let more: BTreeSet<List> = [List::Groups, List::SetupKeys].into();
        assert!(unproven(reading(&with_10, &log, &more)));
        assert!(unproven(prove(
            &with_10,
            &log,
            &needed,
            &["ci".to_owned()].into(),
            UnloggedRule::Read
        )));
        assert!(unproven(reading(&stored(NEEDED, None), &log, &needed)));
    }

    #[test]
    fn unlogged_lists_are_always_refreshed_and_users_unless_propagation_vouches_for_them() {
        let lists = [
            List::Groups,
            List::Users,
            List::Account,
            List::Networks,
            List::Resources,
        ];
        let needed: BTreeSet<List> = lists.iter().copied().collect();
        let mut stored = stored(&lists, Some(event(10, "policy.add")));
        let log = [event(10, "policy.add")];
        // Without networks there are no resources to change silently.
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Users, List::Account], &[])
        );
        stored.wire.networks = vec![
            serde_json::from_value(serde_json::json!({"id": "n1", "name": "office"})).unwrap(),
        ];
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Users, List::Account, List::Resources], &[])
        );
        let account: Account = serde_json::from_value(serde_json::json!({
            "id": "acct", "settings": {"groups_propagation_enabled": true}
        }))
        .unwrap();
        stored.wire.account = Some(account);
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Account, List::Resources], &[])
        );
        let log = [
            event(11, "account.setting.group.propagation.disable"),
            event(10, "policy.add"),
        ];
        assert_eq!(
            reading(&stored, &log, &needed),
            Proof::of(&[List::Users, List::Account, List::Resources], &[])
        );
        // An account answer an event outdated (a run that did not need it dropped it from the
        // kept lists) vouches for nothing, whatever it still says.
        let log = [event(10, "policy.add")];
        let needed_users: BTreeSet<List> = [List::Groups, List::Users].into();
        stored.lists.remove(&List::Account);
        let Verdict::Proven(proof) = reading(&stored, &log, &needed_users) else {
            panic!("not proven");
        };
        assert_eq!(proof.refresh, [List::Users].into());
        // The kept resources were not read again: the snapshot's unlogged lists are not all
        // as recent as this run.
        assert!(!proof.unlogged_read);
    }

    #[test]
    fn unlogged_lists_read_recently_enough_are_planned_as_stored_and_named() {
        let lists = [List::Groups, List::Users, List::Account, List::Policies];
        let needed: BTreeSet<List> = lists.iter().copied().collect();
        let stored = stored(&lists, Some(event(10, "policy.add")));
        let read = humantime::parse_rfc3339(&stored.read_at).unwrap();
        let hour = Duration::from_hours(1);
        assert_eq!(
            unlogged_rule(&stored, read + Duration::from_mins(30), hour),
            UnloggedRule::AsStored
        );
        assert_eq!(
            unlogged_rule(&stored, read + Duration::from_mins(61), hour),
            UnloggedRule::Read
        );
        // Zero (the default) reads them on every run, however recent.
        assert_eq!(
            unlogged_rule(&stored, read, Duration::ZERO),
            UnloggedRule::Read
        );
        let mut refreshed = stored.clone();
        refreshed.unlogged_read_at =
            Some(crate::live::store::rfc3339(read + Duration::from_mins(50)));
        assert_eq!(
            unlogged_rule(&refreshed, read + Duration::from_mins(90), hour),
            UnloggedRule::AsStored
        );
        // Nothing newer: nothing is read, and the plan is told which lists no log vouches for.
        let log = [event(10, "policy.add")];
        let proof = proven_as_stored(&stored, &log, &needed);
        assert!(proof.refresh.is_empty());
        assert_eq!(
            proof.unlogged_as_stored,
            [List::Users, List::Account].into()
        );
        // An event still re-reads what it touches, and that list is then not "as stored".
        let log = [
            event(11, "account.setting.peer.login.expiration.update"),
            event(10, "policy.add"),
        ];
        let proof = proven_as_stored(&stored, &log, &needed);
        assert_eq!(proof.refresh, [List::Account].into());
        assert_eq!(proof.unlogged_as_stored, [List::Users].into());
    }
}
