//! A zone names the groups whose peers resolve it (`distribution_groups`), which NetBird wants
//! non-empty. NetBird itself deletes a group a zone names without a word, leaving the zone
//! pointing at nothing; birdhouse detaches it first, and refuses to take a zone's last group.

use std::collections::BTreeSet;

use crate::kinds::DnsZone;
use crate::kinds::kit::references::{GroupField, GroupRefs, minus};

impl GroupRefs for DnsZone {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        vec![GroupField::required(
            "distribution_groups",
            &self.distribution_groups,
        )]
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut zone = self.clone();
        zone.distribution_groups = minus(&zone.distribution_groups, groups);
        zone
    }
}
