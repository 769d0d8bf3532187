//! Wire objects → the model: ids become names, sets are sorted, `null` lists are empty,
//! server-owned fields are dropped, and names that match several objects are set aside as
//! ambiguous instead of being guessed between.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use crate::kinds::KeyExpiry;
use crate::kinds::kit::names::{GroupNames, ResourceRefs};
use crate::kinds::wire;
use crate::kinds::{ACCOUNT_SETTINGS, DNS_SETTINGS};
use crate::kinds::{Kind, Network, ResourceRef, RouterTarget, router_key};
use crate::kinds::{
    account_settings, dns_settings, dns_zone, group, nameserver_group, network, posture_check,
    route, setup_key, user,
};
use crate::live::{ObjectKey, Snapshot};

/// Everything one tenant's list calls returned; lists not read are empty. Serialisable as
/// the stored snapshots keep it (`live::store`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WireTenant {
    /// `GET /api/groups`.
    pub groups: Vec<wire::Group>,
    /// `GET /api/setup-keys`.
    pub setup_keys: Vec<wire::SetupKey>,
    /// `GET /api/users`.
    pub users: Vec<wire::User>,
    /// `GET /api/policies`.
    pub policies: Vec<wire::Policy>,
    /// `GET /api/posture-checks`.
    pub posture_checks: Vec<wire::PostureCheck>,
    /// `GET /api/routes`.
    pub routes: Vec<wire::Route>,
    /// `GET /api/dns/nameservers`.
    pub nameserver_groups: Vec<wire::NameserverGroup>,
    /// `GET /api/dns/settings`, when read.
    pub dns_settings: Option<wire::DnsSettings>,
    /// `GET /api/dns/zones`, each zone with its records.
    pub dns_zones: Vec<wire::Zone>,
    /// `GET /api/accounts`, when its settings were asked for.
    pub account: Option<wire::Account>,
    /// `GET /api/networks`.
    pub networks: Vec<wire::Network>,
    /// `GET /api/networks/resources` (account-wide), or the per-network lists joined.
    pub resources: Vec<wire::NetworkResource>,
    /// `GET /api/networks/routers` (account-wide).
    pub routers: Vec<wire::NetworkRouter>,
    /// `GET /api/users/{id}/tokens`, by service-user id: read only for service users whose
    /// files declare a token.
    pub tokens: BTreeMap<String, Vec<wire::PersonalAccessToken>>,
    /// `GET /api/peers`, when read (`None`: not read, peers stay ids).
    pub peers: Option<Vec<wire::Peer>>,
}

/// Each peer name with the ids of the peers that have it (two or more: ambiguous).
fn peer_directory(peers: &[wire::Peer]) -> BTreeMap<String, BTreeSet<String>> {
    let mut directory: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for peer in peers {
        directory
            .entry(peer.name.clone())
            .or_default()
            .insert(peer.id.clone());
    }
    directory
}

/// A peer's name, when the peer list was read and no other peer shares it; its id otherwise
/// (so a router never silently points at another peer of the same name).
fn peer_name(wire: &WireTenant, id: &str) -> String {
    let Some(peers) = &wire.peers else {
        return id.to_owned();
    };
    let Some(peer) = peers.iter().find(|p| p.id == id) else {
        return id.to_owned();
    };
    let shared = peers.iter().filter(|p| p.name == peer.name).count() > 1;
    if shared || peer.name.is_empty() {
        id.to_owned()
    } else {
        peer.name.clone()
    }
}

