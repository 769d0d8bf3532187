//! A nameserver group as read: group ids become names, `null` lists none.

use crate::kinds::kit::names::GroupNames;
use crate::kinds::{Nameserver, NameserverGroup, wire};

/// The group in the model. A nameserver whose address does not parse (the server validated
/// it, so this is not expected) is kept out rather than guessed at.
pub(crate) fn nameserver_group(
    group: &wire::NameserverGroup,
    names: &GroupNames<'_>,
) -> NameserverGroup {
    NameserverGroup {
        name: group.name.clone(),
        description: Some(group.description.clone()),
        nameservers: group
            .nameservers
            .iter()
            .filter_map(|ns| {
                Some(Nameserver {
                    ip: ns.ip.trim_matches(['[', ']']).parse().ok()?,
                    ns_type: ns.ns_type.to_ascii_lowercase(),
                    port: u16::try_from(ns.port).unwrap_or(0),
                })
            })
            .collect(),
        groups: names.names(&group.groups),
        domains: group.domains.iter().cloned().collect(),
        search_domains_enabled: Some(group.search_domains_enabled),
        enabled: Some(group.enabled),
    }
}
