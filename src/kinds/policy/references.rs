//! A policy's rules name groups as sources and as destinations (a rule cannot be left without
//! either), and NetBird SSH rules as authorized groups (which NetBird does not protect: a
//! deleted group's entry would stay behind, naming nothing).

use std::collections::BTreeSet;

use crate::kinds::kit::references::{GroupField, GroupRefs, minus};
use crate::kinds::{Destination, Policy};

impl GroupRefs for Policy {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        let mut fields = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.source_resource.is_none() {
                fields.push(GroupField::required(
                    &format!("rules[{index}].sources"),
                    &rule.sources,
                ));
            }
            if let Destination::Groups(groups) = &rule.destination {
                fields.push(GroupField::required(
                    &format!("rules[{index}].destinations"),
                    groups,
                ));
            }
            if !rule.authorized_groups.is_empty() {
                fields.push(GroupField::optional_keys(
                    &format!("rules[{index}].authorized_groups"),
                    rule.authorized_groups.keys(),
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
            rule.authorized_groups
                .retain(|group, _| !groups.contains(group));
        }
        policy
    }
}