/// Builds the snapshot of one tenant from its lists.
pub fn convert(wire: &WireTenant, kinds_read: BTreeSet<Kind>) -> Snapshot {
    let reads_checks = kinds_read.contains(&Kind::PostureCheck);
    let mut snapshot = Snapshot {
        kinds_read,
        peers: wire.peers.as_ref().map(|peers| peer_directory(peers)),
        ..Snapshot::default()
    };
    let names = GroupNames::of(&wire.groups);
    let mut builder = Builder {
        snapshot: &mut snapshot,
    };
    builder.groups(&wire.groups, wire.peers.is_some());
    builder.setup_keys(&wire.setup_keys, &names);
    builder.users(wire, &names);
    let resources = builder.networks(wire, &names);
    // Without their list, the posture checks policies name are unknown, not none.
    let checks = reads_checks.then(|| builder.posture_checks(&wire.posture_checks));
    builder.policies(wire, &names, &resources, checks.as_ref());
    builder.routes(wire, &names);
    builder.dns(wire, &names);
    if let Some(peers) = &wire.peers {
        builder.peers(peers);
    }
    snapshot.ambiguous_refs = ambiguous_references(wire, &snapshot, &names, &resources);
    snapshot
}

impl Builder<'_> {
    /// The groups; their members only with `members` (the peer list was read because some
    /// group lists its peers): membership that nothing manages would otherwise make every
    /// enrolment look like a change of the tenant.
    fn groups(&mut self, groups: &[wire::Group], members: bool) {
        for group in groups {
            if group::convert::protected(group) {
                self.protect(Kind::Group, &group.name);
            }
            let mut model = group::convert::group(group);
            if !members {
                model.peers = None;
            }
            self.add(Kind::Group, &group.name, &group.id, model, |t| {
                &mut t.groups
            });
        }
    }

    fn setup_keys(&mut self, keys: &[wire::SetupKey], names: &GroupNames<'_>) {
        for key in keys {
            let model = setup_key::convert::setup_key(key, names);
            let expiry = setup_key::convert::expiry(key);
            if !self.add(Kind::SetupKey, &key.name, &key.id, model, |t| {
                &mut t.setup_keys
            }) {
                continue;
            }
            self.snapshot.key_expiry.insert(key.name.clone(), expiry);
            if expiry == KeyExpiry::Later
                && let Some(lifetime) = setup_key::convert::lifetime_ms(key)
            {
                self.snapshot
                    .key_lifetime_ms
                    .insert(key.name.clone(), lifetime);
            }
        }
    }

    fn users(&mut self, wire: &WireTenant, names: &GroupNames<'_>) {
        for user in &wire.users {
            if user.is_service_user {
                let model = user::convert::service_user(user, names);
                let added = self.add(Kind::ServiceUser, &user.name, &user.id, model, |t| {
                    &mut t.service_users
                });
                if added && let Some(tokens) = wire.tokens.get(&user.id) {
                    self.snapshot.service_user_tokens.insert(
                        user.name.clone(),
                        tokens.iter().map(|t| t.name.clone()).collect(),
                    );
                    let mut expiry: BTreeMap<String, u64> = BTreeMap::new();
                    for token in tokens {
                        if let Some(at) = user::convert::token_expiry(token) {
                            let latest = expiry.entry(token.name.clone()).or_insert(at);
                            *latest = (*latest).max(at);
                        }
                    }
                    if !expiry.is_empty() {
                        self.snapshot.token_expiry.insert(user.name.clone(), expiry);
                    }
                }
                continue;
            }
            let key = user::convert::key(user);
            if user::convert::protected(user) {
                self.protect(Kind::User, &key);
            }
            let model = user::convert::user(user, names);
            self.add(Kind::User, &key, &user.id, model, |t| &mut t.users);
        }
    }

    /// The networks with their resources and routers; returns how rules name each resource.
    fn networks<'w>(&mut self, wire: &'w WireTenant, names: &GroupNames<'_>) -> ResourceRefs<'w> {
        let resources_by_id: BTreeMap<&str, &wire::NetworkResource> =
            wire.resources.iter().map(|r| (r.id.as_str(), r)).collect();
        let routers_by_id: BTreeMap<&str, &wire::NetworkRouter> =
            wire.routers.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut refs = ResourceRefs::new();
        for network in &wire.networks {
            let mut model = network::convert::network(network);
            for resource in network
                .resources
                .iter()
                .filter_map(|id| resources_by_id.get(id.as_str()))
            {
                refs.insert(
                    &resource.id,
                    ResourceRef {
                        network: network.name.clone(),
                        resource: resource.name.clone(),
                    },
                );
                self.resource(&mut model, resource, names);
            }
            for router in network
                .routers
                .iter()
                .filter_map(|id| routers_by_id.get(id.as_str()))
            {
                self.router(&mut model, router, wire, names);
            }
            self.add(Kind::Network, &network.name, &network.id, model, |t| {
                &mut t.networks
            });
        }
        refs
    }

    /// A resource of `network`; resource names are unique per tenant, so one seen in two
    /// networks is ambiguous.
    fn resource(
        &mut self,
        network: &mut Network,
        resource: &wire::NetworkResource,
        names: &GroupNames<'_>,
    ) {
        let key = ObjectKey::new(Kind::NetworkResource, &resource.name);
        if self.snapshot.resource_network.contains_key(&resource.name) {
            self.snapshot.ambiguous.insert(key);
            return;
        }
        self.snapshot
            .resource_network
            .insert(resource.name.clone(), network.name.clone());
        self.snapshot.ids.insert(key, resource.id.clone());
        network.resources.insert(
            resource.name.clone(),
            network::convert::resource(resource, names),
        );
    }

    /// A router of `network`, keyed by what it routes through.
    fn router(
        &mut self,
        network: &mut Network,
        router: &wire::NetworkRouter,
        wire: &WireTenant,
        names: &GroupNames<'_>,
    ) {
        let target = network::convert::router_target(router, |id| peer_name(wire, id), names);
        let key = ObjectKey::new(Kind::NetworkRouter, router_key(&network.name, &target));
        if network.routers.contains_key(&target) {
            self.snapshot.ambiguous.insert(key);
            return;
        }
        self.snapshot.ids.insert(key, router.id.clone());
        network
            .routers
            .insert(target.clone(), network::convert::router(router, target));
    }

    /// The posture checks; returns each one's name by id (names two checks share stay ids).
    fn posture_checks<'w>(
        &mut self,
        checks: &'w [wire::PostureCheck],
    ) -> BTreeMap<&'w str, &'w str> {
        let mut by_id = BTreeMap::new();
        for check in checks {
            let model = posture_check::convert::posture_check(check);
            self.add(Kind::PostureCheck, &check.name, &check.id, model, |t| {
                &mut t.posture_checks
            });
        }
        for check in checks {
            let key = ObjectKey::new(Kind::PostureCheck, &check.name);
            if !self.snapshot.ambiguous.contains(&key) {
                by_id.insert(check.id.as_str(), check.name.as_str());
            }
        }
        by_id
    }

    /// The routes, by network identifier; routes sharing one (NetBird's older way of making a
    /// route highly available) are ambiguous and left alone.
    fn routes(&mut self, wire: &WireTenant, names: &GroupNames<'_>) {
        for route in &wire.routes {
            let model = route::convert::route(route, |id| peer_name(wire, id), names);
            self.add(Kind::Route, &route.network_id, &route.id, model, |t| {
                &mut t.routes
            });
        }
    }

    /// The peers, by name; names two peers share are ambiguous.
    fn peers(&mut self, peers: &[wire::Peer]) {
        for peer in peers.iter().filter(|p| !p.name.is_empty()) {
            let model = crate::kinds::peer::convert::peer(peer);
            if self.add(Kind::Peer, &peer.name, &peer.id, model, |t| &mut t.peers)
                && !peer.user_id.is_empty()
            {
                self.snapshot.peers_added_by_users.insert(peer.name.clone());
            }
        }
    }

    /// The nameserver groups, by name, and the DNS settings under their one key.
    fn dns(&mut self, wire: &WireTenant, names: &GroupNames<'_>) {
        for group in &wire.nameserver_groups {
            let model = nameserver_group::convert::nameserver_group(group, names);
            self.add(Kind::NameserverGroup, &group.name, &group.id, model, |t| {
                &mut t.nameserver_groups
            });
        }
        for zone in &wire.dns_zones {
            let model = dns_zone::convert::zone(zone, names);
            if !self.add(Kind::DnsZone, &zone.domain, &zone.id, model, |t| {
                &mut t.dns_zones
            }) {
                continue;
            }
            for record in &zone.records {
                if let Some(model) = dns_zone::convert::record(record) {
                    let key = crate::kinds::record_key(&zone.domain, &model);
                    self.snapshot
                        .ids
                        .insert(ObjectKey::new(Kind::DnsRecord, key), record.id.clone());
                }
            }
        }
        if let Some(account) = &wire.account {
            let model = account_settings::convert::account_settings(&account.settings, names);
            self.add(
                Kind::AccountSettings,
                ACCOUNT_SETTINGS,
                ACCOUNT_SETTINGS,
                model,
                |t| &mut t.account_settings,
            );
        }
        if let Some(settings) = &wire.dns_settings {
            let model = dns_settings::convert::dns_settings(settings, names);
            self.add(Kind::DnsSettings, DNS_SETTINGS, DNS_SETTINGS, model, |t| {
                &mut t.dns_settings
            });
        }
    }

    // NetBird's answer lists a group once per policy (v0.77.1 `toPolicyResponse` caches the
    // groups it rendered): the sources of a second rule lose groups an earlier rule named. So
    // only single-rule policies are read exactly; the planner, detach and export refuse the
    // others rather than trust their later rules.
    fn policies(
        &mut self,
        wire: &WireTenant,
        names: &GroupNames<'_>,
        resources: &ResourceRefs<'_>,
        checks: Option<&BTreeMap<&str, &str>>,
    ) {
        let peer_name = |id: &str| peer_name(wire, id);
        for policy in &wire.policies {
            let model =
                crate::kinds::policy::convert::policy(policy, names, resources, checks, &peer_name);
            self.add(Kind::Policy, &policy.name, &policy.id, model, |t| {
                &mut t.policies
            });
        }
    }
}

