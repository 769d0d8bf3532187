//! Routes: every field is updated in place (a PUT replaces the whole route, its range or
//! domains and its routing peers included); nothing about a route is create-only. Fields the
//! files leave out keep their live values.

use crate::kinds::kit::equality::text_differs;
use crate::kinds::{Kind, Route, RouteDestination, RouterTarget};
use crate::plan::Object;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn routes(&mut self) {
        let live = &self.live.objects.routes;
        for (network_id, want) in &self.desired.objects.routes {
            if self.ambiguous(Kind::Route, network_id) {
                continue;
            }
            let Some(have) = live.get(network_id) else {
                self.create(Kind::Route, network_id, Object::Route(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let fields = route_fields(want, have);
            self.update_or_nothing(
                Kind::Route,
                network_id,
                fields,
                || Object::Route(have.clone()),
                || Object::Route(want.over(have)),
            );
        }
        let desired = &self.desired.objects.routes;
        self.leftovers(
            Kind::Route,
            live,
            |network_id| desired.contains_key(network_id),
            |r: &Route| Object::Route(r.clone()),
        );
    }
}

/// The managed fields of a route that differ, by their API names (`network` or `domains`,
/// `peer` or `peer_groups`: a route that switches shows both, the old one going to null).
fn route_fields(want: &Route, have: &Route) -> Fields {
    let mut fields = Fields::default();
    if text_differs(want.description.as_ref(), have.description.as_ref()) {
        fields.push("description", &have.description, &want.description);
    }
    if want.destination != have.destination {
        let split = |d: &RouteDestination| match d {
            RouteDestination::Network(n) => (Some(n.clone()), None),
            RouteDestination::Domains(d) => (None, Some(d.clone())),
        };
        let (before, after) = (split(&have.destination), split(&want.destination));
        let network = (before.0, after.0);
        let domains = (before.1, after.1);
        if network.0 != network.1 {
            fields.push("network", &network.0, &network.1);
        }
        if domains.0 != domains.1 {
            fields.push("domains", &domains.0, &domains.1);
        }
    }
    if want.via != have.via {
        let split = |v: &RouterTarget| match v {
            RouterTarget::Peer(p) => (Some(p.clone()), None),
            RouterTarget::PeerGroups(g) => (None, Some(g.clone())),
        };
        let (before, after) = (split(&have.via), split(&want.via));
        if before.0 != after.0 {
            fields.push("peer", &before.0, &after.0);
        }
        if before.1 != after.1 {
            fields.push("peer_groups", &before.1, &after.1);
        }
    }
    if want.groups != have.groups {
        fields.push("groups", &have.groups, &want.groups);
    }
    fields.managed(
        "access_control_groups",
        want.access_control_groups.as_ref(),
        have.access_control_groups.as_ref(),
    );
    fields.managed("metric", want.metric.as_ref(), have.metric.as_ref());
    fields.managed(
        "masquerade",
        want.masquerade.as_ref(),
        have.masquerade.as_ref(),
    );
    fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
    fields.managed(
        "keep_route",
        want.keep_route.as_ref(),
        have.keep_route.as_ref(),
    );
    fields.managed(
        "skip_auto_apply",
        want.skip_auto_apply.as_ref(),
        have.skip_auto_apply.as_ref(),
    );
    fields
}
