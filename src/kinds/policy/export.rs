//! This kind as a file would hold it: the live objects as documents, defaults and what the
//! file cannot express left out (see `desired::export` for the rules).

use super::document::{PolicyDoc, ResourceRefDoc, RuleDoc};
use crate::kinds::kit::export::{Exporter, at, non_empty};
use crate::kinds::{Action, Destination, Policy};

impl Exporter<'_> {
    pub(crate) fn policy(&mut self, policy: &Policy) -> Option<PolicyDoc> {
        let name = &policy.name;
        let [rule] = policy.rules.as_slice() else {
            self.warn(format!(
                "policy {name:?} left out: it has {} rules, and a file keeps exactly one rule per \
                 policy (split it into several policies in the dashboard)",
                policy.rules.len()
            ));
            return None;
        };
        let what = format!("policy {name:?}");
        if rule.sources.is_empty() {
            self.warn(format!("{what} left out: its rule has no source groups"));
            return None;
        }
        let sources = self.group_refs(&rule.sources, true, &what, "left out")?;
        let (destinations, destination_resource) = match &rule.destination {
            Destination::Groups(groups) if groups.is_empty() => {
                self.warn(format!("{what} left out: its rule has no destination"));
                return None;
            }
            Destination::Groups(groups) => (
                Some(self.group_refs(groups, true, &what, "left out")?),
                None,
            ),
            Destination::Resource(target) => {
                let listed = self
                    .resources
                    .contains(&(target.network.clone(), target.resource.clone()));
                if !listed {
                    self.warn(format!(
                        "{what} left out: its destination resource is not in the file"
                    ));
                    return None;
                }
                let reference = ResourceRefDoc {
                    network: at(target.network.clone()),
                    resource: at(target.resource.clone()),
                };
                (None, Some(reference))
            }
        };
        let ports = (!rule.ports.is_empty()).then(|| rule.ports.iter().copied().map(at).collect());
        let rule_doc = RuleDoc {
            name: rule.name.clone().filter(|n| !n.is_empty() && n != name),
            description: non_empty(rule.description.as_ref()),
            enabled: rule.enabled.filter(|enabled| !enabled),
            action: (rule.action != Action::Accept).then(|| at(rule.action)),
            protocol: at(rule.protocol),
            bidirectional: rule.bidirectional.filter(|both| *both),
            ports,
            sources,
            destinations,
            destination_resource,
            path: String::new(),
        };
        Some(PolicyDoc {
            name: at(name.clone()),
            description: non_empty(policy.description.as_ref()),
            enabled: policy.enabled.filter(|enabled| !enabled),
            rules: vec![rule_doc],
            path: String::new(),
        })
    }
}
