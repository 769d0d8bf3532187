//! This kind as a write: zones and records → request bodies, group names sent as ids.

use crate::kinds::dns_zone::DEFAULT_RECORD_TTL;
use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::{DnsRecord, DnsZone, wire};

/// The body that creates or replaces `zone` (its records are written on their own).
pub(crate) fn zone(zone: &DnsZone, ids: &impl Ids) -> Result<wire::ZoneRequest, MissingId> {
    Ok(wire::ZoneRequest {
        name: zone.name.clone(),
        domain: zone.domain.clone(),
        enabled: zone.enabled.unwrap_or(true),
        enable_search_domain: zone.enable_search_domain.unwrap_or(false),
        distribution_groups: ids.group_ids(&zone.distribution_groups)?,
    })
}

/// The body that creates or replaces `record`.
pub(crate) fn record(record: &DnsRecord) -> wire::RecordRequest {
    wire::RecordRequest {
        name: record.name.clone(),
        record_type: record.record_type.to_string(),
        content: record.content.clone(),
        ttl: record.ttl.unwrap_or(DEFAULT_RECORD_TTL),
    }
}
