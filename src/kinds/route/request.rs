//! This kind as a write: model objects → request bodies, names sent as ids. A PUT replaces
//! every field; the planner has already filled what the files leave out from the live route
//! (`Route::over`), so defaults here apply only at creation.

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::route::{DEFAULT_ROUTE_MASQUERADE, DEFAULT_ROUTE_METRIC};
use crate::kinds::{Route, RouteDestination, RouterTarget, wire};

/// The body that creates or replaces `route`.
pub(crate) fn route(route: &Route, ids: &impl Ids) -> Result<wire::RouteRequest, MissingId> {
    let (network, domains) = match &route.destination {
        RouteDestination::Network(network) => (Some(network.clone()), None),
        RouteDestination::Domains(domains) => (None, Some(domains.iter().cloned().collect())),
    };
    let (peer, peer_groups) = match &route.via {
        RouterTarget::Peer(peer) => (Some(ids.peer_id(peer)), None),
        RouterTarget::PeerGroups(groups) => (None, Some(ids.group_ids(groups)?)),
    };
    Ok(wire::RouteRequest {
        network_id: route.network_id.clone(),
        description: route.description.clone().unwrap_or_default(),
        enabled: route.enabled.unwrap_or(true),
        peer,
        peer_groups,
        network,
        domains,
        metric: route.metric.unwrap_or(DEFAULT_ROUTE_METRIC),
        masquerade: route.masquerade.unwrap_or(DEFAULT_ROUTE_MASQUERADE),
        groups: ids.group_ids(&route.groups)?,
        keep_route: route.keep_route.unwrap_or(false),
        access_control_groups: ids.group_ids(route.access_control_groups.iter().flatten())?,
        skip_auto_apply: route.skip_auto_apply.unwrap_or(false),
    })
}
