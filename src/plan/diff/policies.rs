//! Policies: field by field, down to each rule's sources, destination, ports and NetBird SSH
//! logins.

use crate::kinds::kit::equality::text_differs;
use crate::kinds::{Kind, Policy};
use crate::plan::Object;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn policies(&mut self) {
        let live_policies = &self.live.objects.policies;
        for (name, want) in &self.desired.objects.policies {
            if self.ambiguous(Kind::Policy, name) {
                continue;
            }
            let Some(have) = live_policies.get(name) else {
                self.create(Kind::Policy, name, Object::Policy(want.clone()));
                continue;
            };
            if have.rules.len() > 1 {
                self.out.errors.push(several_rules(name, have));
                continue;
            }
            self.out.managed += 1;
            let (fields, after) = policy_fields(want, have);
            self.update_or_nothing(
                Kind::Policy,
                name,
                fields,
                || Object::Policy(have.clone()),
                || Object::Policy(after),
            );
        }
        let desired = &self.desired.objects.policies;
        self.leftovers(
            Kind::Policy,
            live_policies,
            |name| desired.contains_key(name),
            |p: &Policy| Object::Policy(p.clone()),
        );
    }
}

/// Why a live policy of several rules is not managed: the files hold one rule per policy, and
/// writing one would leave NetBird's other rules in place (every later plan would show the same
/// difference) or silently drop them.
fn several_rules(name: &str, have: &Policy) -> String {
    let rules: Vec<String> = have
        .rules
        .iter()
        .enumerate()
        .map(
            |(index, rule)| match rule.name.as_deref().filter(|n| !n.is_empty()) {
                Some(rule_name) => format!("{rule_name:?}"),
                None => format!("rule {}", index + 1),
            },
        )
        .collect();
    format!(
        "policy {name:?} has {} rules live ({}); birdhouse manages policies of one rule and will \
         not rewrite it: split it into one policy per rule (in the dashboard or the API) and name \
         those in the files, or remove {name:?} from the files to leave it as it is",
        have.rules.len(),
        rules.join(", ")
    )
}

/// Field differences of a policy and the live policy with the desired fields applied.
fn policy_fields(want: &Policy, have: &Policy) -> (Fields, Policy) {
    let mut fields = Fields::default();
    if text_differs(want.description.as_ref(), have.description.as_ref()) {
        fields.push("description", &have.description, &want.description);
    }
    fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
    fields.managed(
        "source_posture_checks",
        want.source_posture_checks.as_ref(),
        have.source_posture_checks.as_ref(),
    );
    let mut after = Policy {
        description: want
            .description
            .clone()
            .or_else(|| have.description.clone()),
        enabled: want.enabled.or(have.enabled),
        // Unmanaged stays unmanaged: the write echoes the live ids, which may name a check
        // that no longer exists (NetBird keeps such ids).
        source_posture_checks: want.source_posture_checks.clone(),
        ..have.clone()
    };
    if want.rules.len() != have.rules.len() {
        fields.push("rules", &have.rules, &want.rules);
        after.rules.clone_from(&want.rules);
        return (fields, after);
    }
    for (index, (w, h)) in want.rules.iter().zip(&have.rules).enumerate() {
        let at = |field: &str| format!("rules[{index}].{field}");
        if text_differs(w.name.as_ref(), h.name.as_ref()) {
            fields.push(&at("name"), &h.name, &w.name);
        }
        if text_differs(w.description.as_ref(), h.description.as_ref()) {
            fields.push(&at("description"), &h.description, &w.description);
        }
        fields.managed(&at("enabled"), w.enabled.as_ref(), h.enabled.as_ref());
        if w.action != h.action {
            fields.push(&at("action"), &h.action, &w.action);
        }
        if w.protocol != h.protocol {
            fields.push(&at("protocol"), &h.protocol, &w.protocol);
        }
        fields.managed(
            &at("bidirectional"),
            w.bidirectional.as_ref(),
            h.bidirectional.as_ref(),
        );
        if w.ports != h.ports {
            fields.push(&at("ports"), &h.ports, &w.ports);
        }
        if w.sources != h.sources {
            fields.push(&at("sources"), &h.sources, &w.sources);
        }
        if w.source_resource != h.source_resource {
            fields.push(
                &at("source_resource"),
                &h.source_resource,
                &w.source_resource,
            );
        }
        if w.destination != h.destination {
            fields.push(&at("destination"), &h.destination, &w.destination);
        }
        if w.authorized_groups != h.authorized_groups {
            fields.push(
                &at("authorized_groups"),
                &h.authorized_groups,
                &w.authorized_groups,
            );
        }
        let rule = &mut after.rules[index];
        rule.name = w.name.clone().or_else(|| h.name.clone());
        rule.description = w.description.clone().or_else(|| h.description.clone());
        rule.enabled = w.enabled.or(h.enabled);
        rule.action = w.action;
        rule.protocol = w.protocol;
        rule.bidirectional = w.bidirectional.or(h.bidirectional);
        rule.ports.clone_from(&w.ports);
        rule.sources.clone_from(&w.sources);
        rule.source_resource.clone_from(&w.source_resource);
        rule.destination = w.destination.clone();
        rule.authorized_groups.clone_from(&w.authorized_groups);
    }
    (fields, after)
}
