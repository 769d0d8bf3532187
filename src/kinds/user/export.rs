//! This kind as a file would hold it: the live objects as documents, defaults and what the
//! file cannot express left out (see `desired::export` for the rules).

use super::document::{RegularUserDoc, ServiceUserDoc, UserDoc};
use crate::kinds::kit::export::{Exporter, at, non_empty};
use crate::kinds::{Kind, Role};

impl Exporter<'_> {
    pub(crate) fn users(&mut self) -> Vec<UserDoc> {
        let mut docs = Vec::new();
        for (key, user) in &self.source.objects.users {
            if self.withheld(Kind::User, key) {
                continue;
            }
            // The owner is protected; should one slip through, a file may not ask for it.
            let role = user.role.filter(|role| *role != Role::Owner).map(at);
            let auto_groups = self.optional_group_refs(
                user.auto_groups.as_ref(),
                false,
                &format!("user {:?}: auto_groups", user.email),
            );
            docs.push(UserDoc::Regular(RegularUserDoc {
                email: at(user.email.clone()),
                // A user created without a name is named by its email.
                name: non_empty(user.name.as_ref()).filter(|name| *name != user.email),
                role,
                auto_groups,
                blocked: user.blocked.filter(|flag| *flag),
                path: String::new(),
            }));
        }
        docs
    }

    pub(crate) fn service_users(&mut self) -> Vec<UserDoc> {
        let mut docs = Vec::new();
        for (name, user) in &self.source.objects.service_users {
            if self.withheld(Kind::ServiceUser, name) {
                continue;
            }
            let auto_groups = self.optional_group_refs(
                user.auto_groups.as_ref(),
                false,
                &format!("service user {name:?}: auto_groups"),
            );
            docs.push(UserDoc::Service(ServiceUserDoc {
                service: at(name.clone()),
                role: user.role.filter(|role| *role != Role::Owner).map(at),
                auto_groups,
                // A token is a one-time secret: it is never read, so never exported.
                token: None,
                path: String::new(),
            }));
        }
        docs
    }
}
