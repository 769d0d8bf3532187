//! Groups: created first (everything else names them), deleted last, after the plan's detach
//! changes have taken them out of whatever still named them.

use crate::apply::{ApplyError, Executor};
use crate::kinds::Kind;

impl Executor<'_> {
    pub(super) async fn create_group(&mut self, name: &str) -> Result<(), ApplyError> {
        let body = crate::kinds::group::request::create(name);
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

    pub(super) async fn delete_group(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::Group, name)?;
        self.client.delete_group(&id).await?;
        self.state.remove_group(name, &id);
        Ok(())
    }
}
