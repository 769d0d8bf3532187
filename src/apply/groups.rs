//! Groups: created first (everything else names them), deleted last, after the plan's detach
//! changes have taken them out of whatever still named them.

use crate::apply::{ApplyError, Executor};
use crate::kinds::{Group, Kind};

impl Executor<'_> {
    pub(super) async fn create_group(&mut self, group: &Group) -> Result<(), ApplyError> {
        let name = group.name.as_str();
        let body = crate::kinds::group::request::create(group, &self.state);
        let client = &self.client;
        let group = self
            .create_or_find(
                &format!("group {name:?}"),
                || Box::pin(client.create_group(&body)),
                || {
                    Box::pin(async move {
                        let groups = client.list_groups().await?;
                        Ok(groups.into_iter().find(|g| g.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_group(group);
        Ok(())
    }

    /// A group's member peers, the only thing about a group that changes in place.
    pub(super) async fn update_group(&mut self, group: &Group) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Group, &group.name)?;
        let Some(live) = self.state.wire.groups.iter().find(|g| g.id == id).cloned() else {
            return Err(ApplyError::MissingId {
                kind: Kind::Group,
                name: group.name.clone(),
            });
        };
        let body = crate::kinds::group::request::update(group, &live, &self.state);
        let answer = self.client.update_group(&id, &body).await?;
        self.state.put_group(answer);
        Ok(())
    }

    pub(super) async fn delete_group(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Group, name)?;
        self.client.delete_group(&id).await?;
        self.state.remove_group(name, &id);
        Ok(())
    }
}
