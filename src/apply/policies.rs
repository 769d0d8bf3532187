//! Policies: written last (they name groups and resources), deleted first. A write sends one
//! rule, keeping the live rule's id so the rule is updated rather than replaced, and is then
//! checked against the answer: NetBird drops unknown group ids from a policy without an error,
//! and a policy quietly narrower than the files is a failure, not a success.

use crate::apply::{ApplyError, Executor, to_wire};
use crate::kinds::{Kind, Policy};

impl Executor<'_> {
    pub(super) async fn write_policy(
        &mut self,
        policy: &Policy,
        update: bool,
    ) -> Result<(), ApplyError> {
        let name = policy.name.as_str();
        let live = if update {
            Some(self.live_policy(name)?)
        } else {
            None
        };
        let mut body = to_wire::policy(policy, live.as_ref(), &self.state)?;
        // A source resource echoed from the live rule may be one this run replaced.
        for rule in &mut body.rules {
            self.repoint_rule(rule);
        }
        let answer = if let Some(live) = &live {
            self.client.update_policy(&live.id, &body).await?
        } else {
            let client = &self.client;
            self.create_or_find(
                &format!("policy {name:?}"),
                || Box::pin(client.create_policy(&body)),
                || {
                    Box::pin(async move {
                        let policies = client.list_policies().await?;
                        Ok(policies.into_iter().find(|p| p.name == name))
                    })
                },
            )
            .await?
            .into_inner()
        };
        let missing = to_wire::dropped_groups(&body, &answer);
        self.state.put_policy(answer);
        self.check_dropped(name, &missing)
    }

    pub(super) async fn delete_policy(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Policy, name)?;
        self.client.delete_policy(&id).await?;
        self.state.remove_policy(name, &id);
        Ok(())
    }
}
