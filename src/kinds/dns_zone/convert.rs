//! A zone as read: group ids become names, records are keyed by name, type and content. A
//! record of a type birdhouse does not know is left out of the model (and so never touched).

use std::collections::BTreeMap;

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{DnsRecord, DnsZone, wire};

pub(crate) fn zone(zone: &wire::Zone, names: &GroupNames<'_>) -> DnsZone {
    let records: BTreeMap<String, DnsRecord> = zone
        .records
        .iter()
        .filter_map(record)
        .map(|r| (r.key(), r))
        .collect();
    DnsZone {
        domain: zone.domain.clone(),
        name: zone.name.clone(),
        enabled: Some(zone.enabled),
        enable_search_domain: Some(zone.enable_search_domain),
        distribution_groups: names.names(&zone.distribution_groups),
        records,
    }
}

pub(crate) fn record(record: &wire::Record) -> Option<DnsRecord> {
    Some(DnsRecord {
        name: record.name.clone(),
        record_type: record.record_type.parse().ok()?,
        content: record.content.clone(),
        ttl: Some(u32::try_from(record.ttl).unwrap_or(0)),
    })
}
