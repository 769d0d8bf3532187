//! This kind as a file would hold it: the live objects as documents, defaults and what the
//! file cannot express left out (see `desired::export` for the rules).

use super::document::{PolicyDoc, ResourceRefDoc, RuleDoc};
use crate::diag::Located;
use crate::kinds::kit::export::{Exporter, at, non_empty};
use crate::kinds::{Action, Destination, Policy};

impl Exporter<'_> {
    /// The posture checks a policy names that the file does not list: writing the policy
    /// without them would be a wider grant than the live one.
    fn unlisted_posture_checks(&self, policy: &Policy) -> Vec<String> {
        policy
            .source_posture_checks
            .iter()
            .flatten()
            .filter(|name| !self.posture_checks.contains(*name))
            .map(|name| format!("{name:?}"))
            .collect()
    }

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
        let unlisted = self.unlisted_posture_checks(policy);
        if !unlisted.is_empty() {
            self.warn(format!(
                "{what} left out: it names posture checks the file does not list ({})",
                unlisted.join(", ")
            ));
            return None;
        }
        let source_posture_checks: Option<Vec<Located<String>>> = policy
            .source_posture_checks
            .as_ref()
            .filter(|checks| !checks.is_empty())
            .map(|checks| checks.iter().cloned().map(at).collect());
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
            source_posture_checks,
            rules: vec![rule_doc],
            path: String::new(),
        })
    }
}
