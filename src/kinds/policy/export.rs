//! This kind as a file would hold it: the live objects as documents, defaults and what the
//! file cannot express left out (see `desired::export` for the rules).

use super::document::{PolicyDoc, PortRangeDoc, ResourceRefDoc, RuleDoc};
use crate::diag::Located;
use crate::kinds::kit::export::{Exporter, at, non_empty};
use crate::kinds::kit::named::NamedList;
use crate::kinds::{Action, Destination, Policy, PortRange, RuleResource};

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

    /// A rule's resource or peer as the file names it; `None` (with a warning) when it is a
    /// network resource the file does not list.
    fn rule_resource(
        &mut self,
        target: &RuleResource,
        what: &str,
        side: &str,
    ) -> Option<ResourceRefDoc> {
        match target {
            RuleResource::Peer(peer) => Some(ResourceRefDoc {
                network: None,
                resource: None,
                peer: Some(at(peer.clone())),
            }),
            RuleResource::Network(target) => {
                let listed = self
                    .resources
                    .contains(&(target.network.clone(), target.resource.clone()));
                if !listed {
                    self.warn(format!(
                        "{what} left out: its {side} resource is not in the file"
                    ));
                    return None;
                }
                Some(ResourceRefDoc {
                    network: Some(at(target.network.clone())),
                    resource: Some(at(target.resource.clone())),
                    peer: None,
                })
            }
        }
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
        let (sources, source_resource) = match &rule.source_resource {
            Some(target) => (None, Some(self.rule_resource(target, &what, "source")?)),
            None if rule.sources.is_empty() => {
                self.warn(format!("{what} left out: its rule has no source groups"));
                return None;
            }
            None => (
                Some(self.group_refs(&rule.sources, true, &what, "left out")?),
                None,
            ),
        };
        let (destinations, destination_resource) = match &rule.destination {
            Destination::Groups(groups) if groups.is_empty() => {
                self.warn(format!("{what} left out: its rule has no destination"));
                return None;
            }
            Destination::Groups(groups) => (
                Some(self.group_refs(groups, true, &what, "left out")?),
                None,
            ),
            Destination::Resource(target) => (
                None,
                Some(self.rule_resource(target, &what, "destination")?),
            ),
        };
        let authorized_groups = if rule.authorized_groups.is_empty() {
            None
        } else {
            let keys = rule.authorized_groups.keys().cloned().collect();
            self.group_refs(&keys, true, &what, "left out")?;
            let entries = rule
                .authorized_groups
                .iter()
                .map(|(group, users)| (at(group.clone()), users.iter().cloned().map(at).collect()))
                .collect();
            Some(NamedList(entries))
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
        // Single ports as `ports`, ranges as `port_ranges`, the way the API writes them.
        let (singles, ranges): (Vec<PortRange>, Vec<PortRange>) =
            rule.ports.iter().partition(|port| port.is_single());
        let ports = (!singles.is_empty()).then(|| singles.into_iter().map(at).collect());
        let port_ranges = (!ranges.is_empty()).then(|| {
            ranges
                .into_iter()
                .map(|range| PortRangeDoc {
                    start: range.start,
                    end: range.end,
                })
                .collect()
        });
        let rule_doc = RuleDoc {
            name: rule.name.clone().filter(|n| !n.is_empty() && n != name),
            description: non_empty(rule.description.as_ref()),
            enabled: rule.enabled.filter(|enabled| !enabled),
            action: (rule.action != Action::Accept).then(|| at(rule.action)),
            protocol: at(rule.protocol),
            bidirectional: rule.bidirectional.filter(|both| *both),
            ports,
            port_ranges,
            sources,
            source_resource,
            destinations,
            destination_resource,
            authorized_groups,
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
