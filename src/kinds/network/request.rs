//! This kind as a write: model objects → request bodies, names sent as ids (through
//! `kit::ids::Ids`); what a full-replace PUT would otherwise reset is echoed from the live
//! object. Defaults for fields the files leave out (unmanaged) apply only at creation and follow
//! what the dashboard does, except where a safer value exists.

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::wire;
use crate::kinds::{
    AddressKind, DEFAULT_ROUTER_MASQUERADE, DEFAULT_ROUTER_METRIC, Resource, Router, RouterTarget,
};

pub(crate) fn network(name: &str, description: Option<&String>) -> wire::NetworkRequest {
    wire::NetworkRequest {
        name: name.to_owned(),
        description: description.cloned(),
    }
}

pub(crate) fn resource(
    resource: &Resource,
    ids: &impl Ids,
) -> Result<wire::NetworkResourceRequest, MissingId> {
    Ok(wire::NetworkResourceRequest {
        name: resource.name.clone(),
        description: resource.description.clone(),
        address: resource.address.as_str().to_owned(),
        enabled: resource.enabled.unwrap_or(true),
        groups: ids.group_ids(resource.groups.iter().flatten())?,
    })
}

/// A router body. `enabled` is what a PUT should set; a POST ignores it (always enabled).
pub(crate) fn router(
    router: &Router,
    ids: &impl Ids,
) -> Result<wire::NetworkRouterRequest, MissingId> {
    let (peer, peer_groups) = match &router.target {
        RouterTarget::Peer(peer) => (Some(ids.peer_id(peer)), None),
        RouterTarget::PeerGroups(groups) => (None, Some(ids.group_ids(groups)?)),
    };
    Ok(wire::NetworkRouterRequest {
        peer,
        peer_groups,
        masquerade: router.masquerade.unwrap_or(DEFAULT_ROUTER_MASQUERADE),
        metric: u32::from(router.metric.unwrap_or(DEFAULT_ROUTER_METRIC)),
        enabled: router.enabled.unwrap_or(true),
    })
}

/// A resource as a rule targets it: its id and its type (host, subnet or domain), as the
/// server derived it from the address.
pub(crate) fn resource_ref(ids: &impl Ids, id: &str) -> wire::Resource {
    let live = ids.live_resource(id);
    let kind = live
        .map(|r| r.kind.clone())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| {
            let kind = live.map_or(AddressKind::Host, |r| {
                crate::kinds::Address::from_server(&r.address).kind()
            });
            match kind {
                AddressKind::Host => "host",
                AddressKind::Subnet => "subnet",
                AddressKind::Domain => "domain",
            }
            .to_owned()
        });
    wire::Resource {
        id: id.to_owned(),
        kind,
    }
}
