//! This kind as a file would hold it: the live objects as documents, defaults and what the
//! file cannot express left out (see `desired::export` for the rules).

use super::document::{NetworkDoc, ResourceDoc, RouterDoc};
use crate::kinds::kit::export::{Exporter, NOWHERE, at, non_empty};
use crate::kinds::{
    DEFAULT_ROUTER_MASQUERADE, DEFAULT_ROUTER_METRIC, Kind, Network, RouterTarget, router_key,
};

impl Exporter<'_> {
    pub(crate) fn network(&mut self, network: &Network) -> NetworkDoc {
        let mut resources = Vec::new();
        for (name, resource) in &network.resources {
            if self.withheld(Kind::NetworkResource, name) {
                continue;
            }
            let groups = self.optional_group_refs(
                resource.groups.as_ref(),
                true,
                &format!("network resource {name:?}: groups"),
            );
            self.resources.insert((network.name.clone(), name.clone()));
            resources.push(ResourceDoc {
                name: at(name.clone()),
                description: non_empty(resource.description.as_ref()),
                address: at(resource.address.clone()),
                enabled: resource.enabled.filter(|enabled| !enabled),
                groups,
                path: String::new(),
            });
        }
        let mut routers = Vec::new();
        for (target, router) in &network.routers {
            let key = router_key(&network.name, target);
            if self.withheld(Kind::NetworkRouter, &key) {
                continue;
            }
            let (peer, peer_groups) = match target {
                RouterTarget::Peer(peer) => (Some(at(peer.clone())), None),
                RouterTarget::PeerGroups(groups) if groups.is_empty() => {
                    self.warn(format!(
                        "network router {key:?} left out: it has neither a peer nor peer groups"
                    ));
                    continue;
                }
                RouterTarget::PeerGroups(groups) => {
                    let what = format!("network router {key:?}");
                    let Some(groups) = self.group_refs(groups, true, &what, "left out") else {
                        continue;
                    };
                    (None, Some(groups))
                }
            };
            routers.push(RouterDoc {
                peer,
                peer_groups,
                masquerade: router
                    .masquerade
                    .filter(|flag| *flag != DEFAULT_ROUTER_MASQUERADE),
                metric: router
                    .metric
                    .filter(|metric| *metric != DEFAULT_ROUTER_METRIC),
                enabled: router.enabled.filter(|enabled| !enabled),
                span: NOWHERE,
                path: String::new(),
            });
        }
        NetworkDoc {
            name: at(network.name.clone()),
            description: non_empty(network.description.as_ref()),
            resources,
            routers,
            path: String::new(),
        }
    }
}
