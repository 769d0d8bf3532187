//! How reads turn the ids on the wire into the names the model and the files use.

use std::collections::{BTreeMap, BTreeSet};

use crate::kinds::{ResourceRef, wire};

/// Group ids → names; an id no group has stays as it is (a dangling reference stays visible).
pub(crate) struct GroupNames<'w>(BTreeMap<&'w str, &'w str>);

impl<'w> GroupNames<'w> {
    pub(crate) fn of(groups: &'w [wire::Group]) -> Self {
        GroupNames(
            groups
                .iter()
                .map(|g| (g.id.as_str(), g.name.as_str()))
                .collect(),
        )
    }

    pub(crate) fn name(&self, id: &str) -> String {
        self.0
            .get(id)
            .map_or_else(|| id.to_owned(), |n| (*n).to_owned())
    }

    pub(crate) fn names(&self, ids: &[String]) -> BTreeSet<String> {
        ids.iter().map(|id| self.name(id)).collect()
    }

    /// [`Self::names`] of the groups a rule or resource carries whole on the wire.
    pub(crate) fn names_of(&self, groups: &[wire::GroupMinimum]) -> BTreeSet<String> {
        groups.iter().map(|g| self.name(&g.id)).collect()
    }
}

/// Each live resource's id with how rules name it (its network and its own name).
pub(crate) type ResourceRefs<'w> = BTreeMap<&'w str, ResourceRef>;
