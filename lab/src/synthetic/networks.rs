//! Networks, their resources and their routers in a synthetic account, with NetBird's quirks
//! that clients see: resources and routers carry no network id on read, the per-network
//! resource list is `null` when empty, a router POST ignores `enabled`, a bare IP reads back
//! with its full prefix.

use serde_json::{Value, json};

use crate::synthetic::objects::{Network, Resource, Router};
use crate::synthetic::store::{Account, Refusal, boolean, refuse, string, strings};

impl Account {
    pub(super) fn network(&self, id: &str) -> Result<&Network, Refusal> {
        self.networks
            .get(id)
            .map_or_else(|| refuse(404, format!("network: {id} not found")), Ok)
    }

    fn network_json(&self, network: &Network) -> Value {
        let children = |routers: bool| -> Vec<&str> {
            if routers {
                self.routers
                    .values()
                    .filter(|r| r.network_id == network.id)
                    .map(|r| r.id.as_str())
                    .collect()
            } else {
                self.resources
                    .values()
                    .filter(|r| r.network_id == network.id)
                    .map(|r| r.id.as_str())
                    .collect()
            }
        };
        let resources = children(false);
        json!({
            "id": network.id, "name": network.name, "description": network.description,
            "routers": children(true),
            // NetBird's list has `null` here when the network has no resources.
            "resources": if resources.is_empty() { Value::Null } else { json!(resources) },
            "routing_peers_count": 0, "policies": [],
        })
    }

    pub(super) fn list_networks(&self) -> Value {
        Value::Array(
            self.networks
                .values()
                .map(|n| self.network_json(n))
                .collect(),
        )
    }

    pub(super) fn save_network(
        &mut self,
        id: Option<&str>,
        body: &Value,
    ) -> Result<Value, Refusal> {
        let id = match id {
            Some(id) => self.network(id)?.id.clone(),
            None => self.new_id(),
        };
        let network = Network {
            id: id.clone(),
            name: string(body, "name").unwrap_or_default(),
            description: string(body, "description").unwrap_or_default(),
        };
        let value = self.network_json(&network);
        self.networks.insert(id, network);
        Ok(value)
    }

    pub(super) fn delete_network(&mut self, id: &str) -> Result<Value, Refusal> {
        self.network(id)?;
        self.networks.remove(id);
        self.resources.retain(|_, r| r.network_id != id);
        self.routers.retain(|_, r| r.network_id != id);
        Ok(json!({}))
    }

    fn resource_json(&self, resource: &Resource) -> Value {
        json!({
            "id": resource.id, "name": resource.name, "description": resource.description,
            "type": address_type(&resource.address), "address": resource.address,
            "enabled": resource.enabled,
            "groups": resource.groups.iter().filter_map(|g| self.group_minimum(g)).collect::<Vec<_>>(),
        })
    }

    pub(super) fn list_resources(&self, network: Option<&str>) -> Value {
        Value::Array(
            self.resources
                .values()
                .filter(|r| network.is_none_or(|n| r.network_id == n))
                .map(|r| self.resource_json(r))
                .collect(),
        )
    }

    pub(super) fn save_resource(
        &mut self,
        network: &str,
        id: Option<&str>,
        body: &Value,
    ) -> Result<Value, Refusal> {
        self.network(network)?;
        let name = string(body, "name").unwrap_or_default();
        if self
            .resources
            .values()
            .any(|r| r.name == name && Some(r.id.as_str()) != id)
        {
            return refuse(422, format!("resource with name {name} already exists"));
        }
        let Some(address) = string(body, "address").and_then(|a| canonical_address(&a)) else {
            return refuse(500, "internal server error");
        };
        let groups = strings(body, "groups").unwrap_or_default();
        if let Some(missing) = groups.iter().find(|g| !self.groups.contains_key(*g)) {
            return refuse(422, format!("group: {missing} not found"));
        }
        let id = match id {
            Some(id) => match self.resources.get(id) {
                Some(r) if r.network_id == network => id.to_owned(),
                Some(_) => return refuse(500, "internal server error"),
                None => return refuse(404, format!("resource: {id} not found")),
            },
            None => self.new_id(),
        };
        let resource = Resource {
            id: id.clone(),
            network_id: network.to_owned(),
            name,
            description: string(body, "description").unwrap_or_default(),
            address,
            enabled: boolean(body, "enabled"),
            groups,
        };
        let value = self.resource_json(&resource);
        self.resources.insert(id, resource);
        Ok(value)
    }

