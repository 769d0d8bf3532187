//! Reading a tenant in the fewest calls: the identity check, then one list per kind (lists
//! run concurrently under the shared budget), never one GET per object.

use std::collections::BTreeSet;

use crate::api::{ApiError, TenantClient};
use crate::kinds::wire;
use crate::kinds::{ALL_GROUP, Kind, is_lock_group};
use crate::live::convert::{WireTenant, convert};
use crate::live::lists::{List, lists_of};
use crate::live::{LiveError, Snapshot};

/// The kinds that need the network lists: the networks' own, and policies, which may target a
/// network resource whose name comes from them.
const NEEDS_NETWORKS: [Kind; 4] = [
    Kind::Network,
    Kind::NetworkResource,
    Kind::NetworkRouter,
    Kind::Policy,
];

/// Which lists to read. Kinds no selected tenant manages are skipped to save budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per list call, read independently"
)]
pub struct Reads {
    /// `GET /api/setup-keys`.
    pub setup_keys: bool,
    /// `GET /api/users` (users and service users).
    pub users: bool,
    /// `GET /api/policies`.
    pub policies: bool,
    /// `GET /api/posture-checks`.
    pub posture_checks: bool,
    /// `GET /api/routes`.
    pub routes: bool,
    /// `GET /api/dns/nameservers`.
    pub nameserver_groups: bool,
    /// `GET /api/dns/settings`.
    pub dns_settings: bool,
    /// `GET /api/dns/zones` (zones with their records).
    pub dns_zones: bool,
    /// The account answer (`GET /api/accounts`, the explicit identity check), for its
    /// settings: asked instead of proving the identity by the groups alone.
    pub account_settings: bool,
    /// `GET /api/networks`, `/api/networks/routers` and `/api/networks/resources` (or, on a
    /// server without that list, `/api/networks/{id}/resources` per network).
    pub networks: bool,
    /// `GET /api/peers`: only when some managed router names a peer (peers are referenced by
    /// name, and only this list maps names to ids), or for export.
    pub peers: bool,
}

impl Reads {
    /// Every list (needed when groups are pruned: deleting a group means detaching it from
    /// every object that names it).
    pub const ALL: Reads = Reads {
        setup_keys: true,
        users: true,
        policies: true,
        posture_checks: true,
        routes: true,
        nameserver_groups: true,
        dns_settings: true,
        dns_zones: true,
        // The account answer costs one call per tenant where the groups alone prove the
        // identity; a group delete does not need it (the settings name groups only in
        // traffic logging, read when the files manage the settings).
        account_settings: false,
        networks: true,
        peers: false,
    };

    /// [`Reads::ALL`], the peers and the account settings: what export reads, to write
    /// routers' peers by name and the settings.
    pub const EXPORT: Reads = Reads {
        peers: true,
        account_settings: true,
        ..Reads::ALL
    };

    /// The lists needed to plan and apply tenants that manage or prune these kinds. The same
    /// lists are what an apply of changes of these kinds re-reads fresh: the groups always (the
    /// lock is confirmed there, and every kind names groups), each kind's list, the networks for
    /// policies (they may target a resource), the policies for posture checks (a check a policy
    /// still names cannot be deleted), and every list when groups are pruned or a group
    /// is deleted (detaching touches every kind that names it).
    pub fn for_kinds(kinds: &BTreeSet<Kind>, groups_pruned: bool) -> Reads {
        if groups_pruned {
            return Reads {
                account_settings: kinds.contains(&Kind::AccountSettings),
                ..Reads::ALL
            };
        }
        let any = |list: &[Kind]| list.iter().any(|k| kinds.contains(k));
        Reads {
            setup_keys: any(&[Kind::SetupKey]),
            users: any(&[Kind::User, Kind::ServiceUser]),
            // A resource moved to another network is replaced, and every policy that targets
            // it, in the files or not, must be pointed at the new one: the plan needs to see
            // them all.
            policies: any(&[Kind::Policy, Kind::NetworkResource, Kind::PostureCheck]),
            // Policies name posture checks only when the files manage them, and the caller
            // then asks for the kind (see `Tenant::policies_name_posture_checks`).
            posture_checks: any(&[Kind::PostureCheck]),
            routes: any(&[Kind::Route]),
            nameserver_groups: any(&[Kind::NameserverGroup]),
            dns_settings: any(&[Kind::DnsSettings]),
            dns_zones: any(&[Kind::DnsZone, Kind::DnsRecord]),
            account_settings: any(&[Kind::AccountSettings]),
            networks: any(&NEEDS_NETWORKS),
            peers: any(&[Kind::Peer]),
        }
    }

    /// These reads, and the peer list too when `peers`.
    #[must_use]
    pub fn with_peers(self, peers: bool) -> Reads {
        Reads {
            peers: self.peers || peers,
            ..self
        }
    }

