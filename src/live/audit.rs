//! What a tenant's audit log says about its live state: for each `activity_code` NetBird
//! (v0.77.1) writes, which of birdhouse's kinds the event may have changed. This is the table
//! a stored snapshot is proven current against: no event newer than the snapshot that touches
//! a kind the tenant manages means the snapshot of that kind is still what the server holds.
//!
//! Read from NetBird's `management/server/activity/codes.go` and every `StoreEvent` call, and
//! checked on the lab's real server (`tests/integration/audit_events.rs`), which asserts that
//! every event birdhouse's writes produce is in this table and maps to the kind written.
//! docs/audit-events.md has the table with the writes that trigger each code.
//!
//! Not every change is logged. [`UNLOGGED`] lists the changes NetBird makes without an event;
//! a kind with such a change cannot be proven current by the log alone, and a snapshot of it
//! must be re-read (or proven another way) instead.

use crate::kinds::Kind;

/// What one audit event says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touches {
    /// Nothing birdhouse manages: logins, sessions, jobs, the account's creation.
    Nothing,
    /// These kinds may have changed.
    Kinds(&'static [Kind]),
    /// A code this table does not know (a newer server): anything may have changed.
    Unknown,
}

const GROUP: &[Kind] = &[Kind::Group];
const GROUP_AND_RESOURCE: &[Kind] = &[Kind::Group, Kind::NetworkResource];
const SETUP_KEY: &[Kind] = &[Kind::SetupKey];
const USERS: &[Kind] = &[Kind::User, Kind::ServiceUser];
const SERVICE_USER: &[Kind] = &[Kind::ServiceUser];
const POLICY: &[Kind] = &[Kind::Policy];
const POSTURE_CHECK: &[Kind] = &[Kind::PostureCheck];
const ROUTE: &[Kind] = &[Kind::Route];
const NAMESERVER_GROUP: &[Kind] = &[Kind::NameserverGroup];
const DNS_SETTINGS: &[Kind] = &[Kind::DnsSettings];
const DNS_ZONE: &[Kind] = &[Kind::DnsZone, Kind::DnsRecord];
const DNS_RECORD: &[Kind] = &[Kind::DnsRecord];
const ACCOUNT_SETTINGS: &[Kind] = &[Kind::AccountSettings];
const PEER: &[Kind] = &[Kind::Peer];
/// A peer that arrives or leaves also joins or leaves groups (a setup key's or user's
/// `auto_groups`), which NetBird does not log as group events.
const PEER_AND_GROUPS: &[Kind] = &[Kind::Peer, Kind::Group];
const NETWORK: &[Kind] = &[Kind::Network];
/// A network's delete takes its resources and routers with it.
const NETWORK_AND_PARTS: &[Kind] = &[Kind::Network, Kind::NetworkResource, Kind::NetworkRouter];
const RESOURCE: &[Kind] = &[Kind::NetworkResource];
const ROUTER: &[Kind] = &[Kind::NetworkRouter];

