//! A network resource names groups in `groups` (its members); a router names the groups whose
//! peers route in its target (`peer_groups`), which it cannot be left without.

use std::collections::BTreeSet;

use crate::kinds::kit::references::{GroupField, GroupRefs, minus};
use crate::kinds::{Resource, Router, RouterTarget};

impl GroupRefs for Resource {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        self.groups
            .iter()
            .map(|groups| GroupField::optional("groups", groups))
            .collect()
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut resource = self.clone();
        resource.groups = resource.groups.map(|own| minus(&own, groups));
        resource
    }
}

impl GroupRefs for Router {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        match &self.target {
            RouterTarget::PeerGroups(groups) => vec![GroupField::required("peer_groups", groups)],
            RouterTarget::Peer(_) => Vec::new(),
        }
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut router = self.clone();
        if let RouterTarget::PeerGroups(own) = &router.target {
            router.target = RouterTarget::PeerGroups(minus(own, groups));
        }
        router
    }
}