    /// The lists that read exactly these kinds (the inverse of what a snapshot records in
    /// `kinds_read`), so a saved plan's tenant is re-read the way it was planned.
    pub fn from_kinds_read(kinds: &BTreeSet<Kind>) -> Reads {
        Reads {
            setup_keys: kinds.contains(&Kind::SetupKey),
            users: kinds.contains(&Kind::User),
            policies: kinds.contains(&Kind::Policy),
            posture_checks: kinds.contains(&Kind::PostureCheck),
            routes: kinds.contains(&Kind::Route),
            nameserver_groups: kinds.contains(&Kind::NameserverGroup),
            dns_settings: kinds.contains(&Kind::DnsSettings),
            dns_zones: kinds.contains(&Kind::DnsZone),
            account_settings: kinds.contains(&Kind::AccountSettings),
            networks: kinds.contains(&Kind::Network),
            peers: kinds.contains(&Kind::Peer),
        }
    }

    /// The kinds these lists read.
    pub fn kinds(self) -> BTreeSet<Kind> {
        let mut kinds = BTreeSet::from([Kind::Group]);
        if self.setup_keys {
            kinds.insert(Kind::SetupKey);
        }
        if self.users {
            kinds.extend([Kind::User, Kind::ServiceUser]);
        }
        if self.policies {
            kinds.insert(Kind::Policy);
        }
        if self.posture_checks {
            kinds.insert(Kind::PostureCheck);
        }
        if self.routes {
            kinds.insert(Kind::Route);
        }
        if self.nameserver_groups {
            kinds.insert(Kind::NameserverGroup);
        }
        if self.dns_settings {
            kinds.insert(Kind::DnsSettings);
        }
        if self.dns_zones {
            kinds.extend([Kind::DnsZone, Kind::DnsRecord]);
        }
        if self.account_settings {
            kinds.insert(Kind::AccountSettings);
        }
        if self.peers {
            kinds.insert(Kind::Peer);
        }
        if self.networks {
            kinds.extend([Kind::Network, Kind::NetworkResource, Kind::NetworkRouter]);
        }
        kinds
    }

    /// The API calls of one read with these lists: the identity check when `identity_call`
    /// (only the token's own account is asked; an MSP tenant is proven by its groups), the
    /// groups, each list asked for (networks are three: networks, routers and the account-wide
    /// resources, the last skipped when there are no networks), and one token list per service
    /// user whose tokens are read.
    pub fn calls(self, has_networks: bool, token_lists: usize, identity_call: bool) -> u64 {
        // The account answer is the identity check: asked for its settings, it is one call
        // either way.
        let identity_call = identity_call || self.account_settings;
        let tokens = if self.users {
            u64::try_from(token_lists).unwrap_or(u64::MAX)
        } else {
            0
        };
        u64::from(identity_call)
            + 1
            + u64::from(self.setup_keys)
            + u64::from(self.users)
            + u64::from(self.policies)
            + u64::from(self.posture_checks)
            + u64::from(self.routes)
            + u64::from(self.nameserver_groups)
            + u64::from(self.dns_settings)
            + u64::from(self.dns_zones)
            + 2 * u64::from(self.networks)
            + u64::from(self.networks && has_networks)
            + tokens
            + u64::from(self.peers)
    }
}

/// One tenant as read: its account id (from the identity check), the snapshot for the planner,
/// and the wire objects `apply` needs to build full-replace PUT bodies.
#[derive(Debug, Clone)]
pub struct LiveTenant {
    /// The account id the API answered for.
    pub account_id: String,
    /// The converted state.
    pub snapshot: Snapshot,
    /// The lists as returned, apply locks left out.
    pub wire: WireTenant,
    /// The apply locks held on the tenant when it was read (groups named
    /// [`LOCK_GROUP_PREFIX`](crate::kinds::LOCK_GROUP_PREFIX)…), set aside from its state.
    pub locks: Vec<wire::Group>,
}

/// Confirms that requests through `client` reach `expected` (an MSP tenant) and returns the
/// account id that answered. NetBird silently runs a request in the caller's own account when
/// it does not honour `?account=` (unknown id, missing MSP link, a service-user token), which
/// would apply one customer's configuration to the MSP's own account; this check refuses that.
pub async fn check_identity(
    client: &TenantClient,
    expected: Option<&str>,
) -> Result<String, LiveError> {
    let (answered, _) = answering_account(client.list_accounts().await?, expected)?;
    Ok(answered)
}

