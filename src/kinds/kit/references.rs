//! What an object references, declared by its kind: the fields that name groups. Ordering needs
//! no more than the kinds' ranks (an object references only kinds of a lower rank); detaching
//! a deleted group and refusing a delete the server would refuse need the fields themselves.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// One field of an object that names groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupField<'a> {
    /// The field as plans name it (`auto_groups`, `rules[0].sources`).
    pub field: String,
    /// The groups it names (owned when the object keeps them otherwise, as the keys of a
    /// map).
    pub groups: Cow<'a, BTreeSet<String>>,
    /// Whether the object is invalid with the field empty (a rule's sources, a router's peer
    /// groups): the last group of such a field cannot be detached.
    pub required: bool,
}

impl<'a> GroupField<'a> {
    /// A field the object may leave empty.
    pub(crate) fn optional(field: &str, groups: &'a BTreeSet<String>) -> Self {
        Self {
            field: field.to_owned(),
            groups: Cow::Borrowed(groups),
            required: false,
        }
    }

    /// A field the object may leave empty, whose group names are collected (a map's keys).
    pub(crate) fn optional_keys<'k>(
        field: &str,
        keys: impl IntoIterator<Item = &'k String>,
    ) -> Self {
        Self {
            field: field.to_owned(),
            groups: Cow::Owned(keys.into_iter().cloned().collect()),
            required: false,
        }
    }

    /// A field the object needs at least one group in.
    pub(crate) fn required(field: &str, groups: &'a BTreeSet<String>) -> Self {
        Self {
            field: field.to_owned(),
            groups: Cow::Borrowed(groups),
            required: true,
        }
    }
}

/// The group references of a kind's objects.
pub(crate) trait GroupRefs: Clone {
    /// Every field that names groups (fields the files leave unmanaged name none).
    fn group_fields(&self) -> Vec<GroupField<'_>>;

    /// The object with `groups` taken out of every field that names them.
    fn without_groups(&self, groups: &BTreeSet<String>) -> Self;
}

/// `groups` without `gone`.
pub(crate) fn minus(groups: &BTreeSet<String>, gone: &BTreeSet<String>) -> BTreeSet<String> {
    groups.difference(gone).cloned().collect()
}

/// The field of a kind whose only group references are `auto_groups` (setup keys, users and
/// service users: the groups given to the peers they bring).
pub(crate) fn auto_groups(groups: Option<&BTreeSet<String>>) -> Vec<GroupField<'_>> {
    groups
        .map(|groups| GroupField::optional("auto_groups", groups))
        .into_iter()
        .collect()
}

/// `auto_groups` without `gone` (still unmanaged when it was).
pub(crate) fn auto_groups_without(
    groups: Option<&BTreeSet<String>>,
    gone: &BTreeSet<String>,
) -> Option<BTreeSet<String>> {
    groups.map(|own| minus(own, gone))
}
