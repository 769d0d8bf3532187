//! Networks with their resources and routers. A resource is matched across networks (names
//! are unique per tenant), so one that moved network is replaced, not duplicated.

use std::collections::{BTreeMap, BTreeSet};

use crate::kinds::kit::equality::text_differs;
use crate::kinds::{Kind, Network, Resource, Router, RouterTarget, router_key};
use crate::plan::{Action, NetworkChild, NetworkHeader, Object, Reason};

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn networks(&mut self) {
        let live_networks = &self.live.objects.networks;
        let desired_resources: BTreeSet<&str> = self
            .desired
            .objects
            .networks
            .values()
            .flat_map(|n| n.resources.keys().map(String::as_str))
            .collect();
        for (name, desired) in &self.desired.objects.networks {
            if self.ambiguous(Kind::Network, name) {
                continue;
            }
            let header = |n: &Network| NetworkHeader {
                name: n.name.clone(),
                description: n.description.clone(),
            };
            let empty = Network {
                name: name.clone(),
                description: None,
                resources: BTreeMap::new(),
                routers: BTreeMap::new(),
            };
            let live = if let Some(live) = live_networks.get(name) {
                {
                    self.out.managed += 1;
                    let mut fields = Fields::default();
                    if text_differs(desired.description.as_ref(), live.description.as_ref()) {
                        fields.push("description", &live.description, &desired.description);
                    }
                    let after = NetworkHeader {
                        description: desired
                            .description
                            .clone()
                            .or_else(|| live.description.clone()),
                        ..header(live)
                    };
                    self.update_or_nothing(
                        Kind::Network,
                        name,
                        fields,
                        || Object::Network(header(live)),
                        || Object::Network(after),
                    );
                    live
                }
            } else {
                self.create(Kind::Network, name, Object::Network(header(desired)));
                &empty
            };
            self.resources(desired, live, &desired_resources);
            self.routers(desired, live);
        }
        let desired = &self.desired.objects.networks;
        self.leftovers(
            Kind::Network,
            live_networks,
            |name| desired.contains_key(name),
            |n: &Network| {
                Object::Network(NetworkHeader {
                    name: n.name.clone(),
                    description: n.description.clone(),
                })
            },
        );
    }

    fn resources(&mut self, desired: &Network, live: &Network, desired_anywhere: &BTreeSet<&str>) {
        let network = &desired.name;
        let child = |resource: &Resource, network: &str| {
            Object::NetworkResource(NetworkChild {
                network: network.to_owned(),
                object: resource.clone(),
            })
        };
        for (name, want) in &desired.resources {
            if self.ambiguous(Kind::NetworkResource, name) {
                continue;
            }
            let live_network = self.live.resource_network.get(name);
            if let Some(other) = live_network.filter(|other| *other != network) {
                // Resource names are unique per tenant, and a resource cannot change network.
                let old = self
                    .live
                    .objects
                    .networks
                    .get(other)
                    .and_then(|n| n.resources.get(name));
                self.out.managed += 1;
                let mut fields = Fields::default();
                fields.push("network", other, network);
                let reason = Reason::CreateOnly {
                    field: "network".into(),
                };
                self.replace(
                    Kind::NetworkResource,
                    name,
                    reason,
                    (old.map(|o| child(o, other)), child(want, network)),
                    fields,
                );
                continue;
            }
            let Some(have) = live.resources.get(name) else {
                self.create(Kind::NetworkResource, name, child(want, network));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            if text_differs(want.description.as_ref(), have.description.as_ref()) {
                fields.push("description", &have.description, &want.description);
            }
            if want.address != have.address {
                fields.push("address", &have.address, &want.address);
            }
            fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
            fields.managed("groups", want.groups.as_ref(), have.groups.as_ref());
            let after = Resource {
                description: want
                    .description
                    .clone()
                    .or_else(|| have.description.clone()),
                address: want.address.clone(),
                enabled: want.enabled.or(have.enabled),
                groups: want.groups.clone().or_else(|| have.groups.clone()),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::NetworkResource,
                name,
                fields,
                || child(have, network),
                || child(&after, network),
            );
        }
        for (name, have) in &live.resources {
            if desired.resources.contains_key(name) || desired_anywhere.contains(name.as_str()) {
                continue;
            }
            if self.pruned(Kind::NetworkResource) {
                self.out.managed += 1;
                self.delete(Kind::NetworkResource, name, child(have, network));
            } else {
                self.leave_alone(Kind::NetworkResource, name);
            }
        }
    }

    fn routers(&mut self, desired: &Network, live: &Network) {
        let network = &desired.name;
        let child = |router: &Router| {
            Object::NetworkRouter(NetworkChild {
                network: network.clone(),
                object: router.clone(),
            })
        };
        // With routers pruned, a live router the files no longer name is pointed at a desired
        // one the network lacks, in place (one PUT), instead of deleted and created again.
        // Without prune it is left alone, so it is never repurposed.
        let mut retargets: Vec<&Router> = if self.pruned(Kind::NetworkRouter) {
            live.routers
                .iter()
                .filter(|(target, _)| !desired.routers.contains_key(*target))
                .map(|(_, router)| router)
                .collect()
        } else {
            Vec::new()
        };
        retargets.reverse();
        let mut retargeted: Vec<RouterTarget> = Vec::new();
        for (target, want) in &desired.routers {
            let key = router_key(network, target);
            let (have, moved) = if let Some(have) = live.routers.get(target) {
                (have, false)
            } else {
                let Some(have) = retargets.pop() else {
                    self.create(Kind::NetworkRouter, &key, child(want));
                    continue;
                };
                retargeted.push(have.target.clone());
                (have, true)
            };
            if moved {
                self.out.managed += 1;
                let mut fields = Fields::default();
                fields.push("target", &have.target.to_string(), &want.target.to_string());
                router_fields(&mut fields, want, have);
                let change = self.push(
                    Kind::NetworkRouter,
                    &key,
                    Action::Update,
                    Reason::FieldsDiffer {
                        fields: fields.names(),
                    },
                );
                change.before = Some(child(have));
                change.after = Some(child(&Router {
                    target: want.target.clone(),
                    masquerade: want.masquerade.or(have.masquerade),
                    metric: want.metric.or(have.metric),
                    enabled: want.enabled.or(have.enabled),
                }));
                change.fields = fields.0;
                continue;
            }
            self.out.managed += 1;
            let mut fields = Fields::default();
            router_fields(&mut fields, want, have);
            let after = Router {
                masquerade: want.masquerade.or(have.masquerade),
                metric: want.metric.or(have.metric),
                enabled: want.enabled.or(have.enabled),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::NetworkRouter,
                &key,
                fields,
                || child(have),
                || child(&after),
            );
        }
        for (target, have) in &live.routers {
            if desired.routers.contains_key(target) || retargeted.contains(target) {
                continue;
            }
            let key = router_key(network, target);
            if self.pruned(Kind::NetworkRouter) {
                self.out.managed += 1;
                self.delete(Kind::NetworkRouter, &key, child(have));
            } else {
                self.leave_alone(Kind::NetworkRouter, &key);
            }
        }
    }
}

/// The managed fields of a router that differ.
fn router_fields(fields: &mut Fields, want: &Router, have: &Router) {
    fields.managed(
        "masquerade",
        want.masquerade.as_ref(),
        have.masquerade.as_ref(),
    );
    fields.managed("metric", want.metric.as_ref(), have.metric.as_ref());
    fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
}
