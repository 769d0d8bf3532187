//! Users (by lower-case email) and service users (by name). Ownership is never moved: a role
//! change to or from owner is an error for the tenant.

use std::time::{Duration, UNIX_EPOCH};

use crate::kinds::kit::equality::managed_differs;
use crate::kinds::user::{DAY, days_between};
use crate::kinds::{Kind, Role, ServiceUser, ServiceUserToken, User};
use crate::live::Snapshot;
use crate::plan::{Object, Reason};

use super::{Differ, Fields};

/// The name of the live token the file names, when the service user has it.
fn token_on_record<'a>(live: &'a Snapshot, user: &str, token: &'a str) -> Option<&'a str> {
    live.service_user_tokens
        .get(user)
        .filter(|tokens| tokens.contains(token))
        .map(|_| token)
}

impl Differ<'_> {
    /// The token apply must make for a live service user, and why: the file declares one the
    /// user does not have (its tokens were read), an earlier apply lost its secret, or it
    /// expires within the file's `rotate_before` window (or has expired).
    fn token_to_make(&self, name: &str, want: &ServiceUser) -> Option<(ServiceUserToken, Reason)> {
        let token = want.token.as_ref()?;
        let live_tokens = self.live.service_user_tokens.get(name)?;
        if !live_tokens.contains(&token.name) {
            Some((token.clone(), Reason::Missing))
        } else if self.lost.service_user_tokens.contains(name) {
            Some((token.clone(), Reason::SecretLost))
        } else {
            let window = Duration::from_secs(u64::from(token.rotate_before_days?) * DAY);
            let expires = *self.live.token_expiry.get(name)?.get(&token.name)?;
            let expires = UNIX_EPOCH + Duration::from_secs(expires);
            (expires <= self.now + window).then(|| {
                let days_left = days_between(self.now, expires);
                (token.clone(), Reason::TokenExpiring { days_left })
            })
        }
    }

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
            if self.lost.user_passwords.contains(key) {
                self.out.warnings.push(format!(
                    "the generated password of user {:?} was never saved by an earlier apply \
                     (the secrets file records its creation, not its password); NetBird cannot \
                     reset it through the API: have the user reset it, or delete the user so \
                     the next apply invites them again",
                    want.email
                ));
            }
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
                || Object::User(have.clone()),
                || Object::User(after),
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
            let token = self.token_to_make(name, want);
            if let Some((token, _)) = &token {
                let live_token = token_on_record(self.live, name, &token.name);
                fields.push("token", &live_token, &Some(&token.name));
            }
            let after = ServiceUser {
                role: want.role.or(have.role),
                auto_groups: want
                    .auto_groups
                    .clone()
                    .or_else(|| have.auto_groups.clone()),
                token: token.as_ref().map(|(token, _)| token.clone()),
                ..have.clone()
            };
            match token {
                Some((_, reason @ (Reason::SecretLost | Reason::TokenExpiring { .. }))) => {
                    let change =
                        self.push(Kind::ServiceUser, name, crate::plan::Action::Update, reason);
                    change.before = Some(Object::ServiceUser(have.clone()));
                    change.after = Some(Object::ServiceUser(after));
                    change.fields = fields.0;
                }
                _ => self.update_or_nothing(
                    Kind::ServiceUser,
                    name,
                    fields,
                    || Object::ServiceUser(have.clone()),
                    || Object::ServiceUser(after),
                ),
            }
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
