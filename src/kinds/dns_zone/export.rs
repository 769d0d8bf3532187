//! Zones as a file would hold them: every zone, by domain, with its records; the defaults a
//! create would give left out. A zone that names a group the file cannot list, or that has
//! none, is left out with a warning.

use super::DEFAULT_RECORD_TTL;
use super::document::{RecordDoc, ZoneDoc};
use crate::kinds::Kind;
use crate::kinds::kit::export::{Exporter, at};

impl Exporter<'_> {
    pub(crate) fn dns_zones(&mut self) -> Vec<ZoneDoc> {
        let mut docs = Vec::new();
        for (domain, zone) in &self.source.objects.dns_zones {
            if self.withheld(Kind::DnsZone, domain) {
                continue;
            }
            let what = format!("DNS zone {domain:?}");
            if zone.distribution_groups.is_empty() {
                self.warn(format!(
                    "{what} left out: it has no distribution group, and a file's zone needs one"
                ));
                continue;
            }
            let Some(groups) = self.group_refs(&zone.distribution_groups, true, &what, "left out")
            else {
                continue;
            };
            let records = zone
                .records
                .values()
                .map(|r| RecordDoc {
                    name: at(r.name.clone()),
                    record_type: at(r.record_type),
                    content: at(r.content.clone()),
                    ttl: r.ttl.filter(|ttl| *ttl != DEFAULT_RECORD_TTL),
                    path: String::new(),
                })
                .collect();
            docs.push(ZoneDoc {
                domain: at(domain.clone()),
                name: at(zone.name.clone()),
                enabled: zone.enabled.filter(|on| !on),
                enable_search_domain: zone.enable_search_domain.filter(|on| *on),
                distribution_groups: groups,
                records,
                path: String::new(),
            });
        }
        docs
    }
}
