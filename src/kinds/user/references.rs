//! Users and service users name groups in `auto_groups` (given to their peers).

use std::collections::BTreeSet;

use crate::kinds::kit::references::{GroupField, GroupRefs, auto_groups, auto_groups_without};
use crate::kinds::{ServiceUser, User};

impl GroupRefs for User {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        auto_groups(self.auto_groups.as_ref())
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        User {
            auto_groups: auto_groups_without(self.auto_groups.as_ref(), groups),
            ..self.clone()
        }
    }
}

impl GroupRefs for ServiceUser {
    fn group_fields(&self) -> Vec<GroupField<'_>> {
        auto_groups(self.auto_groups.as_ref())
    }

    fn without_groups(&self, groups: &BTreeSet<String>) -> Self {
        ServiceUser {
            auto_groups: auto_groups_without(self.auto_groups.as_ref(), groups),
            ..self.clone()
        }
    }
}