    fn router_json(router: &Router) -> Value {
        json!({
            "id": router.id, "peer": router.peer,
            "peer_groups": if router.peer.is_empty() { json!(router.peer_groups) } else { Value::Null },
            "masquerade": router.masquerade, "metric": router.metric, "enabled": router.enabled,
        })
    }

    pub(super) fn list_routers(&self, network: Option<&str>) -> Value {
        Value::Array(
            self.routers
                .values()
                .filter(|r| network.is_none_or(|n| r.network_id == n))
                .map(Self::router_json)
                .collect(),
        )
    }

    pub(super) fn save_router(
        &mut self,
        network: &str,
        id: Option<&str>,
        body: &Value,
    ) -> Result<Value, Refusal> {
        self.network(network)?;
        let peer = string(body, "peer").unwrap_or_default();
        let peer_groups = strings(body, "peer_groups").unwrap_or_default();
        match (peer.is_empty(), peer_groups.is_empty()) {
            (false, false) => {
                return refuse(400, "peer and peer_groups cannot be set at the same time");
            }
            (true, true) => return refuse(400, "either peer or peer_groups must be provided"),
            _ => {}
        }
        let (id, enabled) = match id {
            Some(id) => match self.routers.get(id) {
                Some(r) if r.network_id == network => (id.to_owned(), boolean(body, "enabled")),
                _ => {
                    return refuse(
                        400,
                        format!("router {id} is not part of the network {network}"),
                    );
                }
            },
            // POST ignores `enabled`: a new router is always enabled.
            None => (self.new_id(), true),
        };
        let router = Router {
            id: id.clone(),
            network_id: network.to_owned(),
            peer,
            peer_groups,
            masquerade: boolean(body, "masquerade"),
            metric: body
                .get("metric")
                .and_then(Value::as_u64)
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(9999),
            enabled,
        };
        let value = Self::router_json(&router);
        self.routers.insert(id, router);
        Ok(value)
    }

    pub(super) fn delete_child(
        &mut self,
        network: &str,
        id: &str,
        resource: bool,
    ) -> Result<Value, Refusal> {
        self.network(network)?;
        let removed = if resource {
            self.resources
                .get(id)
                .is_some_and(|r| r.network_id == network)
                && self.resources.remove(id).is_some()
        } else {
            self.routers
                .get(id)
                .is_some_and(|r| r.network_id == network)
                && self.routers.remove(id).is_some()
        };
        if removed {
            Ok(json!({}))
        } else {
            refuse(404, format!("{id} not found in network {network}"))
        }
    }
}

/// NetBird's address classification: a bare IP is a host (read back with /32 or /128), a
/// prefix of full length is a host, any other prefix a subnet, anything else a domain.
pub(super) fn address_type(address: &str) -> &'static str {
    match address.split_once('/') {
        Some((_, "32" | "128")) => "host",
        Some(_) => "subnet",
        None => "domain",
    }
}

/// The stored form of an address, or `None` for one NetBird would refuse.
fn canonical_address(address: &str) -> Option<String> {
    if let Ok(ip) = address.parse::<std::net::IpAddr>() {
        return Some(format!("{ip}/{}", if ip.is_ipv4() { 32 } else { 128 }));
    }
    if let Some((ip, bits)) = address.split_once('/') {
        let ip: std::net::IpAddr = ip.parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        return (bits <= if ip.is_ipv4() { 32 } else { 128 }).then(|| format!("{ip}/{bits}"));
    }
    let valid = address.contains('.')
        && address
            .trim_start_matches("*.")
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    valid.then(|| address.to_ascii_lowercase())
}