/// The account a `GET /api/accounts` answer names (its first entry) and its id, refused as
/// [`LiveError::WrongTenant`] when `expected` names another.
pub(super) fn answering_account(
    accounts: Vec<wire::Account>,
    expected: Option<&str>,
) -> Result<(String, Option<wire::Account>), LiveError> {
    let account = accounts.into_iter().next();
    let answered = account.as_ref().map(|a| a.id.clone()).unwrap_or_default();
    match expected {
        Some(expected) if expected != answered => Err(LiveError::WrongTenant {
            requested: expected.to_owned(),
            answered,
        }),
        _ => Ok((answered, account)),
    }
}

/// Reads one tenant: identity check first, then the lists `reads` asks for.
pub async fn fetch_tenant(
    client: &TenantClient,
    expected: Option<&str>,
    reads: Reads,
) -> Result<LiveTenant, LiveError> {
    fetch_tenant_with_tokens(client, expected, reads, &BTreeSet::new()).await
}

/// [`fetch_tenant`], plus the token list of each live service user named in `token_owners`
/// (one call each): the files declare a token for them, and only the list tells whether it
/// exists. Service users not named cost nothing.
pub async fn fetch_tenant_with_tokens(
    client: &TenantClient,
    expected: Option<&str>,
    reads: Reads,
    token_owners: &BTreeSet<String>,
) -> Result<LiveTenant, LiveError> {
    let (account_id, groups, account) =
        proven_identity(client, expected, reads.account_settings).await?;
    let mut wire = read_lists(client, reads, groups, token_owners).await?;
    wire.account = account;
    let (locks, groups) = std::mem::take(&mut wire.groups)
        .into_iter()
        .partition(|g| is_lock_group(&g.name));
    wire.groups = groups;
    let snapshot = convert(&wire, reads.kinds());
    Ok(LiveTenant {
        account_id,
        snapshot,
        wire,
        locks,
    })
}

/// Who answers through `client`, proven before anything else is read, with the groups list.
///
/// An MSP tenant (`expected`) is proven by its groups list, which every read needs anyway: its
/// `All` group must not be the token's own account's (read once per run, see
/// [`TenantClient::own_all_group_id`]), because NetBird answers a `?account=` it does not
/// honour from the token's own account. The token's own account (`expected` = `None`), or a
/// tenant whose list has no `All` group, is asked who it is: one call more.
/// With `keep_account` (the settings are managed), the explicit check is made for every
/// tenant, and its answer returned.
pub async fn proven_identity(
    client: &TenantClient,
    expected: Option<&str>,
    keep_account: bool,
) -> Result<(String, Vec<wire::Group>, Option<wire::Account>), LiveError> {
    if keep_account {
        let (answered, account) = answering_account(client.list_accounts().await?, expected)?;
        return Ok((answered, client.list_groups().await?, account));
    }
    let Some(expected) = expected else {
        let account_id = check_identity(client, None).await?;
        return Ok((account_id, client.list_groups().await?, None));
    };
    let own_all = client.own_all_group_id().await?;
    let groups = client.list_groups().await?;
    let all = groups.iter().find(|g| g.name == ALL_GROUP);
    match (all, own_all) {
        (Some(all), Some(own_all)) if all.id == own_all => {
            // Answered by the token's own account: name it, as the explicit check does.
            let answered = check_identity(client, None).await?;
            Err(LiveError::WrongTenant {
                requested: expected.to_owned(),
                answered,
            })
        }
        (Some(_), Some(_)) => Ok((expected.to_owned(), groups, None)),
        _ => Ok((check_identity(client, Some(expected)).await?, groups, None)),
    }
}

/// The tokens of the service users named in `owners`, by user id.
async fn read_tokens(
    client: &TenantClient,
    users: &[wire::User],
    owners: &BTreeSet<String>,
) -> Result<std::collections::BTreeMap<String, Vec<wire::PersonalAccessToken>>, ApiError> {
    let mut tokens = std::collections::BTreeMap::new();
    for id in token_list_owners(users, owners) {
        tokens.insert(id.to_owned(), client.list_tokens(id).await?);
    }
    Ok(tokens)
}

/// The ids of the service users named in `owners`, whose token lists a read makes. A name two
/// service users share is skipped: it is ambiguous, and the planner refuses it anyway.
pub(super) fn token_list_owners<'u>(
    users: &'u [wire::User],
    owners: &BTreeSet<String>,
) -> Vec<&'u str> {
    owners
        .iter()
        .filter_map(|owner| {
            let mut matching = users
                .iter()
                .filter(|u| u.is_service_user && &u.name == owner);
            match (matching.next(), matching.next()) {
                (Some(user), None) => Some(user.id.as_str()),
                _ => None,
            }
        })
        .collect()
}

