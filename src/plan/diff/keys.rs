//! Setup keys: update `auto_groups` and `revoked` in place; replace on any create-only field,
//! an expired key, or a revoked key the file wants valid.

use crate::kinds::KeyExpiry;
use crate::kinds::setup_key::equality::{
    ExpiryVerdict, created_validity, expiry_verdict, usage_limit_differs,
};
use crate::kinds::{ExpiresIn, Kind, SetupKey, SetupKeyType};
use crate::plan::{Object, Reason};

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn setup_keys(&mut self) {
        let live_keys = &self.live.objects.setup_keys;
        for (name, desired) in &self.desired.objects.setup_keys {
            if self.ambiguous(Kind::SetupKey, name) {
                continue;
            }
            let Some(live) = live_keys.get(name) else {
                self.create(Kind::SetupKey, name, Object::SetupKey(desired.clone()));
                continue;
            };
            self.out.managed += 1;
            let mut create_only = Fields::default();
            if desired.key_type != live.key_type {
                create_only.push("type", &live.key_type, &desired.key_type);
            }
            if usage_limit_differs(
                desired.key_type,
                desired.usage_limit,
                live.key_type,
                live.usage_limit,
            ) {
                let wanted = desired
                    .usage_limit
                    .map(|limit| {
                        if desired.key_type == SetupKeyType::OneOff {
                            1
                        } else {
                            limit
                        }
                    })
                    .or(Some(1));
                create_only.push("usage_limit", &live.usage_limit, &wanted);
            }
            create_only.managed(
                "ephemeral",
                desired.ephemeral.as_ref(),
                live.ephemeral.as_ref(),
            );
            create_only.managed(
                "allow_extra_dns_labels",
                desired.allow_extra_dns_labels.as_ref(),
                live.allow_extra_dns_labels.as_ref(),
            );
            let live_expiry = self.live.key_expiry.get(name).copied();
            let lifetime = self.live.key_lifetime_ms.get(name).copied();
            let expiry = expiry_verdict(desired.expires_in, live_expiry, lifetime);
            if expiry == ExpiryVerdict::Differs {
                // What the key was made with, as far as it shows: never, or its validity.
                let was = match live_expiry {
                    Some(KeyExpiry::Never) => Some(ExpiresIn::Never),
                    _ => lifetime.and_then(created_validity),
                };
                create_only.push("expires_in", &was, &desired.expires_in);
            }
            let unrevoke = desired.revoked == Some(false) && live.revoked == Some(true);
            let reason = if let Some(first) = create_only.0.first() {
                Some(Reason::CreateOnly {
                    field: first.field.clone(),
                })
            } else if expiry == ExpiryVerdict::Expired {
                Some(Reason::Expired)
            } else if unrevoke {
                Some(Reason::Revoked)
            } else if self.lost.setup_keys.contains(name) {
                Some(Reason::SecretLost)
            } else {
                None
            };
            if let Some(reason) = reason {
                let mut fields = create_only;
                fields.managed(
                    "auto_groups",
                    desired.auto_groups.as_ref(),
                    live.auto_groups.as_ref(),
                );
                self.replace(
                    Kind::SetupKey,
                    name,
                    reason,
                    (
                        Some(Object::SetupKey(live.clone())),
                        Object::SetupKey(desired.clone()),
                    ),
                    fields,
                );
                continue;
            }
            if desired.revoked.is_none() && live.revoked == Some(true) {
                self.out.warnings.push(format!(
                    "setup key {name:?} is revoked live; the file does not manage `revoked`, so \
                     it stays revoked (write `revoked: true` to say so, or `revoked: false` for \
                     a new, valid key)"
                ));
            }
            let mut fields = Fields::default();
            fields.managed(
                "auto_groups",
                desired.auto_groups.as_ref(),
                live.auto_groups.as_ref(),
            );
            fields.managed("revoked", desired.revoked.as_ref(), live.revoked.as_ref());
            self.update_or_nothing(
                Kind::SetupKey,
                name,
                fields,
                || Object::SetupKey(live.clone()),
                || {
                    Object::SetupKey(SetupKey {
                        auto_groups: desired
                            .auto_groups
                            .clone()
                            .or_else(|| live.auto_groups.clone()),
                        revoked: desired.revoked.or(live.revoked),
                        ..live.clone()
                    })
                },
            );
        }
        let desired = &self.desired.objects.setup_keys;
        self.leftovers(
            Kind::SetupKey,
            live_keys,
            |name| desired.contains_key(name),
            |k: &SetupKey| Object::SetupKey(k.clone()),
        );
    }
}
