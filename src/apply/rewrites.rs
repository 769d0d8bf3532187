//! The policy rewrites a plan asks for besides the files' own: taking deleted groups out of a
//! policy (`Reason::Detach`) and pointing a policy at a replaced resource's new id
//! (`Reason::Repoint`). Both start from the live policy as read and change only those ids, so
//! what the model does not hold (posture checks, a source resource, NetBird SSH rules and
//! their authorized groups) is sent back as it was. Each answer is checked for dropped
//! references like every policy write.

use crate::apply::{ApplyError, Executor, to_wire};
use crate::kinds::Kind;
use crate::kinds::wire;

impl Executor<'_> {
    /// Takes `groups` out of the policy's rule sources, destinations and SSH authorized
    /// groups.
    pub(super) async fn detach_policy(
        &mut self,
        name: &str,
        groups: &[String],
    ) -> Result<(), ApplyError> {
        let ids: Vec<String> = groups
            .iter()
            .map(|group| self.state.id(Kind::Group, group))
            .collect::<Result<_, _>>()?;
        let mut body = to_wire::policy_echo(&self.live_policy(name)?);
        for rule in &mut body.rules {
            for list in [&mut rule.sources, &mut rule.destinations]
                .into_iter()
                .flatten()
            {
                list.retain(|g| !ids.contains(g));
            }
            if let Some(authorized) = &mut rule.authorized_groups {
                authorized.retain(|g, _| !ids.contains(g));
            }
            if rule
                .authorized_groups
                .as_ref()
                .is_some_and(std::collections::BTreeMap::is_empty)
            {
                rule.authorized_groups = None;
            }
        }
        self.send_policy(name, &body).await
    }

    /// Points the policy's rules at the new ids of the resources this run replaced.
    pub(super) async fn repoint_policy(&mut self, name: &str) -> Result<(), ApplyError> {
        let mut body = to_wire::policy_echo(&self.live_policy(name)?);
        for rule in &mut body.rules {
            self.repoint_rule(rule);
        }
        self.send_policy(name, &body).await
    }

    /// Replaces, in one rule about to be sent, every resource id this run retired with its
    /// replacement's.
    pub(super) fn repoint_rule(&self, rule: &mut wire::PolicyRuleRequest) {
        for slot in [&mut rule.source_resource, &mut rule.destination_resource]
            .into_iter()
            .flatten()
        {
            if let Some(new) = self.moved_resources.get(&slot.id) {
                *slot = to_wire::resource_ref(&self.state, new);
            }
        }
    }

    /// The live policy of this name, as read or last written in this run.
    pub(super) fn live_policy(&self, name: &str) -> Result<wire::Policy, ApplyError> {
        let id = self.state.id(Kind::Policy, name)?;
        self.state
            .wire
            .policies
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| ApplyError::MissingId {
                kind: Kind::Policy,
                name: name.to_owned(),
            })
    }

    async fn send_policy(
        &mut self,
        name: &str,
        body: &wire::PolicyRequest,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Policy, name)?;
        let answer = self.client.update_policy(&id, body).await?;
        let missing = to_wire::dropped_groups(body, &answer);
        self.state.put_policy(answer);
        self.check_dropped(name, &missing)
    }

    /// Fails when a policy write lost references; `missing` holds ids.
    pub(super) fn check_dropped(&self, policy: &str, missing: &[String]) -> Result<(), ApplyError> {
        if missing.is_empty() {
            return Ok(());
        }
        let names = missing
            .iter()
            .map(|id| {
                let group = self.state.group_name(id);
                let check = self.state.wire.posture_checks.iter().find(|c| &c.id == id);
                match check {
                    _ if group != *id => format!("group {group:?}"),
                    Some(check) => format!("posture check {:?}", check.name),
                    None => format!("{id:?}"),
                }
            })
            .collect();
        Err(ApplyError::DroppedReferences {
            policy: policy.to_owned(),
            missing: names,
        })
    }
}
