//! DNS: a nameserver group's every field is updated in place (a PUT replaces the whole group);
//! the DNS settings are one object that is only ever updated, never created or deleted; a
//! zone's name, flags and groups are updated in place (its domain is its identity), and its
//! records are changes of their own, of which only the TTL is updated in place (name, type
//! and content are a record's identity).

use std::collections::BTreeMap;

use crate::kinds::kit::equality::text_differs;
use crate::kinds::{DnsSettings, DnsZone, Kind, NameserverGroup, record_key};
use crate::plan::{Object, ZoneRecord};

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
                || Object::NameserverGroup(have.clone()),
                || Object::NameserverGroup(want.over(have)),
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
                || Object::DnsSettings(have.clone()),
                || Object::DnsSettings(after),
            );
        }
    }
}

impl Differ<'_> {
    pub(super) fn dns_zones(&mut self) {
        let live = &self.live.objects.dns_zones;
        let empty = BTreeMap::new();
        for (domain, want) in &self.desired.objects.dns_zones {
            if self.ambiguous(Kind::DnsZone, domain) {
                continue;
            }
            let live_records = if let Some(have) = live.get(domain) {
                self.out.managed += 1;
                let fields = zone_fields(want, have);
                let after = DnsZone {
                    enabled: want.enabled.or(have.enabled),
                    enable_search_domain: want.enable_search_domain.or(have.enable_search_domain),
                    ..want.header()
                };
                self.update_or_nothing(
                    Kind::DnsZone,
                    domain,
                    fields,
                    || Object::DnsZone(have.header()),
                    || Object::DnsZone(after),
                );
                &have.records
            } else {
                self.create(Kind::DnsZone, domain, Object::DnsZone(want.header()));
                &empty
            };
            self.dns_records(want, live_records);
        }
        let desired = &self.desired.objects.dns_zones;
        self.leftovers(
            Kind::DnsZone,
            live,
            |domain| desired.contains_key(domain),
            |z: &DnsZone| Object::DnsZone(z.header()),
        );
    }

    /// The records of one zone the files name: missing ones created, TTLs updated, live ones
    /// the files do not list deleted when records are pruned.
    fn dns_records(&mut self, zone: &DnsZone, live: &BTreeMap<String, crate::kinds::DnsRecord>) {
        let child = |record: &crate::kinds::DnsRecord| {
            Object::DnsRecord(ZoneRecord {
                zone: zone.domain.clone(),
                record: record.clone(),
            })
        };
        for (key, want) in &zone.records {
            let name = record_key(&zone.domain, want);
            let Some(have) = live.get(key) else {
                self.create(Kind::DnsRecord, &name, child(want));
                continue;
            };
            self.out.managed += 1;
            let mut fields = Fields::default();
            fields.managed("ttl", want.ttl.as_ref(), have.ttl.as_ref());
            let after = crate::kinds::DnsRecord {
                ttl: want.ttl.or(have.ttl),
                ..want.clone()
            };
            self.update_or_nothing(
                Kind::DnsRecord,
                &name,
                fields,
                || child(have),
                || child(&after),
            );
        }
        for (key, have) in live {
            if zone.records.contains_key(key) {
                continue;
            }
            let name = record_key(&zone.domain, have);
            if self.pruned(Kind::DnsRecord) {
                self.out.managed += 1;
                self.delete(Kind::DnsRecord, &name, child(have));
            } else {
                self.leave_alone(Kind::DnsRecord, &name);
            }
        }
    }
}

/// The managed fields of a zone that differ.
fn zone_fields(want: &DnsZone, have: &DnsZone) -> Fields {
    let mut fields = Fields::default();
    if want.name != have.name {
        fields.push("name", &have.name, &want.name);
    }
    fields.managed("enabled", want.enabled.as_ref(), have.enabled.as_ref());
    fields.managed(
        "enable_search_domain",
        want.enable_search_domain.as_ref(),
        have.enable_search_domain.as_ref(),
    );
    if want.distribution_groups != have.distribution_groups {
        fields.push(
            "distribution_groups",
            &have.distribution_groups,
            &want.distribution_groups,
        );
    }
    fields
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
