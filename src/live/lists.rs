//! The list calls a tenant read is made of, one [`List`] each: the unit a stored snapshot is
//! kept and refreshed in. [`Reads`] says which kinds a run needs; this says which lists hold
//! them, and which lists an event about a kind makes stale.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::kinds::Kind;
use crate::live::Reads;

/// One list call (or, for [`List::Account`], the account answer) of a tenant read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum List {
    /// `GET /api/groups`.
    Groups,
    /// `GET /api/setup-keys`.
    SetupKeys,
    /// `GET /api/users`, and the token lists of the service users that declare a token.
    Users,
    /// `GET /api/policies`.
    Policies,
    /// `GET /api/posture-checks`.
    PostureChecks,
    /// `GET /api/routes`.
    Routes,
    /// `GET /api/dns/nameservers`.
    NameserverGroups,
    /// `GET /api/dns/settings`.
    DnsSettings,
    /// `GET /api/dns/zones`.
    DnsZones,
    /// `GET /api/accounts` (the settings).
    Account,
    /// `GET /api/networks`.
    Networks,
    /// `GET /api/networks/resources`.
    Resources,
    /// `GET /api/networks/routers`.
    Routers,
    /// `GET /api/peers`.
    Peers,
}

impl List {
    /// What the plan calls the list.
    pub fn label(self) -> &'static str {
        match self {
            List::Groups => "groups",
            List::SetupKeys => "setup keys",
            List::Users => "users",
            List::Policies => "policies",
            List::PostureChecks => "posture checks",
            List::Routes => "routes",
            List::NameserverGroups => "nameserver groups",
            List::DnsSettings => "DNS settings",
            List::DnsZones => "DNS zones",
            List::Account => "account settings",
            List::Networks => "networks",
            List::Resources => "network resources",
            List::Routers => "network routers",
            List::Peers => "peers",
        }
    }
}

/// The lists a read with `reads` makes.
pub fn lists_of(reads: Reads) -> BTreeSet<List> {
    let mut lists = BTreeSet::from([List::Groups]);
    let mut add = |wanted: bool, more: &[List]| {
        if wanted {
            lists.extend(more.iter().copied());
        }
    };
    add(reads.setup_keys, &[List::SetupKeys]);
    add(reads.users, &[List::Users]);
    add(reads.policies, &[List::Policies]);
    add(reads.posture_checks, &[List::PostureChecks]);
    add(reads.routes, &[List::Routes]);
    add(reads.nameserver_groups, &[List::NameserverGroups]);
    add(reads.dns_settings, &[List::DnsSettings]);
    add(reads.dns_zones, &[List::DnsZones]);
    add(reads.account_settings, &[List::Account]);
    add(
        reads.networks,
        &[List::Networks, List::Resources, List::Routers],
    );
    add(reads.peers, &[List::Peers]);
    lists
}

/// The lists whose answers change when an object of `kind` does. Besides the kind's own list:
/// a network lists its resources' and routers' ids, so they are re-read with it, and a group
/// lists its members by name, so a peer's change re-reads the groups.
pub fn lists_touched_by(kind: Kind) -> &'static [List] {
    match kind {
        Kind::Group => &[List::Groups],
        Kind::Network => &[List::Networks],
        Kind::NetworkResource => &[List::Resources, List::Networks],
        Kind::NetworkRouter => &[List::Routers, List::Networks],
        Kind::SetupKey => &[List::SetupKeys],
        Kind::User | Kind::ServiceUser => &[List::Users],
        Kind::Policy => &[List::Policies],
        Kind::PostureCheck => &[List::PostureChecks],
        Kind::Route => &[List::Routes],
        Kind::NameserverGroup => &[List::NameserverGroups],
        Kind::DnsSettings => &[List::DnsSettings],
        Kind::DnsZone | Kind::DnsRecord => &[List::DnsZones],
        Kind::AccountSettings => &[List::Account],
        Kind::Peer => &[List::Peers, List::Groups],
    }
}

/// The lists whose answers change when objects of any of `kinds` do.
pub fn lists_touched_by_all(kinds: &BTreeSet<Kind>) -> BTreeSet<List> {
    kinds
        .iter()
        .flat_map(|kind| lists_touched_by(*kind).iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{List, lists_of, lists_touched_by};
    use crate::kinds::Kind;
    use crate::live::Reads;

    #[test]
    fn every_kind_a_read_holds_is_refreshed_by_a_list_that_read_holds() {
        let lists = lists_of(Reads::EXPORT);
        for kind in Reads::EXPORT.kinds() {
            assert!(
                lists_touched_by(kind).iter().all(|l| lists.contains(l)),
                "{kind:?}"
            );
        }
        assert!(
            lists_of(Reads::for_kinds(&[Kind::Policy].into(), false)).contains(&List::Resources)
        );
    }
}
