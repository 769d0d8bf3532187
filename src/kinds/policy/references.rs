//! A policy's rules name groups as sources and as destinations; a rule cannot be left without
//! either. (NetBird SSH's authorized groups are not in the model: `live` records them apart.)

use std::collections::BTreeSet;

use crate::kinds::kit::references::{GroupField, GroupRefs, minus};
use crate::kinds::{Destination, Policy};

impl GroupRefs for Policy {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        let mut fields = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            fields.push(GroupField::required(
                &format!("rules[{index}].sources"),
                &rule.sources,
            ));
            if let Destination::Groups(groups) = &rule.destination {
                fields.push(GroupField::required(
                    &format!("rules[{index}].destinations"),
                    groups,
                ));
            }
        }
        fields
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut policy = self.clone();
        for rule in &mut policy.rules {
            rule.sources = minus(&rule.sources, groups);
            if let Destination::Groups(own) = &rule.destination {
                rule.destination = Destination::Groups(minus(own, groups));
            }
        }
        policy
    }
}
