//! A route names groups three ways: the peers that receive it (`groups`, which NetBird wants
//! non-empty), the peers that route it (`peer_groups`, which it cannot be left without either)
//! and, with access control, who may use it (`access_control_groups`, which may be empty).

use std::collections::BTreeSet;

use crate::kinds::kit::references::{GroupField, GroupRefs, minus};
use crate::kinds::{Route, RouterTarget};

impl GroupRefs for Route {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        let mut fields = vec![GroupField::required("groups", &self.groups)];
        if let RouterTarget::PeerGroups(groups) = &self.via {
            fields.push(GroupField::required("peer_groups", groups));
        }
        if let Some(groups) = &self.access_control_groups {
            fields.push(GroupField::optional("access_control_groups", groups));
        }
        fields
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut route = self.clone();
        route.groups = minus(&route.groups, groups);
        if let RouterTarget::PeerGroups(own) = &route.via {
            route.via = RouterTarget::PeerGroups(minus(own, groups));
        }
        route.access_control_groups = route.access_control_groups.map(|own| minus(&own, groups));
        route
    }
}
