//! Nameserver groups as a file would hold them: every group, by name, with the defaults a
//! create would give left out. A group that names a group the file cannot list, or that has
//! no distribution group or no nameserver, is left out with a warning.

use super::document::NameserverGroupDoc;
use crate::kinds::Kind;
use crate::kinds::kit::export::{Exporter, at, non_empty};

impl Exporter<'_> {
    pub(crate) fn nameserver_groups(&mut self) -> Vec<NameserverGroupDoc> {
        let mut docs = Vec::new();
        for (name, group) in &self.source.objects.nameserver_groups {
            if self.withheld(Kind::NameserverGroup, name) {
                continue;
            }
            let what = format!("nameserver group {name:?}");
            if group.groups.is_empty() || group.nameservers.is_empty() {
                self.warn(format!(
                    "{what} left out: it has no distribution group or no nameserver, and a \
                     file's group needs both"
                ));
                continue;
            }
            if group.nameservers.iter().any(|ns| ns.port == 0) {
                self.warn(format!(
                    "{what} left out: a nameserver has port 0, which a file cannot say"
                ));
                continue;
            }
            let Some(groups) = self.group_refs(&group.groups, true, &what, "left out") else {
                continue;
            };
            docs.push(NameserverGroupDoc {
                name: at(name.clone()),
                description: non_empty(group.description.as_ref()),
                nameservers: group.nameservers.clone(),
                groups,
                primary: group.primary().then_some(true),
                domains: (!group.primary())
                    .then(|| group.domains.iter().cloned().map(at).collect()),
                search_domains_enabled: group.search_domains_enabled.filter(|on| *on),
                enabled: group.enabled.filter(|on| !on),
                path: String::new(),
            });
        }
        docs
    }
}
