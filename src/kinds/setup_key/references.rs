//! A setup key names groups in `auto_groups` (given to the peers it enrols).

use std::collections::BTreeSet;

use crate::kinds::SetupKey;
use crate::kinds::kit::references::{GroupField, GroupRefs, minus};

impl GroupRefs for SetupKey {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        self.auto_groups
            .iter()
            .map(|groups| GroupField::optional("auto_groups", groups))
            .collect()
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut key = self.clone();
        key.auto_groups = key.auto_groups.map(|own| minus(&own, groups));
        key
    }
}
