//! Detaching a group from everything that names it, before deleting it.
//!
//! NetBird refuses to delete a group that anything references and names only the first
//! blocker, so a plain DELETE would fail once per reference and run after run. Instead, the
//! working state says every reference: setup-key and user `auto_groups`, policy rule sources,
//! destinations and NetBird SSH `authorized_groups`, network resources' groups, network routers'
//! peer groups. Each is removed
//! with one PUT, after checking that none would leave an object invalid (a rule without
//! sources, a router without peers); when one would, nothing is written and the error names
//! every such object.
//!
//! Only single-rule policies are rewritten: NetBird's read of a multi-rule policy can omit
//! groups already listed by an earlier rule, so echoing it back could narrow it silently.

use crate::api::wire;
use crate::apply::{ApplyError, Executor, Note, to_wire};
use crate::model::{Kind, RouterTarget, router_key};

impl Executor<'_> {
    pub(super) async fn detach_group(&mut self, id: &str, name: &str) -> Result<(), ApplyError> {
        let blockers = self.blockers(id);
        if !blockers.is_empty() {
            return Err(ApplyError::GroupInUse {
                group: name.to_owned(),
                blockers,
            });
        }
        let without = |ids: &[String]| -> Vec<String> {
            ids.iter().filter(|g| g.as_str() != id).cloned().collect()
        };
        let detached = |from: String| Note::Detached {
            group: name.to_owned(),
            from,
        };

        let keys: Vec<wire::SetupKey> = self.state.wire.setup_keys.clone();
        for key in keys
            .iter()
            .filter(|k| k.auto_groups.iter().any(|g| g == id))
        {
            let body = wire::SetupKeyRequest {
                revoked: key.revoked,
                auto_groups: without(&key.auto_groups),
            };
            let answer = self.client.update_setup_key(&key.id, &body).await?;
            self.state.put_setup_key(answer);
            self.note(&detached(format!("setup key {:?}", key.name)));
        }

        let users: Vec<wire::User> = self.state.wire.users.clone();
        for user in users
            .iter()
            .filter(|u| u.auto_groups.iter().any(|g| g == id))
        {
            let body = wire::UserRequest {
                role: user.role.clone(),
                auto_groups: without(&user.auto_groups),
                is_blocked: user.is_blocked,
            };
            let answer = self.client.update_user(&user.id, &body).await?;
            let (kind, key, label) = if user.is_service_user {
                (Kind::ServiceUser, user.name.clone(), "service user")
            } else {
                (Kind::User, user.email.to_ascii_lowercase(), "user")
            };
            self.state.put_user(kind, &key, answer);
            self.note(&detached(format!("{label} {key:?}")));
        }

        let resources: Vec<wire::NetworkResource> = self.state.wire.resources.clone();
        for resource in resources
            .iter()
            .filter(|r| r.groups.iter().any(|g| g.id == id))
        {
            let Some(network_id) = self
                .state
                .network_of_resource(&resource.id)
                .map(|n| n.id.clone())
            else {
                continue;
            };
            let groups: Vec<String> = resource.groups.iter().map(|g| g.id.clone()).collect();
            let body = wire::NetworkResourceRequest {
                name: resource.name.clone(),
                description: Some(resource.description.clone()),
                address: resource.address.clone(),
                enabled: resource.enabled,
                groups: without(&groups),
            };
            let answer = self
                .client
                .update_network_resource(&network_id, &resource.id, &body)
                .await?;
            self.state.put_resource(&network_id, answer);
            self.note(&detached(format!("network resource {:?}", resource.name)));
        }

        let routers: Vec<wire::NetworkRouter> = self.state.wire.routers.clone();
        for router in routers
            .iter()
            .filter(|r| r.peer_groups.iter().any(|g| g == id))
        {
            let Some(network) = self.state.network_of_router(&router.id).cloned() else {
                continue;
            };
            let old_key = router_key(&network.name, &self.router_target(&router.peer_groups));
            let body = wire::NetworkRouterRequest {
                peer: None,
                peer_groups: Some(without(&router.peer_groups)),
                masquerade: router.masquerade,
                metric: router.metric,
                enabled: router.enabled,
            };
            let answer = self
                .client
                .update_network_router(&network.id, &router.id, &body)
                .await?;
            self.state.forget_id(Kind::NetworkRouter, &old_key);
            let new_key = router_key(&network.name, &self.router_target(&answer.peer_groups));
            self.state.put_router(&network.id, &new_key, answer);
            self.note(&detached(format!("network router {old_key:?}")));
        }

        let policies: Vec<wire::Policy> = self.state.wire.policies.clone();
        for policy in policies.iter().filter(|p| names_group(p, id)) {
            let mut body = to_wire::policy_echo(policy);
            for rule in &mut body.rules {
                for list in [&mut rule.sources, &mut rule.destinations]
                    .into_iter()
                    .flatten()
                {
                    list.retain(|g| g != id);
                }
                // NetBird SSH: the group's local users go with it.
                if let Some(authorized) = &mut rule.authorized_groups {
                    authorized.remove(id);
                }
                if rule
                    .authorized_groups
                    .as_ref()
                    .is_some_and(std::collections::BTreeMap::is_empty)
                {
                    rule.authorized_groups = None;
                }
            }
            let answer = self.client.update_policy(&policy.id, &body).await?;
            let missing = to_wire::dropped_groups(&body, &answer);
            self.state.put_policy(answer);
            self.check_dropped(&policy.name, &missing)?;
            self.note(&detached(format!("policy {:?}", policy.name)));
        }
        Ok(())
    }

    /// Objects that detaching group `id` would leave invalid, described.
    fn blockers(&self, id: &str) -> Vec<String> {
        let wire = &self.state.wire;
        let mut blockers = Vec::new();
        for policy in wire.policies.iter().filter(|p| names_group(p, id)) {
            if policy.rules.len() > 1 {
                blockers.push(format!(
                    "policy {:?} (it has {} rules; birdhouse rewrites only single-rule policies)",
                    policy.name,
                    policy.rules.len()
                ));
                continue;
            }
            for rule in &policy.rules {
                let left = |groups: &[wire::GroupMinimum]| groups.iter().any(|g| g.id != id);
                let named = |groups: &[wire::GroupMinimum]| groups.iter().any(|g| g.id == id);
                if named(&rule.sources) && !left(&rule.sources) && rule.source_resource.is_none() {
                    blockers.push(format!(
                        "policy {:?} (the group is its only source)",
                        policy.name
                    ));
                }
                if named(&rule.destinations)
                    && !left(&rule.destinations)
                    && rule.destination_resource.is_none()
                {
                    blockers.push(format!(
                        "policy {:?} (the group is its only destination)",
                        policy.name
                    ));
                }
            }
        }
        for router in &wire.routers {
            let peer = router.peer.as_deref().is_some_and(|p| !p.is_empty());
            if !peer && router.peer_groups.iter().all(|g| g == id) && !router.peer_groups.is_empty()
            {
                let network = self
                    .state
                    .network_of_router(&router.id)
                    .map_or("?", |n| n.name.as_str());
                blockers.push(format!(
                    "network router {:?} (the group is its only peer group)",
                    router_key(network, &self.router_target(&router.peer_groups))
                ));
            }
        }
        blockers
    }

    fn router_target(&self, group_ids: &[String]) -> RouterTarget {
        RouterTarget::PeerGroups(group_ids.iter().map(|g| self.state.group_name(g)).collect())
    }

    /// Fails when a policy write lost references; `missing` holds ids.
    pub(super) fn check_dropped(&self, policy: &str, missing: &[String]) -> Result<(), ApplyError> {
        if missing.is_empty() {
            return Ok(());
        }
        let names = missing
            .iter()
            .map(|id| {
                let name = self.state.group_name(id);
                if name == *id {
                    format!("{id:?}")
                } else {
                    format!("group {name:?}")
                }
            })
            .collect();
        Err(ApplyError::DroppedReferences {
            policy: policy.to_owned(),
            missing: names,
        })
    }
}

/// Whether a policy names the group: in a rule's sources, destinations, or SSH authorized
/// groups.
fn names_group(policy: &wire::Policy, id: &str) -> bool {
    policy.rules.iter().any(|r| {
        r.sources.iter().any(|g| g.id == id)
            || r.destinations.iter().any(|g| g.id == id)
            || r.authorized_groups.contains_key(id)
    })
}
