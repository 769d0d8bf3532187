//! The policy writes a network resource's replace needs, as changes of their own. A resource
//! moved to another network is deleted and created anew, with a new id; a policy that targets
//! it and that the plan does not write itself still holds the old id, so it is pointed at the
//! new resource with one PUT, and the plan says so (the policy may be one the files never
//! mention). A policy the plan writes anyway names the resource by name and gets the new id
//! in that write.

use crate::kinds::{Destination, Kind, RuleResource};
use crate::live::Snapshot;
use crate::plan::{Action, Change, FieldChange, Object, Reason};

/// One change per live policy, not written by `changes`, that targets a resource `changes`
/// replace.
pub(super) fn repoint_changes(changes: &[Change], live: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    for replace in changes
        .iter()
        .filter(|c| c.kind == Kind::NetworkResource && c.action == Action::Replace)
    {
        let (Some(Object::NetworkResource(_)), Some(Object::NetworkResource(new))) =
            (&replace.before, &replace.after)
        else {
            continue;
        };
        let resource = &replace.name;
        for (name, policy) in &live.objects.policies {
            if changes
                .iter()
                .any(|c| c.kind == Kind::Policy && c.name == *name)
            {
                continue;
            }
            let mut after = policy.clone();
            let mut fields = Vec::new();
            for (index, rule) in after.rules.iter_mut().enumerate() {
                let source = rule.source_resource.as_mut();
                let destination = match &mut rule.destination {
                    Destination::Resource(target) => Some(target),
                    Destination::Groups(_) => None,
                };
                for (field, target) in [("source_resource", source), ("destination", destination)] {
                    if let Some(RuleResource::Network(target)) = target
                        && target.resource == *resource
                    {
                        let before = serde_json::to_value(&*target)
                            .expect("invariant: model values serialise to JSON");
                        target.network.clone_from(&new.network);
                        fields.push(FieldChange {
                            field: format!("rules[{index}].{field}"),
                            before,
                            after: serde_json::to_value(&*target)
                                .expect("invariant: model values serialise to JSON"),
                        });
                    }
                }
            }
            if fields.is_empty() {
                continue;
            }
            out.push(Change {
                kind: Kind::Policy,
                name: name.clone(),
                action: Action::Update,
                reason: Reason::Repoint {
                    resource: resource.clone(),
                },
                before: Some(Object::Policy(policy.clone())),
                after: Some(Object::Policy(after)),
                fields,
                drift: false,
            });
        }
    }
    out
}
