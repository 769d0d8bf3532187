//! A nameserver group names the groups whose peers use it (`groups`), which NetBird wants
//! non-empty: the last one cannot be detached.

use std::collections::BTreeSet;

use crate::kinds::NameserverGroup;
use crate::kinds::kit::references::{GroupField, GroupRefs, minus};

impl GroupRefs for NameserverGroup {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        vec![GroupField::required("groups", &self.groups)]
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut group = self.clone();
        group.groups = minus(&group.groups, groups);
        group
    }
}
