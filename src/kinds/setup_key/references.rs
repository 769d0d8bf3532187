//! A setup key names groups in `auto_groups` (given to the peers it enrols).

use std::collections::BTreeSet;

use crate::kinds::SetupKey;
use crate::kinds::kit::references::{GroupField, GroupRefs, auto_groups, auto_groups_without};

impl GroupRefs for SetupKey {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        auto_groups(self.auto_groups.as_ref())
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        SetupKey {
            auto_groups: auto_groups_without(self.auto_groups.as_ref(), groups),
            ..self.clone()
        }
    }
}
