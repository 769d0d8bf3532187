//! Users and service users name groups in `auto_groups` (given to their peers).

use std::collections::BTreeSet;

use crate::kinds::kit::references::{GroupField, GroupRefs, minus};
use crate::kinds::{ServiceUser, User};

impl GroupRefs for User {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        self.auto_groups
            .iter()
            .map(|groups| GroupField::optional("auto_groups", groups))
            .collect()
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut user = self.clone();
        user.auto_groups = user.auto_groups.map(|own| minus(&own, groups));
        user
    }
}

impl GroupRefs for ServiceUser {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        self.auto_groups
            .iter()
            .map(|groups| GroupField::optional("auto_groups", groups))
            .collect()
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        let mut user = self.clone();
        user.auto_groups = user.auto_groups.map(|own| minus(&own, groups));
        user
    }
}
