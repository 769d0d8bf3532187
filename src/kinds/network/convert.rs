//! Networks, their resources and routers as read (three lists: networks, and the account-wide
//! resource and router lists).

use std::collections::BTreeMap;

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{Address, Network, Resource, Router, RouterTarget, wire};

/// The network without its resources and routers (added one by one as they are read).
pub(crate) fn network(network: &wire::Network) -> Network {
    Network {
        name: network.name.clone(),
        description: Some(network.description.clone()),
        resources: BTreeMap::new(),
        routers: BTreeMap::new(),
    }
}

/// A resource in the model.
pub(crate) fn resource(resource: &wire::NetworkResource, names: &GroupNames<'_>) -> Resource {
    Resource {
        name: resource.name.clone(),
        description: Some(resource.description.clone()),
        address: Address::from_server(&resource.address),
        enabled: Some(resource.enabled),
        groups: Some(names.names_of(&resource.groups)),
    }
}

/// What a router routes through, its key in its network: a peer (by `peer_name`, which keeps
/// the id when the name would be ambiguous) or peer groups.
pub(crate) fn router_target(
    router: &wire::NetworkRouter,
    peer_name: impl Fn(&str) -> String,
    names: &GroupNames<'_>,
) -> RouterTarget {
    match router.peer.as_deref().filter(|p| !p.is_empty()) {
        Some(peer) => RouterTarget::Peer(peer_name(peer)),
        None => RouterTarget::PeerGroups(names.names(&router.peer_groups)),
    }
}

/// A router in the model.
pub(crate) fn router(router: &wire::NetworkRouter, target: RouterTarget) -> Router {
    Router {
        target,
        masquerade: Some(router.masquerade),
        metric: Some(u16::try_from(router.metric).unwrap_or(u16::MAX)),
        enabled: Some(router.enabled),
    }
}
