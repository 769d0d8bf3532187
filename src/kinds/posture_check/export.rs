//! Posture checks as a file would hold them: every check, by name, its conditions as they are.

use super::document::PostureCheckDoc;
use crate::kinds::Kind;
use crate::kinds::kit::export::{Exporter, at, non_empty};

impl Exporter<'_> {
    pub(crate) fn posture_checks(&mut self) -> Vec<PostureCheckDoc> {
        let mut docs = Vec::new();
        for (name, check) in &self.source.objects.posture_checks {
            if self.withheld(Kind::PostureCheck, name) {
                continue;
            }
            if check.checks.is_empty() {
                self.warn(format!(
                    "posture check {name:?} left out: it has no condition, and a file's check \
                     needs at least one"
                ));
                continue;
            }
            docs.push(PostureCheckDoc {
                name: at(name.clone()),
                description: non_empty(check.description.as_ref()),
                checks: check.checks.clone(),
                path: String::new(),
            });
        }
        docs
    }
}