/// For each group and resource, the objects with shared names that name it (they are not in
/// the snapshot's objects, so nothing else records what they reference).
fn ambiguous_references(
    wire: &WireTenant,
    snapshot: &Snapshot,
    names: &GroupNames<'_>,
    resources: &ResourceRefs<'_>,
) -> BTreeMap<ObjectKey, BTreeSet<ObjectKey>> {
    if snapshot.ambiguous.is_empty() {
        return BTreeMap::new();
    }
    let mut refs = References {
        ambiguous: &snapshot.ambiguous,
        found: BTreeMap::new(),
    };
    let groups = |ids: &[String]| ids.iter().map(|id| names.name(id)).collect::<Vec<_>>();
    for key in &wire.setup_keys {
        let referrer = ObjectKey::new(Kind::SetupKey, &key.name);
        refs.add(&referrer, Kind::Group, || groups(&key.auto_groups));
    }
    for user in &wire.users {
        let referrer = if user.is_service_user {
            ObjectKey::new(Kind::ServiceUser, &user.name)
        } else {
            ObjectKey::new(Kind::User, user.email.to_ascii_lowercase())
        };
        refs.add(&referrer, Kind::Group, || groups(&user.auto_groups));
    }
    for resource in &wire.resources {
        let referrer = ObjectKey::new(Kind::NetworkResource, &resource.name);
        refs.add(&referrer, Kind::Group, || {
            let ids: Vec<String> = resource.groups.iter().map(|g| g.id.clone()).collect();
            groups(&ids)
        });
    }
    for network in &wire.networks {
        for router in wire
            .routers
            .iter()
            .filter(|r| network.routers.contains(&r.id))
            .filter(|r| r.peer.as_deref().is_none_or(str::is_empty))
        {
            let names = groups(&router.peer_groups);
            let target = RouterTarget::PeerGroups(names.iter().cloned().collect());
            let referrer = ObjectKey::new(Kind::NetworkRouter, router_key(&network.name, &target));
            refs.add(&referrer, Kind::Group, || names);
        }
    }
    for route in &wire.routes {
        let referrer = ObjectKey::new(Kind::Route, &route.network_id);
        refs.add(&referrer, Kind::Group, || {
            let ids: Vec<String> = route
                .groups
                .iter()
                .chain(&route.peer_groups)
                .chain(&route.access_control_groups)
                .cloned()
                .collect();
            groups(&ids)
        });
    }
    for group in &wire.nameserver_groups {
        let referrer = ObjectKey::new(Kind::NameserverGroup, &group.name);
        refs.add(&referrer, Kind::Group, || groups(&group.groups));
    }
    for policy in &wire.policies {
        let referrer = ObjectKey::new(Kind::Policy, &policy.name);
        for rule in &policy.rules {
            refs.add(&referrer, Kind::Group, || {
                let ids: Vec<String> = rule
                    .sources
                    .iter()
                    .chain(&rule.destinations)
                    .map(|g| g.id.clone())
                    .chain(rule.authorized_groups.keys().cloned())
                    .collect();
                groups(&ids)
            });
            refs.add(&referrer, Kind::NetworkResource, || {
                [&rule.source_resource, &rule.destination_resource]
                    .into_iter()
                    .flatten()
                    .filter_map(|target| resources.get(target.id.as_str()))
                    .map(|r| r.resource.clone())
                    .collect()
            });
        }
        refs.add(&referrer, Kind::PostureCheck, || {
            policy
                .source_posture_checks
                .iter()
                .map(|id| {
                    wire.posture_checks
                        .iter()
                        .find(|c| &c.id == id)
                        .map_or_else(|| id.clone(), |c| c.name.clone())
                })
                .collect()
        });
    }
    refs.found
}

