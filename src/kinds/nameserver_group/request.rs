//! This kind as a write: model objects → request bodies, group names sent as ids. A PUT
//! replaces every field; the planner has already filled what the files leave out from the
//! live group (`NameserverGroup::over`), so defaults here apply only at creation.

use crate::kinds::kit::ids::{Ids, MissingId};
use crate::kinds::{NameserverGroup, wire};

/// The body that creates or replaces `group`.
pub(crate) fn nameserver_group(
    group: &NameserverGroup,
    ids: &impl Ids,
) -> Result<wire::NameserverGroupRequest, MissingId> {
    Ok(wire::NameserverGroupRequest {
        name: group.name.clone(),
        description: group.description.clone().unwrap_or_default(),
        nameservers: group
            .nameservers
            .iter()
            .map(|ns| wire::NameserverWire {
                ip: ns.ip.to_string(),
                ns_type: ns.ns_type.clone(),
                port: i64::from(ns.port),
            })
            .collect(),
        groups: ids.group_ids(&group.groups)?,
        primary: group.primary(),
        domains: group.domains.iter().cloned().collect(),
        search_domains_enabled: group.search_domains_enabled.unwrap_or(false),
        enabled: group.enabled.unwrap_or(true),
    })
}
