//! What a kind's request builders ask of the tenant being written: the id behind each name
//! (a name becomes an id only on the wire), and the live objects a write must echo or describe.
//! `apply`'s working state answers, with the ids of what the run has created so far.

use crate::kinds::Kind;
use crate::kinds::wire;

/// A name a write must send as an id has none: neither read nor created in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MissingId {
    /// The kind.
    pub kind: Kind,
    /// The name.
    pub name: String,
}

/// The ids of one tenant's objects, by kind and name.
pub(crate) trait Ids {
    /// The id of the object of `kind` named `name`.
    fn id(&self, kind: Kind, name: &str) -> Result<String, MissingId>;

    /// The id of the peer a router names (by name once the peer list was read; the value
    /// itself otherwise, as an id).
    fn peer_id(&self, name: &str) -> String;

    /// The live network resource with this id, when the tenant's resources were read.
    fn live_resource(&self, id: &str) -> Option<&wire::NetworkResource>;

    /// The ids of these groups, in order.
    fn group_ids<'a>(
        &self,
        names: impl IntoIterator<Item = &'a String>,
    ) -> Result<Vec<String>, MissingId> {
        names
            .into_iter()
            .map(|name| self.id(Kind::Group, name))
            .collect()
    }
}
