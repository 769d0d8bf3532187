//! The settings name groups in `extra.network_traffic_logs_groups`, which may be empty.
//! NetBird refuses to delete a group traffic logging names, so a group delete detaches it
//! first.

use std::collections::BTreeSet;

use crate::kinds::AccountSettings;
use crate::kinds::kit::references::{GroupField, GroupRefs, minus};

impl GroupRefs for AccountSettings {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        self.network_traffic_logs_groups
            .iter()
            .map(|groups| GroupField::optional("extra.network_traffic_logs_groups", groups))
            .collect()
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        AccountSettings {
            network_traffic_logs_groups: self
                .network_traffic_logs_groups
                .as_ref()
                .map(|own| minus(own, groups)),
            ..self.clone()
        }
    }
}
