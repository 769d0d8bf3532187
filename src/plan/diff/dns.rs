//! DNS: a nameserver group's every field is updated in place (a PUT replaces the whole group);
//! the DNS settings are one object that is only ever updated, never created or deleted.

use crate::kinds::kit::equality::text_differs;
use crate::kinds::{DnsSettings, Kind, NameserverGroup};
use crate::plan::Object;

use super::{Differ, Fields};

impl Differ<'_> {
    pub(super) fn nameserver_groups(&mut self) {
        let live = &self.live.objects.nameserver_groups;
        for (name, want) in &self.desired.objects.nameserver_groups {
            if self.ambiguous(Kind::NameserverGroup, name) {
                continue;
            }
            let Some(have) = live.get(name) else {
                self.create(
                    Kind::NameserverGroup,
                    name,
                    Object::NameserverGroup(want.clone()),
                );
                continue;
            };
            self.out.managed += 1;
            let fields = nameserver_group_fields(want, have);
            self.update_or_nothing(
                Kind::NameserverGroup,
                name,
                fields,
                Object::NameserverGroup(have.clone()),
                Object::NameserverGroup(want.over(have)),
            );
        }
        let desired = &self.desired.objects.nameserver_groups;
        self.leftovers(
            Kind::NameserverGroup,
            live,
            |name| desired.contains_key(name),
            |g: &NameserverGroup| Object::NameserverGroup(g.clone()),
        );
    }

    pub(super) fn dns_settings(&mut self) {
        let live = &self.live.objects.dns_settings;
        for (name, want) in &self.desired.objects.dns_settings {
            // Read with the kind, so always there; a tenant without them is not planned.
            let Some(have) = live.get(name) else {
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            fields.managed(
                "disabled_management_groups",
                want.disabled_management_groups.as_ref(),
                have.disabled_management_groups.as_ref(),
            );
            let after = DnsSettings {
                disabled_management_groups: want
                    .disabled_management_groups
                    .clone()
                    .or_else(|| have.disabled_management_groups.clone()),
            };
            self.update_or_nothing(
                Kind::DnsSettings,
                name,
                fields,
                Object::DnsSettings(have.clone()),
                Object::DnsSettings(after),
            );
        }
    }
}

/// The managed fields of a nameserver group that differ, by their API names (`primary`
/// changes with `domains`).
fn nameserver_group_fields(want: &NameserverGroup, have: &NameserverGroup) -> Fields {
    let mut fields = Fields::default();
    if text_differs(want.description.as_ref(), have.description.as_ref()) {
        fields.push("description", &have.description, &want.description);
    }
    if want.nameservers != have.nameservers {
        let text = |g: &NameserverGroup| -> Vec<String> {
            g.nameservers.iter().map(ToString::to_string).collect()
        };
        fields.push("nameservers", &text(have), &text(want));
    }
    if want.groups != have.groups {
        fields.push("groups", &have.groups, &want.groups);
    }
    if want.primary() != have.primary() {
        fields.push("primary", &have.primary(), &want.primary());
    }
    if want.domains != have.domains {
        fields.push("domains", &have.domains, &want.domains);
    }
    fields.managed(
        "search_domains_enabled",
        want.search_domains_enabled.as_ref(),
        have.search_domains_enabled.as_ref(),
    );
    fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
    fields
}
