//! Users (by lower-case email) and service users (by name). Ownership is never moved: a role
//! change to or from owner is an error for the tenant.

use crate::model::{Kind, Role, ServiceUser, User};
use crate::plan::Object;
use crate::plan::equality::managed_differs;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn users(&mut self) {
        let live_users = &self.live.objects.users;
        for (key, want) in &self.desired.objects.users {
            let Some(have) = live_users.get(key) else {
                if want.role == Some(Role::Owner) {
                    self.out.errors.push(format!("user {:?} cannot be created as owner: a tenant has one owner and birdhouse never transfers ownership", want.email));
                    continue;
                }
                self.create(Kind::User, key, Object::User(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            let owner_change = managed_differs(want.role.as_ref(), have.role.as_ref())
                && (want.role == Some(Role::Owner) || have.role == Some(Role::Owner));
            if owner_change {
                self.out.errors.push(format!(
                    "user {:?}: the file asks to change the role {} → {}; birdhouse never transfers ownership (do it in the dashboard, then update the file)",
                    want.email,
                    have.role.map_or("none", Role::as_str),
                    want.role.map_or("none", Role::as_str)
                ));
            } else {
                fields.managed("role", want.role.as_ref(), have.role.as_ref());
            }
            fields.managed(
                "auto_groups",
                want.auto_groups.as_ref(),
                have.auto_groups.as_ref(),
            );
            fields.managed("blocked", want.blocked.as_ref(), have.blocked.as_ref());
            let after = User {
                role: if owner_change {
                    have.role
                } else {
                    want.role.or(have.role)
                },
                auto_groups: want
                    .auto_groups
                    .clone()
                    .or_else(|| have.auto_groups.clone()),
                blocked: want.blocked.or(have.blocked),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::User,
                key,
                fields,
                Object::User(have.clone()),
                Object::User(after),
            );
        }
        let desired = &self.desired.objects.users;
        self.leftovers(
            Kind::User,
            live_users,
            |key| desired.contains_key(key),
            |u: &User| Object::User(u.clone()),
        );
    }

    pub(super) fn service_users(&mut self) {
        let live_users = &self.live.objects.service_users;
        for (name, want) in &self.desired.objects.service_users {
            if self.ambiguous(Kind::ServiceUser, name) {
                continue;
            }
            let Some(have) = live_users.get(name) else {
                self.create(Kind::ServiceUser, name, Object::ServiceUser(want.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            fields.managed("role", want.role.as_ref(), have.role.as_ref());
            fields.managed(
                "auto_groups",
                want.auto_groups.as_ref(),
                have.auto_groups.as_ref(),
            );
            let after = ServiceUser {
                role: want.role.or(have.role),
                auto_groups: want
                    .auto_groups
                    .clone()
                    .or_else(|| have.auto_groups.clone()),
                ..have.clone()
            };
            self.update_or_nothing(
                Kind::ServiceUser,
                name,
                fields,
                Object::ServiceUser(have.clone()),
                Object::ServiceUser(after),
            );
        }
        let desired = &self.desired.objects.service_users;
        self.leftovers(
            Kind::ServiceUser,
            live_users,
            |name| desired.contains_key(name),
            |u: &ServiceUser| Object::ServiceUser(u.clone()),
        );
    }
}
