//! DNS: nameserver groups are created, replaced in place (a PUT sends every field) and
//! deleted by name; the DNS settings are only ever updated, as a whole.

use crate::apply::{ApplyError, Executor};
use crate::kinds::{DnsSettings, Kind, NameserverGroup};

impl Executor<'_> {
    pub(super) async fn create_nameserver_group(
        &mut self,
        group: &NameserverGroup,
    ) -> Result<(), ApplyError> {
        let name = group.name.as_str();
        let body = crate::kinds::nameserver_group::request::nameserver_group(group, &self.state)?;
        let client = &self.client;
        let created = self
            .create_or_find(
                &format!("nameserver group {name:?}"),
                || Box::pin(client.create_nameserver_group(&body)),
                || {
                    Box::pin(async move {
                        let groups = client.list_nameserver_groups().await?;
                        Ok(groups.into_iter().find(|g| g.name == name))
                    })
                },
            )
            .await?
            .into_inner();
        self.state.put_nameserver_group(created);
        Ok(())
    }

    pub(super) async fn update_nameserver_group(
        &mut self,
        group: &NameserverGroup,
    ) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::NameserverGroup, &group.name)?;
        let body = crate::kinds::nameserver_group::request::nameserver_group(group, &self.state)?;
        let answer = self.client.update_nameserver_group(&id, &body).await?;
        self.state.put_nameserver_group(answer);
        Ok(())
    }

    pub(super) async fn delete_nameserver_group(&mut self, name: &str) -> Result<(), ApplyError> {
        let id = self.state.id(Kind::NameserverGroup, name)?;
        self.client.delete_nameserver_group(&id).await?;
        self.state.remove_nameserver_group(name, &id);
        Ok(())
    }

    pub(super) async fn update_dns_settings(
        &mut self,
        settings: &DnsSettings,
    ) -> Result<(), ApplyError> {
        let body = crate::kinds::dns_settings::request::dns_settings(settings, &self.state)?;
        let answer = self.client.update_dns_settings(&body).await?;
        self.state.wire.dns_settings = Some(answer);
        Ok(())
    }
}
