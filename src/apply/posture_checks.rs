//! Posture checks: written before the policies that name them, deleted after the policies
//! that stopped naming them (the server refuses to delete a check a policy still names, and
//! the plan has already refused such a delete).

use crate::apply::{ApplyError, Executor};
use crate::kinds::{Kind, PostureCheck};

impl Executor<'_> {
    pub(super) async fn create_posture_check(
        &mut self,
        check: &PostureCheck,
    ) -> Result<(), ApplyError> {
        let name = check.name.as_str();
        let body = crate::kinds::posture_check::request::posture_check(check, None);
        let client = &self.client;
        let created = self
            .create_or_find(
                &format!("posture check {name:?}"),
                || Box::pin(client.create_posture_check(&body)),
                || {
                    Box::pin(async move {
                        let checks = client.list_posture_checks().await?;
                        Ok(checks.into_iter().find(|c| c.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_posture_check(created);
        Ok(())
    }

    pub(super) async fn update_posture_check(
        &mut self,
        check: &PostureCheck,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::PostureCheck, &check.name)?;
        let live = self.state.wire.posture_checks.iter().find(|c| c.id == id);
        let body = crate::kinds::posture_check::request::posture_check(check, live);
        let answer = self.client.update_posture_check(&id, &body).await?;
        self.state.put_posture_check(answer);
        Ok(())
    }

    pub(super) async fn delete_posture_check(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::PostureCheck, name)?;
        self.client.delete_posture_check(&id).await?;
        self.state.remove_posture_check(name, &id);
        Ok(())
    }
}