/// The kinds an event with `activity_code` may have changed.
pub fn touched_by(activity_code: &str) -> Touches {
    let kinds = match activity_code {
        "dashboard.login"
        | "user.peer.login"
        | "user.peer.session.extend"
        | "peer.login.expire"
        | "peer.job.create"
        | "user.password.change"
        | "account.create" => return Touches::Nothing,
        "group.add" | "group.update" | "group.delete" | "peer.group.add" | "peer.group.delete" => {
            GROUP
        }
        "resource.group.add" | "resource.group.delete" => GROUP_AND_RESOURCE,
        "setupkey.add"
        | "setupkey.update"
        | "setupkey.revoke"
        | "setupkey.delete"
        | "setupkey.overuse"
        | "setupkey.group.add"
        | "setupkey.group.delete" => SETUP_KEY,
        "user.invite"
        | "user.create"
        | "user.delete"
        | "user.block"
        | "user.unblock"
        | "user.role.update"
        | "transferred.owner.role"
        | "user.group.add"
        | "user.group.delete"
        | "user.approve"
        | "user.reject"
        | "user.join"
        | "user.invite.link.accept" => USERS,
        "service.user.create"
        | "service.user.delete"
        | "personal.access.token.create"
        | "personal.access.token.delete" => SERVICE_USER,
        "policy.add" | "policy.update" | "policy.delete" => POLICY,
        "posture.check.create" | "posture.check.update" | "posture.check.delete" => POSTURE_CHECK,
        "route.add" | "route.update" | "route.delete" => ROUTE,
        "nameserver.group.add" | "nameserver.group.update" | "nameserver.group.delete" => {
            NAMESERVER_GROUP
        }
        "dns.setting.disabled.management.group.add"
        | "dns.setting.disabled.management.group.delete" => DNS_SETTINGS,
        "dns.zone.create" | "dns.zone.update" | "dns.zone.delete" => DNS_ZONE,
        "dns.zone.record.create" | "dns.zone.record.update" | "dns.zone.record.delete" => {
            DNS_RECORD
        }
        code if code.starts_with("account.setting.")
            || code.starts_with("account.settings.")
            || code.starts_with("account.peer.inactivity.expiration.")
            || code == "account.dns.domain.update"
            || code == "account.network.range.update" =>
        {
            ACCOUNT_SETTINGS
        }
        "peer.ssh.enable"
        | "peer.ssh.disable"
        | "peer.rename"
        | "peer.login.expiration.enable"
        | "peer.login.expiration.disable"
        | "peer.inactivity.expiration.enable"
        | "peer.inactivity.expiration.disable"
        | "peer.ip.update"
        | "peer.approve"
        | "peer.approval.revoke" => PEER,
        "peer.user.add" | "peer.setupkey.add" | "user.peer.delete" => PEER_AND_GROUPS,
        "network.create" | "network.update" => NETWORK,
        "network.delete" => NETWORK_AND_PARTS,
        "network.resource.create" | "network.resource.update" | "network.resource.delete" => {
            RESOURCE
        }
        "network.router.create" | "network.router.update" | "network.router.delete" => ROUTER,
        _ => return Touches::Unknown,
    };
    Touches::Kinds(kinds)
}

/// A change NetBird v0.77.1 makes without writing an audit event, and the kind it hides in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unlogged {
    /// The kind whose live state changes silently.
    pub kind: Kind,
    /// The write, as the API takes it.
    pub write: &'static str,
}

/// The changes a snapshot proof must not rely on the log for (each proven on the lab where a
/// write can make it, see `tests/integration/audit_events.rs`).
pub const UNLOGGED: &[Unlogged] = &[
    Unlogged {
        kind: Kind::AccountSettings,
        write: "PUT /api/accounts/{id} changing regular_users_view_blocked, any extra.* field, \
                or peer_inactivity_expiration_enabled to true with the same duration",
    },
    Unlogged {
        kind: Kind::User,
        write: "PUT /api/users/{id} changing auto_groups while groups propagation is off",
    },
    Unlogged {
        kind: Kind::NetworkResource,
        write: "PUT /api/groups/{id} changing only the group's resources (the resources' groups \
                change with it)",
    },
];

#[cfg(test)]
mod tests {
    use super::{Touches, UNLOGGED, touched_by};
    use crate::kinds::Kind;

    #[test]
    fn every_kind_is_touched_by_some_code_and_unknown_codes_touch_everything() {
        let codes = [
            "group.add",
            "resource.group.add",
            "setupkey.add",
            "user.invite",
            "service.user.create",
            "policy.add",
            "posture.check.create",
            "route.add",
            "nameserver.group.add",
            "dns.setting.disabled.management.group.add",
            "dns.zone.create",
            "account.setting.lazy.connection.enable",
            "peer.ssh.enable",
            "network.delete",
        ];
        let mut covered: Vec<Kind> = codes
            .iter()
            .flat_map(|code| match touched_by(code) {
                Touches::Kinds(kinds) => kinds.to_vec(),
                other => panic!("{code}: {other:?}"),
            })
            .collect();
        covered.sort();
        covered.dedup();
        assert_eq!(covered, Kind::ALL.to_vec());
        assert_eq!(
            touched_by("agent_network.provider.create"),
            Touches::Unknown
        );
        assert_eq!(touched_by(""), Touches::Unknown);
    }

    #[test]
    fn logins_and_sessions_change_nothing_but_an_enrolled_peer_changes_groups() {
        assert_eq!(touched_by("dashboard.login"), Touches::Nothing);
        assert_eq!(touched_by("user.peer.login"), Touches::Nothing);
        assert_eq!(
            touched_by("peer.setupkey.add"),
            Touches::Kinds(&[Kind::Peer, Kind::Group])
        );
        assert!(UNLOGGED.iter().any(|u| u.kind == Kind::AccountSettings));
    }
}