/// Collects what ambiguous objects reference.
struct References<'a> {
    ambiguous: &'a BTreeSet<ObjectKey>,
    found: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
}

impl References<'_> {
    /// Records that `referrer` names `names`, when `referrer` is ambiguous; `names` is only
    /// worked out then (most tenants have no ambiguous object at all).
    fn add(&mut self, referrer: &ObjectKey, kind: Kind, names: impl FnOnce() -> Vec<String>) {
        if !self.ambiguous.contains(referrer) {
            return;
        }
        for name in names() {
            self.found
                .entry(ObjectKey::new(kind, name))
                .or_default()
                .insert(referrer.clone());
        }
    }
}

/// Adds objects by name, moving names seen twice to the ambiguous set.
struct Builder<'s> {
    snapshot: &'s mut Snapshot,
}

impl Builder<'_> {
    fn protect(&mut self, kind: Kind, name: &str) {
        self.snapshot.protected.insert(ObjectKey::new(kind, name));
    }

    /// Returns whether the object was added (its name is not ambiguous).
    fn add<T>(
        &mut self,
        kind: Kind,
        name: &str,
        id: &str,
        object: T,
        map: impl Fn(&mut crate::kinds::Tenant) -> &mut BTreeMap<String, T>,
    ) -> bool {
        let key = ObjectKey::new(kind, name);
        if self.snapshot.ambiguous.contains(&key) {
            return false;
        }
        match map(&mut self.snapshot.objects).entry(name.to_owned()) {
            Entry::Occupied(seen) => {
                seen.remove();
                self.snapshot.ids.remove(&key);
                self.snapshot.ambiguous.insert(key);
                false
            }
            Entry::Vacant(slot) => {
                slot.insert(object);
                self.snapshot.ids.insert(key, id.to_owned());
                true
            }
        }
    }
}