/// The lists `reads` asks for, besides the groups (read first, with the identity) and the
/// account answer (read with the identity when asked for), with the token lists of the service
/// users named in `token_owners`.
async fn read_lists(
    client: &TenantClient,
    reads: Reads,
    groups: Vec<wire::Group>,
    token_owners: &BTreeSet<String>,
) -> Result<WireTenant, ApiError> {
    let mut lists = lists_of(reads);
    lists.remove(&List::Groups);
    lists.remove(&List::Account);
    let mut wire = WireTenant {
        groups,
        ..WireTenant::default()
    };
    Box::pin(read_into(client, &mut wire, &lists, token_owners)).await?;
    Ok(wire)
}

/// Reads `lists` into `wire`, each replacing what `wire` held, concurrently but for the
/// resources, which follow the networks when those are read too (a tenant without networks
/// has none to read). Users come with the token lists of the service users in `token_owners`.
/// The account answer, when among `lists`, is returned as listed, for the caller to check whose
/// it is before keeping it.
pub(super) async fn read_into(
    client: &TenantClient,
    wire: &mut WireTenant,
    lists: &BTreeSet<List>,
    token_owners: &BTreeSet<String>,
) -> Result<Option<Vec<wire::Account>>, ApiError> {
    async fn when<T>(
        wanted: bool,
        read: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<Option<T>, ApiError> {
        if wanted {
            read.await.map(Some)
        } else {
            Ok(None)
        }
    }
    fn set<T>(list: &mut Vec<T>, read: Option<Vec<T>>) {
        if let Some(read) = read {
            *list = read;
        }
    }
    let has = |list: List| lists.contains(&list);
    // The resources go with the others when the networks held stand; after new ones otherwise.
    let held_networks = wire.networks.clone();
    let resources_now = has(List::Resources) && !has(List::Networks);
    let (
        held_resources,
        groups,
        setup_keys,
        users,
        policies,
        posture_checks,
        routes,
        nameserver_groups,
        dns_settings,
        dns_zones,
        accounts,
        networks,
        network_routers,
        peers,
    ) = tokio::try_join!(
        when(
            resources_now && !held_networks.is_empty(),
            read_resources(client, &held_networks)
        ),
        when(has(List::Groups), client.list_groups()),
        when(has(List::SetupKeys), client.list_setup_keys()),
        when(has(List::Users), client.list_users()),
        when(has(List::Policies), client.list_policies()),
        when(has(List::PostureChecks), client.list_posture_checks()),
        when(has(List::Routes), client.list_routes()),
        when(has(List::NameserverGroups), client.list_nameserver_groups()),
        when(has(List::DnsSettings), client.get_dns_settings()),
        when(has(List::DnsZones), client.list_dns_zones()),
        when(has(List::Account), client.list_accounts()),
        when(has(List::Networks), client.list_networks()),
        when(has(List::Routers), client.list_network_routers()),
        when(has(List::Peers), client.list_peers()),
    )?;
    set(&mut wire.groups, groups);
    set(&mut wire.setup_keys, setup_keys);
    set(&mut wire.policies, policies);
    set(&mut wire.posture_checks, posture_checks);
    set(&mut wire.routes, routes);
    set(&mut wire.nameserver_groups, nameserver_groups);
    set(&mut wire.dns_zones, dns_zones);
    set(&mut wire.networks, networks);
    set(&mut wire.routers, network_routers);
    if let Some(settings) = dns_settings {
        wire.dns_settings = Some(settings);
    }
    if let Some(peers) = peers {
        wire.peers = Some(peers);
    }
    if let Some(users) = users {
        wire.tokens = read_tokens(client, &users, token_owners).await?;
        wire.users = users;
    }
    if resources_now {
        wire.resources = held_resources.unwrap_or_default();
    } else if has(List::Resources) {
        wire.resources = if wire.networks.is_empty() {
            Vec::new()
        } else {
            read_resources(client, &wire.networks).await?
        };
    }
    Ok(accounts)
}

/// Every resource of the tenant: the account-wide list, which replaces one call per network, or
/// on a server without that route (NetBird answers a plain-text 404 for a route it does not
/// have), one list per network. The fallback holds for the rest of the run, so the other
/// tenants and apply's re-reads do not ask again, and it is logged once.
pub(super) async fn read_resources(
    client: &TenantClient,
    networks: &[wire::Network],
) -> Result<Vec<wire::NetworkResource>, ApiError> {
    if !client.lacks_account_wide_resources() {
        match client.list_network_resources().await {
            Err(ApiError::NoSuchEndpoint { .. }) => {
                if client.note_no_account_wide_resources() {
                    tracing::info!(
                        networks = networks.len(),
                        "the server has no GET /api/networks/resources; reading resources with \
                         GET /api/networks/{{id}}/resources, one call per network, for the rest \
                         of the run"
                    );
                }
            }
            listed => return listed,
        }
    }
    let mut resources = Vec::new();
    for network in networks {
        resources.extend(client.list_resources_of_network(&network.id).await?);
    }
    Ok(resources)
}
