//! The tenant as apply knows it while it works: the wire lists read before the run, kept
//! current with the server's answer to every write, and the name → id table (read ids plus the
//! ids of objects created in this run).
//!
//! Full-replace PUT bodies echo fields birdhouse does not manage, and group deletes detach the
//! group from whatever still names it; both must see the tenant as it is *now*, after the
//! earlier changes of the run, not as it was read.

use std::collections::BTreeMap;

use crate::apply::ApplyError;
use crate::kinds::Kind;
use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::wire;
use crate::live::{LiveTenant, ObjectKey, WireTenant};

/// The working copy of one tenant.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub(super) wire: WireTenant,
    ids: BTreeMap<ObjectKey, String>,
}

impl Ids for State {
    fn id(&self, kind: Kind, name: &str) -> Result<String, MissingId> {
        self.ids
            .get(&ObjectKey::new(kind, name))
            .cloned()
            .ok_or_else(|| MissingId {
                kind,
                name: name.to_owned(),
            })
    }

    fn peer_id(&self, name: &str) -> String {
        self.wire
            .peers
            .iter()
            .flatten()
            .find(|p| p.name == name)
            .map_or_else(|| name.to_owned(), |p| p.id.clone())
    }

    fn live_resource(&self, id: &str) -> Option<&wire::NetworkResource> {
        self.wire.resources.iter().find(|r| r.id == id)
    }
}

impl State {
    pub(super) fn new(live: &LiveTenant) -> Self {
        Self {
            wire: live.wire.clone(),
            ids: live.snapshot.ids.clone(),
        }
    }

    /// The server id of an object the plan names.
    pub(super) fn id(&self, kind: Kind, name: &str) -> Result<String, ApplyError> {
        Ok(Ids::id(self, kind, name)?)
    }

    pub(super) fn set_id(&mut self, kind: Kind, name: &str, id: &str) {
        self.ids.insert(ObjectKey::new(kind, name), id.to_owned());
    }

    pub(super) fn forget_id(&mut self, kind: Kind, name: &str) {
        self.ids.remove(&ObjectKey::new(kind, name));
    }

    /// A group's name for messages (its id when the group is unknown).
    pub(super) fn group_name(&self, id: &str) -> String {
        self.wire
            .groups
            .iter()
            .find(|g| g.id == id)
            .map_or_else(|| id.to_owned(), |g| g.name.clone())
    }

    pub(super) fn network_of_resource(&self, resource_id: &str) -> Option<&wire::Network> {
        self.wire
            .networks
            .iter()
            .find(|n| n.resources.iter().any(|r| r == resource_id))
    }

    pub(super) fn network_of_router(&self, router_id: &str) -> Option<&wire::Network> {
        self.wire
            .networks
            .iter()
            .find(|n| n.routers.iter().any(|r| r == router_id))
    }

    // -- recording the server's answers ------------------------------------------------------

    pub(super) fn put_group(&mut self, group: wire::Group) {
        self.set_id(Kind::Group, &group.name.clone(), &group.id);
        upsert(&mut self.wire.groups, group, |g| &g.id);
    }

    pub(super) fn remove_group(&mut self, name: &str, id: &str) {
        self.wire.groups.retain(|g| g.id != id);
        self.forget_id(Kind::Group, name);
    }

    pub(super) fn put_setup_key(&mut self, key: wire::SetupKey) {
        self.set_id(Kind::SetupKey, &key.name.clone(), &key.id);
        upsert(&mut self.wire.setup_keys, key, |k| &k.id);
    }

    pub(super) fn remove_setup_key(&mut self, name: &str, id: &str) {
        self.wire.setup_keys.retain(|k| k.id != id);
        self.forget_id(Kind::SetupKey, name);
    }

    pub(super) fn put_network(&mut self, network: wire::Network) {
        self.set_id(Kind::Network, &network.name.clone(), &network.id);
        // The answer to a PUT may leave out the member lists; keep what is known.
        let known = self.wire.networks.iter().find(|n| n.id == network.id);
        let network = match known {
            Some(known) if network.resources.is_empty() && network.routers.is_empty() => {
                wire::Network {
                    resources: known.resources.clone(),
                    routers: known.routers.clone(),
                    ..network
                }
            }
            _ => network,
        };
        upsert(&mut self.wire.networks, network, |n| &n.id);
    }

    /// Removes a network and, as the server does, its resources and routers.
    pub(super) fn remove_network(&mut self, name: &str, id: &str) {
        if let Some(network) = self.wire.networks.iter().find(|n| n.id == id) {
            let (resources, routers) = (network.resources.clone(), network.routers.clone());
            self.wire.resources.retain(|r| !resources.contains(&r.id));
            self.wire.routers.retain(|r| !routers.contains(&r.id));
            for group in &mut self.wire.groups {
                group.resources.retain(|r| !resources.contains(&r.id));
            }
        }
        self.wire.networks.retain(|n| n.id != id);
        self.forget_id(Kind::Network, name);
    }

