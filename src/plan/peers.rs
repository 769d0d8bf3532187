//! Peers are referenced by name, like everything else: a router's, a route's or a policy rule's
//! `peer: gw-1` names the peer called gw-1. The names are resolved against the tenant's peer list (read
//! only when something names a peer); a value that is a live peer's id is accepted and read as that peer's
//! name (older files and exports wrote ids). An unknown or ambiguous peer is an error for the
//! tenant, with a did-you-mean, never a router or route pointed at a peer that does not exist.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::desired::DesiredTenant;
use crate::diag::did_you_mean_hint;
use crate::kinds::{Destination, RouterTarget, RuleResource};
use crate::live::Snapshot;

/// `desired` with every router's peer written as the live peer's name, and the problems found.
pub(super) fn resolve_peers<'a>(
    desired: &'a DesiredTenant,
    live: &Snapshot,
) -> (Cow<'a, DesiredTenant>, Vec<String>) {
    let names_a_peer = desired.objects.names_a_peer();
    let Some(peers) = live.peers.as_ref().filter(|_| names_a_peer) else {
        return (Cow::Borrowed(desired), Vec::new());
    };
    let mut errors = Vec::new();
    let mut resolved = desired.clone();
    for network in resolved.objects.networks.values_mut() {
        let routers = std::mem::take(&mut network.routers);
        for (target, mut router) in routers {
            if let RouterTarget::Peer(value) = &target {
                match peer_name(value, peers) {
                    Ok(name) => router.target = RouterTarget::Peer(name),
                    Err(problem) => errors.push(format!(
                        "network {:?}: router {target}: {problem}",
                        network.name
                    )),
                }
            }
            network.routers.insert(router.target.clone(), router);
        }
    }
    for (name, group) in &mut resolved.objects.groups {
        if let Some(members) = group.peers.take() {
            let mut named = std::collections::BTreeSet::new();
            for value in members {
                match peer_name(&value, peers) {
                    Ok(peer) => {
                        named.insert(peer);
                    }
                    Err(problem) => errors.push(format!("group {name:?}: peers: {problem}")),
                }
            }
            group.peers = Some(named);
        }
    }
    for (network_id, route) in &mut resolved.objects.routes {
        if let RouterTarget::Peer(value) = &route.via {
            match peer_name(value, peers) {
                Ok(name) => route.via = RouterTarget::Peer(name),
                Err(problem) => errors.push(format!("route {network_id:?}: peer: {problem}")),
            }
        }
    }
    for (name, policy) in &mut resolved.objects.policies {
        for rule in &mut policy.rules {
            let source = rule.source_resource.as_mut();
            let destination = match &mut rule.destination {
                Destination::Resource(target) => Some(target),
                Destination::Groups(_) => None,
            };
            for target in [source, destination].into_iter().flatten() {
                if let RuleResource::Peer(value) = target {
                    match peer_name(value, peers) {
                        Ok(peer) => *value = peer,
                        Err(problem) => errors.push(format!("policy {name:?}: {problem}")),
                    }
                }
            }
        }
    }
    (Cow::Owned(resolved), errors)
}

/// The name of the peer `value` names (by name, or by id), or why there is none.
fn peer_name(value: &str, peers: &BTreeMap<String, BTreeSet<String>>) -> Result<String, String> {
    if let Some(ids) = peers.get(value) {
        return match ids.len() {
            1 => Ok(value.to_owned()),
            n => Err(format!(
                "{n} peers are named {value:?}; rename one in the dashboard so the name says which"
            )),
        };
    }
    if let Some((name, ids)) = peers.iter().find(|(_, ids)| ids.contains(value)) {
        return if ids.len() == 1 {
            Ok(name.clone())
        } else {
            Ok(value.to_owned())
        };
    }
    Err(format!(
        "no peer is named {value:?} in this tenant{} (expected the name of a peer, as the \
         dashboard lists it)",
        did_you_mean_hint(value, peers.keys().map(String::as_str))
    ))
}

#[cfg(test)]
mod tests {
    use super::peer_name;
    use std::collections::{BTreeMap, BTreeSet};

    fn peers() -> BTreeMap<String, BTreeSet<String>> {
        BTreeMap::from([
            ("gw-1".to_owned(), BTreeSet::from(["p1".to_owned()])),
            (
                "twin".to_owned(),
                BTreeSet::from(["p2".to_owned(), "p3".to_owned()]),
            ),
        ])
    }

    #[test]
    fn names_and_ids_resolve_to_names_and_unknown_ones_suggest() {
        assert_eq!(peer_name("gw-1", &peers()), Ok("gw-1".into()));
        assert_eq!(peer_name("p1", &peers()), Ok("gw-1".into()));
        let unknown = peer_name("gw1", &peers()).unwrap_err();
        assert!(unknown.contains("did you mean \"gw-1\"?"), "{unknown}");
        let twin = peer_name("twin", &peers()).unwrap_err();
        assert!(twin.contains("2 peers are named \"twin\""), "{twin}");
    }
}
