//! Groups as a file would hold them: every group birdhouse may manage (not `All`, not the
//! groups another issuer owns), by name.

use super::document::GroupDoc;
use crate::kinds::kit::export::{Exporter, at};
use crate::kinds::{ALL_GROUP, Kind};

impl Exporter<'_> {
    pub(crate) fn groups(&mut self) -> Vec<GroupDoc> {
        self.source
            .objects
            .groups
            .keys()
            .filter(|name| !self.withheld(Kind::Group, name) && name.as_str() != ALL_GROUP)
            .map(|name| GroupDoc {
                peers: None,
                name: at(name.clone()),
                path: String::new(),
            })
            .collect()
    }
}
