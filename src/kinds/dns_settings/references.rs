//! The DNS settings name groups in `disabled_management_groups`, which may be empty. NetBird
//! refuses to delete a group listed there, so a group delete detaches it first.

use std::collections::BTreeSet;

use crate::kinds::DnsSettings;
use crate::kinds::kit::references::{GroupField, GroupRefs, minus};

impl GroupRefs for DnsSettings {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        self.disabled_management_groups
            .iter()
            .map(|groups| GroupField::optional("disabled_management_groups", groups))
            .collect()
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        DnsSettings {
            disabled_management_groups: self
                .disabled_management_groups
                .as_ref()
                .map(|own| minus(own, groups)),
        }
    }
}
