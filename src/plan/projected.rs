//! The tenant as it will be once a list of changes is made: what the plan's later steps (the
//! group deletes' detaching, the re-pointing after a resource replace, the plan-time refusals)
//! must judge, since a policy the plan deletes or updates to drop a group no longer holds it.

use crate::kinds::{DnsZone, Network, Tenant};
use crate::live::Snapshot;
use crate::plan::{Action, Change, NetworkHeader, Object};

/// The live objects with `changes` made.
pub(super) fn after(changes: &[Change], live: &Snapshot) -> Tenant {
    let mut tenant = live.objects.clone();
    for change in changes {
        // A network's or zone's update changes its own fields only: its resources and routers,
        // or records, stay.
        if let Some(before) = &change.before
            && !(change.action == Action::Update
                && matches!(before, Object::Network(_) | Object::DnsZone(_)))
        {
            remove(&mut tenant, &change.name, before);
        }
        if let Some(after) = &change.after
            && change.action != Action::Delete
        {
            insert(&mut tenant, &change.name, after);
        }
    }
    tenant
}

fn remove(tenant: &mut Tenant, name: &str, object: &Object) {
    match object {
        Object::Group(_) => drop(tenant.groups.remove(name)),
        Object::SetupKey(_) => drop(tenant.setup_keys.remove(name)),
        Object::User(_) => drop(tenant.users.remove(name)),
        Object::ServiceUser(_) => drop(tenant.service_users.remove(name)),
        Object::Policy(_) => drop(tenant.policies.remove(name)),
        Object::PostureCheck(_) => drop(tenant.posture_checks.remove(name)),
        Object::Route(_) => drop(tenant.routes.remove(name)),
        Object::NameserverGroup(_) => drop(tenant.nameserver_groups.remove(name)),
        Object::DnsSettings(_) => drop(tenant.dns_settings.remove(name)),
        Object::DnsZone(_) => drop(tenant.dns_zones.remove(name)),
        Object::AccountSettings(_) => drop(tenant.account_settings.remove(name)),
        Object::Peer(_) => drop(tenant.peers.remove(name)),
        Object::DnsRecord(child) => {
            if let Some(zone) = tenant.dns_zones.get_mut(&child.zone) {
                zone.records.remove(&child.record.key());
            }
        }
        Object::Network(_) => drop(tenant.networks.remove(name)),
        Object::NetworkResource(child) => {
            if let Some(network) = tenant.networks.get_mut(&child.network) {
                network.resources.remove(&child.object.name);
            }
        }
        Object::NetworkRouter(child) => {
            if let Some(network) = tenant.networks.get_mut(&child.network) {
                network.routers.remove(&child.object.target);
            }
        }
    }
}

fn insert(tenant: &mut Tenant, name: &str, object: &Object) {
    match object {
        Object::Group(group) => drop(tenant.groups.insert(name.to_owned(), group.clone())),
        Object::SetupKey(key) => drop(tenant.setup_keys.insert(name.to_owned(), key.clone())),
        Object::User(user) => drop(tenant.users.insert(name.to_owned(), user.clone())),
        Object::ServiceUser(user) => {
            drop(tenant.service_users.insert(name.to_owned(), user.clone()));
        }
        Object::Policy(policy) => drop(tenant.policies.insert(name.to_owned(), policy.clone())),
        Object::PostureCheck(check) => {
            drop(tenant.posture_checks.insert(name.to_owned(), check.clone()));
        }
        Object::Route(route) => drop(tenant.routes.insert(name.to_owned(), route.clone())),
        Object::NameserverGroup(group) => {
            drop(
                tenant
                    .nameserver_groups
                    .insert(name.to_owned(), group.clone()),
            );
        }
        Object::DnsSettings(settings) => {
            drop(
                tenant
                    .dns_settings
                    .insert(name.to_owned(), settings.clone()),
            );
        }
        Object::DnsZone(header) => zone(tenant, header),
        Object::Peer(peer) => drop(tenant.peers.insert(name.to_owned(), peer.clone())),
        Object::AccountSettings(settings) => {
            drop(
                tenant
                    .account_settings
                    .insert(name.to_owned(), settings.clone()),
            );
        }
        Object::DnsRecord(child) => {
            if let Some(zone) = tenant.dns_zones.get_mut(&child.zone) {
                zone.records
                    .insert(child.record.key(), child.record.clone());
            }
        }
        Object::Network(header) => network(tenant, header),
        Object::NetworkResource(child) => {
            if let Some(network) = tenant.networks.get_mut(&child.network) {
                network
                    .resources
                    .insert(child.object.name.clone(), child.object.clone());
            }
        }
        Object::NetworkRouter(child) => {
            if let Some(network) = tenant.networks.get_mut(&child.network) {
                network
                    .routers
                    .insert(child.object.target.clone(), child.object.clone());
            }
        }
    }
}

/// A network header: its fields, keeping the resources and routers of a network that stays.
fn network(tenant: &mut Tenant, header: &NetworkHeader) {
    let network = tenant
        .networks
        .entry(header.name.clone())
        .or_insert_with(|| Network {
            name: header.name.clone(),
            description: None,
            resources: std::collections::BTreeMap::new(),
            routers: std::collections::BTreeMap::new(),
        });
    network.description.clone_from(&header.description);
}

/// A zone's own fields, its records kept (they are changes of their own).
fn zone(tenant: &mut Tenant, header: &DnsZone) {
    let records = tenant
        .dns_zones
        .remove(&header.domain)
        .map(|z| z.records)
        .unwrap_or_default();
    tenant.dns_zones.insert(
        header.domain.clone(),
        DnsZone {
            records,
            ..header.clone()
        },
    );
}