    pub(super) fn put_resource(&mut self, network_id: &str, resource: wire::NetworkResource) {
        self.set_id(Kind::NetworkResource, &resource.name.clone(), &resource.id);
        if let Some(network) = self.wire.networks.iter_mut().find(|n| n.id == network_id)
            && !network.resources.contains(&resource.id)
        {
            network.resources.push(resource.id.clone());
        }
        upsert(&mut self.wire.resources, resource, |r| &r.id);
    }

    pub(super) fn remove_resource(&mut self, name: &str, id: &str) {
        self.wire.resources.retain(|r| r.id != id);
        for network in &mut self.wire.networks {
            network.resources.retain(|r| r != id);
        }
        for group in &mut self.wire.groups {
            group.resources.retain(|r| r.id != id);
        }
        self.forget_id(Kind::NetworkResource, name);
    }

    pub(super) fn put_router(&mut self, network_id: &str, key: &str, router: wire::NetworkRouter) {
        self.set_id(Kind::NetworkRouter, key, &router.id);
        if let Some(network) = self.wire.networks.iter_mut().find(|n| n.id == network_id)
            && !network.routers.contains(&router.id)
        {
            network.routers.push(router.id.clone());
        }
        upsert(&mut self.wire.routers, router, |r| &r.id);
    }

    pub(super) fn remove_router(&mut self, key: &str, id: &str) {
        self.wire.routers.retain(|r| r.id != id);
        for network in &mut self.wire.networks {
            network.routers.retain(|r| r != id);
        }
        self.forget_id(Kind::NetworkRouter, key);
    }

    /// Records a user or service user under its plan name (lower-case email, or name).
    pub(super) fn put_user(&mut self, kind: Kind, name: &str, user: wire::User) {
        self.set_id(kind, name, &user.id);
        upsert(&mut self.wire.users, user, |u| &u.id);
    }

    pub(super) fn remove_user(&mut self, kind: Kind, name: &str, id: &str) {
        self.wire.users.retain(|u| u.id != id);
        self.forget_id(kind, name);
    }

    pub(super) fn put_policy(&mut self, policy: wire::Policy) {
        self.set_id(Kind::Policy, &policy.name.clone(), &policy.id);
        upsert(&mut self.wire.policies, policy, |p| &p.id);
    }

    pub(super) fn put_posture_check(&mut self, check: wire::PostureCheck) {
        self.set_id(Kind::PostureCheck, &check.name.clone(), &check.id);
        upsert(&mut self.wire.posture_checks, check, |c| &c.id);
    }

    pub(super) fn remove_posture_check(&mut self, name: &str, id: &str) {
        self.wire.posture_checks.retain(|c| c.id != id);
        self.forget_id(Kind::PostureCheck, name);
    }

    pub(super) fn put_nameserver_group(&mut self, group: wire::NameserverGroup) {
        self.set_id(Kind::NameserverGroup, &group.name.clone(), &group.id);
        upsert(&mut self.wire.nameserver_groups, group, |g| &g.id);
    }

    pub(super) fn remove_nameserver_group(&mut self, name: &str, id: &str) {
        self.wire.nameserver_groups.retain(|g| g.id != id);
        self.forget_id(Kind::NameserverGroup, name);
    }

    pub(super) fn put_dns_zone(&mut self, zone: wire::Zone) {
        self.set_id(Kind::DnsZone, &zone.domain.clone(), &zone.id);
        upsert(&mut self.wire.dns_zones, zone, |z| &z.id);
    }

    pub(super) fn remove_dns_zone(&mut self, domain: &str, id: &str) {
        self.wire.dns_zones.retain(|z| z.id != id);
        self.forget_id(Kind::DnsZone, domain);
    }

    pub(super) fn put_dns_record(&mut self, zone_id: &str, key: &str, record: wire::Record) {
        self.set_id(Kind::DnsRecord, key, &record.id);
        if let Some(zone) = self.wire.dns_zones.iter_mut().find(|z| z.id == zone_id) {
            upsert(&mut zone.records, record, |r| &r.id);
        }
    }

    pub(super) fn remove_dns_record(&mut self, zone_id: &str, key: &str, id: &str) {
        if let Some(zone) = self.wire.dns_zones.iter_mut().find(|z| z.id == zone_id) {
            zone.records.retain(|r| r.id != id);
        }
        self.forget_id(Kind::DnsRecord, key);
    }

    pub(super) fn put_route(&mut self, route: wire::Route) {
        self.set_id(Kind::Route, &route.network_id.clone(), &route.id);
        upsert(&mut self.wire.routes, route, |r| &r.id);
    }

    pub(super) fn remove_route(&mut self, network_id: &str, id: &str) {
        self.wire.routes.retain(|r| r.id != id);
        self.forget_id(Kind::Route, network_id);
    }

    pub(super) fn remove_policy(&mut self, name: &str, id: &str) {
        self.wire.policies.retain(|p| p.id != id);
        self.forget_id(Kind::Policy, name);
    }
}

/// Replaces the element with the same id, or appends.
fn upsert<T>(list: &mut Vec<T>, value: T, id: impl Fn(&T) -> &String) {
    match list.iter().position(|v| id(v) == id(&value)) {
        Some(index) => list[index] = value,
        None => list.push(value),
    }
}
