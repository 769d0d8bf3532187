//! Routes as a file would hold them: every route, by network identifier, with the defaults a
//! create would give left out. A route that names a group the file cannot list, or that no
//! peer routes, is left out with a warning.

use super::document::RouteDoc;
use super::{DEFAULT_ROUTE_MASQUERADE, DEFAULT_ROUTE_METRIC};
use crate::kinds::kit::export::{Exporter, at, non_empty};
use crate::kinds::{Kind, RouteDestination, RouterTarget};

impl Exporter<'_> {
    pub(crate) fn routes(&mut self) -> Vec<RouteDoc> {
        let mut docs = Vec::new();
        for (name, route) in &self.source.objects.routes {
            if self.withheld(Kind::Route, name) {
                continue;
            }
            let what = format!("route {name:?}");
            let (network, domains) = match &route.destination {
                RouteDestination::Network(network) => (Some(at(network.clone())), None),
                RouteDestination::Domains(domains) => {
                    (None, Some(domains.iter().cloned().map(at).collect()))
                }
            };
            let (peer, peer_groups) = match &route.via {
                RouterTarget::Peer(peer) => (Some(at(peer.clone())), None),
                RouterTarget::PeerGroups(groups) if groups.is_empty() => {
                    self.warn(format!(
                        "{what} left out: no peer routes it (neither a peer nor peer groups), \
                         and a file's route needs one"
                    ));
                    continue;
                }
                RouterTarget::PeerGroups(groups) => {
                    let Some(groups) = self.group_refs(groups, true, &what, "left out") else {
                        continue;
                    };
                    (None, Some(groups))
                }
            };
            if route.groups.is_empty() {
                self.warn(format!(
                    "{what} left out: it has no distribution group, and a file's route needs one"
                ));
                continue;
            }
            let Some(groups) = self.group_refs(&route.groups, true, &what, "left out") else {
                continue;
            };
            let access_control_groups = self.optional_group_refs(
                route.access_control_groups.as_ref(),
                true,
                &format!("route {name:?}: access_control_groups"),
            );
            docs.push(RouteDoc {
                network_id: at(name.clone()),
                description: non_empty(route.description.as_ref()),
                network,
                domains,
                peer,
                peer_groups,
                groups,
                access_control_groups,
                metric: route.metric.filter(|m| *m != DEFAULT_ROUTE_METRIC),
                masquerade: route
                    .masquerade
                    .filter(|flag| *flag != DEFAULT_ROUTE_MASQUERADE),
                enabled: route.enabled.filter(|enabled| !enabled),
                keep_route: route.keep_route.filter(|keep| *keep),
                skip_auto_apply: route.skip_auto_apply.filter(|skip| *skip),
                path: String::new(),
            });
        }
        docs
    }
}
