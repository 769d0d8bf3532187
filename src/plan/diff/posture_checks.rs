//! Posture checks: the description and the checks are updated in place (a PUT replaces both);
//! nothing about a check is create-only.

use crate::kinds::kit::equality::text_differs;
use crate::kinds::{Kind, PostureCheck};
use crate::plan::Object;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn posture_checks(&mut self) {
        let live = &self.live.objects.posture_checks;
        for (name, want) in &self.desired.objects.posture_checks {
            if self.ambiguous(Kind::PostureCheck, name) {
                continue;
            }
            let Some(have) = live.get(name) else {
                self.create(Kind::PostureCheck, name, Object::PostureCheck(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            if text_differs(want.description.as_ref(), have.description.as_ref()) {
                fields.push("description", &have.description, &want.description);
            }
            if want.checks != have.checks {
                fields.push("checks", &have.checks, &want.checks);
            }
            let after = PostureCheck {
                name: name.clone(),
                description: want
                    .description
                    .clone()
                    .or_else(|| have.description.clone()),
                checks: want.checks.clone(),
            };
            self.update_or_nothing(
                Kind::PostureCheck,
                name,
                fields,
                || Object::PostureCheck(have.clone()),
                || Object::PostureCheck(after),
            );
        }
        let desired = &self.desired.objects.posture_checks;
        self.leftovers(
            Kind::PostureCheck,
            live,
            |name| desired.contains_key(name),
            |c: &PostureCheck| Object::PostureCheck(c.clone()),
        );
    }
}
