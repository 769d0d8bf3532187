//! A route as read: ids become names, and the read quirks (a domain route's placeholder range,
//! `""` for no peer) become the model's one way of saying each thing.

use std::collections::BTreeSet;

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{Route, RouteDestination, RouterTarget, wire};

/// The route in the model; `peer_name` gives a peer id's name (the id itself when the name
/// would be ambiguous).
pub(crate) fn route(
    route: &wire::Route,
    peer_name: impl Fn(&str) -> String,
    names: &GroupNames<'_>,
) -> Route {
    let destination = if route.is_domain_route() {
        RouteDestination::Domains(
            route
                .domains
                .iter()
                .map(|d| crate::kinds::route::parse_domain(d).unwrap_or_else(|_| d.clone()))
                .collect::<BTreeSet<_>>(),
        )
    } else {
        RouteDestination::Network(route.network.clone())
    };
    let via = if route.peer.is_empty() {
        RouterTarget::PeerGroups(names.names(&route.peer_groups))
    } else {
        RouterTarget::Peer(peer_name(&route.peer))
    };
    Route {
        network_id: route.network_id.clone(),
        description: Some(route.description.clone()),
        destination,
        via,
        groups: names.names(&route.groups),
        access_control_groups: Some(names.names(&route.access_control_groups)),
        metric: Some(u16::try_from(route.metric).unwrap_or(u16::MAX)),
        masquerade: Some(route.masquerade),
        enabled: Some(route.enabled),
        keep_route: Some(route.keep_route),
        skip_auto_apply: Some(route.skip_auto_apply),
    }
}
